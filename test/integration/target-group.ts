// Creates a resource group through the SDK, as a platform team has one before the action runs: the target
// group of `npm start`, the integration tests and the CI job (scripts/emulator-seed.ts).
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';

/** What the emulator prints (or EmulatorHandle holds) to sign in. */
export interface EmulatorConnection {
  endpoint: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  /** The emulator CA (PEM), for a process not started with NODE_EXTRA_CA_CERTS pointing at it. */
  caCert?: string;
}

export async function createResourceGroup(
  emu: EmulatorConnection,
  name: string,
  location: string,
): Promise<ResourceManagementClient> {
  const tlsOptions = emu.caCert ? { tlsOptions: { ca: emu.caCert } } : {};
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
    ...tlsOptions,
  });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, {
    endpoint: emu.endpoint,
    ...tlsOptions,
  });
  await rm.resourceGroups.createOrUpdate(name, { location });
  return rm;
}
