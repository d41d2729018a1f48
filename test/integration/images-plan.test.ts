// Purchase plans through the bundled action: a Marketplace image with a plan (Rocky Linux from resf)
// fails up front, before any VM, with the exact fix while its terms are not accepted; with
// `accept-marketplace-terms: true` the terms are accepted and the plan goes to the VM (which Azure
// requires) and to the gallery definition.
import { failureOf, IMAGES_GROUP, startHarness, type Harness } from './images-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const rocky = (version: string, over: Record<string, string> = {}) => ({
  'base-image': 'resf:rockylinux-x86_64:9-base:latest',
  'inline-script': 'echo building on Rocky Linux',
  'resource-group': IMAGES_GROUP,
  gallery: 'plans',
  'gallery-image-definition': 'rocky9',
  'gallery-image-version': version,
  ...over,
});

test('unaccepted plan terms fail the build before any VM, with the command that accepts them', async () => {
  h.emu.control.clearRequestLog();
  const { main, post } = await h.run(rocky('1.0.0'));
  expect(main.exitCode).toBe(1);
  const error = failureOf(main);
  expect(error).toContain('MarketplaceTermsNotAccepted');
  expect(error).toContain('purchase plan resf/rockylinux-x86_64/9-base whose terms are not accepted');
  expect(error).toContain(
    "Set accept-marketplace-terms: true, or run 'az vm image terms accept --publisher resf --offer rockylinux-x86_64 --plan 9-base'",
  );
  const log = h.emu.control.requestLog();
  expect(log.some((r) => r.method === 'PUT' && /virtualMachines\//i.test(r.path))).toBe(false);
  expect(log.some((r) => r.method === 'PUT' && /agreements/i.test(r.path))).toBe(false);
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test('accept-marketplace-terms accepts them; the plan reaches the VM and the gallery definition', async () => {
  const { main, post } = await h.run(rocky('1.0.1', { 'accept-marketplace-terms': 'true' }));
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain('Accepting the Marketplace terms of plan resf/rockylinux-x86_64/9-base');
  expect(main.stdout).toContain('building on Rocky Linux');
  const definition = await h.compute.galleryImages.get(IMAGES_GROUP, 'plans', 'rocky9');
  expect(definition.purchasePlan).toEqual({
    name: '9-base',
    product: 'rockylinux-x86_64',
    publisher: 'resf',
  });
  const manifest = JSON.parse(
    (await import('node:fs')).readFileSync(main.outputs['manifest-path'], 'utf8'),
  ) as { source: { plan?: unknown } };
  expect(manifest.source.plan).toEqual({ name: '9-base', product: 'rockylinux-x86_64', publisher: 'resf' });
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
  // Accepted once, the terms stay accepted: the next build needs no flag.
  const again = await h.run(rocky('1.0.2'));
  expect(failureOf(again.main)).toBe('');
  expect(await h.settle()).toEqual([]);
});
