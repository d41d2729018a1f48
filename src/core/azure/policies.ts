// Pipeline policies added to every ARM client (see clients.ts).
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import type { Logger } from '../types.js';

/** ARM requests made by this process, split the way the benchmark reports them (issue 7). */
export interface RequestStats {
  reads: number;
  writes: number;
  polls: number;
}

export function newRequestStats(): RequestStats {
  return { reads: 0, writes: 0, polls: 0 };
}

/**
 * Operation-status URLs of long-running operations (facts §2): Azure-AsyncOperation and Location
 * monitors of Compute (…/operations/…, …/capsOperations/…, …/DiskOperations/…), Network
 * (…/operations/…, …/operationResults/…) and Resource Manager (…/operationresults/…).
 */
const OPERATION_STATUS_URL = /\/(operations|operationresults|capsoperations|diskoperations)\//i;

export function isOperationStatusUrl(url: string): boolean {
  return OPERATION_STATUS_URL.test(new URL(url).pathname);
}

/**
 * Logs each request through the host's debug log: method, URL (path and query only hold resource
 * names and api-version), status and Azure's correlation id. Headers (Authorization) and bodies
 * (osProfile.adminPassword, script contents) are never logged. Also counts requests.
 */
export function debugLogPolicy(logger: Logger, stats: RequestStats): PipelinePolicy {
  return {
    name: 'azureImageBuildDebugLog',
    async sendRequest(request, next) {
      countRequest(stats, request);
      try {
        const response = await next(request);
        const cid =
          response.headers.get('x-ms-correlation-request-id') ?? response.headers.get('x-ms-request-id');
        logger.debug(
          `${request.method} ${request.url} -> ${response.status}${cid ? ` (correlation id: ${cid})` : ''}`,
        );
        return response;
      } catch (err) {
        logger.debug(
          `${request.method} ${request.url} -> ${err instanceof Error ? err.message : String(err)}`,
        );
        throw err;
      }
    },
  };
}

function countRequest(stats: RequestStats, request: PipelineRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (isOperationStatusUrl(request.url)) stats.polls++;
    else stats.reads++;
  } else {
    stats.writes++;
  }
}

/**
 * Removes `retry-after` from SUCCESSFUL (2xx) responses to GET requests on operation-status URLs.
 *
 * Why: @azure/core-lro replaces the poll interval with a poll response's Retry-After (facts §2), and
 * Compute asks for polls 10–50 s apart, so an operation that finishes right after a poll is only
 * noticed up to 50 s later — minutes per build (issue 7). The action already chooses each
 * operation's poll schedule from Azure's known durations (lro.ts), so on these responses the
 * header is advisory noise. Throttling is untouched: 429 and 503 responses (where Retry-After is
 * an order, honoured by the SDK retry policy) are not 2xx and keep their header, as do all
 * responses to PUT/POST/DELETE and to resource GETs.
 */
export function stripPollRetryAfterPolicy(): PipelinePolicy {
  return {
    name: 'azureImageBuildStripPollRetryAfter',
    async sendRequest(request, next) {
      const response = await next(request);
      if (
        request.method === 'GET' &&
        response.status >= 200 &&
        response.status < 300 &&
        response.headers.has('retry-after') &&
        isOperationStatusUrl(request.url)
      ) {
        response.headers.delete('retry-after');
      }
      return response;
    },
  };
}
