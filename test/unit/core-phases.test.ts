import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import {
  isOperationStatusUrl,
  newRequestStats,
  stripPollRetryAfterPolicy,
  debugLogPolicy,
} from '../../src/core/azure/policies.js';
import { isCustomAuthorityHost } from '../../src/core/azure/identity-credential.js';
import {
  definitionMismatches,
  expectedDefinition,
  targetRegions,
  definitionFromBuild,
} from '../../src/core/phases/gallery.js';
import {
  compareVersionsDesc,
  fromMarketplaceImage,
  latestVersion,
  readFeatures,
} from '../../src/core/phases/resolve-source.js';
import { generatePassword, vmDefinition } from '../../src/core/phases/vm.js';
import { runCommandFailure, runCommandName } from '../../src/core/phases/customize.js';
import { buildNames } from '../../src/core/phases/context.js';
import { managedImageProblem } from '../../src/core/phases/capture-image.js';
import type { BuildSettings, GalleryTarget, ResolvedSource } from '../../src/core/types.js';

const settings = (over: Partial<BuildSettings> = {}): BuildSettings =>
  ({
    subscriptionId: 'sub',
    source: {
      kind: 'marketplace',
      publisher: 'Canonical',
      offer: 'ubuntu-24_04-lts',
      sku: 'server',
      version: 'latest',
    },
    scripts: [],
    scriptTimeoutMinutes: 30,
    vm: { size: 'Standard_D2s_v5', spot: false, dataDiskSizesGb: [] },
    generalize: true,
    generalizeTimeoutMinutes: 20,
    windowsUpdate: false,
    acceptMarketplaceTerms: false,
    tags: {},
    keepResourcesOnFailure: false,
    waitForCleanup: false,
    auth: { kind: 'azureCli' },
    cloud: {
      name: 'Custom',
      armEndpoint: 'https://127.0.0.1:1',
      authorityHost: 'https://127.0.0.1:1',
      armScope: 'x/.default',
    },
    provenance: {},
    manifestPath: 'm.json',
    timeScale: 1,
    ...over,
  }) as BuildSettings;

const ubuntu: ResolvedSource = fromMarketplaceImage(
  {
    kind: 'marketplace',
    publisher: 'Canonical',
    offer: 'ubuntu-24_04-lts',
    sku: 'server',
    version: 'latest',
  },
  '24.04.202501010',
  {
    name: '24.04.202501010',
    location: 'eastus',
    osDiskImage: { operatingSystem: 'Linux' },
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: [
      { name: 'SecurityType', value: 'TrustedLaunchSupported' },
      { name: 'DiskControllerTypes', value: 'SCSI, NVMe' },
    ],
  },
);

describe('source resolution (pure parts)', () => {
  it('reads OS, generation, features and the exact URN of a Marketplace image', () => {
    expect(ubuntu.exact).toBe('Canonical:ubuntu-24_04-lts:server:24.04.202501010');
    expect(ubuntu).toMatchObject({
      osType: 'Linux',
      hyperVGeneration: 'V2',
      securityType: 'TrustedLaunchSupported',
      osState: 'Generalized',
    });
    expect(ubuntu.diskControllerTypes).toEqual(['SCSI', 'NVMe']);
    expect(ubuntu.imageReference.version).toBe('24.04.202501010');
    expect(readFeatures(undefined).securityType).toBe('Standard');
  });

  it('picks the latest usable gallery version', () => {
    expect(['1.10.0', '1.9.3', '2.0.0', '1.9.10'].sort(compareVersionsDesc)).toEqual([
      '2.0.0',
      '1.10.0',
      '1.9.10',
      '1.9.3',
    ]);
    const v = (name: string, extra: object = {}) =>
      ({ name, provisioningState: 'Succeeded', ...extra }) as never;
    expect(
      latestVersion([
        v('1.0.0'),
        v('3.0.0', { publishingProfile: { excludeFromLatest: true } }),
        v('2.5.0', { provisioningState: 'Failed' }),
        v('2.0.0'),
      ])?.name,
    ).toBe('2.0.0');
    expect(latestVersion([])).toBeUndefined();
  });
});

describe('gallery definition check', () => {
  const expected = expectedDefinition(settings(), ubuntu);
  const target = { gallery: 'g', imageDefinition: 'ubuntu', targetRegions: [] } as unknown as GalleryTarget;
  const matching = definitionFromBuild(target, expected, 'eastus', {});

  it('accepts the definition it would create itself', () => {
    expect(definitionMismatches(matching, expected)).toEqual([]);
    expect(matching.features).toEqual([{ name: 'DiskControllerTypes', value: 'SCSI, NVMe' }]);
  });

  it.each([
    ['osType', { osType: 'Windows' }, /^OS type: the definition is Windows/],
    ['osState', { osState: 'Specialized' }, /^OS state: .*Set generalize: false/],
    [
      'hyperVGeneration',
      { hyperVGeneration: 'V1' },
      /^Hyper-V generation: the definition is V1, the base image is V2/,
    ],
    ['architecture', { architecture: 'Arm64' }, /^Architecture: the definition is Arm64/],
    [
      'securityType',
      { features: [{ name: 'SecurityType', value: 'TrustedLaunch' }] },
      /^Security type: .*Set security-type: TrustedLaunch/,
    ],
    [
      'securityType supported',
      { features: [{ name: 'SecurityType', value: 'TrustedLaunchSupported' }] },
      /not a VM/,
    ],
    [
      'plan',
      { purchasePlan: { name: 'p', product: 'o', publisher: 'x' } },
      /^Purchase plan: the definition has x\/o\/p, the base image has none/,
    ],
  ])('names a %s mismatch with its fix', (_n, change, message) => {
    const problems = definitionMismatches({ ...matching, ...change } as never, expected);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('always includes the build region in the target regions', () => {
    const t = {
      targetRegions: [{ name: 'West Europe', replicaCount: 2 }],
      storageAccountType: 'Standard_ZRS',
    } as unknown as GalleryTarget;
    expect(targetRegions(t, 'eastus')).toEqual([
      { name: 'eastus', storageAccountType: 'Standard_ZRS' },
      { name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
    ]);
    expect(
      targetRegions({ targetRegions: [{ name: 'EastUS' }] } as unknown as GalleryTarget, 'eastus'),
    ).toEqual([{ name: 'eastus' }]);
  });

  it('refuses a managed image for specialized and Trusted Launch builds', () => {
    const mi = { managedImage: { resourceGroup: 'r', name: 'i' } };
    expect(managedImageProblem({ settings: settings(mi) }, ubuntu)).toBeUndefined();
    expect(managedImageProblem({ settings: settings({ ...mi, generalize: false }) }, ubuntu)).toMatch(
      /generalized/,
    );
    expect(
      managedImageProblem(
        {
          settings: settings({
            ...mi,
            vm: { size: 's', spot: false, dataDiskSizesGb: [], securityType: 'TrustedLaunch' },
          }),
        },
        ubuntu,
      ),
    ).toMatch(/Trusted Launch/);
  });
});

describe('build VM definition', () => {
  const names = buildNames(settings(), 'abcd1234');

  it('generates strong, distinct passwords', () => {
    const a = generatePassword();
    expect(a).toHaveLength(32);
    expect(a).toMatch(/[a-z]/);
    expect(a).toMatch(/[A-Z]/);
    expect(a).toMatch(/[0-9]/);
    expect(a).not.toBe(generatePassword());
  });

  it('has no public IP, deletes disks and NIC with the VM, and sets osProfile for generalized sources', () => {
    const vm = vmDefinition(
      settings({ vm: { size: 'Standard_D2s_v5', spot: true, dataDiskSizesGb: [8] } }),
      ubuntu,
      names,
      'eastus',
      'nic-id',
      {},
      'pw',
    );
    expect(vm.networkProfile?.networkInterfaces).toEqual([
      { id: 'nic-id', primary: true, deleteOption: 'Delete' },
    ]);
    expect(vm.storageProfile?.osDisk?.deleteOption).toBe('Delete');
    expect(vm.storageProfile?.dataDisks?.[0]).toMatchObject({
      lun: 0,
      diskSizeGB: 8,
      createOption: 'Empty',
      deleteOption: 'Delete',
    });
    expect(vm.osProfile?.adminPassword).toBe('pw');
    expect(vm.osProfile?.linuxConfiguration?.disablePasswordAuthentication).toBe(false);
    expect(vm).toMatchObject({ priority: 'Spot', evictionPolicy: 'Delete' });
    expect(vm.securityProfile).toBeUndefined();
    const specialized = vmDefinition(
      settings(),
      { ...ubuntu, osState: 'Specialized', plan: { name: 'p', product: 'o', publisher: 'x' } },
      names,
      'eastus',
      'n',
      {},
      'pw',
    );
    expect(specialized.osProfile).toBeUndefined();
    expect(specialized.plan).toEqual({ name: 'p', product: 'o', publisher: 'x' });
  });

  it('turns on Trusted Launch when asked', () => {
    const vm = vmDefinition(
      settings({ vm: { size: 's', spot: false, dataDiskSizesGb: [], securityType: 'TrustedLaunch' } }),
      ubuntu,
      names,
      'eastus',
      'n',
      {},
      'pw',
    );
    expect(vm.securityProfile).toEqual({
      securityType: 'TrustedLaunch',
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    });
  });
});

describe('run command results', () => {
  it('names run commands after scripts', () => {
    expect(runCommandName(1, 'scripts/01 install.sh')).toBe('aib-01-01-install-sh');
    expect(runCommandName(12, 'inline')).toBe('aib-12-inline');
  });

  it('fails on a non-zero exit code, a timeout or an unfinished state', () => {
    expect(runCommandFailure({ executionState: 'Succeeded', exitCode: 0 }, 60)).toBeUndefined();
    expect(runCommandFailure({ executionState: 'Failed', exitCode: 3 }, 60)).toBe('exited with code 3');
    expect(runCommandFailure({ executionState: 'TimedOut' }, 60)).toBe('timed out after 60 s');
    expect(runCommandFailure({ executionState: 'Canceled' }, 60)).toMatch(/Canceled/);
  });
});

describe('pipeline policies', () => {
  const respond =
    (status: number, headers: Record<string, string>) =>
    async (request: ReturnType<typeof createPipelineRequest>): Promise<PipelineResponse> => ({
      status,
      request,
      headers: createHttpHeaders(headers),
    });

  it('recognises operation-status URLs', () => {
    for (const u of [
      'https://m/subscriptions/s/providers/Microsoft.Compute/locations/eastus/operations/1?api-version=x',
      'https://m/subscriptions/s/providers/Microsoft.Compute/locations/eastus/capsOperations/1',
      'https://m/subscriptions/s/providers/Microsoft.Compute/locations/eastus/DiskOperations/1',
      'https://m/subscriptions/s/operationresults/abc?api-version=x',
    ])
      expect(isOperationStatusUrl(u)).toBe(true);
    expect(
      isOperationStatusUrl(
        'https://m/subscriptions/s/resourceGroups/operations-rg/providers/Microsoft.Compute/virtualMachines/vm',
      ),
    ).toBe(false);
  });

  it('removes retry-after only from successful GETs of operation status', async () => {
    const policy = stripPollRetryAfterPolicy();
    const poll = createPipelineRequest({
      url: 'https://m/subscriptions/s/providers/Microsoft.Compute/locations/l/operations/1',
      method: 'GET',
    });
    expect(
      (await policy.sendRequest(poll, respond(200, { 'retry-after': '30' }))).headers.has('retry-after'),
    ).toBe(false);
    expect(
      (await policy.sendRequest(poll, respond(202, { 'retry-after': '15' }))).headers.has('retry-after'),
    ).toBe(false);
    expect(
      (await policy.sendRequest(poll, respond(429, { 'retry-after': '120' }))).headers.get('retry-after'),
    ).toBe('120');
    expect(
      (await policy.sendRequest(poll, respond(503, { 'retry-after': '5' }))).headers.get('retry-after'),
    ).toBe('5');
    const put = createPipelineRequest({
      url: 'https://m/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v',
      method: 'PUT',
    });
    expect(
      (await policy.sendRequest(put, respond(201, { 'retry-after': '10' }))).headers.get('retry-after'),
    ).toBe('10');
  });

  it('logs method, URL, status and correlation id, never headers, and counts requests', async () => {
    const lines: string[] = [];
    const stats = newRequestStats();
    const noop = () => undefined;
    const policy = debugLogPolicy(
      {
        debug: (m) => lines.push(m),
        info: noop,
        warning: noop,
        error: noop,
        mask: noop,
        group: (_n, f) => f(),
      },
      stats,
    );
    const req = createPipelineRequest({
      url: 'https://m/subscriptions/s/resourceGroups/r?api-version=1',
      method: 'PUT',
    });
    req.headers.set('authorization', 'Bearer secret-token');
    await policy.sendRequest(req, respond(201, { 'x-ms-correlation-request-id': 'c-1' }));
    const get = createPipelineRequest({ url: 'https://m/subscriptions/s/operationresults/x', method: 'GET' });
    await policy.sendRequest(get, respond(202, {}));
    expect(lines[0]).toBe(
      'PUT https://m/subscriptions/s/resourceGroups/r?api-version=1 -> 201 (correlation id: c-1)',
    );
    expect(lines.join('\n')).not.toContain('secret-token');
    expect(stats).toEqual({ reads: 0, writes: 1, polls: 1 });
  });
});

describe('credential', () => {
  it('disables instance discovery only for custom authority hosts', () => {
    expect(isCustomAuthorityHost('https://login.microsoftonline.com')).toBe(false);
    expect(isCustomAuthorityHost('https://login.microsoftonline.us/')).toBe(false);
    expect(isCustomAuthorityHost('https://127.0.0.1:8443')).toBe(true);
  });
});
