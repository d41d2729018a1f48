// Replication through the bundled action: target regions with replica counts (the build region always
// included), storage account type, exclude-from-latest, end-of-life date, Shallow replication, a disk
// encryption set per region, progress per region in the log within the request budget, the time limit,
// and publish-build-region-first with its early outputs.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuild } from '../../src/core/build.js';
import { parseSettings, TIME_SCALE_ENV } from '../../src/core/settings.js';
import type { BuildOutputs, Host } from '../../src/core/types.js';
import {
  BASE_IMAGE,
  errorOf,
  GALLERY_GROUP,
  useGalleryHarness,
  type GalleryHarness,
} from './gallery-harness.js';
import { emulatorEnv } from './runner.js';

const harness = useGalleryHarness();
let h: GalleryHarness;
beforeAll(() => {
  h = harness();
});

const version = (v: string) =>
  h.compute.galleryImageVersions.get(GALLERY_GROUP, 'gal', 'ubuntu', v, { expand: 'ReplicationStatus' });
const progressLines = (stdout: string, v: string) =>
  stdout.split('\n').filter((l) => l.startsWith(`Replication of ${v} after `));
const des = (name: string) =>
  `/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/keys/providers/Microsoft.Compute/diskEncryptionSets/${name}`;

test('several regions with replica counts, storage type, exclude-from-latest and end of life, with progress per region', async () => {
  const { main } = await h.run({
    'gallery-image-version': '1.1.0',
    'target-regions': 'westeurope=2, northeurope',
    'storage-account-type': 'Standard_ZRS',
    'exclude-from-latest': 'true',
    'end-of-life-date': '2031-06-30',
  });
  expect(errorOf(main)).toBe('');
  const v = await version('1.1.0');
  expect(v.publishingProfile).toMatchObject({
    targetRegions: [
      { name: 'eastus', regionalReplicaCount: 1, storageAccountType: 'Standard_ZRS' },
      { name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
      { name: 'northeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_ZRS' },
    ],
    excludeFromLatest: true,
    replicationMode: 'Full',
    storageAccountType: 'Standard_ZRS',
  });
  expect(v.publishingProfile?.endOfLifeDate?.toISOString()).toBe('2031-06-30T00:00:00.000Z');
  expect(v.replicationStatus?.aggregatedState).toBe('Completed');

  // Progress: each region with its state and percentage, growing between readings.
  const progress = progressLines(main.stdout, '1.1.0');
  expect(progress.length).toBeGreaterThanOrEqual(2);
  for (const line of progress)
    expect(line).toMatch(
      /: eastus: [A-Za-z]+ \d+%, westeurope: [A-Za-z]+ \d+%, northeurope: (Replicating|Completed) \d+%$/,
    );
  const north = progress.map((l) => Number(/northeurope: [A-Za-z]+ (\d+)%/.exec(l)![1]));
  expect(north[north.length - 1]).toBeGreaterThan(north[0]);

  // Outputs, manifest and job summary name the regions reached.
  expect(main.outputs['gallery-regions']).toBe('eastus,westeurope,northeurope');
  const manifest = JSON.parse(readFileSync(main.outputs['manifest-path'], 'utf8'));
  expect(manifest.artifacts).toMatchObject({
    galleryImageVersion: '1.1.0',
    galleryImageVersionId: main.outputs['gallery-image-version-id'],
    regions: ['eastus', 'westeurope', 'northeurope'],
  });
  expect(main.summary).toContain('eastus, westeurope, northeurope');
  expect(await h.leftovers()).toEqual([]);
});

test('a one-region build of an existing definition logs replication progress and stays within 60 ARM requests', async () => {
  const { main, post, requests } = await h.run({ 'gallery-image-version': '1.0.0' });
  expect(errorOf(main)).toBe('');
  expect(post.exitCode).toBe(0);
  const progress = progressLines(main.stdout, '1.0.0');
  expect(progress.length).toBeGreaterThanOrEqual(1);
  expect(progress[0]).toMatch(/^Replication of 1\.0\.0 after \d+ min: eastus: Replicating \d+%$/);
  expect(main.stdout).toContain('Gallery image version gal/ubuntu/1.0.0 is ready in eastus');
  console.log(`one-region gallery build: ${requests.length} ARM requests (main and post)`);
  expect(requests.length).toBeLessThanOrEqual(60);
  expect(await h.leftovers()).toEqual([]);
});

test('Shallow replication with a disk encryption set per region', async () => {
  const { main } = await h.run({
    'gallery-image-version': '1.2.0',
    'target-regions': 'westeurope',
    'replication-mode': 'Shallow',
    'disk-encryption-sets': `eastus=${des('des-east')}\nwesteurope=${des('des-west')}`,
  });
  expect(errorOf(main)).toBe('');
  const v = await version('1.2.0');
  expect(v.publishingProfile?.replicationMode).toBe('Shallow');
  expect(v.publishingProfile?.targetRegions).toEqual([
    expect.objectContaining({
      name: 'eastus',
      encryption: { osDiskImage: { diskEncryptionSetId: des('des-east') } },
    }),
    expect.objectContaining({
      name: 'westeurope',
      encryption: { osDiskImage: { diskEncryptionSetId: des('des-west') } },
    }),
  ]);
  expect(main.outputs['gallery-regions']).toBe('eastus,westeurope');
  expect(await h.leftovers()).toEqual([]);
});

test('the replication time limit fails the build naming the regions not done, and the version is deleted', async () => {
  const { main, post } = await h.run({
    'gallery-image-version': '1.3.0',
    'target-regions': 'westeurope',
    'replication-timeout-minutes': '1',
  });
  expect(main.exitCode).toBe(1);
  expect(post.exitCode).toBe(0);
  expect(errorOf(main)).toMatch(
    /^Phase 'gallery-version' failed: ReplicationTimeout: gallery image version gal\/ubuntu\/1\.3\.0 did not finish replicating within replication-timeout-minutes \(1\); not done: eastus \(Replicating \d+%\), westeurope \(Replicating \d+%\)\. This build failed, so cleanup deletes the incomplete version\./,
  );
  expect(await h.versions()).not.toContainEqual(expect.stringMatching(/^1\.3\.0 /));
  expect(await h.leftovers()).toEqual([]);
});

test('publish-build-region-first: outputs once the build region has it, other regions added without waiting', async () => {
  const { main, post, requests } = await h.run({
    'gallery-image-version': '1.4.0',
    'target-regions': 'westeurope, northeurope=2',
    'publish-build-region-first': 'true',
  });
  expect(errorOf(main)).toBe('');
  expect(post.exitCode).toBe(0);
  const log = main.stdout;
  const ready = log.indexOf('Gallery image version gal/ubuntu/1.4.0 is ready in eastus');
  const added = log.indexOf('publish-build-region-first: outputs set; adding westeurope, northeurope ×2');
  expect(ready).toBeGreaterThan(0);
  expect(added).toBeGreaterThan(ready);
  expect(log).toContain(
    'Azure is replicating gal/ubuntu/1.4.0 to westeurope, northeurope; this step does not wait.',
  );
  expect(main.outputs['gallery-regions']).toBe('eastus');
  expect(main.outputs['gallery-image-version-id']).toMatch(/\/versions\/1\.4\.0$/);
  const manifest = JSON.parse(readFileSync(main.outputs['manifest-path'], 'utf8'));
  expect(manifest.artifacts).toMatchObject({
    regions: ['eastus'],
    pendingRegions: ['westeurope', 'northeurope'],
  });
  expect(main.summary).toContain('Regions still replicating');

  // The other regions were requested by updating the version, and the step did not wait for them.
  const puts = requests
    .map((r, i) => ({ ...r, i }))
    .filter((r) => r.method === 'PUT' && /\/versions\/1\.4\.0$/.test(r.path));
  expect(puts).toHaveLength(2);
  expect(requests.slice(puts[1].i + 1).some((r) => /\/capsOperations\//i.test(r.path))).toBe(false);
  const v = await version('1.4.0');
  expect(v.publishingProfile?.targetRegions?.map((r) => r.name)).toEqual([
    'eastus',
    'westeurope',
    'northeurope',
  ]);
  // Azure finishes the replication on its own.
  let last = v;
  for (let i = 0; i < 100 && last.provisioningState !== 'Succeeded'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    last = await version('1.4.0');
  }
  expect(last.replicationStatus?.aggregatedState).toBe('Completed');
  expect(await h.leftovers()).toEqual([]);
});

test('publish-build-region-first: a step killed after the early outputs keeps the version and its outputs', async () => {
  const { main, post } = await h.run(
    {
      'gallery-image-version': '1.5.0',
      'target-regions': 'westeurope',
      'publish-build-region-first': 'true',
    },
    {},
    { signal: 'SIGKILL', whenStdoutMatches: /publish-build-region-first: outputs set/ },
  );
  expect(main.signal).toBe('SIGKILL');
  expect(main.outputs['gallery-image-version-id']).toMatch(/\/versions\/1\.5\.0$/);
  expect(main.outputs['gallery-regions']).toBe('eastus');
  // The post step cleans up the build's temporary resources, not the published version.
  expect(post.exitCode).toBe(0);
  expect((await version('1.5.0')).provisioningState).toBe('Succeeded');
  expect(await h.leftovers()).toEqual([]);
});

// waitForReplication has no input yet (action.yml promises not to wait): driven through the core.
describe('publish-build-region-first with waitForReplication (core)', () => {
  const build = (inputs: Record<string, string>) => {
    const lines: string[] = [];
    const early: Partial<BuildOutputs>[] = [];
    const ws = mkdtempSync(join(tmpdir(), 'aib-gallery-core-'));
    const all: Record<string, string> = {
      ...emulatorEnv(h.emu).inputs,
      'client-secret': h.emu.clientSecret,
      'base-image': BASE_IMAGE,
      location: 'eastus',
      'inline-script': 'echo ok',
      'resource-group': GALLERY_GROUP,
      gallery: 'gal',
      'gallery-image-definition': 'ubuntu',
      'publish-build-region-first': 'true',
      'target-regions': 'westeurope',
      ...inputs,
    };
    const settings = parseSettings((name) => all[name] ?? '', {
      GITHUB_WORKSPACE: ws,
      RUNNER_TEMP: ws,
      [TIME_SCALE_ENV]: String(h.emu.timeScale),
    });
    settings.gallery!.waitForReplication = true;
    const log = (m: string) => void lines.push(m);
    const host: Host = {
      logger: {
        debug: () => {},
        info: log,
        warning: log,
        error: log,
        group: (_n, fn) => fn(),
        mask: () => {},
      },
      saveLedger: () => {},
      onOutputs: (o) => void early.push(o),
    };
    return { result: runBuild(settings, host), lines, early };
  };

  test('early outputs for the build region, then the step waits for the other regions', async () => {
    const b = build({ 'gallery-image-version': '2.0.0' });
    const { outputs } = await b.result;
    expect(b.early).toEqual([expect.objectContaining({ galleryImageVersion: '2.0.0', regions: ['eastus'] })]);
    expect(outputs.regions).toEqual(['eastus', 'westeurope']);
    expect(outputs.pendingRegions).toBeUndefined();
    expect(b.lines).toContain('Gallery image version gal/ubuntu/2.0.0 is ready in eastus, westeurope');
    expect((await version('2.0.0')).replicationStatus?.aggregatedState).toBe('Completed');
    expect(await h.leftovers()).toEqual([]);
  });

  test('a time limit reached after the build region keeps the published version', async () => {
    // The build region is done after 9 model minutes; three more regions need 7.5 more: 12 minutes end between.
    const b = build({
      'gallery-image-version': '2.0.1',
      'target-regions': 'westeurope, northeurope, uksouth',
      'replication-timeout-minutes': '12',
    });
    const err = (await b.result.catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /^Phase 'gallery-version' failed: ReplicationTimeout: .*not done: [^;]*uksouth \(Replicating \d+%\)\. The version is kept: it is complete in eastus/,
    );
    expect(err.message).not.toMatch(/not done: [^.]*eastus/);
    expect(err.message).not.toContain('set publish-build-region-first');
    expect(b.early).toHaveLength(1);
    expect(await h.versions()).toContainEqual(expect.stringMatching(/^2\.0\.1 (Updating|Succeeded)$/));
    expect(await h.leftovers()).toEqual([]);
  });
});
