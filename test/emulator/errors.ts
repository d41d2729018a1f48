// ARM error bodies: {"error":{"code","message","details"?,"target"?}} (facts §1, §3).
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ArmErrorDetail[],
    readonly target?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; target?: string; details?: ArmErrorDetail[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.target ? { target: this.target } : {}),
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** Any thrown value as an ArmError: an emulator bug answers 500 InternalServerError with its stack. */
export const toArmError = (e: unknown): ArmError =>
  e instanceof ArmError
    ? e
    : new ArmError(500, 'InternalServerError', `Emulator error: ${e instanceof Error ? e.stack : String(e)}`);

export const notFound = (type: string, name: string, resourceGroup?: string): ArmError =>
  new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );

export const resourceGroupNotFound = (name: string): ArmError =>
  new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);

export const invalidParameter = (message: string, target?: string): ArmError =>
  new ArmError(400, 'InvalidParameter', message, undefined, target);

export const badRequest = (code: string, message: string, target?: string): ArmError =>
  new ArmError(400, code, message, undefined, target);

/** Compute's "Operation 'x' is not allowed on VM 'y' since …" (facts §3; status code assumed 409). */
export const operationNotAllowed = (message: string): ArmError =>
  new ArmError(409, 'OperationNotAllowed', message);
