// The HTTPS front door: identity endpoints, the control API and ARM's request
// pipeline (authentication -> subscription -> fault injection -> throttling ->
// RBAC -> the resource provider), with ARM's response headers on every answer.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ArmError, toArmError } from './errors.js';
import { faultError, type FaultEffect } from './control.js';
import { rbacActionFor, type ArmRequest, type ArmResponse, type RequestKind, type Router } from './router.js';
import type { EmulatorCore } from './core.js';

const ARM_PATH = /^\/subscriptions\//i;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const h: Record<string, string> = { ...headers };
  if (payload.length > 0 && !h['content-type']) h['content-type'] = 'application/json; charset=utf-8';
  h['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(status, h);
  res.end(payload);
}

export function createRequestListener(
  core: EmulatorCore,
  router: Router,
  control: (req: IncomingMessage, url: URL, body: string) => ArmResponse | undefined,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = core.clock.now();
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname);
    const requestId = randomUUID();
    const correlationId = (req.headers['x-ms-correlation-request-id'] as string | undefined) ?? randomUUID();
    const baseHeaders = { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': correlationId };
    let kind: RequestKind | 'auth' | 'oidc' | 'control' | 'unknown' = 'unknown';
    let status = 500;
    let errorCode: string | undefined;
    let faultType: FaultEffect['type'] | undefined;
    const finish = () =>
      core.control.record({
        method,
        path,
        query: url.search,
        status,
        kind,
        at: startedAt,
        modelMs: core.clock.now() - startedAt,
        errorCode,
        fault: faultType,
      });
    try {
      const raw = await readBody(req);
      // Control API (for standalone use; in-process tests call the handle directly).
      if (path.startsWith('/_emulator/')) {
        kind = 'control';
        const r = control(req, url, raw) ?? { status: 404, body: { error: 'unknown control path' } };
        status = r.status;
        send(res, r.status, r.body, { ...baseHeaders, ...(r.headers ?? {}) });
        return;
      }
      // GitHub's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL).
      if (path === '/_github/idtoken') {
        kind = 'oidc';
        const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const value = core.auth.issueGithubIdToken(bearer, url.searchParams.get('audience'));
        status = 200;
        send(res, 200, { count: 1, value }, baseHeaders);
        return;
      }
      // Entra ID: OpenID metadata and the token endpoint, under /{tenant}/.
      const idp =
        /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/.exec(
          path,
        );
      if (idp) {
        kind = 'auth';
        const [, tenant, what] = idp;
        const base = `https://${req.headers.host}`;
        if (what.startsWith('v2.0')) {
          status = 200;
          send(res, 200, openIdConfiguration(base, tenant), baseHeaders);
        } else if (what.startsWith('discovery')) {
          status = 200;
          send(res, 200, { keys: [] }, baseHeaders);
        } else {
          if (method !== 'POST') throw new ArmError(405, 'MethodNotAllowed', 'Use POST.');
          const r = core.auth.token(tenant, new URLSearchParams(raw));
          status = r.status;
          if (r.status !== 200) errorCode = String(r.body.error);
          send(res, r.status, r.body, { ...baseHeaders, 'cache-control': 'no-store' });
        }
        return;
      }
      if (!ARM_PATH.test(path)) throw new ArmError(404, 'NotFound', `No route for ${method} ${path}.`);
      // ARM: every request needs an api-version (any value is accepted, facts §8).
      if (!url.searchParams.get('api-version')) {
        throw new ArmError(
          400,
          'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.',
        );
      }
      const principal = core.auth.authenticate(req.headers.authorization);
      const sub = path.split('/')[2];
      if (sub.toLowerCase() !== core.config.subscriptionId.toLowerCase()) {
        throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
      }
      // HEAD uses its own route where the provider has one (checkExistence answers 204), else GET's.
      const headMatch = method === 'HEAD' ? router.match('HEAD', path) : undefined;
      const match =
        headMatch && 'route' in headMatch
          ? headMatch
          : router.match(method === 'HEAD' ? 'GET' : method, path);
      if (!('route' in match)) {
        throw match.methodMismatch
          ? new ArmError(
              405,
              'HttpMethodNotAllowed',
              `The http method '${method}' is not supported for a resource collection.`,
            )
          : new ArmError(
              400,
              'InvalidResourceType',
              `The resource type could not be found for path '${path}' and api version '${url.searchParams.get('api-version')}'.`,
            );
      }
      const { route, params } = match;
      kind =
        route.kind ??
        (method === 'GET' || method === 'HEAD'
          ? 'read'
          : method === 'DELETE'
            ? 'delete'
            : method === 'POST'
              ? 'action'
              : 'write');
      let body: any = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new ArmError(
            400,
            'InvalidRequestContent',
            'The request content was invalid and could not be deserialized.',
          );
        }
      }
      const armReq: ArmRequest = {
        method,
        path,
        query: url.searchParams,
        params,
        headers: req.headers,
        body,
        principal,
        requestId,
        correlationId,
        core,
      };
      // Fault injection happens where Azure would fail: after authentication, before the provider.
      const fault = core.control.takeFault(method, path);
      if (fault) {
        faultType = fault.type;
        if (fault.type === 'reset') {
          status = 0;
          req.socket.destroy();
          return;
        }
        if (fault.type === 'error') throw faultError(fault);
        if (fault.type === 'delay') await core.clock.sleep(fault.seconds * 1000);
        if (fault.type === 'asyncFailure') armReq.asyncFault = faultError(fault, 500);
      }
      const policy =
        typeof route.computePolicy === 'function' ? route.computePolicy(armReq) : route.computePolicy;
      const limitHeaders = core.throttler.charge(sub, principal.objectId, kind, policy);
      const action = route.action ?? rbacActionFor(method, path);
      core.auth.authorize(principal, action, path);
      const result = await route.handler(armReq);
      status = result.status;
      send(res, result.status, method === 'HEAD' ? undefined : result.body, {
        ...baseHeaders,
        ...limitHeaders,
        ...(result.headers ?? {}),
      });
    } catch (e) {
      const err = toArmError(e);
      status = err.status;
      errorCode = err.code;
      if (!res.headersSent) send(res, err.status, err.body(), { ...baseHeaders, ...err.headers });
    } finally {
      finish();
    }
  };
}

/** Entra's OpenID Connect metadata document, which MSAL reads before the first token request. */
function openIdConfiguration(base: string, tenant: string): Record<string, unknown> {
  return {
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
    kerberos_endpoint: `${base}/${tenant}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'emulator',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

export function createServer(
  cert: { cert: string; key: string },
  listener: ReturnType<typeof createRequestListener>,
): https.Server {
  return https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => void listener(req, res));
}
