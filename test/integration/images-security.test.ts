// Security type and architecture through the bundled action: a Trusted Launch build published to a
// gallery definition with the matching feature, its managed-image twin refused before anything is
// created; an Arm64 build on an Arm64 size (the default size swapped, an explicit x64 size refused);
// the NVMe disk controller on a size that attaches disks over NVMe only.
import { failureOf, IMAGES_GROUP, startHarness, type Harness } from './images-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const target = (definition: string, version = '1.0.0') => ({
  'resource-group': IMAGES_GROUP,
  gallery: 'secure',
  'gallery-image-definition': definition,
  'gallery-image-version': version,
});
const writes = () =>
  h.emu.control.requestLog().filter((r) => ['PUT', 'POST', 'PATCH', 'DELETE'].includes(r.method));

test('a Trusted Launch build goes to a gallery definition with SecurityType TrustedLaunch', async () => {
  const { main, post } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    'security-type': 'TrustedLaunch',
    'inline-script': 'echo secure boot and vTPM',
    ...target('ubuntu-tl'),
  });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'secure', 'ubuntu-tl');
  expect(definition.features).toContainEqual({ name: 'SecurityType', value: 'TrustedLaunch' });
  expect(definition.hyperVGeneration).toBe('V2');
  const version = await h.compute.galleryImageVersions.get(IMAGES_GROUP, 'secure', 'ubuntu-tl', '1.0.0');
  expect(version.provisioningState).toBe('Succeeded');
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test('its managed-image twin is refused before anything is created', async () => {
  h.emu.control.clearRequestLog();
  const { main } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    'security-type': 'TrustedLaunch',
    ...target('ubuntu-tl', '1.0.1'),
    'image-name': 'ubuntu-tl-managed',
  });
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toContain(
    "Input 'image-name' asks for a managed image, but input 'security-type' is TrustedLaunch. Managed images cannot hold Trusted Launch VMs",
  );
  expect(writes()).toEqual([]);
});

test('Trusted Launch on a Gen1 base image is refused before any VM', async () => {
  h.emu.control.clearRequestLog();
  const { main } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server-gen1:latest',
    'security-type': 'TrustedLaunch',
    ...target('ubuntu-gen1-tl'),
  });
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toMatch(/InvalidSecurityType: .*Hyper-V generation V1; Trusted Launch needs V2/);
  expect(writes().some((r) => /virtualMachines\//i.test(r.path))).toBe(false);
  expect(await h.settle()).toEqual([]);
});

test('an Arm64 base image builds on the Arm64 twin of the default size, into an Arm64 definition', async () => {
  const { main, post } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server-arm64:latest',
    'inline-script': 'echo on Arm64',
    ...target('ubuntu-arm64'),
  });
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toMatch(/Creating the build VM \S+ \(Standard_D2ps_v5\)/);
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'secure', 'ubuntu-arm64');
  expect(definition.architecture).toBe('Arm64');
  const manifest = JSON.parse(
    (await import('node:fs')).readFileSync(main.outputs['manifest-path'], 'utf8'),
  ) as { vmSize: string };
  expect(manifest.vmSize).toBe('Standard_D2ps_v5');
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test('an explicit x64 size for an Arm64 base image is refused before any VM, naming the fix', async () => {
  h.emu.control.clearRequestLog();
  const { main } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server-arm64:latest',
    'vm-size': 'Standard_D4s_v5',
    ...target('ubuntu-arm64', '1.0.1'),
  });
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toContain(
    'VmSizeArchitecture: vm-size Standard_D4s_v5 is an x64 size, but the base image Canonical:ubuntu-24_04-lts:server-arm64:',
  );
  expect(failureOf(main)).toContain(
    "Set vm-size to an Arm64 size (a 'p' in its name, e.g. Standard_D2ps_v5)",
  );
  expect(writes().some((r) => /virtualMachines\//i.test(r.path))).toBe(false);
  expect(await h.settle()).toEqual([]);
});

test('a size that attaches disks over NVMe only gets the NVMe controller', async () => {
  // keep-resources-on-failure keeps the failed build's VM, so its disk controller can be read.
  const { main } = await h.run({
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    'vm-size': 'Standard_D2s_v6',
    'inline-script': 'exit 7',
    'keep-resources-on-failure': 'true',
    ...target('ubuntu-nvme'),
  });
  expect(main.exitCode).toBe(1);
  const vm = h.emu.control.inventory().find((r) => r.type === 'Microsoft.Compute/virtualMachines')!;
  const group = vm.id.split('/')[4];
  const got = await h.compute.virtualMachines.get(group, vm.id.split('/').pop()!);
  expect(got.hardwareProfile?.vmSize).toBe('Standard_D2s_v6');
  expect(got.storageProfile?.diskControllerType).toBe('NVMe');
  await h.rm.resourceGroups.delete(group, { updateIntervalInMs: 10 }).pollUntilDone();
  expect(await h.settle()).toEqual([]);
});
