// Microsoft.Compute virtual machines through the real @azure/arm-compute client: create LRO, GET with
// instanceView, power actions, the generalize rules, delete with deleteOptions, create-time
// validation with Azure's errors, purchase plans, OSProvisioningTimedOut and Spot eviction.
// NICs come from the network provider through the real @azure/arm-network client.
import { evictVm } from '../emulator/providers/compute-vm.js';
import { marketplaceOf } from '../emulator/providers/marketplace.js';
import { LOC, UBUNTU_GEN1, poll, powerState, startVmFixture, type VmFixture } from './vm.fixtures.js';

let f: VmFixture;
const RG = 'rg-vm';

beforeAll(async () => {
  f = await startVmFixture(RG);
});
afterAll(() => f.emu.stop());

const rejects = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { statusCode?: number; code?: string; message: string }) => e,
  );

test('create answers 201 + Azure-AsyncOperation (no Location), then GET shows the VM running with its exact image version', async () => {
  const nicId = await f.nic('nic-create');
  const poller = f.compute.virtualMachines.createOrUpdate(RG, 'vm-create', f.linuxVm(nicId), poll);
  await poller.submitted();
  const put = f.emu.control
    .requestLog()
    .find((r) => r.method === 'PUT' && r.path.endsWith('/virtualMachines/vm-create'));
  expect(put?.status).toBe(201);
  expect((await f.compute.virtualMachines.get(RG, 'vm-create')).provisioningState).toBe('Creating');
  const vm = await poller.pollUntilDone();
  expect(vm.provisioningState).toBe('Succeeded');
  expect(vm.storageProfile?.imageReference).toMatchObject({
    version: 'latest',
    exactVersion: '22.04.202411010',
  });
  expect(vm.osProfile?.adminPassword).toBeUndefined();
  const got = await f.compute.virtualMachines.get(RG, 'vm-create', { expand: 'instanceView' });
  const codes = got.instanceView?.statuses?.map((s) => s.code);
  expect(codes).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  expect(got.instanceView?.vmAgent?.statuses?.[0].displayStatus).toBe('Ready');
  expect(got.instanceView?.hyperVGeneration).toBe('V2');
  // The OS disk is a resource of its own; the NIC knows its VM.
  const osDiskId = got.storageProfile?.osDisk?.managedDisk?.id;
  expect(
    f.emu.control.inventory().some((r) => r.id === osDiskId && r.type === 'Microsoft.Compute/disks'),
  ).toBe(true);
  expect((await f.net.networkInterfaces.get(RG, 'nic-create')).virtualMachine?.id).toBe(f.vmId('vm-create'));
  const names: string[] = [];
  for await (const v of f.compute.virtualMachines.list(RG)) names.push(v.name!);
  expect(names).toContain('vm-create');
});

test('power actions, then generalize only when stopped, then start refused on a generalized VM', async () => {
  const nicId = await f.nic('nic-power');
  await f.createVm('vm-power', f.linuxVm(nicId));
  const running = await rejects(f.compute.virtualMachines.generalize(RG, 'vm-power'));
  expect(running).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  expect(running?.message).toContain(
    "Operation 'generalize' is not allowed on VM 'vm-power' since the VM is running",
  );
  await f.compute.virtualMachines.powerOff(RG, 'vm-power', poll);
  expect(await powerState(f, 'vm-power')).toBe('PowerState/stopped');
  await f.compute.virtualMachines.start(RG, 'vm-power', poll);
  expect(await powerState(f, 'vm-power')).toBe('PowerState/running');
  await f.compute.virtualMachines.restart(RG, 'vm-power', poll);
  await f.compute.virtualMachines.deallocate(RG, 'vm-power', poll);
  expect(await powerState(f, 'vm-power')).toBe('PowerState/deallocated');
  // Location polls of a power action end with 200 and an empty body (facts §2).
  const polls = f.emu.control
    .requestLog()
    .filter((r) => r.path.includes('/operations/') && r.query.includes('monitor=true'));
  expect(polls.at(-1)?.status).toBe(200);
  await f.compute.virtualMachines.generalize(RG, 'vm-power');
  const iv = await f.compute.virtualMachines.instanceView(RG, 'vm-power');
  expect(iv.statuses?.map((s) => s.code)).toContain('OSState/generalized');
  const start = await rejects(f.compute.virtualMachines.start(RG, 'vm-power', poll));
  expect(start).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  expect(start?.message).toContain(
    "Operation 'start' is not allowed on VM 'vm-power' since the VM is generalized.",
  );
});

test('delete honours each deleteOption: Detach keeps the OS disk and NIC, Delete removes them', async () => {
  const keepNic = await f.nic('nic-keep');
  const kept = await f.createVm('vm-keep', f.linuxVm(keepNic));
  const dropNic = await f.nic('nic-drop');
  const dropped = await f.createVm(
    'vm-drop',
    f.linuxVm(dropNic, {
      storageProfile: {
        imageReference: { ...UBUNTU_GEN1 },
        osDisk: { createOption: 'FromImage', deleteOption: 'Delete' },
        dataDisks: [{ lun: 0, createOption: 'Empty', diskSizeGB: 16, deleteOption: 'Delete' }],
      },
      networkProfile: { networkInterfaces: [{ id: dropNic, deleteOption: 'Delete' }] },
    }),
  );
  await f.compute.virtualMachines.delete(RG, 'vm-keep', poll);
  await f.compute.virtualMachines.delete(RG, 'vm-drop', poll);
  const ids = f.emu.control.inventory().map((r) => r.id.toLowerCase());
  expect(ids).toContain(kept.storageProfile!.osDisk!.managedDisk!.id!.toLowerCase());
  expect(ids).toContain(keepNic.toLowerCase());
  expect((await f.net.networkInterfaces.get(RG, 'nic-keep')).virtualMachine).toBeUndefined();
  expect(ids).not.toContain(dropped.storageProfile!.osDisk!.managedDisk!.id!.toLowerCase());
  expect(ids).not.toContain(dropped.storageProfile!.dataDisks![0].managedDisk!.id!.toLowerCase());
  expect(ids).not.toContain(dropNic.toLowerCase());
  expect(ids.filter((id) => /\/virtualmachines\/vm-(keep|drop)$/.test(id))).toEqual([]);
  // DELETE of a VM that is not there: 204, which the SDK accepts.
  await f.compute.virtualMachines.delete(RG, 'vm-keep', poll);
  const log = f.emu.control.requestLog().filter((r) => r.method === 'DELETE' && r.path.endsWith('/vm-keep'));
  expect(log.map((r) => r.status)).toEqual([202, 204]);
});

test('create-time validation answers with Azure errors and creates nothing', async () => {
  const nicId = await f.nic('nic-bad');
  const computeIds = () =>
    f.emu.control
      .inventory()
      .filter((r) => r.type.startsWith('Microsoft.Compute/'))
      .map((r) => r.id);
  const before = computeIds();
  const gen = await rejects(
    f.createVm('vm-bad', f.linuxVm(nicId, { hardwareProfile: { vmSize: 'Standard_D2_v3' } })),
  );
  expect(gen).toMatchObject({ statusCode: 400, code: 'BadRequest' });
  expect(gen?.message).toContain(
    "The selected VM size 'Standard_D2_v3' cannot boot Hypervisor Generation '2'.",
  );
  const gen1 = await rejects(
    f.createVm('vm-bad', f.linuxVm(nicId, { hardwareProfile: { vmSize: 'Standard_D2ps_v5' } })),
  );
  expect(gen1).toMatchObject({ statusCode: 400, code: 'BadRequest' });
  expect(gen1?.message).toContain("cannot boot an image with CPU architecture 'x64'");
  const noOs = await rejects(f.createVm('vm-bad', f.linuxVm(nicId, { osProfile: undefined })));
  expect(noOs).toMatchObject({
    statusCode: 400,
    code: 'InvalidParameter',
    message: "Required parameter 'osProfile' is missing (null).",
  });
  const tl = await rejects(
    f.createVm(
      'vm-bad',
      f.linuxVm(nicId, {
        storageProfile: { imageReference: UBUNTU_GEN1 },
        hardwareProfile: { vmSize: 'Standard_D2s_v5' },
        securityProfile: {
          securityType: 'TrustedLaunch',
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        },
      }),
    ),
  );
  expect(tl).toMatchObject({ statusCode: 400, code: 'BadRequest' });
  expect(tl?.message).toContain('Use of TrustedLaunch setting is not supported for the provided image.');
  const missing = await rejects(
    f.createVm(
      'vm-bad',
      f.linuxVm(nicId, { storageProfile: { imageReference: { ...UBUNTU_GEN1, version: '1.2.3' } } }),
    ),
  );
  expect(missing).toMatchObject({ statusCode: 404, code: 'PlatformImageNotFound' });
  const far = await f.nic('nic-far', 'eastus');
  const region = await rejects(f.createVm('vm-bad', f.linuxVm(far)));
  expect(region).toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
  expect(region?.message).toContain('both resources are in the same region');
  const disks = await rejects(
    f.createVm(
      'vm-bad',
      f.linuxVm(nicId, {
        hardwareProfile: { vmSize: 'Standard_B1s' },
        storageProfile: {
          imageReference: UBUNTU_GEN1,
          dataDisks: [0, 1, 2].map((lun) => ({ lun, createOption: 'Empty', diskSizeGB: 8 })),
        },
      }),
    ),
  );
  expect(disks).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  // Nothing of Compute was created: no VM, no disk.
  expect(computeIds()).toEqual(before);
  // A Trusted Launch VM from a capable Gen2 image is fine.
  const ok = await f.createVm(
    'vm-tl',
    f.linuxVm(nicId, {
      securityProfile: {
        securityType: 'TrustedLaunch',
        uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      },
    }),
  );
  expect(ok.securityProfile?.securityType).toBe('TrustedLaunch');
});

test('a Marketplace image with a purchase plan needs the plan and accepted terms', async () => {
  const nicId = await f.nic('nic-plan');
  const rocky = { publisher: 'resf', offer: 'rockylinux-x86_64', sku: '9-base', version: 'latest' };
  const plan = { name: '9-base', product: 'rockylinux-x86_64', publisher: 'resf' };
  const body = f.linuxVm(nicId, { storageProfile: { imageReference: rocky } });
  // No plan: the PUT is accepted, the operation fails (facts §7).
  const noPlan = await rejects(f.createVm('vm-plan', body));
  expect(noPlan?.message).toContain('VMMarketplaceInvalidInput');
  expect((await f.compute.virtualMachines.get(RG, 'vm-plan')).provisioningState).toBe('Failed');
  await f.compute.virtualMachines.delete(RG, 'vm-plan', poll);
  // Plan but terms not accepted: 400 on the PUT.
  const terms = await rejects(f.createVm('vm-plan', { ...body, plan }));
  expect(terms).toMatchObject({ statusCode: 400, code: 'ResourcePurchaseValidationFailed' });
  marketplaceOf(f.emu.control.core).terms.accept(f.emu.subscriptionId, plan);
  const vm = await f.createVm('vm-plan', { ...body, plan });
  expect(vm.provisioningState).toBe('Succeeded');
  expect(vm.plan).toEqual(plan);
});

test('Spot eviction: Deallocate policy leaves a deallocated VM that cannot run commands; Delete policy removes it', async () => {
  const nicA = await f.nic('nic-spot-a');
  await f.createVm(
    'vm-spot-a',
    f.linuxVm(nicA, { priority: 'Spot', evictionPolicy: 'Deallocate', billingProfile: { maxPrice: -1 } }),
  );
  evictVm(f.emu.control.core, f.vmId('vm-spot-a'));
  expect(await powerState(f, 'vm-spot-a')).toBe('PowerState/deallocated');
  const rc = await rejects(
    f.compute.virtualMachines.runCommand(
      RG,
      'vm-spot-a',
      { commandId: 'RunShellScript', script: ['true'] },
      poll,
    ),
  );
  expect(rc).toMatchObject({
    statusCode: 409,
    code: 'OperationNotAllowed',
    message: 'The operation requires the VM to be running (or set to run).',
  });
  const nicB = await f.nic('nic-spot-b');
  const b = await f.createVm('vm-spot-b', f.linuxVm(nicB, { priority: 'Spot', evictionPolicy: 'Delete' }));
  evictVm(f.emu.control.core, f.vmId('vm-spot-b'));
  expect(await rejects(f.compute.virtualMachines.get(RG, 'vm-spot-b'))).toMatchObject({ statusCode: 404 });
  expect(
    f.emu.control
      .inventory()
      .some((r) => r.id.toLowerCase() === b.storageProfile!.osDisk!.managedDisk!.id!.toLowerCase()),
  ).toBe(false);
  const wrong = await rejects(f.createVm('vm-spot-c', f.linuxVm(nicB, { evictionPolicy: 'Delete' })));
  expect(wrong).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
});

test('a VM from an image captured without deprovisioning fails with OSProvisioningTimedOut; deprovisioned, it boots', async () => {
  const capture = async (name: string, deprovision: boolean): Promise<string> => {
    const nicId = await f.nic(`nic-${name}`);
    await f.createVm(name, f.linuxVm(nicId));
    if (deprovision) {
      await f.compute.virtualMachines.runCommand(
        RG,
        name,
        { commandId: 'RunShellScript', script: ['sudo waagent -deprovision+user -force'] },
        poll,
      );
    }
    await f.compute.virtualMachines.deallocate(RG, name, poll);
    await f.compute.virtualMachines.generalize(RG, name);
    const image = await f.compute.images.createOrUpdate(
      RG,
      `img-${name}`,
      { location: LOC, hyperVGeneration: 'V2', sourceVirtualMachine: { id: f.vmId(name) } },
      poll,
    );
    return image.id!;
  };
  const dirty = await capture('vm-dirty', false);
  const clean = await capture('vm-clean', true);
  const nic1 = await f.nic('nic-from-dirty');
  const failed = await rejects(
    f.createVm('vm-from-dirty', f.linuxVm(nic1, { storageProfile: { imageReference: { id: dirty } } })),
  );
  expect(failed?.message).toContain('OSProvisioningTimedOut');
  expect(failed?.message).toContain('has not been properly prepared to be used as a VM image');
  expect((await f.compute.virtualMachines.get(RG, 'vm-from-dirty')).provisioningState).toBe('Failed');
  const nic2 = await f.nic('nic-from-clean');
  const vm = await f.createVm(
    'vm-from-clean',
    f.linuxVm(nic2, { storageProfile: { imageReference: { id: clean } } }),
  );
  expect(vm.provisioningState).toBe('Succeeded');
  expect(vm.storageProfile?.imageReference?.id).toBe(clean);
});
