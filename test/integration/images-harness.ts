// Shared by the test/integration/images-*.test.ts suites: the bundled action (dist/index.js, main then
// post, as the GitHub runner runs it) against an in-process emulator, with real SDK clients to read what
// the build produced, and the check that nothing temporary is left.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../emulator/index.js';
import { emulatorEnv, runAction, type StepResult } from './runner.js';

/** The resource group that holds the outputs (images, galleries). */
export const IMAGES_GROUP = 'images';
/** A group of existing workloads (a live VM to capture); like the images group, not the build's. */
export const WORKLOADS_GROUP = 'workloads';
const KEPT = new RegExp(`/resourceGroups/(${IMAGES_GROUP}|${WORKLOADS_GROUP})(/|$)`, 'i');

export interface Harness {
  emu: EmulatorHandle;
  compute: ComputeManagementClient;
  rm: ResourceManagementClient;
  workspace: string;
  /** Writes files into the workspace (paths relative to it). */
  files(files: Record<string, string>): void;
  /** Runs main then post with these inputs (plus the emulator's endpoint and credentials). */
  run(inputs: Record<string, string>): Promise<{ main: StepResult; post: StepResult }>;
  /** Creates a running VM in the workloads group through the SDK (network, NIC, VM); returns its ID. */
  workloadVm(name: string, vm?: Partial<VirtualMachine>): Promise<string>;
  /** Waits for the deletions under way (the group deletion Azure accepted) to finish, then returns what is left outside the images and workloads groups. */
  settle(): Promise<{ id: string; type: string }[]>;
  stop(): Promise<void>;
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startEmulator({ timeScale: 0.002, ...options });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  await rm.resourceGroups.createOrUpdate(IMAGES_GROUP, { location: 'eastus' });
  await rm.resourceGroups.createOrUpdate(WORKLOADS_GROUP, { location: 'eastus' });
  const compute = new ComputeManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  const network = new NetworkManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  const fast = { updateIntervalInMs: 10 };
  const workspace = mkdtempSync(join(tmpdir(), 'aib-images-ws-'));
  return {
    emu,
    compute,
    rm,
    workspace,
    files(files) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(workspace, path)), { recursive: true });
        writeFileSync(join(workspace, path), content);
      }
    },
    run(inputs) {
      const env = emulatorEnv(emu);
      return runAction({ inputs: { ...env.inputs, ...inputs }, env: env.env, workspace });
    },
    async workloadVm(name, vm = {}) {
      const g = WORKLOADS_GROUP;
      const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(
        g,
        `${name}-vnet`,
        {
          location: 'eastus',
          addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
          subnets: [{ name: 'default', addressPrefix: '10.1.0.0/24' }],
        },
        fast,
      );
      const nic = await network.networkInterfaces.beginCreateOrUpdateAndWait(
        g,
        `${name}-nic`,
        { location: 'eastus', ipConfigurations: [{ name: 'ip', subnet: { id: vnet.subnets![0].id } }] },
        fast,
      );
      const created = await compute.virtualMachines
        .createOrUpdate(
          g,
          name,
          {
            location: 'eastus',
            hardwareProfile: { vmSize: 'Standard_D2s_v5' },
            storageProfile: {
              imageReference: {
                publisher: 'Canonical',
                offer: 'ubuntu-24_04-lts',
                sku: 'server',
                version: 'latest',
              },
              osDisk: { createOption: 'FromImage', deleteOption: 'Delete' },
            },
            osProfile: { computerName: name, adminUsername: 'ops', adminPassword: 'Workload-Passw0rd!' },
            networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
            ...vm,
          },
          fast,
        )
        .pollUntilDone();
      return created.id!;
    },
    async settle() {
      // The post step returns once Azure accepted the group deletion; it finishes on the emulator's clock.
      return (await emu.control.settledInventory())
        .filter((r) => !KEPT.test(r.id))
        .map(({ id, type }) => ({ id, type }));
    },
    stop: () => emu.stop(),
  };
}

/** The step's log with the runner's `::command::` lines left as they are: for error messages. */
export function failureOf(step: StepResult): string {
  return step.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .join('\n');
}
