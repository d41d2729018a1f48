// Route table for ARM paths. ARM matches provider namespaces, resource types and
// resource names case-insensitively; route parameters keep the case they were sent in.
import type { IncomingHttpHeaders } from 'node:http';
import type { ArmError } from './errors.js';
import type { EmulatorCore } from './core.js';
import type { Principal } from './auth.js';

export interface ArmRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: any;
  principal?: Principal;
  requestId: string;
  correlationId: string;
  /** Set by fault injection: the long-running operation this request starts fails with this error. */
  asyncFault?: ArmError;
  core: EmulatorCore;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ArmRequest) => ArmResponse | Promise<ArmResponse>;

/** How a request counts for ARM's subscription token buckets (facts §5) and for the request log. */
export type RequestKind = 'read' | 'write' | 'delete' | 'action' | 'poll';

export interface RouteDef {
  method: 'GET' | 'HEAD' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** Path template with {params}, e.g. /subscriptions/{sub}/resourceGroups/{rg} */
  path: string;
  handler: Handler;
  /** Defaults from the method: GET read, PUT/PATCH write, DELETE delete, POST action. */
  kind?: RequestKind;
  /** The Compute throttling policy this call counts against (facts §5), e.g. 'PutVM'. */
  computePolicy?: string | ((req: ArmRequest) => string | undefined);
  /** The RBAC action; derived from the path when absent (see rbacActionFor). */
  action?: string;
  /** Skip the bearer token check (token endpoints, OIDC, control API). */
  anonymous?: boolean;
}

interface CompiledRoute extends RouteDef {
  segments: string[];
}

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(route: RouteDef): void {
    this.routes.push({ ...route, segments: split(route.path) });
  }

  addAll(routes: RouteDef[]): void {
    for (const r of routes) this.add(r);
  }

  /** Finds the route for method and path; `methodMismatch` tells a 405 from a 404. */
  match(method: string, path: string): RouteMatch | { methodMismatch: boolean } {
    const parts = split(path);
    let methodMismatch = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route, params };
    }
    return { methodMismatch };
  }
}

/** Key of the emulator's router in `core.state`, for providers that send requests of their own (ARM's deployment engine). */
export const ROUTER_STATE = 'router';

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t.startsWith('{') && t.endsWith('}')) {
      params[t.slice(1, -1)] = parts[i];
    } else if (t.toLowerCase() !== parts[i].toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

/**
 * The RBAC action Azure checks for a request, derived from the path the way ARM
 * names operations: `{provider}/{type}[/{childType}…]/{read|write|delete}`, and for a
 * POST, the trailing segment as `/{name}/action`, e.g.
 * Microsoft.Compute/virtualMachines/deallocate/action. Resource groups are
 * Microsoft.Resources/subscriptions/resourceGroups/… (learn.microsoft.com
 * role-based-access-control/resource-provider-operations).
 */
export function rbacActionFor(method: string, path: string): string {
  const parts = split(path);
  const verb = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
  const provIdx = parts.findIndex((p) => p.toLowerCase() === 'providers');
  if (provIdx < 0) {
    // /subscriptions/{s}/resourceGroups/{rg}[/resources] or /subscriptions/{s}/operationresults/{id}
    if (parts.length >= 4 && parts[2].toLowerCase() === 'resourcegroups') {
      const tail = parts.length > 4 ? `/${parts[4]}` : '';
      return `Microsoft.Resources/subscriptions/resourceGroups${tail}/${verb}`;
    }
    return `Microsoft.Resources/subscriptions/${parts[2] ?? ''}/${verb}`.replace('//', '/');
  }
  const provider = parts[provIdx + 1];
  const rest = parts.slice(provIdx + 2);
  const types: string[] = [];
  for (let i = 0; i < rest.length; i += 2) types.push(rest[i]);
  if (method === 'POST' && rest.length % 2 === 1) {
    const actionName = types.pop();
    return `${provider}/${types.join('/')}/${actionName}/action`;
  }
  return `${provider}/${types.join('/')}/${verb}`;
}
