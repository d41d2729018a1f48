// Shared setup for the VM and run command tests: an emulator, the real SDK clients, and helpers that
// create a resource group, a virtual network and NICs (through the real @azure/arm-network client)
// and VM request bodies.
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../emulator/index.js';

export const poll = { updateIntervalInMs: 5 };
export const LOC = 'westeurope';
export const UBUNTU_GEN2 = {
  publisher: 'Canonical',
  offer: '0001-com-ubuntu-server-jammy',
  sku: '22_04-lts-gen2',
  version: 'latest',
};
export const UBUNTU_GEN1 = {
  publisher: 'Canonical',
  offer: '0001-com-ubuntu-server-jammy',
  sku: '22_04-lts',
  version: 'latest',
};

export interface VmFixture {
  emu: EmulatorHandle;
  compute: ComputeManagementClient;
  net: NetworkManagementClient;
  rm: ResourceManagementClient;
  rg: string;
  /** Creates a NIC in the group's VNet (region `location`) and returns its id. */
  nic(name: string, location?: string): Promise<string>;
  /** A Linux VM body from the Ubuntu 22.04 Gen2 image on a new NIC. */
  linuxVm(nicId: string, overrides?: Partial<VirtualMachine>): VirtualMachine;
  /** Creates a VM and waits for it. */
  createVm(name: string, body: VirtualMachine): Promise<VirtualMachine>;
  vmId(name: string): string;
}

export async function startVmFixture(rg: string, options: EmulatorOptions = {}): Promise<VmFixture> {
  const emu = await startEmulator({ timeScale: 0.002, ...options });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  const compute = new ComputeManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  const net = new NetworkManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  await rm.resourceGroups.createOrUpdate(rg, { location: LOC });
  const vnets = new Set<string>();
  const nic = async (name: string, location = LOC): Promise<string> => {
    const vnet = `vnet-${location}`;
    if (!vnets.has(vnet)) {
      await net.virtualNetworks.createOrUpdate(
        rg,
        vnet,
        {
          location,
          addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
          subnets: [{ name: 'build', addressPrefix: '10.0.0.0/24' }],
        },
        poll,
      );
      vnets.add(vnet);
    }
    const subnetId = `/subscriptions/${emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/build`;
    const made = await net.networkInterfaces.createOrUpdate(
      rg,
      name,
      { location, ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnetId } }] },
      poll,
    );
    return made.id!;
  };
  const linuxVm = (nicId: string, overrides: Partial<VirtualMachine> = {}): VirtualMachine => ({
    location: LOC,
    hardwareProfile: { vmSize: 'Standard_D2s_v5' },
    storageProfile: { imageReference: UBUNTU_GEN2, osDisk: { createOption: 'FromImage' } },
    osProfile: { computerName: 'build', adminUsername: 'azureuser', adminPassword: 'N0t-a-real-Passw0rd!' },
    networkProfile: { networkInterfaces: [{ id: nicId }] },
    ...overrides,
  });
  const createVm = async (name: string, body: VirtualMachine): Promise<VirtualMachine> =>
    compute.virtualMachines.createOrUpdate(rg, name, body, poll);
  const vmId = (name: string): string =>
    `/subscriptions/${emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
  return { emu, compute, net, rm, rg, nic, linuxVm, createVm, vmId };
}

/** The PowerState/… code of a VM's instance view. */
export async function powerState(f: VmFixture, name: string): Promise<string | undefined> {
  const iv = await f.compute.virtualMachines.instanceView(f.rg, name);
  return iv.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
}
