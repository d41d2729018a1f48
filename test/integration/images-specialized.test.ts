// Specialized images through the bundled action: `generalize: false` publishes the build VM as it is
// into a Specialized gallery definition (a managed image target is refused before anything is created),
// and `base-image: <VM ID>` captures an existing, live VM as a specialized version with no build VM and
// without the action writing to that VM.
import { failureOf, IMAGES_GROUP, startHarness, WORKLOADS_GROUP, type Harness } from './images-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const gallery = (definition: string, version: string) => ({
  'resource-group': IMAGES_GROUP,
  gallery: 'specialized',
  'gallery-image-definition': definition,
  'gallery-image-version': version,
});

test('generalize: false captures the VM as it is into a Specialized definition', async () => {
  const { main, post } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    'inline-script': 'echo keeping the machine identity > "$HOME/kept.txt"',
    generalize: 'false',
    ...gallery('ubuntu-specialized', '1.0.0'),
  });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(main.stdout).not.toContain('waagent');
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'specialized', 'ubuntu-specialized');
  expect(definition.osState).toBe('Specialized');
  const version = await h.compute.galleryImageVersions.get(
    IMAGES_GROUP,
    'specialized',
    'ubuntu-specialized',
    '1.0.0',
  );
  expect(main.outputs['gallery-image-version-id']).toBe(version.id);
  expect(version.provisioningState).toBe('Succeeded');
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test('generalize: false with a managed image target is refused before anything is created', async () => {
  h.emu.control.clearRequestLog();
  const { main } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    generalize: 'false',
    'resource-group': IMAGES_GROUP,
    'image-name': 'never',
  });
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toContain(
    "Input 'image-name' asks for a managed image, but input 'generalize' is false (a specialized capture). Azure only creates managed images from generalized VMs.",
  );
  const writes = h.emu.control.requestLog().filter((r) => ['PUT', 'POST', 'PATCH'].includes(r.method));
  expect(writes).toEqual([]);
});

test('an existing live VM is captured as a specialized version, with no build VM and no write to the VM', async () => {
  const vmId = await h.workloadVm('app01');
  h.emu.control.clearRequestLog();
  const { main, post } = await h.run({ 'base-image': vmId, ...gallery('app01-backup', '2024.6.1') });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain('Capturing the existing VM app01 as it is (running)');
  const version = await h.compute.galleryImageVersions.get(
    IMAGES_GROUP,
    'specialized',
    'app01-backup',
    '2024.6.1',
  );
  expect(version.storageProfile?.source?.virtualMachineId?.toLowerCase()).toBe(vmId.toLowerCase());
  expect(main.outputs['image-id']).toBe(version.id);
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'specialized', 'app01-backup');
  expect(definition.osState).toBe('Specialized');
  expect(definition.hyperVGeneration).toBe('V2');
  const log = h.emu.control.requestLog();
  // Only reads of the VM; no resource group, network or VM was created.
  const onVm = log.filter((r) => r.path.toLowerCase().startsWith(vmId.toLowerCase()));
  expect(onVm.length).toBeGreaterThan(0);
  expect(onVm.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(log.filter((r) => r.method === 'PUT' && !/\/galleries\//i.test(r.path))).toEqual([]);
  const view = await h.compute.virtualMachines.instanceView(WORKLOADS_GROUP, 'app01');
  expect(view.statuses?.map((s) => s.code)).toContain('PowerState/running');
  expect(view.statuses?.map((s) => s.code)).not.toContain('OSState/generalized');
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test('a live VM in another region than the build is refused with the fix', async () => {
  const vmId = await h.workloadVm('app02');
  const { main } = await h.run({
    'base-image': vmId,
    location: 'westus2',
    ...gallery('app02-backup', '1.0.0'),
  });
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toMatch(/the virtual machine app02 is in eastus.*Set location: eastus/);
  expect(await h.settle()).toEqual([]);
});
