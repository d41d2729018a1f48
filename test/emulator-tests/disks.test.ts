// Disks and snapshots (DiskRP) through the real @azure/arm-compute client, with VHD import from Azurite.
import { BlobServiceClient } from '@azure/storage-blob';
import { azuriteOf, stopAzurite } from '../emulator/azurite.js';
import { vhdFooter } from '../emulator/providers/disks.js';
import { FAST, lastStatus, leftovers, putDefinition, startFixture, type Fixture } from './images.fixtures.js';

let f: Fixture;
const RG = 'rg-disk';
const ACCOUNT_ID = (f: Fixture) =>
  `/subscriptions/${f.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`;
let blobs: BlobServiceClient;

beforeAll(async () => {
  f = await startFixture();
  await f.rm.resourceGroups.createOrUpdate(RG, { location: 'westeurope' });
  blobs = BlobServiceClient.fromConnectionString((await azuriteOf(f.emu.control.core)).connectionString);
  await blobs.createContainer('vhds');
}, 60000);
afterAll(async () => {
  await stopAzurite(f.emu.control.core);
  await f.emu.stop();
});

/** Uploads a fixed VHD (1 MiB of data + footer) as a page blob. */
async function uploadVhd(name: string, metadata: Record<string, string> = {}): Promise<string> {
  const size = 1024 * 1024;
  const page = blobs.getContainerClient('vhds').getPageBlobClient(name);
  await page.create(size + 512, { metadata });
  await page.uploadPages(vhdFooter(size), size, 512);
  return page.url;
}

/** A Linux V2 OS disk imported from `url`. */
const importV2Disk = (rg: string, name: string, url: string) =>
  f.compute.disks
    .createOrUpdate(
      rg,
      name,
      {
        location: 'westeurope',
        osType: 'Linux',
        hyperVGeneration: 'V2',
        creationData: { createOption: 'Import', sourceUri: url, storageAccountId: ACCOUNT_ID(f) },
      },
      FAST,
    )
    .pollUntilDone();

test('an empty disk: 202 with DiskOperations Azure-AsyncOperation and Location, the status embedding the disk', async () => {
  const poller = f.compute.disks.createOrUpdate(
    RG,
    'd-empty',
    { location: 'westeurope', diskSizeGB: 16, creationData: { createOption: 'Empty' } },
    FAST,
  );
  await poller.submitted();
  expect(lastStatus(f, 'PUT', '/disks/d-empty')).toBe(202);
  const d = await poller.pollUntilDone();
  expect(d).toMatchObject({ provisioningState: 'Succeeded', diskSizeGB: 16, diskState: 'Unattached' });
  const polls = f.emu.control
    .requestLog()
    .filter((r) => /\/locations\/westeurope\/DiskOperations\//.test(r.path));
  expect(polls.length).toBeGreaterThan(0);
  // The status body, read over the wire, carries the disk in properties.output (facts §2).
  const lastPoll = polls.at(-1)!;
  const token = await f.cred.getToken('https://management.azure.com/.default');
  const res = await fetch(`${f.emu.endpoint}${lastPoll.path}${lastPoll.query}`, {
    headers: { authorization: `Bearer ${token!.token}` },
  });
  const status = (await res.json()) as { status: string; properties?: { output?: { name: string } } };
  expect(status).toMatchObject({ status: 'Succeeded', properties: { output: { name: 'd-empty' } } });
  await expect(
    f.compute.disks
      .createOrUpdate(
        RG,
        'd-nosize',
        { location: 'westeurope', creationData: { createOption: 'Empty' } },
        FAST,
      )
      .pollUntilDone(),
  ).rejects.toMatchObject({ statusCode: 400 });
});

test('import from a VHD blob: the disk carries the guest state; images and versions take it as a source', async () => {
  const url = await uploadVhd('gen.vhd', { deprovisioned: 'true' });
  const disk = await importV2Disk(RG, 'd-vhd', url);
  expect(disk).toMatchObject({
    provisioningState: 'Succeeded',
    osType: 'Linux',
    hyperVGeneration: 'V2',
    diskSizeGB: 1,
  });
  expect(f.emu.control.core.store.get(disk.id!)!.internal).toMatchObject({
    deprovisioned: true,
    osType: 'Linux',
    hyperVGeneration: 'V2',
  });
  const img = await f.compute.images
    .createOrUpdate(
      RG,
      'img-vhd',
      {
        location: 'westeurope',
        hyperVGeneration: 'V2',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: disk.id } } },
      },
      FAST,
    )
    .pollUntilDone();
  expect(f.emu.control.core.store.get(img.id!)!.internal).toMatchObject({
    deprovisioned: true,
    osState: 'Generalized',
    hyperVGeneration: 'V2',
  });
  await putDefinition(f, RG, 'gal_vhd', 'def');
  const v = await f.compute.galleryImageVersions
    .createOrUpdate(
      RG,
      'gal_vhd',
      'def',
      '1.0.0',
      { location: 'westeurope', storageProfile: { source: { id: img.id } } },
      FAST,
    )
    .pollUntilDone();
  expect(v.provisioningState).toBe('Succeeded');
  // A not-deprovisioned VHD is imported too; the VM created from it would fail later (OSProvisioningTimedOut).
  const raw = await uploadVhd('raw.vhd');
  await f.compute.disks
    .createOrUpdate(
      RG,
      'd-raw',
      {
        location: 'westeurope',
        osType: 'Linux',
        creationData: { createOption: 'Import', sourceUri: raw, storageAccountId: ACCOUNT_ID(f) },
      },
      FAST,
    )
    .pollUntilDone();
  expect(f.emu.control.core.store.get(`${disk.id!.replace('d-vhd', 'd-raw')}`)!.internal).toMatchObject({
    deprovisioned: false,
    hyperVGeneration: 'V1',
  });
});

test('import errors: storageAccountId required, blob must exist and be a VHD', async () => {
  const url = await uploadVhd('ok.vhd');
  const mk = (name: string, creationData: Record<string, unknown>) =>
    f.compute.disks
      .createOrUpdate(
        RG,
        name,
        {
          location: 'westeurope',
          osType: 'Linux',
          creationData: { createOption: 'Import', ...creationData },
        } as never,
        FAST,
      )
      .pollUntilDone();
  await expect(mk('e1', { sourceUri: url })).rejects.toMatchObject({
    statusCode: 400,
    message: "Required parameter 'storageAccountId' is missing (null).",
  });
  await expect(
    mk('e2', { sourceUri: url.replace('ok.vhd', 'missing.vhd'), storageAccountId: ACCOUNT_ID(f) }),
  ).rejects.toMatchObject({ statusCode: 400, code: 'DiskBlobNotFound' });
  await blobs.getContainerClient('vhds').getBlockBlobClient('notvhd.vhd').upload('hello', 5);
  await expect(
    mk('e3', { sourceUri: url.replace('ok.vhd', 'notvhd.vhd'), storageAccountId: ACCOUNT_ID(f) }),
  ).rejects.toMatchObject({
    statusCode: 400,
    message: 'Only blobs formatted as VHDs can be imported.',
  });
  expect(leftovers(f).filter((r) => /\/disks\/e\d$/.test(r.id))).toEqual([]);
});

test('snapshot by Copy of a disk, disk by Copy of a snapshot and FromImage of a gallery version; deletes leave nothing', async () => {
  const rg = 'rg-disk-copy';
  await f.rm.resourceGroups.createOrUpdate(rg, { location: 'westeurope' });
  const url = await uploadVhd('copy.vhd', { deprovisioned: 'true' });
  const src = await importV2Disk(rg, 'src', url);
  const snapPoller = f.compute.snapshots.createOrUpdate(
    rg,
    'snap',
    { location: 'westeurope', creationData: { createOption: 'Copy', sourceResourceId: src.id } },
    FAST,
  );
  await snapPoller.submitted();
  expect(lastStatus(f, 'PUT', '/snapshots/snap')).toBe(202);
  const snap = await snapPoller.pollUntilDone();
  expect(snap).toMatchObject({ provisioningState: 'Succeeded', osType: 'Linux', hyperVGeneration: 'V2' });
  const copy = await f.compute.disks
    .createOrUpdate(
      rg,
      'copy',
      { location: 'westeurope', creationData: { createOption: 'Copy', sourceResourceId: snap.id } },
      FAST,
    )
    .pollUntilDone();
  expect(f.emu.control.core.store.get(copy.id!)!.internal).toMatchObject({ deprovisioned: true });
  await putDefinition(f, rg, 'gal_c', 'def');
  const v = await f.compute.galleryImageVersions
    .createOrUpdate(
      rg,
      'gal_c',
      'def',
      '1.0.0',
      { location: 'westeurope', storageProfile: { source: { id: snap.id } } },
      FAST,
    )
    .pollUntilDone();
  const fromImage = await f.compute.disks
    .createOrUpdate(
      rg,
      'from-ver',
      {
        location: 'westeurope',
        creationData: { createOption: 'FromImage', galleryImageReference: { id: v.id } },
      },
      FAST,
    )
    .pollUntilDone();
  expect(fromImage).toMatchObject({ osType: 'Linux', hyperVGeneration: 'V2' });
  for (const name of ['copy', 'from-ver', 'src']) {
    const del = f.compute.disks.delete(rg, name, FAST);
    await del.submitted();
    expect(lastStatus(f, 'DELETE', `/disks/${name}`)).toBe(202);
    await del.pollUntilDone();
  }
  await f.compute.galleryImageVersions.delete(rg, 'gal_c', 'def', '1.0.0', FAST).pollUntilDone();
  await f.compute.galleryImages.delete(rg, 'gal_c', 'def', FAST).pollUntilDone();
  await f.compute.galleries.delete(rg, 'gal_c', FAST).pollUntilDone();
  await f.compute.snapshots.delete(rg, 'snap', FAST).pollUntilDone();
  expect(f.emu.control.inventory().filter((r) => r.id.includes(`/resourceGroups/${rg}/`))).toEqual([]);
});
