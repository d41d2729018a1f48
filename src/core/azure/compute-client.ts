// @azure/arm-compute, alone in its own chunk of the bundle: it is half of the action's code, and the
// build's first requests (the target group's location, the temporary group, its network) do not need
// it. clients.ts loads this module when it makes the other clients and the build awaits
// `clients.computeReady` before its first Compute request; the requests that need only
// @azure/arm-resources go out while it loads.
import { ComputeManagementClient, type ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/core-auth';

export function createComputeClient(
  credential: TokenCredential,
  subscriptionId: string,
  options: ComputeManagementClientOptionalParams,
): ComputeManagementClient {
  return new ComputeManagementClient(credential, subscriptionId, options);
}
