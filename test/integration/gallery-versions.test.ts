// Gallery image versions through the bundled action: from a release tag, from the push scheme, invalid
// ones refused before anything is created, an existing version refused unless overwrite-version, a
// version that fails asynchronously deleted by this run's cleanup, and one left Failed by an earlier
// attempt replaced without a flag (Packer users delete those by hand: peers.md pain 8).
import {
  createdVm,
  errorOf,
  GALLERY_GROUP,
  useGalleryHarness,
  type GalleryHarness,
} from './gallery-harness.js';

const harness = useGalleryHarness();
let h: GalleryHarness;
beforeAll(() => {
  h = harness();
});

const version = (v: string) => h.compute.galleryImageVersions.get(GALLERY_GROUP, 'gal', 'ubuntu', v);

test('a release tag v1.2.3 publishes version 1.2.3', async () => {
  const { main, post } = await h.run({}, { GITHUB_REF: 'refs/tags/v1.2.3' });
  expect(errorOf(main)).toBe('');
  expect(post.exitCode).toBe(0);
  expect(main.outputs['gallery-image-version']).toBe('1.2.3');
  expect(main.outputs['gallery-image-version-id']).toMatch(/\/images\/ubuntu\/versions\/1\.2\.3$/);
  expect(main.outputs['gallery-regions']).toBe('eastus');
  expect(await h.versions()).toEqual(['1.2.3 Succeeded']);
  expect(await h.leftovers()).toEqual([]);
});

test('a push publishes 0.YYYYMMDD.HHMMSS of the build time (UTC), below every release', async () => {
  const before = new Date();
  const { main } = await h.run({}, { GITHUB_REF: 'refs/heads/main' });
  const after = new Date();
  expect(errorOf(main)).toBe('');
  const v = main.outputs['gallery-image-version'];
  const m = /^0\.(\d{8})\.(\d{1,6})$/.exec(v);
  expect(m).not.toBeNull();
  const stamp = (d: Date) => d.toISOString().replace(/\D/g, '').slice(0, 14);
  const built = `${m![1]}${m![2].padStart(6, '0')}`;
  expect(built >= stamp(before)).toBe(true);
  expect(built <= stamp(after)).toBe(true);
  expect(Number(m![1])).toBeLessThanOrEqual(2147483647);
  expect(await h.versions()).toEqual(['1.2.3 Succeeded', `${v} Succeeded`].sort());
  expect(await h.leftovers()).toEqual([]);
});

test.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
  ['two parts', { 'gallery-image-version': '1.2' }, {}, /gallery-image-version.*1\.2.*2 parts instead of 3/s],
  [
    'a part over 32 bits',
    { 'gallery-image-version': '1.2.2147483648' },
    {},
    /gallery-image-version.*2147483648 is greater than 2147483647/s,
  ],
  ['a letter', { 'gallery-image-version': '1.2.x' }, {}, /gallery-image-version.*'x' is not a whole number/s],
  ['a pre-release tag', {}, { GITHUB_REF: 'refs/tags/v1.2.3-rc.1' }, /v1\.2\.3-rc\.1/],
])('an invalid version (%s) is refused before any Azure request', async (_what, inputs, env, message) => {
  const { main, post, requests } = await h.run(inputs, env);
  expect(main.exitCode).toBe(1);
  expect(post.exitCode).toBe(0);
  expect(errorOf(main)).toMatch(message);
  expect(requests).toEqual([]);
});

test('an existing version fails early unless overwrite-version: true, which replaces it', async () => {
  const original = await version('1.2.3');
  const refused = await h.run({ 'gallery-image-version': '1.2.3' });
  expect(refused.main.exitCode).toBe(1);
  expect(errorOf(refused.main)).toMatch(
    /^Phase 'gallery-definition' failed: VersionExists: gallery image version gal\/ubuntu\/1\.2\.3 already exists \(Succeeded, published .*\)\. Choose another gallery-image-version, or set overwrite-version: true to replace it\./,
  );
  expect(createdVm(refused.requests)).toBe(false);
  expect(refused.requests.some((r) => r.method === 'DELETE' && /\/versions\//i.test(r.path))).toBe(false);
  expect((await version('1.2.3')).storageProfile?.source).toEqual(original.storageProfile?.source);
  expect(await h.leftovers()).toEqual([]);

  const replaced = await h.run({ 'gallery-image-version': '1.2.3', 'overwrite-version': 'true' });
  expect(errorOf(replaced.main)).toBe('');
  expect(replaced.main.stdout).toContain(
    'overwrite-version: deleting the existing gallery image version gal/ubuntu/1.2.3',
  );
  // The old version is deleted only after the new image was captured: the VM exists by then.
  const del = replaced.requests.findIndex(
    (r) => r.method === 'DELETE' && /\/versions\/1\.2\.3$/i.test(r.path),
  );
  const vmPut = replaced.requests.findIndex(
    (r) => r.method === 'PUT' && /\/virtualMachines\/[^/]+$/i.test(r.path),
  );
  expect(vmPut).toBeGreaterThanOrEqual(0);
  expect(del).toBeGreaterThan(vmPut);
  const now = await version('1.2.3');
  expect(now.provisioningState).toBe('Succeeded');
  expect(now.storageProfile?.source?.virtualMachineId).not.toBe(
    original.storageProfile?.source?.virtualMachineId,
  );
  expect(await h.leftovers()).toEqual([]);
});

test("a version that fails in Azure is deleted by the run's own cleanup: nothing is left behind", async () => {
  h.emu.control.injectFault({
    method: 'PUT',
    path: '/versions/2.0.0',
    effect: { type: 'asyncFailure', code: 'InternalError', message: 'Replication failed.' },
  });
  const { main, post } = await h.run({ 'gallery-image-version': '2.0.0' });
  expect(main.exitCode).toBe(1);
  expect(post.exitCode).toBe(0);
  expect(errorOf(main)).toMatch(/^Phase 'gallery-version' failed: InternalError: Replication failed\./);
  expect(await h.versions()).not.toContainEqual(expect.stringMatching(/^2\.0\.0 /));
  expect(await h.leftovers()).toEqual([]);
});

test('a version left Failed by an earlier attempt is replaced without overwrite-version', async () => {
  // The earlier attempt: Azure fails the version, and keep-resources-on-failure keeps it (and the build group).
  h.emu.control.injectFault({
    method: 'PUT',
    path: '/versions/2.0.1',
    effect: { type: 'asyncFailure', code: 'InternalError' },
  });
  const first = await h.run({ 'gallery-image-version': '2.0.1', 'keep-resources-on-failure': 'true' });
  expect(first.main.exitCode).toBe(1);
  expect(await h.versions()).toContain('2.0.1 Failed');
  const kept = (await h.leftovers()).filter((l) => l.startsWith('Microsoft.Resources/resourceGroups '));
  expect(kept).toHaveLength(1);

  const second = await h.run({ 'gallery-image-version': '2.0.1' });
  expect(errorOf(second.main)).toBe('');
  expect(second.main.stdout).toContain(
    'The gallery image version gal/ubuntu/2.0.1 was left in Failed state by an earlier attempt; deleting it',
  );
  expect(await h.versions()).toContain('2.0.1 Succeeded');

  // What the first attempt kept for debugging is the user's to delete (as its warning said).
  expect(first.main.stdout).toContain('keep-resources-on-failure');
  const group = kept[0].split('/').pop()!;
  await h.rm.resourceGroups.beginDeleteAndWait(group, { updateIntervalInMs: 10 });
  expect(await h.leftovers()).toEqual([]);
});
