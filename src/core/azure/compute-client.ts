// @azure/arm-compute, alone in its own chunk of the bundle: it is half of the action's code, and the
// build's first requests (the target group's location, the temporary group, its network) do not need
// it. `clients.loadCompute()` (clients.ts) loads this module; the build calls it once the first of
// those requests has been answered (build.ts) and awaits it before its first Compute request.
import { ComputeManagementClient, type ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/core-auth';

export function createComputeClient(
  credential: TokenCredential,
  subscriptionId: string,
  options: ComputeManagementClientOptionalParams,
): ComputeManagementClient {
  return new ComputeManagementClient(credential, subscriptionId, options);
}
