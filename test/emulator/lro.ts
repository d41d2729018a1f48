// Long-running operations the way ARM runs them (facts §2; DOCS-ASYNC):
// - Azure-AsyncOperation: a status URL answering 200 {"status":"InProgress"} until
//   {"status":"Succeeded"|"Failed"|"Canceled","error"?}. Compute's are
//   …/providers/Microsoft.Compute/locations/{loc}/operations/{id}, the gallery
//   service's …/capsOperations/{id}, disks' …/DiskOperations/{id} (whose status body
//   embeds the resource in properties.output).
// - Location: answers 202 while running and, when done, 200 with the operation's
//   result (a run command's {"value":[…]}) or an empty body (facts §2). Resource
//   group deletion uses /subscriptions/{s}/operationresults/{id}.
// Completion happens on a timer on the model clock, and is also settled lazily by
// any poll that arrives after the due time, so a poll never sees a stale state.
import { randomUUID } from 'node:crypto';
import { ArmError } from './errors.js';
import type { ModelClock } from './clock.js';
import type { ArmRequest, ArmResponse, RouteDef } from './router.js';

export type StatusStyle = 'operations' | 'capsOperations' | 'DiskOperations';

export interface OperationSpec {
  /** Request that starts it (fault injection may have attached an asynchronous failure). */
  req: ArmRequest;
  /** e.g. Microsoft.Compute */
  provider: string;
  location: string;
  /** Model milliseconds until the operation finishes. */
  durationMs: number;
  /** Which headers the first response carries (facts §2 table). */
  headers: 'azure-async' | 'location' | 'both';
  /** Path segment of the status URL; default 'operations'. Ignored for resource group style. */
  statusStyle?: StatusStyle;
  /** Resource group delete style Location: /subscriptions/{s}/operationresults/{id}. */
  subscriptionLevelLocation?: boolean;
  /**
   * Runs when the time is up. Its return value is the Location result body (200),
   * or for DiskOperations the resource embedded in properties.output. Throwing an
   * ArmError fails the operation asynchronously.
   */
  complete?: () => unknown | Promise<unknown>;
  /** Called instead of `complete` when the operation fails (fault or thrown error). */
  onFailed?: (error: ArmError) => void | Promise<void>;
  /** Retry-After (model seconds) on the first response and on polls; Compute sends 10 s and up to 50 s. */
  retryAfterSeconds?: number;
  /** Status of a Location poll once the operation succeeded with no result: 200 (default) or 204. */
  locationDoneStatus?: 200 | 204;
}

/** Real milliseconds a poll waits for a completion that is finishing. */
const SETTLE_GRACE_MS = 25;

const STATUS_STYLES = new Set(['operations', 'capsoperations', 'diskoperations']);

interface Operation {
  id: string;
  spec: OperationSpec;
  startTime: number;
  dueAt: number;
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  endTime?: number;
  result?: unknown;
  error?: ArmError;
  settling?: Promise<void>;
}

export class LroEngine {
  private readonly operations = new Map<string, Operation>();

  constructor(private readonly clock: ModelClock) {}

  /** Starts an operation; returns the headers for the first response. */
  start(spec: OperationSpec): Record<string, string> {
    const id = randomUUID();
    const startTime = this.clock.now();
    const op: Operation = { id, spec, startTime, dueAt: startTime + spec.durationMs, status: 'InProgress' };
    this.operations.set(id, op);
    const timer = setTimeout(() => void this.settle(op), Math.max(0, this.clock.toRealMs(spec.durationMs)));
    timer.unref?.();
    const headers: Record<string, string> = {};
    const base = `https://${spec.req.headers.host}`;
    const apiVersion = spec.req.query.get('api-version') ?? '2024-01-01';
    const sub = spec.req.params.sub ?? spec.req.params.subscriptionId;
    const style = spec.statusStyle ?? 'operations';
    const statusPath = `/subscriptions/${sub}/providers/${spec.provider}/locations/${spec.location}/${style}/${id}`;
    if (spec.headers === 'azure-async' || spec.headers === 'both') {
      headers['azure-asyncoperation'] = `${base}${statusPath}?p=${id}&api-version=${apiVersion}`;
    }
    if (spec.headers === 'location' || spec.headers === 'both') {
      headers['location'] = spec.subscriptionLevelLocation
        ? `${base}/subscriptions/${sub}/operationresults/${id}?api-version=${apiVersion}`
        : `${base}${statusPath}?p=${id}&monitor=true&api-version=${apiVersion}`;
    }
    return { ...headers, ...this.retryAfter(spec) };
  }

  /** The Retry-After header the operation advertises, scaled to real seconds (or none). */
  private retryAfter(spec: OperationSpec): Record<string, string> {
    const ra =
      spec.retryAfterSeconds !== undefined ? this.clock.retryAfterHeader(spec.retryAfterSeconds) : undefined;
    return ra === undefined ? {} : { 'retry-after': ra };
  }

  /**
   * Waits for the operation behind a status URL this engine handed out (Azure-AsyncOperation or
   * Location) to end, and tells how it ended. ARM's deployment engine waits on each resource's own
   * operation this way (providers/deployments.ts). A URL of no known operation counts as done.
   */
  async outcome(statusUrl: string): Promise<{ status: Operation['status']; error?: ArmError }> {
    const id = new URL(statusUrl, 'https://localhost').pathname.split('/').pop() ?? '';
    const op = this.operations.get(id);
    if (!op) return { status: 'Succeeded' };
    await this.clock.sleep(op.dueAt - this.clock.now());
    await this.settle(op);
    return { status: op.status, error: op.error };
  }

  private settle(op: Operation): Promise<void> {
    op.settling ??= (async () => {
      try {
        if (op.spec.req.asyncFault) throw op.spec.req.asyncFault;
        op.result = await op.spec.complete?.();
        op.status = 'Succeeded';
      } catch (e) {
        const err =
          e instanceof ArmError
            ? e
            : new ArmError(
                500,
                'InternalExecutionError',
                `An internal execution error occurred. ${String(e)}`,
              );
        op.error = err;
        op.status = 'Failed';
        await op.spec.onFailed?.(err);
      }
      op.endTime = Math.max(this.clock.now(), op.dueAt);
    })();
    return op.settling;
  }

  /**
   * The operation as a poll sees it. Past its due time it settles; a completion that
   * waits on real work (a run command's script still running) does not hold the poll:
   * after a short grace the poll answers InProgress, as Azure does while work goes on.
   */
  private async current(id: string): Promise<Operation | undefined> {
    const op = this.operations.get(id);
    if (op && this.clock.now() >= op.dueAt) {
      await Promise.race([
        this.settle(op),
        new Promise((resolve) => setTimeout(resolve, SETTLE_GRACE_MS).unref?.()),
      ]);
    }
    return op;
  }

  private pollHeaders(op: Operation): Record<string, string> {
    return op.status === 'InProgress' ? this.retryAfter(op.spec) : {};
  }

  private statusBody(op: Operation): Record<string, unknown> {
    const body: Record<string, unknown> = {
      startTime: new Date(op.startTime).toISOString(),
      status: op.status,
      name: op.id,
    };
    if (op.status !== 'InProgress') body.endTime = new Date(op.endTime ?? this.clock.now()).toISOString();
    if (op.error)
      body.error = {
        code: op.error.code,
        message: op.error.message,
        ...(op.error.details ? { details: op.error.details } : {}),
      };
    if (op.status === 'Succeeded' && op.spec.statusStyle === 'DiskOperations' && op.result !== undefined) {
      body.properties = { output: op.result };
    }
    return body;
  }

  /** Routes for every status URL this engine hands out. */
  routes(): RouteDef[] {
    const handler = async (req: ArmRequest): Promise<ArmResponse> => {
      if (req.params.style && !STATUS_STYLES.has(req.params.style.toLowerCase())) {
        throw new ArmError(
          404,
          'InvalidResourceType',
          `The resource type '${req.params.style}' could not be found in the namespace '${req.params.provider}'.`,
        );
      }
      const op = await this.current(req.params.id);
      if (!op) throw new ArmError(404, 'NotFound', `The operation '${req.params.id}' was not found.`);
      const monitor = req.query.get('monitor') === 'true' || req.params.style === undefined;
      if (!monitor) return { status: 200, body: this.statusBody(op), headers: this.pollHeaders(op) };
      // Location semantics: 202 while running, then the result or the error.
      if (op.status === 'InProgress')
        return {
          status: 202,
          headers: {
            ...this.pollHeaders(op),
            location: `https://${req.headers.host}${req.path}?${req.query}`,
          },
        };
      if (op.status === 'Failed' && op.error) throw op.error;
      return op.result === undefined
        ? { status: op.spec.locationDoneStatus ?? 200 }
        : { status: 200, body: op.result };
    };
    return [
      {
        method: 'GET',
        path: '/subscriptions/{sub}/providers/{provider}/locations/{location}/{style}/{id}',
        handler,
        kind: 'poll',
        computePolicy: 'GetOperation',
      },
      { method: 'GET', path: '/subscriptions/{sub}/operationresults/{id}', handler, kind: 'poll' },
    ];
  }
}
