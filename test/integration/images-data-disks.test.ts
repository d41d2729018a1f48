// Data disks through the bundled action: `data-disks` attaches empty disks to the build VM (deleted with
// it), and both the managed image and the gallery version carry them at their LUNs.
import { failureOf, IMAGES_GROUP, startHarness, type Harness } from './images-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

test('data disks are in the managed image and the gallery version, with their LUNs', async () => {
  const { main, post } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    'inline-script': 'echo the scripts format and fill the data disks',
    'data-disks': '32, 64',
    'resource-group': IMAGES_GROUP,
    'image-name': 'with-data',
    gallery: 'data',
    'gallery-image-definition': 'ubuntu-data',
    'gallery-image-version': '1.0.0',
  });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  const image = await h.compute.images.get(IMAGES_GROUP, 'with-data');
  expect(image.storageProfile?.dataDisks?.map((d) => ({ lun: d.lun, size: d.diskSizeGB }))).toEqual([
    { lun: 0, size: 32 },
    { lun: 1, size: 64 },
  ]);
  const version = await h.compute.galleryImageVersions.get(IMAGES_GROUP, 'data', 'ubuntu-data', '1.0.0');
  expect(version.storageProfile?.dataDiskImages?.map((d) => ({ lun: d.lun, size: d.sizeInGB }))).toEqual([
    { lun: 0, size: 32 },
    { lun: 1, size: 64 },
  ]);
  expect(main.outputs['managed-image-id']).toBe(image.id);
  expect(main.outputs['gallery-image-version-id']).toBe(version.id);
  expect(post.exitCode).toBe(0);
  // The data disks went with the build VM (deleteOption Delete) and its group.
  expect(await h.settle()).toEqual([]);
});
