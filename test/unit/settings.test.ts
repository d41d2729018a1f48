import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsError } from '../../src/core/errors.js';
import { parseSettings, parseTags, redactSettings } from '../../src/core/settings.js';
import type { BuildSettings } from '../../src/core/types.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const OTHER_SUB = '00000000-0000-0000-0000-000000000002';
const TENANT = '11111111-1111-1111-1111-111111111111';
const CLIENT = '22222222-2222-2222-2222-222222222222';
const NOW = new Date('2025-01-28T09:05:07Z');
const URN = 'Canonical:ubuntu-24_04-lts:server:latest';

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'settings-test-'));
  mkdirSync(join(workspace, 'scripts', 'linux'), { recursive: true });
  writeFileSync(join(workspace, 'scripts', '00-setup.sh'), 'echo setup\n');
  writeFileSync(join(workspace, 'scripts', '10-b.sh'), 'echo b\n');
  writeFileSync(join(workspace, 'scripts', '05-a.sh'), '\uFEFFecho a\n');
  writeFileSync(join(workspace, 'scripts', '.hidden.sh'), 'echo hidden\n');
  writeFileSync(join(workspace, 'scripts', 'notes.txt'), 'not a script\n');
  writeFileSync(join(workspace, 'scripts', 'linux', 'deep.sh'), 'echo deep\n');
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const baseEnv = () => ({ GITHUB_WORKSPACE: workspace, RUNNER_TEMP: '/runner/temp' });

function parse(inputs: Record<string, string>, env: Record<string, string | undefined> = {}): BuildSettings {
  return parseSettings((name) => inputs[name] ?? '', { ...baseEnv(), ...env }, NOW);
}

/** A managed image build from a Marketplace image: the smallest valid set. */
const minimal = { 'base-image': URN, 'image-name': 'img', 'resource-group': 'rg', 'subscription-id': SUB };
const galleryInputs = { ...minimal, 'image-name': '', gallery: 'gal', 'gallery-image-definition': 'def' };

function failure(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
): SettingsError {
  try {
    parse(inputs, env);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('good values parse exactly', () => {
  it('a minimal managed image build gets every default', () => {
    expect(parse(minimal)).toEqual({
      subscriptionId: SUB,
      source: {
        kind: 'marketplace',
        publisher: 'Canonical',
        offer: 'ubuntu-24_04-lts',
        sku: 'server',
        version: 'latest',
      },
      scripts: [],
      scriptTimeoutMinutes: 60,
      managedImage: { resourceGroup: 'rg', name: 'img' },
      vm: { size: 'Standard_D2s_v5', osDiskSizeGb: undefined, spot: false, dataDiskSizesGb: [] },
      generalize: true,
      generalizeTimeoutMinutes: 30,
      windowsUpdate: false,
      acceptMarketplaceTerms: false,
      tags: {},
      keepResourcesOnFailure: false,
      waitForCleanup: false,
      auth: { kind: 'azureCli' },
      cloud: {
        name: 'AzureCloud',
        armEndpoint: 'https://management.azure.com',
        authorityHost: 'https://login.microsoftonline.com',
        armScope: 'https://management.azure.com/.default',
      },
      provenance: {},
      manifestPath: '/runner/temp/azure-image-manifest-img.json',
      timeScale: 1,
    } satisfies BuildSettings);
  });

  it('a gallery build with every gallery input', () => {
    const s = parse({
      ...galleryInputs,
      location: 'West Europe',
      'gallery-resource-group': 'gallery-rg',
      'gallery-image-version': '1.2.3',
      'gallery-image-publisher': 'contoso',
      'gallery-image-offer': 'tools',
      'gallery-image-sku': 'ubuntu24',
      'target-regions': 'East US=2, northeurope=1=standard_zrs\nwesteurope',
      'storage-account-type': 'premium_lrs',
      'exclude-from-latest': 'true',
      'end-of-life-date': '2027-12-31',
      'replication-mode': 'shallow',
      'disk-encryption-sets': `eastus=/subscriptions/${SUB}/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/des1`,
      'replication-timeout-minutes': '240',
      'publish-build-region-first': 'True',
      'overwrite-version': 'TRUE',
    });
    expect(s.location).toBe('westeurope');
    expect(s.managedImage).toBeUndefined();
    expect(s.gallery).toEqual({
      resourceGroup: 'gallery-rg',
      gallery: 'gal',
      imageDefinition: 'def',
      version: '1.2.3',
      definitionPublisher: 'contoso',
      definitionOffer: 'tools',
      definitionSku: 'ubuntu24',
      targetRegions: [
        {
          name: 'eastus',
          replicaCount: 2,
          diskEncryptionSetId: `/subscriptions/${SUB}/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/des1`,
        },
        { name: 'northeurope', replicaCount: 1, storageAccountType: 'Standard_ZRS' },
        { name: 'westeurope' },
      ],
      storageAccountType: 'Premium_LRS',
      excludeFromLatest: true,
      endOfLifeDate: '2027-12-31T00:00:00.000Z',
      replicationMode: 'Shallow',
      overwriteVersion: true,
      replicationTimeoutMinutes: 240,
      publishBuildRegionFirst: true,
    });
    expect(s.manifestPath).toBe('/runner/temp/azure-image-manifest-def-1.2.3.json');
  });

  it('gallery defaults: resource group, Full replication, Standard_LRS, push version', () => {
    const s = parse({ ...galleryInputs, 'image-name': 'img' });
    expect(s.managedImage).toEqual({ resourceGroup: 'rg', name: 'img' });
    expect(s.gallery).toMatchObject({
      resourceGroup: 'rg',
      version: '0.20250128.90507',
      targetRegions: [],
      storageAccountType: 'Standard_LRS',
      excludeFromLatest: false,
      replicationMode: 'Full',
      overwriteVersion: false,
      replicationTimeoutMinutes: 120,
      publishBuildRegionFirst: false,
    });
    expect(s.gallery!.definitionPublisher).toBeUndefined();
    expect(s.gallery!.endOfLifeDate).toBeUndefined();
  });

  it('a release tag gives the version', () => {
    expect(parse(galleryInputs, { GITHUB_REF: 'refs/tags/v2.0.1' }).gallery!.version).toBe('2.0.1');
  });

  it('a disk encryption set for the build location adds that region', () => {
    const des = `/subscriptions/${SUB}/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/d`;
    const s = parse({ ...galleryInputs, location: 'eastus', 'disk-encryption-sets': `eastus=${des}` });
    expect(s.gallery!.targetRegions).toEqual([{ name: 'eastus', diskEncryptionSetId: des }]);
  });

  it('the VM settings', () => {
    const s = parse({
      ...minimal,
      'vm-size': 'Standard_D2ps_v5',
      'os-disk-size-gb': '64',
      spot: 'true',
      'data-disks': '32, 64\n128',
      'security-type': 'standard',
      'windows-update': 'true',
      'accept-marketplace-terms': 'true',
      'keep-resources-on-failure': 'true',
      'wait-for-cleanup': 'true',
      'generalize-timeout-minutes': '45',
      'script-timeout-minutes': '5',
      'build-resource-group': 'build-rg',
      'subnet-id': `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
    });
    expect(s.vm).toEqual({
      size: 'Standard_D2ps_v5',
      osDiskSizeGb: 64,
      spot: true,
      dataDiskSizesGb: [32, 64, 128],
      securityType: 'Standard',
    });
    expect([s.windowsUpdate, s.acceptMarketplaceTerms, s.keepResourcesOnFailure, s.waitForCleanup]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([s.generalizeTimeoutMinutes, s.scriptTimeoutMinutes]).toEqual([45, 5]);
    expect(s.buildResourceGroup).toBe('build-rg');
    expect(s.subnetId).toContain('/subnets/s');
  });

  it('provenance from GITHUB_* and an explicit manifest path', () => {
    const s = parse(
      { ...minimal, 'manifest-path': 'out/manifest.json' },
      {
        GITHUB_REPOSITORY: 'octo/images',
        GITHUB_SHA: 'abc123',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_WORKFLOW: 'images',
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_ACTOR: 'octocat',
      },
    );
    expect(s.provenance).toEqual({
      repository: 'octo/images',
      commit: 'abc123',
      ref: 'refs/heads/main',
      workflow: 'images',
      runId: '42',
      runUrl: 'https://github.com/octo/images/actions/runs/42/attempts/2',
      actor: 'octocat',
    });
    expect(s.manifestPath).toBe(join(workspace, 'out', 'manifest.json'));
  });

  it('the time scale comes from the test-only environment variable', () => {
    expect(parse(minimal, { AZURE_IMAGE_BUILD_TIME_SCALE: '0.01' }).timeScale).toBe(0.01);
  });
});

describe('base-image', () => {
  const id = (tail: string) =>
    `/subscriptions/${OTHER_SUB}/resourceGroups/src/providers/Microsoft.Compute/${tail}`;

  it.each([
    [
      'Canonical:ubuntu-24_04-lts:server:LATEST',
      {
        kind: 'marketplace',
        publisher: 'Canonical',
        offer: 'ubuntu-24_04-lts',
        sku: 'server',
        version: 'latest',
      },
    ],
    [
      'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:20348.2227.240104',
      {
        kind: 'marketplace',
        publisher: 'MicrosoftWindowsServer',
        offer: 'WindowsServer',
        sku: '2022-datacenter-g2',
        version: '20348.2227.240104',
      },
    ],
    [id('images/base'), { kind: 'managedImage', id: id('images/base') }],
    [
      id('galleries/g/images/d/versions/1.0.0'),
      { kind: 'galleryImageVersion', id: id('galleries/g/images/d/versions/1.0.0') },
    ],
    [id('galleries/g/images/d'), { kind: 'galleryImageDefinition', id: id('galleries/g/images/d') }],
  ])('%s', (value, source) => {
    expect(parse({ ...minimal, 'base-image': value }).source).toEqual(source);
  });

  it('a VHD URL with its OS type and generation', () => {
    const uri = 'https://acct.blob.core.windows.net/vhds/disk.vhd?sv=x';
    expect(
      parse({
        ...minimal,
        'base-image': uri,
        'source-os-type': 'windows',
        'source-hyper-v-generation': 'v2',
        'source-storage-account-id': id('acct').replace(
          'Microsoft.Compute/',
          'Microsoft.Storage/storageAccounts/',
        ),
      }).source,
    ).toEqual({
      kind: 'vhd',
      uri,
      storageAccountId: id('acct').replace('Microsoft.Compute/', 'Microsoft.Storage/storageAccounts/'),
      osType: 'Windows',
      hyperVGeneration: 'V2',
      osState: 'Generalized',
    });
    const local = 'http://127.0.0.1:10000/devstoreaccount1/vhds/disk.vhd';
    expect(
      parse({
        ...galleryInputs,
        'base-image': local,
        'source-os-type': 'Linux',
        'source-hyper-v-generation': 'V1',
        'source-os-state': 'Specialized',
        'source-storage-account-id': id('devstoreaccount1').replace(
          'Microsoft.Compute/',
          'Microsoft.Storage/storageAccounts/',
        ),
        generalize: 'false',
      }).source,
    ).toMatchObject({
      kind: 'vhd',
      uri: local,
      osType: 'Linux',
      hyperVGeneration: 'V1',
      osState: 'Specialized',
    });
    // The storage account must be the one in the URL.
    expect(
      failure({
        ...minimal,
        'base-image': local,
        'source-os-type': 'Linux',
        'source-hyper-v-generation': 'V1',
        'source-storage-account-id': id('other').replace(
          'Microsoft.Compute/',
          'Microsoft.Storage/storageAccounts/',
        ),
      }).message,
    ).toMatch(/names storage account 'other', but the VHD is in storage account 'devstoreaccount1'/);
  });

  it('a virtual machine is captured specialized, with no build VM', () => {
    const vm = id('virtualMachines/live');
    const s = parse({ ...galleryInputs, 'base-image': vm, 'subscription-id': '' });
    expect(s.source).toEqual({ kind: 'liveVm', id: vm });
    expect(s.generalize).toBe(false);
    expect(s.subscriptionId).toBe(OTHER_SUB);
  });

  it.each([
    ['', 'is required'],
    ['Canonical:ubuntu-24_04-lts:server', 'add the version, e.g. Canonical:ubuntu-24_04-lts:server:latest'],
    [
      'Canonical:ubuntu-24_04-lts:latest',
      "'latest' is a version, so the SKU is missing: Canonical:ubuntu-24_04-lts:<sku>:latest (list the SKUs with az vm image list-skus -l <location> -p Canonical -f ubuntu-24_04-lts)",
    ],
    [
      'Canonical:ubuntu-24_04-lts:24.04.202411030',
      'the SKU is missing: Canonical:ubuntu-24_04-lts:<sku>:24.04.202411030',
    ],
    ['Canonical:ubuntu:server:1.2', "the version '1.2' is neither latest nor Major.Minor.Build"],
    ['ubuntu', 'not a Marketplace URN'],
    ['/subscriptions/x/resourceGroups', 'not a well-formed resource ID'],
    [id('disks/d'), 'a resource of type Microsoft.Compute/disks cannot be a base image'],
    [id('galleries/g/images/d/versions/latest'), 'use the definition ID'],
    ['ftp://host/disk.vhd', 'not a Marketplace URN'],
    ['http://storage.example.com/disk.vhd', 'a VHD URL must use https'],
    ['https://acct.blob.core.windows.net/vhds/disk.vhdx', 'Convert-VHD'],
  ])('%j is refused: %s', (value, problem) => {
    const error = failure({ ...minimal, 'base-image': value });
    expect(error.input).toBe('base-image');
    expect(error.message).toContain("Input 'base-image'");
    expect(error.message).toContain(problem);
  });

  it('a VHD needs its OS type and Hyper-V generation', () => {
    const vhd = { ...minimal, 'base-image': 'https://a.blob.core.windows.net/v/d.vhd' };
    expect(failure(vhd).message).toMatch(
      /^Input 'source-os-type' is required when base-image is a VHD URL\. Set it to Linux or Windows/,
    );
    expect(failure({ ...vhd, 'source-os-type': 'Linux' }).input).toBe('source-hyper-v-generation');
    expect(failure({ ...vhd, 'source-os-type': 'Linux', 'source-hyper-v-generation': 'Gen2' }).message).toBe(
      "Input 'source-hyper-v-generation' is 'Gen2': not one of the accepted values. Use one of: V1, V2.",
    );
    expect(failure({ ...vhd, 'source-os-type': 'Linux', 'source-hyper-v-generation': 'V2' }).input).toBe(
      'source-storage-account-id',
    );
  });

  it.each(['source-os-type', 'source-hyper-v-generation', 'source-os-state'])(
    '%s is refused without a VHD',
    (name) => {
      const error = failure({ ...minimal, [name]: 'Linux' });
      expect(error.input).toBe(name);
      expect(error.message).toContain("only applies when 'base-image' is the URL of a VHD");
    },
  );

  it.each([
    ['scripts', 'scripts/00-setup.sh'],
    ['inline-script', 'echo hi'],
    ['data-disks', '10'],
    ['spot', 'true'],
    ['generalize', 'true'],
    ['subnet-id', '/subscriptions/x'],
  ])('capturing a VM refuses %s', (name, value) => {
    const error = failure({ ...galleryInputs, 'base-image': id('virtualMachines/live'), [name]: value });
    expect(error.input).toBe(name);
    expect(error.message).toContain("'base-image' is a virtual machine ID");
  });
});

describe('targets', () => {
  it('at least one target', () => {
    const error = failure({ ...minimal, 'image-name': '' });
    expect(error.message).toContain(
      "Set input 'image-name' (a managed image) and/or inputs 'gallery' and 'gallery-image-definition'",
    );
  });

  it('a managed image is refused for a specialized build', () => {
    const error = failure({ ...minimal, generalize: 'false' });
    expect(error.input).toBe('image-name');
    expect(error.message).toContain("input 'generalize' is false");
    expect(error.message).toContain('publish to a gallery');
  });

  it('a managed image is refused for a live VM', () => {
    const vm = `/subscriptions/${SUB}/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v`;
    expect(failure({ ...minimal, 'base-image': vm }).message).toContain("'base-image' is a virtual machine");
  });

  it('a managed image is refused for Trusted Launch', () => {
    const error = failure({ ...minimal, 'security-type': 'TrustedLaunch' });
    expect(error.input).toBe('image-name');
    expect(error.message).toContain('Managed images cannot hold Trusted Launch VMs');
    expect(parse({ ...galleryInputs, 'security-type': 'trustedlaunch' }).vm.securityType).toBe(
      'TrustedLaunch',
    );
  });

  it.each([
    [{ 'resource-group': '' }, 'resource-group', "with 'image-name'"],
    [{ 'image-name': '', gallery: 'g' }, 'gallery-image-definition', "Input 'gallery' is set"],
    [
      { 'image-name': '', 'gallery-image-definition': 'd' },
      'gallery',
      "Input 'gallery-image-definition' is set",
    ],
    [{ ...galleryInputs, 'resource-group': '' }, 'resource-group', "with 'gallery'"],
    [
      { ...galleryInputs, 'gallery-image-publisher': 'p', 'gallery-image-offer': 'o' },
      'gallery-image-sku',
      'publisher, offer and sku together',
    ],
    [{ 'target-regions': 'eastus' }, 'target-regions', "no 'gallery' is set"],
    [{ 'gallery-image-version': '1.0.0' }, 'gallery-image-version', "no 'gallery' is set"],
    [{ 'end-of-life-date': '2030-01-01' }, 'end-of-life-date', "no 'gallery' is set"],
  ])('%j is refused naming %s', (extra, input, text) => {
    const error = failure({ ...minimal, ...extra });
    expect(error.input).toBe(input);
    expect(error.message).toContain(text);
  });
});

describe('every bad value names the input, the value and the fix', () => {
  const des = `/subscriptions/${SUB}/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/d`;
  it.each([
    // [input, value, extra inputs, text of the fix]
    ['spot', 'yes', {}, 'Use true or false.'],
    ['generalize', '1', {}, 'Use true or false.'],
    ['wait-for-cleanup', 'on', {}, 'Use true or false.'],
    ['script-timeout-minutes', '0', {}, 'from 1 to 1440'],
    ['script-timeout-minutes', '1.5', {}, 'from 1 to 1440'],
    ['generalize-timeout-minutes', '-3', {}, 'from 1 to 240'],
    ['os-disk-size-gb', '5000', {}, 'from 1 to 4095'],
    ['data-disks', '10, big', {}, 'from 1 to 32767'],
    ['vm-size', 'D2s_v5', {}, 'Use a size such as Standard_D2s_v5'],
    ['security-type', 'ConfidentialVM', {}, 'Use one of: Standard, TrustedLaunch.'],
    ['environment', 'AzureGermanCloud', {}, 'Use one of: AzureCloud, AzureUSGovernment, AzureChinaCloud.'],
    ['location', 'east-us', {}, 'Use the programmatic region name'],
    ['resource-group', 'rg.', {}, 'not ending with a period'],
    ['build-resource-group', 'bad/group', {}, 'Azure accepts'],
    ['image-name', '-img', {}, 'starting with a letter or digit'],
    ['gallery', 'my-gallery', { 'gallery-image-definition': 'd' }, 'no hyphens'],
    ['gallery-image-definition', 'def_', { gallery: 'g' }, 'starting and ending with a letter or digit'],
    [
      'gallery-image-version',
      '1.2',
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'Use Major.Minor.Patch',
    ],
    [
      'storage-account-type',
      'Premium_ZRS',
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'Use one of: Standard_LRS, Standard_ZRS, Premium_LRS.',
    ],
    [
      'replication-mode',
      'Deep',
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'Use one of: Full, Shallow.',
    ],
    [
      'replication-timeout-minutes',
      '2000',
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'from 1 to 1440',
    ],
    ['target-regions', 'eastus=0', { gallery: 'g', 'gallery-image-definition': 'd' }, 'from 1 to 100'],
    [
      'target-regions',
      'eastus=1=Hot',
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'Use one of: Standard_LRS',
    ],
    [
      'target-regions',
      'eastus, East US',
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'List each region once.',
    ],
    ['target-regions', 'eastus==2', { gallery: 'g', 'gallery-image-definition': 'd' }, 'Write e.g. eastus=2'],
    ['end-of-life-date', '2027-02-30', { gallery: 'g', 'gallery-image-definition': 'd' }, 'Use YYYY-MM-DD'],
    ['end-of-life-date', '31/12/2027', { gallery: 'g', 'gallery-image-definition': 'd' }, 'Use YYYY-MM-DD'],
    [
      'disk-encryption-sets',
      `westus=${des}`,
      { gallery: 'g', 'gallery-image-definition': 'd', 'target-regions': 'eastus' },
      "Add westus to 'target-regions'",
    ],
    [
      'disk-encryption-sets',
      'eastus=/subscriptions/x/y',
      { gallery: 'g', 'gallery-image-definition': 'd', 'target-regions': 'eastus' },
      'az resource show',
    ],
    [
      'disk-encryption-sets',
      des,
      { gallery: 'g', 'gallery-image-definition': 'd' },
      'region=/subscriptions/',
    ],
    [
      'subnet-id',
      `/subscriptions/${SUB}/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v`,
      {},
      'az resource show',
    ],
    ['subscription-id', 'my-subscription', {}, 'az account show'],
    ['tenant-id', 'not a tenant', { 'client-id': CLIENT }, 'az account show --query tenantId'],
    ['client-id', 'app', { 'tenant-id': TENANT }, 'GUID of the app registration'],
    ['arm-endpoint', 'http://127.0.0.1:8443', {}, 'Use an https URL'],
    ['authority-host', 'not a url', {}, 'Use an https URL'],
    ['tags', 'owner', {}, 'Write key=value'],
    ['tags', 'a=1, A=2', {}, 'Give each tag once.'],
    ['tags', 'a/b=1', {}, 'without those characters'],
    [
      'restart-after',
      'missing.ps1',
      { scripts: 'scripts/00-setup.sh' },
      "Use a script's position (1 to 1) or its name: scripts/00-setup.sh.",
    ],
    ['restart-after', '3', { scripts: 'scripts/00-setup.sh' }, 'position (1 to 1)'],
  ])('%s: %j', (input, value, extra, fix) => {
    const error = failure({ ...minimal, ...(extra as Record<string, string>), [input]: value });
    expect(error.input).toBe(input);
    // The message quotes the whole value, or for a list input the entry at fault.
    const [, named, how, quoted] =
      /^Input '([^']+)' (is|has the entry) '([^']*)'[:,]/.exec(error.message) ?? [];
    expect(named).toBe(input);
    if (how === 'is') expect(quoted).toBe(value);
    else expect(value.split(/[\n,]/).map((entry) => entry.trim())).toContain(quoted);
    expect(error.message).toContain(fix);
  });
});

describe('scripts', () => {
  it('files and globs in order, sorted matches, each file once, inline last', () => {
    const s = parse({
      ...minimal,
      scripts: 'scripts/00-setup.sh\nscripts/*.sh\n\nscripts/**/deep.sh',
      'inline-script': 'echo inline',
    });
    expect(s.scripts).toEqual([
      { name: 'scripts/00-setup.sh', content: 'echo setup\n' },
      { name: 'scripts/05-a.sh', content: 'echo a\n' }, // byte-order mark removed
      { name: 'scripts/10-b.sh', content: 'echo b\n' },
      { name: 'scripts/linux/deep.sh', content: 'echo deep\n' },
      { name: 'inline', content: 'echo inline' },
    ]);
  });

  it('relative to the current directory without GITHUB_WORKSPACE', () => {
    const cwd = process.cwd();
    process.chdir(workspace);
    try {
      expect(parse({ ...minimal, scripts: 'scripts/1?-*.sh' }, { GITHUB_WORKSPACE: '' }).scripts).toEqual([
        { name: 'scripts/10-b.sh', content: 'echo b\n' },
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('character classes and dot files', () => {
    expect(parse({ ...minimal, scripts: 'scripts/[0][!0]-*' }).scripts.map((x) => x.name)).toEqual([
      'scripts/05-a.sh',
    ]);
    expect(parse({ ...minimal, scripts: 'scripts/.*.sh' }).scripts.map((x) => x.name)).toEqual([
      'scripts/.hidden.sh',
    ]);
  });

  it('restart-after by name, position, pattern and inline', () => {
    const s = parse({
      ...minimal,
      scripts: 'scripts/00-setup.sh\nscripts/[01]*.sh',
      'inline-script': 'echo inline',
      'restart-after': 'scripts/00-setup.sh, scripts/[01]*.sh\ninline',
    });
    expect(s.scripts.map((x) => [x.name, x.restartAfter ?? false])).toEqual([
      ['scripts/00-setup.sh', true],
      ['scripts/05-a.sh', true],
      ['scripts/10-b.sh', true],
      ['inline', true],
    ]);
    const byPosition = parse({ ...minimal, scripts: 'scripts/*.sh', 'restart-after': '2' });
    expect(byPosition.scripts.map((x) => x.restartAfter ?? false)).toEqual([false, true, false]);
  });

  it('a pattern that matches nothing is an error naming it', () => {
    const error = failure({ ...minimal, scripts: 'scripts/00-setup.sh\nscripts/*.ps1' });
    expect(error.input).toBe('scripts');
    expect(error.message).toContain(
      "Input 'scripts' has the entry 'scripts/*.ps1', but that path or pattern matches no file",
    );
    expect(error.message).toContain('actions/checkout');
    expect(failure({ ...minimal, scripts: 'scripts/linux' }).message).toContain('matches no file'); // a directory
  });
});

describe('subscription', () => {
  const image = `/subscriptions/${OTHER_SUB}/resourceGroups/r/providers/Microsoft.Compute/images/i`;
  const subnet = `/subscriptions/${SUB}/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
  const noSub = { ...minimal, 'subscription-id': '' };

  it('explicit, then subnet-id, then base-image, then AZURE_SUBSCRIPTION_ID', () => {
    expect(parse({ ...minimal, 'base-image': image }).subscriptionId).toBe(SUB);
    expect(parse({ ...noSub, 'base-image': image, 'subnet-id': subnet }).subscriptionId).toBe(OTHER_SUB);
    expect(parse({ ...noSub, 'subnet-id': subnet }).subscriptionId).toBe(SUB);
    expect(parse({ ...noSub, 'base-image': image }).subscriptionId).toBe(OTHER_SUB);
    expect(parse(noSub, { AZURE_SUBSCRIPTION_ID: OTHER_SUB }).subscriptionId).toBe(OTHER_SUB);
  });

  it('missing or malformed', () => {
    expect(failure(noSub).message).toContain("Input 'subscription-id' is required");
    expect(failure(noSub, { AZURE_SUBSCRIPTION_ID: 'x' }).input).toBe('AZURE_SUBSCRIPTION_ID');
  });
});

describe('authentication and cloud', () => {
  const oidcEnv = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/x' };

  it('OpenID Connect with tenant-id and client-id', () => {
    expect(parse({ ...minimal, 'tenant-id': TENANT, 'client-id': CLIENT }, oidcEnv).auth).toEqual({
      kind: 'oidc',
      tenantId: TENANT,
      clientId: CLIENT,
      audience: 'api://AzureADTokenExchange',
    });
    const gov = parse(
      {
        ...minimal,
        'tenant-id': 'contoso.onmicrosoft.us',
        'client-id': CLIENT,
        environment: 'azureusgovernment',
      },
      oidcEnv,
    );
    expect(gov.auth).toMatchObject({
      kind: 'oidc',
      tenantId: 'contoso.onmicrosoft.us',
      audience: 'api://AzureADTokenExchangeUSGov',
    });
    expect(gov.cloud).toEqual({
      name: 'AzureUSGovernment',
      armEndpoint: 'https://management.usgovcloudapi.net',
      authorityHost: 'https://login.microsoftonline.us',
      armScope: 'https://management.usgovcloudapi.net/.default',
    });
    const china = parse(
      {
        ...minimal,
        'tenant-id': TENANT,
        'client-id': CLIENT,
        environment: 'AzureChinaCloud',
        audience: 'api://custom',
      },
      oidcEnv,
    );
    expect(china.auth).toMatchObject({ audience: 'api://custom' });
    expect(china.cloud.armScope).toBe('https://management.chinacloudapi.cn/.default');
  });

  it('OpenID Connect without an ID token tells to add the permission', () => {
    const error = failure({ ...minimal, 'tenant-id': TENANT, 'client-id': CLIENT });
    expect(error.message).toContain('`permissions: id-token: write`');
  });

  it('a client secret, never echoed in errors or redacted settings', () => {
    const secret = 's3cr3t-value';
    const s = parse({ ...minimal, 'tenant-id': TENANT, 'client-id': CLIENT, 'client-secret': secret });
    expect(s.auth).toEqual({
      kind: 'clientSecret',
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: secret,
    });
    expect(JSON.stringify(redactSettings(s))).not.toContain(secret);
    const error = failure({ ...minimal, 'client-secret': secret });
    expect(error.input).toBe('client-secret');
    expect(error.message).not.toContain(secret);
    expect(failure({ ...minimal, 'tenant-id': TENANT, 'client-secret': secret }).message).not.toContain(
      secret,
    );
  });

  it.each([
    [{ 'tenant-id': TENANT }, 'client-id'],
    [{ 'client-id': CLIENT }, 'tenant-id'],
    [{ audience: 'api://x' }, 'audience'],
  ])('%j is incomplete: error names %s', (extra, input) => {
    expect(failure({ ...minimal, ...extra }, oidcEnv).input).toBe(input);
  });

  it('arm-endpoint and authority-host make a custom cloud (the emulator)', () => {
    const s = parse({
      ...minimal,
      'arm-endpoint': 'https://127.0.0.1:8443/',
      'authority-host': 'https://127.0.0.1:8444',
    });
    expect(s.cloud).toEqual({
      name: 'Custom',
      armEndpoint: 'https://127.0.0.1:8443',
      authorityHost: 'https://127.0.0.1:8444',
      armScope: 'https://127.0.0.1:8443/.default',
    });
  });

  it.each(['0', '-1', '2', 'fast'])('time scale %s is refused', (value) => {
    const error = failure(minimal, { AZURE_IMAGE_BUILD_TIME_SCALE: value });
    expect(error.input).toBe('AZURE_IMAGE_BUILD_TIME_SCALE');
    expect(error.message).toContain('unset it for real builds');
  });
});

describe('tags', () => {
  it('key=value lines or one comma-separated line', () => {
    expect(parseTags('owner=team-a\ncost-center = 42\nempty=')).toEqual({
      owner: 'team-a',
      'cost-center': '42',
      empty: '',
    });
    expect(parseTags('a=1, b=x=y')).toEqual({ a: '1', b: 'x=y' });
    expect(parseTags('note=a, b\nz=1')).toEqual({ note: 'a, b', z: '1' });
    expect(parseTags('')).toEqual({});
  });

  it('at most 40 (Azure allows 50 and the build adds its own)', () => {
    const many = Array.from({ length: 41 }, (_, i) => `t${i}=v`).join('\n');
    expect(() => parseTags(many)).toThrow(/Use at most 40/);
  });
});
