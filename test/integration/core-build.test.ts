// runBuild + cleanupLedger in-process against the emulator, through the real SDK clients.
// The emulator's CA is trusted through NODE_EXTRA_CA_CERTS (scripts/jest.ts).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { runBuild } from '../../src/core/build.js';
import { cleanupLedger } from '../../src/core/cleanup.js';
import { BuildError } from '../../src/core/azure/errors.js';
import type { BuildSettings, Host, LedgerEntry } from '../../src/core/types.js';

const TIME_SCALE = 0.002;
let emu: EmulatorHandle;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: TIME_SCALE });
  dir = mkdtempSync(join(tmpdir(), 'aib-core-'));
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  await rm.resourceGroups.createOrUpdate('images', { location: 'eastus' });
});
afterAll(() => emu?.stop());

function settings(over: Partial<BuildSettings> = {}): BuildSettings {
  return {
    subscriptionId: emu.subscriptionId,
    source: {
      kind: 'marketplace',
      publisher: 'Canonical',
      offer: 'ubuntu-24_04-lts',
      sku: 'server',
      version: 'latest',
    },
    scripts: [{ name: 'setup.sh', content: '#!/bin/bash\necho hello from the build VM\n' }],
    scriptTimeoutMinutes: 30,
    vm: { size: 'Standard_D2s_v5', spot: false, dataDiskSizesGb: [] },
    generalize: true,
    generalizeTimeoutMinutes: 20,
    windowsUpdate: false,
    acceptMarketplaceTerms: false,
    tags: { team: 'images' },
    keepResourcesOnFailure: false,
    waitForCleanup: false,
    auth: {
      kind: 'clientSecret',
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
    },
    cloud: {
      name: 'Custom',
      armEndpoint: emu.endpoint,
      authorityHost: emu.authorityHost,
      armScope: 'https://management.azure.com/.default',
    },
    provenance: {
      repository: 'octo/images',
      commit: 'abc123',
      runUrl: 'https://github.com/octo/images/actions/runs/1',
    },
    manifestPath: join(dir, `manifest-${Math.random().toString(16).slice(2)}.json`),
    timeScale: TIME_SCALE,
    ...over,
  };
}

function testHost(signal?: AbortSignal) {
  const lines: string[] = [];
  let ledger: LedgerEntry[] = [];
  const masked: string[] = [];
  const host: Host = {
    logger: {
      debug: (m) => lines.push(`debug ${m}`),
      info: (m) => lines.push(m),
      warning: (m) => lines.push(`warning ${m}`),
      error: (m) => lines.push(`error ${m}`),
      group: async (name, fn) => {
        lines.push(`group ${name}`);
        return fn();
      },
      mask: (s) => masked.push(s),
    },
    saveLedger: (e) => (ledger = e),
    ...(signal ? { abortSignal: signal } : {}),
  };
  return { host, lines, masked, ledger: () => ledger };
}

const gallery = (version: string, over: object = {}) => ({
  resourceGroup: 'images',
  gallery: 'gal',
  imageDefinition: 'ubuntu',
  version,
  targetRegions: [],
  excludeFromLatest: false,
  replicationMode: 'Full' as const,
  overwriteVersion: false,
  replicationTimeoutMinutes: 60,
  publishBuildRegionFirst: false,
  ...over,
});

/** What is left outside the target group once the deletions under way have finished. */
const temporary = async () =>
  (await emu.control.settledInventory()).filter((r) => !/\/resourceGroups\/images(\/|$)/i.test(r.id));

test('a Linux build makes a managed image and a gallery version, and leaves nothing temporary', async () => {
  emu.control.clearRequestLog();
  const t = testHost();
  const s = settings({
    managedImage: { resourceGroup: 'images', name: 'ubuntu-img' },
    gallery: gallery('1.0.0'),
  });
  const result = await runBuild(s, t.host);
  expect(result.outputs.galleryImageVersionId).toMatch(
    /\/galleries\/gal\/images\/ubuntu\/versions\/1\.0\.0$/,
  );
  expect(result.outputs.imageId).toBe(result.outputs.galleryImageVersionId);
  expect(result.outputs.managedImageId).toMatch(/\/images\/ubuntu-img$/);
  expect(result.outputs.sourceImage).toMatch(/^Canonical:ubuntu-24_04-lts:server:\d/);
  expect(result.outputs.regions).toEqual(['eastus']);
  const manifest = JSON.parse(readFileSync(s.manifestPath, 'utf8'));
  expect(manifest.source.exact).toBe(result.outputs.sourceImage);
  expect(manifest.scripts).toEqual([expect.objectContaining({ name: 'setup.sh', exitCode: 0 })]);
  expect(t.lines).toContain('group Script setup.sh');
  expect(t.lines.join('\n')).toContain('hello from the build VM');
  // The admin password was masked and never logged.
  expect(t.masked).toHaveLength(1);
  expect(t.lines.join('\n')).not.toContain(t.masked[0]);
  expect(t.ledger()).toEqual([]);
  const log = emu.control.requestLog();
  console.log(
    `one-region Linux build: ${log.length} ARM requests; ${t.lines.filter((l) => /^Image ready|^ARM requests/.test(l)).join('; ')}`,
  );
  // Once Azure accepted the group deletion, nothing temporary is left.
  await new Promise((r) => setTimeout(r, 400));
  expect(await temporary()).toEqual([]);
});

test('the first ARM requests need only the resources API; Compute requests wait for its first answer', async () => {
  emu.control.clearRequestLog();
  const t = testHost();
  // With the location given, the first request is the temporary group's PUT (azure/compute-client.ts);
  // Azure takes its time to answer it here, so a Compute request sent meanwhile would show.
  emu.control.injectFault({
    method: 'PUT',
    path: /\/resourcegroups\/aib-[^/]+$/i,
    effect: { type: 'delay', seconds: 30 },
  });
  const result = await runBuild(
    settings({ location: 'eastus', managedImage: { resourceGroup: 'images', name: 'order-img' } }),
    t.host,
  );
  expect(result.outputs.managedImageId).toMatch(/\/images\/order-img$/);
  const arm = emu.control
    .requestLog()
    .filter((r) => !['auth', 'oidc', 'control'].includes(r.kind))
    .sort((a, b) => a.at - b.at);
  expect(arm[0]).toMatchObject({
    method: 'PUT',
    path: expect.stringMatching(/\/resourcegroups\/aib-[^/]+$/i),
  });
  const firstAnswer = arm[0].at + arm[0].modelMs;
  const compute = arm.filter((r) => /\/providers\/Microsoft\.Compute\//i.test(r.path));
  expect(compute.length).toBeGreaterThan(0);
  expect(firstAnswer - arm[0].at).toBeGreaterThanOrEqual(30_000);
  expect(Math.min(...compute.map((r) => r.at))).toBeGreaterThanOrEqual(firstAnswer);
  await new Promise((r) => setTimeout(r, 400));
  expect(await temporary()).toEqual([]);
});

test('a failing script fails the build naming it, and cleanup removes everything', async () => {
  const t = testHost();
  const s = settings({
    scripts: [{ name: 'broken.sh', content: '#!/bin/bash\necho about to fail\nexit 3\n' }],
    gallery: gallery('1.0.1'),
  });
  const err = (await runBuild(s, t.host).catch((e: unknown) => e)) as BuildError;
  expect(err).toBeInstanceOf(BuildError);
  expect(err.message).toMatch(
    /^Phase 'customize' failed: ScriptFailed: script 'broken.sh' exited with code 3/,
  );
  expect(t.ledger()).toEqual([]);
  await new Promise((r) => setTimeout(r, 400));
  expect(await temporary()).toEqual([]);
});

test('a definition mismatch fails before any VM is created', async () => {
  const t = testHost();
  emu.control.clearRequestLog();
  const s = settings({
    source: {
      kind: 'marketplace',
      publisher: 'Canonical',
      offer: 'ubuntu-24_04-lts',
      sku: 'server-gen1',
      version: 'latest',
    },
    gallery: gallery('1.0.2'),
  });
  const err = (await runBuild(s, t.host).catch((e: unknown) => e)) as BuildError;
  expect(err.message).toMatch(
    /^Phase 'gallery-definition' failed: DefinitionMismatch: .*Hyper-V generation: the definition is V2, the base image is V1/s,
  );
  expect(emu.control.requestLog().some((r) => r.method === 'PUT' && /virtualMachines\//i.test(r.path))).toBe(
    false,
  );
});

test('cancellation stops the build and cleanup still runs; post-step cleanup is idempotent', async () => {
  const ac = new AbortController();
  const t = testHost(ac.signal);
  const s = settings({ gallery: gallery('1.0.3') });
  const p = runBuild(s, t.host);
  const started = Date.now();
  while (!t.lines.some((l) => l.startsWith('Creating the build VM')) && Date.now() - started < 20_000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  ac.abort();
  const err = (await p.catch((e: unknown) => e)) as BuildError;
  expect(err.code).toBe('Canceled');
  // The post step runs cleanup again with the same ledger: nothing left to do, no error.
  const post = testHost();
  await cleanupLedger(t.ledger(), s, post.host, { failed: true });
  expect(post.lines.filter((l) => l.startsWith('warning'))).toEqual([]);
  await new Promise((r) => setTimeout(r, 400));
  expect(await temporary()).toEqual([]);
});

test('a network failure names the phase, the inner Azure error of the deployment and the correlation id', async () => {
  const t = testHost();
  emu.control.injectFault({
    method: 'PUT',
    path: /\/natGateways\/aib-[0-9a-f]+-nat$/,
    effect: { type: 'asyncFailure', code: 'NatGatewayProvisioningFailed', message: 'no capacity (injected)' },
  });
  const err = (await runBuild(settings({ gallery: gallery('1.0.4') }), t.host).catch(
    (e: unknown) => e,
  )) as BuildError;
  expect(err).toBeInstanceOf(BuildError);
  expect(err.code).toBe('NatGatewayProvisioningFailed');
  expect(err.message).toMatch(
    /^Phase 'network' failed: NatGatewayProvisioningFailed: no capacity \(injected\) \(resource \/subscriptions\/.*\/natGateways\/aib-[0-9a-f]+-nat\); deployment \/subscriptions\/.*\/Microsoft\.Resources\/deployments\/aib-[0-9a-f]+-network \(correlation id: [0-9a-f-]{36}\)$/,
  );
  expect(t.ledger()).toEqual([]);
  await new Promise((r) => setTimeout(r, 400));
  expect(await temporary()).toEqual([]);
});

test('in an existing group with the user subnet, the deployment holds only NSG + NIC and cleanup deletes it too', async () => {
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  await rm.resourceGroups.createOrUpdate('build-rg', { location: 'eastus' });
  await rm.resourceGroups.createOrUpdate('net', { location: 'eastus' });
  const vnetId = `/subscriptions/${emu.subscriptionId}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/shared`;
  await rm.resources.createOrUpdateById(
    vnetId.slice(1),
    '2026-01-01',
    {
      location: 'eastus',
      properties: {
        addressSpace: { addressPrefixes: ['10.5.0.0/24'] },
        subnets: [
          { name: 'builds', properties: { addressPrefix: '10.5.0.0/24', defaultOutboundAccess: true } },
        ],
      },
    },
    { updateIntervalInMs: 5 },
  );
  emu.control.clearRequestLog();
  const t = testHost();
  const s = settings({
    buildResourceGroup: 'build-rg',
    subnetId: `${vnetId}/subnets/builds`,
    gallery: gallery('1.0.5'),
  });
  await runBuild(s, t.host);
  expect(t.ledger()).toEqual([]);
  const buildRg = emu.control.requestLog().filter((r) => /\/resourcegroups\/build-rg\//i.test(r.path));
  expect(
    buildRg.some((r) => r.method === 'PUT' && /\/deployments\/aib-[0-9a-f]+-network$/.test(r.path)),
  ).toBe(true);
  expect(buildRg.some((r) => /natGateways|publicIPAddresses|virtualNetworks/.test(r.path))).toBe(false);
  expect(buildRg.some((r) => r.method === 'DELETE' && /\/deployments\//.test(r.path))).toBe(true);
  const left = emu.control.inventory().filter((r) => /\/resourceGroups\/build-rg\//i.test(r.id));
  expect(left).toEqual([]);
});
