// Microsoft.Resources/deployments at resource-group scope: ARM's template deployment engine, for the
// one template the action sends (its build network). What is emulated, and the sources:
//
// Wire protocol (REST spec Azure/azure-rest-api-specs specification/resources/resource-manager/
// Microsoft.Resources/deployments/stable/2025-04-01, examples PutDeploymentResourceGroup.json; the
// @azure/arm-resourcesdeployments 2 client; request logs of Packer and ARO-HCP, which poll
// …/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}/operationStatuses/{id}):
// - PUT …/providers/Microsoft.Resources/deployments/{name}: 201 (200 when it replaces an ended
//   deployment of that name) with the deployment in provisioningState "Accepted" and an
//   Azure-AsyncOperation header …/deployments/{name}/operationStatuses/{id}. The status answers
//   {"status":"Accepted"|"Running"} and then {"status":"Succeeded"} or {"status":"Failed","error":…};
//   the SDK then GETs the deployment (provisioningState, outputResources, error, duration…).
//   No Retry-After is sent (none is seen in the logs above; unverified).
// - A deployment still running cannot be replaced: 409 DeploymentActive (code from ARM's error-code
//   list, learn.microsoft.com azure-resource-manager/troubleshooting/error-codes; wording unverified).
// - GET / HEAD (204 or 404 DeploymentNotFound) / DELETE (202 + Location, polls 202 then 204, as the
//   spec's Deployments_Delete says; a running deployment cannot be deleted) and the list of a group.
// - Deployment operations, GET …/resourcegroups/{rg}/deployments/{name}/operations (the SDK's path;
//   …/providers/Microsoft.Resources/deployments/{name}/operations as the docs write it also works):
//   one per resource, {operationId, properties: {provisioningOperation "Create", provisioningState,
//   timestamp, duration, trackingId, serviceRequestId, statusCode, statusMessage, targetResource}}
//   (learn.microsoft.com azure-resource-manager/templates/deployment-history, example bodies).
// Validation before anything is created (synchronous 400s):
// - The caller needs Microsoft.Resources/deployments/write (the server's RBAC check on the PUT), and
//   ARM checks `{type}/write` on every resource of the template before it accepts the deployment:
//   400 InvalidTemplateDeployment "The template deployment failed with error: 'Authorization failed
//   for template resource '{name}' of type '{type}'. The client … does not have permission to perform
//   action '{type}/write' at scope '{id}'.'." (quoted in Azure-Samples/azure-search-openai-demo#1483,
//   microsoft/metered-billing-accelerator#220; status 400 assumed).
// - Template errors: 400 InvalidTemplate "Deployment template validation failed: '…'." (F5Networks/
//   f5-azure-arm-templates#230: "The resource '…' is not defined in the template. Please see
//   https://aka.ms/arm-template for usage details."). A circular dependsOn is InvalidTemplate too.
// Execution: each resource is PUT through the emulator's own provider routes with the caller's
// principal and the deployment's correlation id (ARM sends the inner requests with the caller's token,
// so RBAC and linked access checks such as …/join/action apply to each), in dependency order, the
// independent ones concurrently; each waits for its own long-running operation (its latency from
// latency.ts). The deployment ends when every resource has ended, plus ARM's own overhead
// (latency `deploymentOverhead`, unverified). Inner requests are not client requests: they appear
// neither in the request log nor in throttling (ARM's own calls to a provider; unverified).
// A resource that fails fails the deployment asynchronously; resources already created stay
// (Incremental mode); resources that depend on a failed one are not attempted. The error:
//   {"code":"DeploymentFailed","target":"{deployment id}","message":"At least one resource deployment
//   operation failed. Please list deployment operations for details. Please see
//   https://aka.ms/arm-deployment-operations for usage details.","details":[…]}
// with, per failed resource (ARO-HCP e2e logs, 2026; Microsoft docs' AVD troubleshooting; bicep
// user reports): a provider that refused the PUT -> {"code":"{HTTP status, e.g. Conflict}",
// "message":"{the provider's error body as JSON text}"}; an operation that ended Failed ->
// {"code":"ResourceDeploymentFailure","target":"{resource id}","message":"The resource write operation
// failed to complete successfully, because it reached terminal provisioning state 'Failed'.",
// "details":[{the operation's error}]}.
//
// Supported template subset (the action's template), everything else is 400 InvalidTemplate naming
// the feature: properties.mode "Incremental"; properties.template with `$schema`, `contentVersion`
// and `resources[]` (optionally empty `parameters`/`variables`/`outputs`); each resource with `type`
// (a top-level type: namespace/type), `apiVersion`, `name`, `location`, `tags`, `sku`, `properties`,
// `dependsOn` (full resource IDs of resources in the template, or `[resourceId('ns/type', 'name')]`).
// No other template expression, no parameters, copy loops, conditions, nested or linked templates.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ArmError, resourceGroupNotFound, toArmError, type ArmErrorDetail } from '../errors.js';
import { faultError } from '../control.js';
import { groupId, view, type ArmResource } from '../store.js';
import {
  ROUTER_STATE,
  rbacActionFor,
  type ArmRequest,
  type ArmResponse,
  type Router,
  type RouteDef,
} from '../router.js';
import type { EmulatorCore } from '../core.js';

const TYPE = 'Microsoft.Resources/deployments';
const SUPPORTED_TEMPLATE_KEYS = new Set([
  '$schema',
  'contentVersion',
  'resources',
  'parameters',
  'variables',
  'outputs',
]);
const SUPPORTED_RESOURCE_KEYS = new Set([
  'type',
  'apiVersion',
  'name',
  'location',
  'tags',
  'sku',
  'properties',
  'dependsOn',
]);
const EXPRESSION = /^\[(?!\[)[\s\S]*\]$/;
const RESOURCE_ID_CALL = /^\[\s*resourceId\(\s*'([^']+)'\s*((?:,\s*'[^']+'\s*)+)\)\s*\]$/i;

/** HTTP reason phrases as ARM writes them in deployment operation status codes. */
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
};

interface TemplateResource {
  id: string;
  type: string;
  name: string;
  apiVersion: string;
  body: Record<string, unknown>;
  dependsOn: string[];
}

interface DeploymentOperation {
  operationId: string;
  resource: TemplateResource;
  state: 'Running' | 'Succeeded' | 'Failed';
  startedAt: number;
  endedAt?: number;
  statusCode?: string;
  statusMessage?: unknown;
  serviceRequestId?: string;
  trackingId: string;
}

interface DeploymentState {
  statusId: string;
  status: 'Accepted' | 'Running' | 'Succeeded' | 'Failed';
  startedAt: number;
  operations: DeploymentOperation[];
  error?: ArmError;
}

const invalidTemplate = (what: string): ArmError =>
  new ArmError(400, 'InvalidTemplate', `Deployment template validation failed: '${what}'.`);

const unsupported = (what: string): ArmError =>
  invalidTemplate(
    `${what} is not supported by this emulator, which implements only the template subset the action uses (see test/emulator/providers/deployments.ts); Azure may accept it`,
  );

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** ISO 8601 duration as ARM writes it (PT22.8356799S, PT7M56.8150879S). */
function isoDuration(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const minutes = Math.floor(total / 60);
  const seconds = (total - minutes * 60).toFixed(7);
  return minutes > 0 ? `PT${minutes}M${seconds}S` : `PT${seconds}S`;
}

/** Finds template expressions anywhere in a value (they are unsupported outside dependsOn). */
function findExpression(value: unknown): string | undefined {
  if (typeof value === 'string') return EXPRESSION.test(value) ? value : undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findExpression(v);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findExpression(k) ?? findExpression(v);
      if (found) return found;
    }
  }
  return undefined;
}

/** Parses and checks the template; returns its resources with full IDs, in template order. */
function parseTemplate(body: any, sub: string, rg: string): TemplateResource[] {
  const props = body?.properties;
  if (!props || typeof props !== 'object') {
    throw new ArmError(
      400,
      'InvalidRequestContent',
      "The request content was invalid: 'properties' is required.",
    );
  }
  if (props.templateLink) throw unsupported("A linked template ('templateLink')");
  if (props.parametersLink) throw unsupported("A linked parameter file ('parametersLink')");
  if (props.parameters && Object.keys(props.parameters).length > 0)
    throw unsupported('Deployment parameters');
  if (props.mode !== 'Incremental') {
    if (props.mode === 'Complete') throw unsupported("Deployment mode 'Complete'");
    throw new ArmError(
      400,
      'InvalidDeploymentMode',
      `The deployment mode '${String(props.mode)}' is not valid. Allowed values are 'Incremental' and 'Complete'.`,
    );
  }
  for (const key of Object.keys(props)) {
    if (!['mode', 'template', 'parameters'].includes(key))
      throw unsupported(`The deployment property '${key}'`);
  }
  const template = props.template;
  if (!template || typeof template !== 'object')
    throw invalidTemplate("The template is missing: set 'properties.template'");
  for (const key of ['$schema', 'contentVersion', 'resources']) {
    if (template[key] === undefined) throw invalidTemplate(`Required property '${key}' not found in JSON`);
  }
  for (const key of Object.keys(template)) {
    if (!SUPPORTED_TEMPLATE_KEYS.has(key)) throw unsupported(`The template property '${key}'`);
  }
  for (const key of ['parameters', 'variables', 'outputs']) {
    if (template[key] && Object.keys(template[key]).length > 0) throw unsupported(`Template '${key}'`);
  }
  if (!Array.isArray(template.resources))
    throw invalidTemplate("The template property 'resources' must be an array");
  const group = groupId(sub, rg);
  const resources: TemplateResource[] = [];
  for (const r of template.resources) {
    for (const key of Object.keys(r ?? {})) {
      if (!SUPPORTED_RESOURCE_KEYS.has(key)) throw unsupported(`The resource property '${key}'`);
    }
    for (const key of ['type', 'apiVersion', 'name']) {
      if (typeof r?.[key] !== 'string' || r[key].length === 0) {
        throw invalidTemplate(`The template resource is missing the required property '${key}'`);
      }
    }
    const expression = findExpression({ ...r, dependsOn: undefined });
    if (expression) throw unsupported(`The template expression '${expression}'`);
    const typeParts = r.type.split('/');
    if (typeParts.length !== 2) throw unsupported(`The nested resource type '${r.type}'`);
    if (r.name.includes('/'))
      throw invalidTemplate(
        `The template resource '${r.name}' of type '${r.type}' has an invalid name: a top-level resource name has no '/'`,
      );
    const id = `${group}/providers/${r.type}/${r.name}`;
    if (resources.some((x) => same(x.id, id))) {
      throw invalidTemplate(
        `The resource '${r.type}/${r.name}' is defined multiple times in a template. Please see https://aka.ms/arm-template/#resources for usage details`,
      );
    }
    const body: Record<string, unknown> = {};
    for (const key of ['location', 'tags', 'sku', 'properties']) if (r[key] !== undefined) body[key] = r[key];
    resources.push({
      id,
      type: r.type,
      name: r.name,
      apiVersion: r.apiVersion,
      body,
      dependsOn: r.dependsOn ?? [],
    });
  }
  for (const r of resources) {
    if (!Array.isArray(r.dependsOn))
      throw invalidTemplate(`The 'dependsOn' of resource '${r.id}' must be an array`);
    r.dependsOn = r.dependsOn.map((d: unknown) => {
      if (typeof d !== 'string')
        throw invalidTemplate(`The 'dependsOn' of resource '${r.id}' must hold strings`);
      let target = d;
      const call = RESOURCE_ID_CALL.exec(d);
      if (call) {
        const names = [...call[2].matchAll(/'([^']+)'/g)].map((m) => m[1]);
        target = `${group}/providers/${call[1]}/${names.join('/')}`;
      } else if (EXPRESSION.test(d)) {
        throw unsupported(
          `The template expression '${d}' (only [resourceId('namespace/type', 'name')] is supported in dependsOn)`,
        );
      }
      const dep = resources.find((x) => same(x.id, target));
      if (!dep) {
        throw invalidTemplate(
          `The resource '${target}' is not defined in the template. Please see https://aka.ms/arm-template for usage details`,
        );
      }
      return dep.id;
    });
  }
  // Circular dependencies (ARM: InvalidTemplate "Circular dependency detected on resource: …").
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (r: TemplateResource): void => {
    if (done.has(r.id)) return;
    if (visiting.has(r.id)) {
      throw invalidTemplate(
        `Circular dependency detected on resource: '${r.id}'. Please see https://aka.ms/arm-template/#resources for usage details`,
      );
    }
    visiting.add(r.id);
    for (const d of r.dependsOn) visit(resources.find((x) => x.id === d)!);
    visiting.delete(r.id);
    done.add(r.id);
  };
  resources.forEach(visit);
  return resources;
}

function deploymentsOf(core: EmulatorCore): Map<string, DeploymentState> {
  return core.stateOf('deployments', () => new Map<string, DeploymentState>());
}

function routerOf(core: EmulatorCore): Router {
  const router = core.state.get(ROUTER_STATE) as Router | undefined;
  if (!router) throw new Error('the emulator router is not registered (index.ts sets it)');
  return router;
}

/**
 * ARM's check before it accepts a deployment: the caller may write every resource of the template.
 */
function preflightAuthorization(req: ArmRequest, resources: TemplateResource[]): void {
  const principal = req.principal;
  if (!principal) return;
  for (const r of resources) {
    const action = `${r.type}/write`;
    try {
      req.core.auth.authorize(principal, action, r.id);
    } catch (e) {
      if (!(e instanceof ArmError) || e.status !== 403) throw e;
      throw new ArmError(
        400,
        'InvalidTemplateDeployment',
        `The template deployment failed with error: 'Authorization failed for template resource '${r.name}' of type '${r.type}'. The client '${principal.clientId}' with object id '${principal.objectId}' does not have permission to perform action '${action}' at scope '${r.id}'.'.`,
      );
    }
  }
}

/** The provider's error as ARM puts it in a deployment error: the error body as indented JSON text. */
const providerErrorText = (e: ArmError): string => JSON.stringify(e.body(), null, 2).replace(/\n/g, '\r\n');

/** Sends one resource's PUT to its provider the way ARM's deployment engine does, and waits for it. */
async function deployResource(req: ArmRequest, op: DeploymentOperation): Promise<ArmErrorDetail | undefined> {
  const core = req.core;
  const r = op.resource;
  const fail = (statusCode: number, detail: ArmErrorDetail, statusMessage: unknown) => {
    op.state = 'Failed';
    op.endedAt = core.clock.now();
    op.statusCode = STATUS_TEXT[statusCode] ?? String(statusCode);
    op.statusMessage = statusMessage;
    return detail;
  };
  try {
    const match = routerOf(core).match('PUT', r.id);
    if (!('route' in match)) {
      throw new ArmError(
        400,
        'InvalidResourceType',
        `The resource type could not be found for path '${r.id}' and api version '${r.apiVersion}'.`,
      );
    }
    const inner: ArmRequest = {
      method: 'PUT',
      path: r.id,
      query: new URLSearchParams({ 'api-version': r.apiVersion }),
      params: match.params,
      headers: { host: req.headers.host },
      body: structuredClone(r.body),
      principal: req.principal,
      requestId: randomUUID(),
      correlationId: req.correlationId,
      core,
    };
    op.serviceRequestId = inner.requestId;
    // The provider behind ARM can fail as any request does (test fault injection applies).
    const fault = core.control.takeFault('PUT', r.id);
    if (fault?.type === 'error') throw faultError(fault);
    if (fault?.type === 'reset')
      throw new ArmError(500, 'InternalServerError', 'The provider reset the connection.');
    if (fault?.type === 'delay') await core.clock.sleep(fault.seconds * 1000);
    if (fault?.type === 'asyncFailure') inner.asyncFault = faultError(fault, 500);
    if (req.principal)
      core.auth.authorize(req.principal, match.route.action ?? rbacActionFor('PUT', r.id), r.id);
    const response: ArmResponse = await match.route.handler(inner);
    const statusUrl = response.headers?.['azure-asyncoperation'] ?? response.headers?.['location'];
    const outcome = statusUrl ? await core.lro.outcome(statusUrl) : { status: 'Succeeded' as const };
    if (outcome.status !== 'Succeeded') {
      const error = outcome.error ?? new ArmError(500, 'Canceled', 'Operation was canceled.');
      const terminal = outcome.status === 'Canceled' ? 'Canceled' : 'Failed';
      return fail(
        409,
        {
          code: 'ResourceDeploymentFailure',
          target: r.id,
          message: `The resource write operation failed to complete successfully, because it reached terminal provisioning state '${terminal}'.`,
          details: [error.body().error],
        } as ArmErrorDetail,
        {
          status: terminal,
          error: {
            code: 'ResourceDeploymentFailure',
            message: `The resource write operation failed to complete successfully, because it reached terminal provisioning state '${terminal}'.`,
            details: [error.body().error],
          },
        },
      );
    }
    op.state = 'Succeeded';
    op.endedAt = core.clock.now();
    op.statusCode = STATUS_TEXT[response.status] ?? String(response.status);
    op.statusMessage = response.body;
    return undefined;
  } catch (e) {
    const err = toArmError(e);
    return fail(
      err.status,
      { code: STATUS_TEXT[err.status] ?? String(err.status), message: providerErrorText(err) },
      err.body(),
    );
  }
}

/** Runs the template: each resource once its dependencies succeeded, independent ones concurrently. */
async function execute(req: ArmRequest, doc: ArmResource, state: DeploymentState): Promise<void> {
  const core = req.core;
  const overhead = core.ms('deploymentOverhead');
  await core.clock.sleep(overhead / 2);
  state.status = 'Running';
  doc.properties!.provisioningState = 'Running';
  const resources: TemplateResource[] = doc.internal!.resources;
  const results = new Map<string, Promise<boolean>>();
  const details: ArmErrorDetail[] = [];
  const run = (r: TemplateResource): Promise<boolean> => {
    let p = results.get(r.id);
    if (p) return p;
    p = (async () => {
      const deps = await Promise.all(r.dependsOn.map((d) => run(resources.find((x) => x.id === d)!)));
      if (deps.some((ok) => !ok)) return false; // not attempted: a dependency failed
      const op: DeploymentOperation = {
        operationId: randomBytes(8).toString('hex').toUpperCase(),
        resource: r,
        state: 'Running',
        startedAt: core.clock.now(),
        trackingId: randomUUID(),
      };
      state.operations.push(op);
      const failure = await deployResource(req, op);
      if (failure) details.push(failure);
      return !failure;
    })();
    results.set(r.id, p);
    return p;
  };
  await Promise.all(resources.map(run));
  await core.clock.sleep(overhead / 2);
  const props = doc.properties!;
  props.timestamp = core.clock.nowIso();
  props.duration = isoDuration(core.clock.now() - state.startedAt);
  props.outputResources = state.operations
    .filter((o) => o.state === 'Succeeded')
    .map((o) => ({ id: o.resource.id }));
  if (details.length === 0) {
    props.provisioningState = 'Succeeded';
    state.status = 'Succeeded';
    return;
  }
  state.error = new ArmError(
    200,
    'DeploymentFailed',
    'At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.',
    details,
    doc.id,
  );
  props.provisioningState = 'Failed';
  props.error = state.error.body().error;
  state.status = 'Failed';
}

function deploymentView(doc: ArmResource): ArmResource {
  return view(doc) as ArmResource;
}

function operationView(deploymentId: string, op: DeploymentOperation, now: number): Record<string, unknown> {
  return {
    id: `${deploymentId}/operations/${op.operationId}`,
    operationId: op.operationId,
    properties: {
      provisioningOperation: 'Create',
      provisioningState: op.state,
      timestamp: new Date(op.endedAt ?? now).toISOString(),
      duration: isoDuration((op.endedAt ?? now) - op.startedAt),
      trackingId: op.trackingId,
      ...(op.serviceRequestId ? { serviceRequestId: op.serviceRequestId } : {}),
      ...(op.statusCode ? { statusCode: op.statusCode } : {}),
      ...(op.statusMessage !== undefined ? { statusMessage: op.statusMessage } : {}),
      targetResource: {
        id: op.resource.id,
        resourceType: op.resource.type,
        resourceName: op.resource.name,
        apiVersion: op.resource.apiVersion,
      },
    },
  };
}

export function deploymentsRoutes(core: EmulatorCore): RouteDef[] {
  const base = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments';
  const idOf = (req: ArmRequest) =>
    `${groupId(req.params.sub, req.params.rg)}/providers/${TYPE}/${req.params.name}`;
  const find = (req: ArmRequest): { doc: ArmResource; state: DeploymentState } => {
    if (!core.store.get(groupId(req.params.sub, req.params.rg))) throw resourceGroupNotFound(req.params.rg);
    const doc = core.store.get(idOf(req));
    const state = doc && deploymentsOf(core).get(doc.id.toLowerCase());
    // ARM: 404 DeploymentNotFound "Deployment '{name}' could not be found." (error-codes list).
    if (!doc || !state)
      throw new ArmError(404, 'DeploymentNotFound', `Deployment '${req.params.name}' could not be found.`);
    return { doc, state };
  };
  const active = (s: DeploymentState) => s.status === 'Accepted' || s.status === 'Running';
  const operationsHandler = (req: ArmRequest): ArmResponse => {
    const { doc, state } = find(req);
    return {
      status: 200,
      body: { value: state.operations.map((o) => operationView(doc.id, o, core.clock.now())) },
    };
  };
  return [
    {
      method: 'PUT',
      path: `${base}/{name}`,
      handler: (req) => {
        const { sub, rg, name } = req.params;
        core.requireGroup(sub, rg);
        const id = idOf(req);
        const previous = deploymentsOf(core).get(id.toLowerCase());
        if (previous && active(previous)) {
          throw new ArmError(
            409,
            'DeploymentActive',
            `Unable to edit or replace deployment '${name}': previous deployment from '${new Date(previous.startedAt).toISOString()}' is still active. Please see https://aka.ms/arm-deploy for usage details.`,
          );
        }
        const resources = parseTemplate(req.body, sub, rg);
        preflightAuthorization(req, resources);
        const state: DeploymentState = {
          statusId: String(BigInt('0x' + randomBytes(8).toString('hex')) % 10n ** 20n).padStart(20, '0'),
          status: 'Accepted',
          startedAt: core.clock.now(),
          operations: [],
        };
        const providers = new Map<string, Map<string, Set<string>>>();
        for (const r of resources) {
          const [ns, type] = r.type.split('/');
          const types = providers.get(ns) ?? new Map<string, Set<string>>();
          const locations = types.get(type) ?? new Set<string>();
          if (typeof r.body.location === 'string') locations.add(r.body.location);
          types.set(type, locations);
          providers.set(ns, types);
        }
        const doc = core.store.put<ArmResource>({
          id,
          name,
          type: TYPE,
          properties: {
            templateHash: String(
              BigInt(
                '0x' +
                  createHash('sha256')
                    .update(JSON.stringify(req.body.properties.template))
                    .digest('hex')
                    .slice(0, 16),
              ) %
                10n ** 19n,
            ),
            parameters: {},
            mode: 'Incremental',
            provisioningState: 'Accepted',
            timestamp: core.clock.nowIso(),
            duration: 'PT0S',
            correlationId: req.correlationId,
            providers: [...providers].map(([namespace, types]) => ({
              namespace,
              resourceTypes: [...types].map(([resourceType, locs]) => ({
                resourceType,
                locations: [...locs],
              })),
            })),
            dependencies: resources
              .filter((r) => r.dependsOn.length > 0)
              .map((r) => ({
                dependsOn: r.dependsOn.map((d) => {
                  const dep = resources.find((x) => x.id === d)!;
                  return { id: dep.id, resourceType: dep.type, resourceName: dep.name };
                }),
                id: r.id,
                resourceType: r.type,
                resourceName: r.name,
              })),
          },
          internal: { resources },
        });
        deploymentsOf(core).set(id.toLowerCase(), state);
        void execute(req, doc, state).catch((e) => {
          state.error = new ArmError(500, 'InternalServerError', `Emulator error: ${String(e)}`);
          state.status = 'Failed';
          doc.properties!.provisioningState = 'Failed';
          doc.properties!.error = state.error.body().error;
        });
        const statusUrl = `https://${req.headers.host}/subscriptions/${sub}/resourcegroups/${rg}/providers/${TYPE}/${name}/operationStatuses/${state.statusId}?api-version=${req.query.get('api-version')}`;
        return {
          status: previous ? 200 : 201,
          body: deploymentView(doc),
          headers: { 'azure-asyncoperation': statusUrl },
        };
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}/operationStatuses/{id}`,
      kind: 'poll',
      handler: (req) => {
        const { state } = find(req);
        if (state.statusId !== req.params.id) {
          throw new ArmError(404, 'NotFound', `The operation '${req.params.id}' was not found.`);
        }
        return {
          status: 200,
          body: { status: state.status, ...(state.error ? { error: state.error.body().error } : {}) },
        };
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}`,
      handler: (req) => ({ status: 200, body: deploymentView(find(req).doc) }),
    },
    // checkExistence: 204 when it exists, 404 when not (Deployments_CheckExistence).
    { method: 'HEAD', path: `${base}/{name}`, handler: (req) => (find(req), { status: 204 }) },
    {
      method: 'DELETE',
      path: `${base}/{name}`,
      handler: (req) => {
        if (!core.store.get(groupId(req.params.sub, req.params.rg)))
          throw resourceGroupNotFound(req.params.rg);
        const doc = core.store.get(idOf(req));
        if (!doc) return { status: 204 };
        const state = deploymentsOf(core).get(doc.id.toLowerCase());
        if (state && active(state)) {
          throw new ArmError(
            409,
            'DeploymentActive',
            `A template deployment that is currently running cannot be deleted: deployment '${req.params.name}' is still active.`,
          );
        }
        const headers = core.lro.start({
          req,
          provider: 'Microsoft.Resources',
          location: 'global',
          durationMs: core.ms('deploymentDelete'),
          headers: 'location',
          subscriptionLevelLocation: true,
          locationDoneStatus: 204,
          complete: () => {
            core.store.delete(doc.id);
            deploymentsOf(core).delete(doc.id.toLowerCase());
            return undefined;
          },
        });
        return { status: 202, headers };
      },
    },
    {
      method: 'GET',
      path: base,
      handler: (req) => {
        const g = core.requireGroup(req.params.sub, req.params.rg, false);
        return {
          status: 200,
          body: { value: core.store.list(`${g.id}/providers/${TYPE}/`).map(deploymentView) },
        };
      },
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/resourcegroups/{rg}/deployments/{name}/operations',
      action: 'Microsoft.Resources/deployments/operations/read',
      handler: operationsHandler,
    },
    { method: 'GET', path: `${base}/{name}/operations`, handler: operationsHandler },
  ];
}
