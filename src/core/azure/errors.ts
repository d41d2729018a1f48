// Azure failures, named the way support needs them: the build phase, Azure's error code and message,
// and the correlation id of the request (facts §1: responses carry x-ms-correlation-request-id and
// x-ms-request-id). A failed long-running operation reaches us as a plain Error whose message is
// "The long-running operation has failed. {code}. {message}" (facts §2, @azure/core-lro 3); its
// correlation id is the one of the initial request, which the caller captures (see lro.ts).

export class BuildError extends Error {
  override readonly name = 'BuildError';

  constructor(
    readonly phase: string,
    readonly code: string | undefined,
    readonly detail: string,
    readonly correlationId?: string,
    options?: { cause?: unknown },
  ) {
    super(formatBuildError(phase, code, detail, correlationId), options);
  }
}

export function formatBuildError(
  phase: string,
  code: string | undefined,
  detail: string,
  correlationId?: string,
): string {
  const what = code ? `${code}: ${detail}` : detail;
  return `Phase '${phase}' failed: ${what}${correlationId ? ` (correlation id: ${correlationId})` : ''}`;
}

/** The fields of a RestError we rely on (both @azure/core-rest-pipeline's and @typespec/ts-http-runtime's). */
interface RestErrorLike extends Error {
  code?: string;
  statusCode?: number;
  response?: {
    headers?: { get(name: string): string | undefined };
    bodyAsText?: string | null;
    parsedBody?: unknown;
  };
}

export function isRestError(err: unknown): err is RestErrorLike {
  return err instanceof Error && err.name === 'RestError';
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.message === 'Operation was canceled');
}

export function statusCodeOf(err: unknown): number | undefined {
  return isRestError(err) ? err.statusCode : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusCodeOf(err) === 404;
}

export function correlationIdOf(err: unknown): string | undefined {
  if (!isRestError(err)) return undefined;
  const headers = err.response?.headers;
  return headers?.get('x-ms-correlation-request-id') ?? headers?.get('x-ms-request-id') ?? undefined;
}

const LRO_FAILURE = /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?$/;

/** Azure's error code and message of any error the SDK throws. */
export function describeAzureError(err: unknown): { code?: string; message: string } {
  if (isRestError(err)) {
    let code = err.code;
    let message = err.message;
    const body = parseBody(err.response?.bodyAsText);
    if (body?.error?.code) code = body.error.code;
    if (body?.error?.message) message = body.error.message;
    const inner = body?.error?.details?.find((d) => d.code && d.code !== code);
    if (inner?.message) message = `${message} (${inner.code}: ${inner.message})`;
    return { code, message };
  }
  if (err instanceof Error) {
    const m = LRO_FAILURE.exec(err.message);
    if (m) return { code: m[1], message: m[2] ?? 'the long-running operation has failed' };
    return { message: err.message };
  }
  return { message: String(err) };
}

interface ArmErrorBody {
  error?: { code?: string; message?: string; details?: { code?: string; message?: string }[] };
}

/** An ARM error object: `{code, message, target?, details?}`. */
export interface AzureErrorInfo {
  code?: string;
  message?: string;
  target?: string;
  details?: AzureErrorInfo[];
}

/**
 * The error that made a template deployment fail, from the deployment's `properties.error`
 * (`DeploymentFailed`, "At least one resource deployment operation failed…"). ARM nests it: a detail per
 * failed resource, either `{code: "{HTTP status, e.g. Conflict}", message: "{the provider's error body
 * as JSON text}"}` when the provider refused the request, or `{code: "ResourceDeploymentFailure", target:
 * "{resource id}", details: [{the operation's error}]}` when its operation failed (ARO-HCP e2e logs;
 * learn.microsoft.com azure-resource-manager troubleshooting examples). Returns the innermost code and
 * message, with the failed resource's ID where ARM names it.
 */
export function innermostDeploymentError(error: AzureErrorInfo): AzureErrorInfo {
  let current: AzureErrorInfo = error.details?.[0] ?? error;
  let target = current.target;
  for (let depth = 0; depth < 10; depth++) {
    const wrapped = parseBody(current.message)?.error as AzureErrorInfo | undefined;
    if (wrapped?.code) current = wrapped;
    else if (current.details?.[0]) current = current.details[0];
    else break;
    target = current.target ?? target;
  }
  return { code: current.code, message: current.message, ...(target ? { target } : {}) };
}

function parseBody(text: string | null | undefined): ArmErrorBody | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ArmErrorBody;
  } catch {
    return undefined;
  }
}

/** Wraps any error as a BuildError of the phase; a correlation id found on the error wins over the fallback. */
export function toBuildError(phase: string, err: unknown, fallbackCorrelationId?: string): BuildError {
  if (err instanceof BuildError) return err;
  if (isAbortError(err))
    return new BuildError(phase, 'Canceled', 'the build was cancelled', undefined, { cause: err });
  const { code, message } = describeAzureError(err);
  return new BuildError(phase, code, message, correlationIdOf(err) ?? fallbackCorrelationId, { cause: err });
}
