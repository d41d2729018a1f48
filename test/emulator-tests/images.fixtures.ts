// Shared setup for the images / galleries / disks emulator tests: an emulator, the real
// @azure/arm-compute client, and VM documents placed straight into the store (marked
// `internal.fixture`), so image capture can be tested without the VM provider's boot path.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../emulator/index.js';

export interface Fixture {
  emu: EmulatorHandle;
  compute: ComputeManagementClient;
  rm: ResourceManagementClient;
  cred: ClientSecretCredential;
}

export async function startFixture(options: EmulatorOptions = {}): Promise<Fixture> {
  const emu = await startEmulator({ timeScale: 0.002, ...options });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  const compute = new ComputeManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  return { emu, compute, rm, cred };
}

/** Poll fast: model latencies are scaled down, so the SDK's 2 s default would dominate. */
export const FAST = { updateIntervalInMs: 10 };

export interface FakeVm {
  rg: string;
  name: string;
  location?: string;
  osType?: 'Linux' | 'Windows';
  hyperVGeneration?: 'V1' | 'V2';
  securityType?: string;
  architecture?: 'x64' | 'Arm64';
  generalized?: boolean;
  deprovisioned?: boolean;
  plan?: { name: string; product: string; publisher: string };
  dataDisks?: { lun: number; diskSizeGB: number }[];
}

/** A VM document as the compute provider keeps it (PROVIDERS.md contract), with a guest disk holding `marker.txt`. */
export async function putFixtureVm(f: Fixture, vm: FakeVm): Promise<string> {
  const core = f.emu.control.core;
  const id = `/subscriptions/${f.emu.subscriptionId}/resourceGroups/${vm.rg}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
  const guestDir = path.join(core.config.dataDir, 'fixture-vms', vm.name);
  await fs.mkdir(guestDir, { recursive: true });
  await fs.writeFile(path.join(guestDir, 'marker.txt'), `built by ${vm.name}\n`);
  await fs.writeFile(
    path.join(guestDir, 'guest.json'),
    JSON.stringify({
      osType: vm.osType ?? 'Linux',
      deprovisioned: vm.deprovisioned ?? true,
      adminUsername: 'azureuser',
    }),
  );
  core.store.put({
    id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location ?? 'westeurope',
    properties: {
      provisioningState: 'Succeeded',
      storageProfile: { osDisk: { osType: vm.osType ?? 'Linux', diskSizeGB: 30 } },
    },
    internal: {
      fixture: true,
      osType: vm.osType ?? 'Linux',
      hyperVGeneration: vm.hyperVGeneration ?? 'V2',
      securityType: vm.securityType,
      architecture: vm.architecture ?? 'x64',
      plan: vm.plan,
      osState: 'Generalized',
      generalized: vm.generalized ?? true,
      powerState: 'deallocated',
      guestDir,
      dataDisks: vm.dataDisks ?? [],
    },
  });
  return id;
}

/** Creates a gallery and a definition (Generalized Linux V2 unless overridden). */
export async function putDefinition(
  f: Fixture,
  rg: string,
  gallery: string,
  image: string,
  props: Record<string, unknown> = {},
  location = 'westeurope',
): Promise<void> {
  await f.compute.galleries.createOrUpdate(rg, gallery, { location }, FAST).pollUntilDone();
  await f.compute.galleryImages
    .createOrUpdate(
      rg,
      gallery,
      image,
      {
        location,
        osType: 'Linux',
        osState: 'Generalized',
        hyperVGeneration: 'V2',
        identifier: { publisher: 'contoso', offer: `offer-${image}`, sku: 'sku' },
        ...props,
      } as never,
      FAST,
    )
    .pollUntilDone();
}

/** The resources left in the emulator besides resource groups. */
export const leftovers = (f: Fixture) =>
  f.emu.control.inventory().filter((r) => r.type !== 'Microsoft.Resources/resourceGroups');

/** Status of the last request of `method` whose path ends with `pathEnd` (the initial response of an LRO). */
export const lastStatus = (f: Fixture, method: string, pathEnd = ''): number | undefined =>
  f.emu.control
    .requestLog()
    .findLast((r) => r.method === method && r.path.toLowerCase().endsWith(pathEnd.toLowerCase()))?.status;
