// Managed images (Microsoft.Compute/images) through the real @azure/arm-compute client.
import { FAST, lastStatus, leftovers, putFixtureVm, startFixture, type Fixture } from './images.fixtures.js';

let f: Fixture;
const RG = 'rg-img';
beforeAll(async () => {
  f = await startFixture();
  await f.rm.resourceGroups.createOrUpdate(RG, { location: 'westeurope' });
});
afterAll(() => f.emu.stop());

test('an image from a generalized VM: 201 + Azure-AsyncOperation, data disks with their LUNs, GET, list, delete (202)', async () => {
  const vmId = await putFixtureVm(f, {
    rg: RG,
    name: 'vm-a',
    hyperVGeneration: 'V1',
    dataDisks: [
      { lun: 0, diskSizeGB: 4 },
      { lun: 2, diskSizeGB: 8 },
    ],
  });
  const poller = f.compute.images.createOrUpdate(
    RG,
    'img-a',
    { location: 'westeurope', sourceVirtualMachine: { id: vmId } },
    FAST,
  );
  await poller.submitted();
  expect(lastStatus(f, 'PUT', '/images/img-a')).toBe(201);
  const img = await poller.pollUntilDone();
  expect(f.emu.control.requestLog().some((r) => /\/locations\/westeurope\/operations\//.test(r.path))).toBe(
    true,
  );
  expect(img).toMatchObject({
    provisioningState: 'Succeeded',
    hyperVGeneration: 'V1',
    sourceVirtualMachine: { id: vmId },
  });
  expect(img.storageProfile?.osDisk).toMatchObject({ osType: 'Linux', osState: 'Generalized' });
  expect(img.storageProfile?.dataDisks?.map((d) => [d.lun, d.diskSizeGB])).toEqual([
    [0, 4],
    [2, 8],
  ]);
  expect(f.emu.control.core.store.get(img.id!)!.internal).toMatchObject({
    deprovisioned: true,
    osState: 'Generalized',
    dataDisks: [{ lun: 0 }, { lun: 2 }],
  });
  const names: string[] = [];
  for await (const i of f.compute.images.listByResourceGroup(RG)) names.push(i.name!);
  expect(names).toContain('img-a');
  const del = f.compute.images.delete(RG, 'img-a', FAST);
  await del.submitted();
  expect(lastStatus(f, 'DELETE', '/images/img-a')).toBe(202);
  await del.pollUntilDone();
  await expect(f.compute.images.get(RG, 'img-a')).rejects.toMatchObject({ statusCode: 404 });
});

test('the VM must be generalized (OperationNotAllowed)', async () => {
  const vmId = await putFixtureVm(f, { rg: RG, name: 'vm-b', generalized: false });
  await expect(
    f.compute.images
      .createOrUpdate(
        RG,
        'img-b',
        { location: 'westeurope', hyperVGeneration: 'V2', sourceVirtualMachine: { id: vmId } },
        FAST,
      )
      .pollUntilDone(),
  ).rejects.toMatchObject({
    statusCode: 409,
    code: 'OperationNotAllowed',
    message: "The operation 'Create Image' requires the Virtual Machine 'vm-b' to be Generalized.",
  });
});

test('hyperVGeneration defaults to V1 and must match the VM', async () => {
  const vmId = await putFixtureVm(f, { rg: RG, name: 'vm-c', hyperVGeneration: 'V2' });
  await expect(
    f.compute.images
      .createOrUpdate(RG, 'img-c', { location: 'westeurope', sourceVirtualMachine: { id: vmId } }, FAST)
      .pollUntilDone(),
  ).rejects.toMatchObject({
    statusCode: 400,
    code: 'InvalidParameter',
    message:
      "The Input HyperVGeneration property: 'V1' does not match with the HyperVGeneration property: 'Gen2' belonging to source: 'sourceVirtualMachine'.",
  });
  const ok = await f.compute.images
    .createOrUpdate(
      RG,
      'img-c',
      { location: 'westeurope', hyperVGeneration: 'V2', sourceVirtualMachine: { id: vmId } },
      FAST,
    )
    .pollUntilDone();
  expect(ok.hyperVGeneration).toBe('V2');
});

test('the image must be in the VM region; Trusted Launch VMs are refused', async () => {
  const vmId = await putFixtureVm(f, { rg: RG, name: 'vm-d' });
  await expect(
    f.compute.images
      .createOrUpdate(
        RG,
        'img-d',
        { location: 'eastus', hyperVGeneration: 'V2', sourceVirtualMachine: { id: vmId } },
        FAST,
      )
      .pollUntilDone(),
  ).rejects.toMatchObject({
    statusCode: 404,
    code: 'NotFound',
    message: "Source Virtual Machine 'vm-d' specified in the request does not exist in this Azure location.",
  });
  const tl = await putFixtureVm(f, { rg: RG, name: 'vm-tl', securityType: 'TrustedLaunch' });
  await expect(
    f.compute.images
      .createOrUpdate(
        RG,
        'img-tl',
        { location: 'westeurope', hyperVGeneration: 'V2', sourceVirtualMachine: { id: tl } },
        FAST,
      )
      .pollUntilDone(),
  ).rejects.toMatchObject({
    statusCode: 409,
    code: 'OperationNotAllowed',
    message:
      'Creation of managed images are not supported for virtual machine with TrustedLaunch security type.',
  });
});

test('an asynchronous failure leaves a Failed image; deleting the group leaves nothing', async () => {
  const rg = 'rg-img-del';
  await f.rm.resourceGroups.createOrUpdate(rg, { location: 'westeurope' });
  const vmId = await putFixtureVm(f, { rg, name: 'vm-e', hyperVGeneration: 'V1' });
  f.emu.control.injectFault({
    method: 'PUT',
    path: '/images/img-e',
    effect: { type: 'asyncFailure', code: 'InternalExecutionError' },
  });
  await expect(
    f.compute.images
      .createOrUpdate(rg, 'img-e', { location: 'westeurope', sourceVirtualMachine: { id: vmId } }, FAST)
      .pollUntilDone(),
  ).rejects.toThrow('InternalExecutionError');
  expect((await f.compute.images.get(rg, 'img-e')).provisioningState).toBe('Failed');
  await f.rm.resourceGroups.delete(rg, FAST);
  expect(leftovers(f).filter((r) => r.id.includes(`/resourceGroups/${rg}/`))).toEqual([]);
});
