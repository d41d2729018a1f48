// What a VM may boot from and use, through the real @azure/arm-compute client: ARM's linked access checks
// on the NIC and a custom source image (403 LinkedAuthorizationFailed), an existing managed disk attached
// as the OS disk (osDisk.createOption Attach), and a gallery image version that is not replicated to the
// VM's region (404 GalleryImageNotFound). Sources: test/emulator/docs/compute.md, images-galleries.md.
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { ClientSecretCredential } from '@azure/identity';
import { LOC, poll, startVmFixture, type VmFixture } from './vm.fixtures.js';

let f: VmFixture;
const RG = 'rg-vm-sources';

beforeAll(async () => {
  f = await startVmFixture(RG);
});
afterAll(() => f.emu.stop());

type Failure = {
  statusCode?: number;
  code?: string;
  message: string;
  details?: { error?: { target?: string } };
};
const rejects = (p: Promise<unknown>): Promise<Failure | undefined> =>
  p.then(
    () => undefined,
    (e: Failure) => e,
  );

/** A compute client signed in as a new principal allowed everything on the subscription except `notActions`. */
function computeWithout(clientId: string, notActions: string[]): ComputeManagementClient {
  const secret = `${clientId}-secret`;
  f.emu.control.addPrincipal({
    clientId,
    clientSecret: secret,
    roleAssignments: [{ actions: ['*'], notActions, scope: `/subscriptions/${f.emu.subscriptionId}` }],
  });
  const cred = new ClientSecretCredential(f.emu.tenantId, clientId, secret, {
    authorityHost: f.emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  return new ComputeManagementClient(cred, f.emu.subscriptionId, { endpoint: f.emu.endpoint });
}

/** Runs a script on a VM and returns its output (action Run Command). */
async function run(vm: string, line: string): Promise<string> {
  const r = await f.compute.virtualMachines.runCommand(
    RG,
    vm,
    { commandId: 'RunShellScript', script: [line] },
    poll,
  );
  return r.value?.[0]?.message ?? '';
}

/** A generalized managed image of a fresh VM (deprovisioned), and its id. */
async function managedImage(name: string): Promise<string> {
  await f.createVm(`src-${name}`, f.linuxVm(await f.nic(`nic-src-${name}`)));
  await run(`src-${name}`, 'sudo waagent -deprovision+user -force');
  await f.compute.virtualMachines.deallocate(RG, `src-${name}`, poll);
  await f.compute.virtualMachines.generalize(RG, `src-${name}`);
  const image = await f.compute.images.createOrUpdate(
    RG,
    name,
    { location: LOC, hyperVGeneration: 'V2', sourceVirtualMachine: { id: f.vmId(`src-${name}`) } },
    poll,
  );
  return image.id!;
}

let made: Promise<{ id?: string }> | undefined;
/** A gallery image version 1.0.0 of a managed image, replicated to westeurope only (made once). */
function galleryVersion(): Promise<{ id?: string }> {
  made ??= (async () => {
    const imageId = await managedImage('img-gallery');
    await f.compute.galleries.createOrUpdate(RG, 'gal_src', { location: LOC }, poll);
    await f.compute.galleryImages.createOrUpdate(
      RG,
      'gal_src',
      'def',
      {
        location: LOC,
        osType: 'Linux',
        osState: 'Generalized',
        hyperVGeneration: 'V2',
        identifier: { publisher: 'aib', offer: 'test', sku: 'read' },
      },
      poll,
    );
    return f.compute.galleryImageVersions.createOrUpdate(
      RG,
      'gal_src',
      'def',
      '1.0.0',
      { location: LOC, storageProfile: { source: { id: imageId } } },
      poll,
    );
  })();
  return made;
}

test('creating a VM on a NIC needs networkInterfaces/join/action on it: LinkedAuthorizationFailed', async () => {
  const nicId = await f.nic('nic-join');
  const limited = computeWithout('00000000-0000-4000-8000-0000000000e1', [
    'Microsoft.Network/networkInterfaces/join/action',
  ]);
  const err = await rejects(limited.virtualMachines.createOrUpdate(RG, 'vm-join', f.linuxVm(nicId), poll));
  expect(err).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
  expect(err?.message).toContain(
    `has permission to perform action 'Microsoft.Compute/virtualMachines/write' on scope '/subscriptions/${f.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-join'`,
  );
  expect(err?.message).toContain(
    `'Microsoft.Network/networkInterfaces/join/action' on the linked scope(s) '${nicId}'`,
  );
  // Nothing was created and the NIC is free: the same request as a full principal succeeds.
  await expect(f.compute.virtualMachines.get(RG, 'vm-join')).rejects.toMatchObject({ statusCode: 404 });
  expect((await f.createVm('vm-join', f.linuxVm(nicId))).provisioningState).toBe('Succeeded');
});

test('a custom source image needs read on it: images/read, galleries/images/versions/read', async () => {
  const imageId = await managedImage('img-read');
  const noImageRead = computeWithout('00000000-0000-4000-8000-0000000000e2', [
    'Microsoft.Compute/images/read',
  ]);
  const body = f.linuxVm(await f.nic('nic-img-read'), {
    storageProfile: { imageReference: { id: imageId } },
  });
  const err = await rejects(noImageRead.virtualMachines.createOrUpdate(RG, 'vm-img-read', body, poll));
  expect(err).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
  expect(err?.message).toContain(`'Microsoft.Compute/images/read' on the linked scope(s) '${imageId}'`);

  // A gallery version as the source: versions/read on the version.
  const version = await galleryVersion();
  const noVersionRead = computeWithout('00000000-0000-4000-8000-0000000000e3', [
    'Microsoft.Compute/galleries/images/versions/read',
  ]);
  const err2 = await rejects(
    noVersionRead.virtualMachines.createOrUpdate(
      RG,
      'vm-ver-read',
      { ...body, storageProfile: { imageReference: { id: version.id } } },
      poll,
    ),
  );
  expect(err2).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
  expect(err2?.message).toContain(
    `'Microsoft.Compute/galleries/images/versions/read' on the linked scope(s) '${version.id}'`,
  );
});

test('a gallery version not replicated to the VM region: 404 GalleryImageNotFound, target imageReference', async () => {
  const versionId = (await galleryVersion()).id!;
  const body: VirtualMachine = {
    ...f.linuxVm(await f.nic('nic-east', 'eastus')),
    location: 'eastus',
    storageProfile: { imageReference: { id: versionId } },
  };
  // The SDK's error drops the body's target: read the raw answer through the client's onResponse hook.
  const bodies: string[] = [];
  const err = await rejects(
    f.compute.virtualMachines.createOrUpdate(RG, 'vm-east', body, {
      ...poll,
      onResponse: (r) => void bodies.push(r.bodyAsText ?? ''),
    }),
  );
  expect(err).toMatchObject({ statusCode: 404, code: 'GalleryImageNotFound' });
  expect(err?.message).toBe(
    `"The gallery image ${versionId} is not available in eastus region. Please contact image owner to replicate to this region, or change your requested region."`,
  );
  expect(JSON.parse(bodies[0]).error.target).toBe('imageReference');
});

test('an existing OS disk attached (createOption Attach) boots as it was left; deleteOption is honoured', async () => {
  // A VM writes a file, then is deleted keeping its OS disk (deleteOption Detach, the default).
  const first = await f.createVm('vm-orig', f.linuxVm(await f.nic('nic-orig')));
  await run('vm-orig', 'echo written-by-vm-orig > ~/marker.txt');
  await f.compute.virtualMachines.delete(RG, 'vm-orig', poll);
  const diskId = first.storageProfile!.osDisk!.managedDisk!.id!;
  const diskName = diskId.split('/').pop()!;
  expect((await f.compute.disks.get(RG, diskName)).diskState).toBe('Unattached');

  const nicId = await f.nic('nic-attach');
  const attachBody = (extra: Partial<VirtualMachine> = {}): VirtualMachine => ({
    location: LOC,
    hardwareProfile: { vmSize: 'Standard_D2s_v5' },
    storageProfile: {
      osDisk: {
        createOption: 'Attach',
        osType: 'Linux',
        managedDisk: { id: diskId },
        deleteOption: 'Delete',
      },
    },
    networkProfile: { networkInterfaces: [{ id: nicId }] },
    ...extra,
  });
  // A specialized disk forbids osProfile (facts §3); an image as well as the disk is refused.
  const withProfile = await rejects(
    f.createVm('vm-attach', attachBody({ osProfile: { computerName: 'x', adminUsername: 'azureuser' } })),
  );
  expect(withProfile).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
  expect(withProfile?.message).toBe("Parameter 'osProfile' is not allowed.");
  const withImage = await rejects(
    f.createVm(
      'vm-attach',
      attachBody({
        storageProfile: {
          imageReference: { id: first.storageProfile?.imageReference?.id ?? 'x' },
          osDisk: { createOption: 'Attach', osType: 'Linux', managedDisk: { id: diskId } },
        },
      }),
    ),
  );
  expect(withImage?.message).toBe(
    'Cannot attach an existing OS disk if the VM is created from a platform, user or a shared gallery image.',
  );
  const missing = await rejects(
    f.createVm(
      'vm-attach',
      attachBody({
        storageProfile: {
          osDisk: { createOption: 'Attach', osType: 'Linux', managedDisk: { id: `${diskId}-nope` } },
        },
      }),
    ),
  );
  expect(missing).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });

  const vm = await f.createVm('vm-attach', attachBody());
  expect(vm.provisioningState).toBe('Succeeded');
  expect(vm.storageProfile?.imageReference).toBeUndefined();
  expect(vm.storageProfile?.osDisk).toMatchObject({
    createOption: 'Attach',
    name: diskName,
    osType: 'Linux',
  });
  expect(vm.osProfile).toBeUndefined();
  const disk = await f.compute.disks.get(RG, diskName);
  expect({ state: disk.diskState, by: disk.managedBy }).toEqual({
    state: 'Attached',
    by: f.vmId('vm-attach'),
  });
  // The guest is the disk's: the file the first VM wrote is there.
  expect(await run('vm-attach', 'cat ~/marker.txt')).toContain('written-by-vm-orig');

  // A second VM cannot take the same disk.
  const taken = await rejects(
    f.createVm('vm-attach-2', {
      ...attachBody(),
      networkProfile: { networkInterfaces: [{ id: await f.nic('nic-2') }] },
    }),
  );
  expect(taken).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });

  // deleteOption Delete: the disk goes with the VM.
  await f.compute.virtualMachines.delete(RG, 'vm-attach', poll);
  await expect(f.compute.disks.get(RG, diskName)).rejects.toMatchObject({ statusCode: 404 });
});
