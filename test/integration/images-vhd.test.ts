// A VHD source through the bundled action: a fixed VHD page blob (as Hyper-V makes and `azcopy` uploads)
// in the storage emulator is imported as a managed disk, made a temporary managed image, built on, and
// captured; the imported disk and temporary image go with the build's resource group. A specialized VHD
// is imported and attached as the build VM's OS disk (createOption Attach, no osProfile).
import { BlobServiceClient } from '@azure/storage-blob';
import { azuriteOf, stopAzurite } from '../emulator/azurite.js';
import { vhdFooter } from '../emulator/providers/disks.js';
import { failureOf, IMAGES_GROUP, startHarness, type Harness } from './images-harness.js';

let h: Harness;
let vhdUrl: string;
let specializedUrl: string;
beforeAll(async () => {
  h = await startHarness();
  const blobs = BlobServiceClient.fromConnectionString(
    (await azuriteOf(h.emu.control.core)).connectionString,
  );
  await blobs.createContainer('vhds');
  const size = 64 * 1024 * 1024;
  const page = blobs.getContainerClient('vhds').getPageBlobClient('golden-gen2.vhd');
  // The emulator cannot look inside a VHD: this metadata says the guest was deprovisioned before upload.
  await page.create(size + 512, { metadata: { deprovisioned: 'true' } });
  await page.uploadPages(vhdFooter(size), size, 512);
  vhdUrl = page.url;
  // A specialized disk: uploaded as it ran (no deprovisioned metadata).
  const specialized = blobs.getContainerClient('vhds').getPageBlobClient('app01-specialized.vhd');
  await specialized.create(size + 512);
  await specialized.uploadPages(vhdFooter(size), size, 512);
  specializedUrl = specialized.url;
}, 60_000);
afterAll(async () => {
  if (h) await stopAzurite(h.emu.control.core);
  await h?.stop();
});

const storageAccountId = () =>
  `/subscriptions/${h.emu.subscriptionId}/resourceGroups/${IMAGES_GROUP}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`;

test('a generalized VHD is imported, built on and captured, and the import leaves nothing behind', async () => {
  const { main, post } = await h.run({
    'base-image': vhdUrl,
    'source-os-type': 'Linux',
    'source-hyper-v-generation': 'V2',
    'source-storage-account-id': storageAccountId(),
    'inline-script': 'echo customizing the uploaded image',
    'resource-group': IMAGES_GROUP,
    'image-name': 'from-vhd',
    gallery: 'vhd',
    'gallery-image-definition': 'from-vhd',
    'gallery-image-version': '1.0.0',
  });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain('Importing the VHD');
  expect(main.stdout).toContain('customizing the uploaded image');
  expect(main.outputs['source-image']).toBe(vhdUrl);
  const image = await h.compute.images.get(IMAGES_GROUP, 'from-vhd');
  expect(image.hyperVGeneration).toBe('V2');
  expect(image.storageProfile?.osDisk?.osType).toBe('Linux');
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'vhd', 'from-vhd');
  expect({ os: definition.osType, gen: definition.hyperVGeneration, state: definition.osState }).toEqual({
    os: 'Linux',
    gen: 'V2',
    state: 'Generalized',
  });
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test('a VHD whose Hyper-V generation input is wrong for the definition fails before a VM exists', async () => {
  h.emu.control.clearRequestLog();
  const { main } = await h.run({
    'base-image': vhdUrl,
    'source-os-type': 'Linux',
    'source-hyper-v-generation': 'V1',
    'source-storage-account-id': storageAccountId(),
    'resource-group': IMAGES_GROUP,
    gallery: 'vhd',
    'gallery-image-definition': 'from-vhd',
    'gallery-image-version': '1.0.1',
  });
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toMatch(/Hyper-V generation: the definition is V2, the base image is V1/);
  expect(
    h.emu.control.requestLog().some((r) => r.method === 'PUT' && /\/disks\/|virtualMachines\//i.test(r.path)),
  ).toBe(false);
  expect(await h.settle()).toEqual([]);
});

test('a specialized VHD is attached as the OS disk (no osProfile, no image), built on and published as it is', async () => {
  h.emu.control.clearRequestLog();
  const { main, post } = await h.run({
    'base-image': specializedUrl,
    'source-os-type': 'Linux',
    'source-hyper-v-generation': 'V2',
    'source-os-state': 'Specialized',
    'source-storage-account-id': storageAccountId(),
    generalize: 'false',
    'inline-script': 'echo customizing the specialized disk > "$HOME/custom.txt"',
    'resource-group': IMAGES_GROUP,
    gallery: 'vhd',
    'gallery-image-definition': 'from-specialized-vhd',
    'gallery-image-version': '1.0.0',
  });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain('Importing the VHD');
  expect(main.stdout).not.toContain('waagent');
  const puts = h.emu.control
    .requestLog()
    .filter((r) => r.method === 'PUT')
    .map((r) => r.path);
  // The disk is imported and attached: no temporary managed image (the emulator refuses an osProfile or an
  // image together with an attached OS disk, as Azure does).
  expect(puts.some((p) => /\/disks\/[^/]+-vhd$/i.test(p))).toBe(true);
  expect(puts.some((p) => /\/images\/[^/]+-vhd-image$/i.test(p))).toBe(false);
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'vhd', 'from-specialized-vhd');
  expect({ gen: definition.hyperVGeneration, state: definition.osState }).toEqual({
    gen: 'V2',
    state: 'Specialized',
  });
  const version = await h.compute.galleryImageVersions.get(
    IMAGES_GROUP,
    'vhd',
    'from-specialized-vhd',
    '1.0.0',
  );
  expect(version.provisioningState).toBe('Succeeded');
  expect(post.exitCode).toBe(0);
  // The attached disk (deleteOption Delete) and everything else temporary is gone.
  expect(await h.settle()).toEqual([]);
});
