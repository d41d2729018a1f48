import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import {
  BuildError,
  describeAzureError,
  formatBuildError,
  innermostDeploymentError,
  toBuildError,
} from '../../src/core/azure/errors.js';

function restError(status: number, body: object, headers: Record<string, string>): RestError {
  const request = createPipelineRequest({ url: 'https://management.example/x' });
  return new RestError('raw message', {
    statusCode: status,
    code: 'RawCode',
    request,
    response: { status, request, headers: createHttpHeaders(headers), bodyAsText: JSON.stringify(body) },
  });
}

describe('BuildError', () => {
  it('formats phase, code, message and correlation id', () => {
    expect(formatBuildError('create-vm', 'OperationNotAllowed', 'quota exceeded', 'abc-123')).toBe(
      "Phase 'create-vm' failed: OperationNotAllowed: quota exceeded (correlation id: abc-123)",
    );
    expect(new BuildError('customize', undefined, 'script failed').message).toBe(
      "Phase 'customize' failed: script failed",
    );
  });

  it('takes code, message and correlation id from an ARM error response', () => {
    const err = restError(
      409,
      {
        error: {
          code: 'OperationNotAllowed',
          message: "Operation 'generalize' is not allowed on VM 'vm' since the VM is running.",
        },
      },
      { 'x-ms-correlation-request-id': 'corr-1', 'x-ms-request-id': 'req-1' },
    );
    const b = toBuildError('generalize', err, 'fallback');
    expect(b.code).toBe('OperationNotAllowed');
    expect(b.correlationId).toBe('corr-1');
    expect(b.message).toBe(
      "Phase 'generalize' failed: OperationNotAllowed: Operation 'generalize' is not allowed on VM 'vm' since the VM is running. (correlation id: corr-1)",
    );
  });

  it('falls back to x-ms-request-id, and appends inner details', () => {
    const err = restError(
      429,
      {
        error: {
          code: 'OperationNotAllowed',
          message: 'throttled',
          details: [{ code: 'TooManyRequests', message: 'HighCostGet3Min' }],
        },
      },
      { 'x-ms-request-id': 'req-2' },
    );
    const b = toBuildError('resolve-source', err);
    expect(b.correlationId).toBe('req-2');
    expect(b.detail).toBe('throttled (TooManyRequests: HighCostGet3Min)');
  });

  it('parses a failed long-running operation and uses the correlation id of its initial request', () => {
    const lro = new Error(
      "The long-running operation has failed. Conflict. The gallery image version has a different Hypervisor generation ['V2'] than the parent gallery image Hypervisor generation ['V1'].",
    );
    expect(describeAzureError(lro).code).toBe('Conflict');
    const b = toBuildError('gallery-version', lro, 'initial-corr');
    expect(b.message).toMatch(
      /^Phase 'gallery-version' failed: Conflict: The gallery image version has a different/,
    );
    expect(b.message).toMatch(/\(correlation id: initial-corr\)$/);
  });

  it('reports cancellation as Canceled and keeps an existing BuildError', () => {
    const abort = new Error('The operation was aborted');
    abort.name = 'AbortError';
    expect(toBuildError('create-vm', abort).code).toBe('Canceled');
    const original = new BuildError('network', 'X', 'y');
    expect(toBuildError('build', original)).toBe(original);
  });
});

describe('innermostDeploymentError', () => {
  const failed = (details: object[]) => ({
    code: 'DeploymentFailed',
    target: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Resources/deployments/d',
    message: 'At least one resource deployment operation failed.',
    details,
  });
  it('unwraps a provider refusal (HTTP status code + the error body as JSON text)', () => {
    const body = { error: { code: 'NetcfgSubnetRangeOutsideVnet', message: 'Subnet x is not valid' } };
    expect(
      innermostDeploymentError(failed([{ code: 'BadRequest', message: JSON.stringify(body, null, 2) }])),
    ).toEqual({ code: 'NetcfgSubnetRangeOutsideVnet', message: 'Subnet x is not valid' });
  });
  it('descends a ResourceDeploymentFailure to the operation error and keeps the resource', () => {
    expect(
      innermostDeploymentError(
        failed([
          {
            code: 'ResourceDeploymentFailure',
            target: '/x/natGateways/nat',
            message: "…terminal provisioning state 'Failed'.",
            details: [
              {
                code: 'Canceled',
                message: 'Operation was canceled.',
                details: [{ code: 'Inner', message: 'm' }],
              },
            ],
          },
        ]),
      ),
    ).toEqual({ code: 'Inner', message: 'm', target: '/x/natGateways/nat' });
  });
  it('is the error itself when it has no details', () => {
    expect(innermostDeploymentError({ code: 'X', message: 'y' })).toEqual({ code: 'X', message: 'y' });
  });
});
