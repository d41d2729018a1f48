// Pure parts of issue 6's phases: VM size rules (architecture by name, NVMe-only sizes), the build VM
// definition for an attached specialized disk, the PowerShell wrapper, a live VM read as a source.
import { wrapPowerShell } from '../../src/core/phases/customize.js';
import { fromLiveVm } from '../../src/core/phases/capture-live-vm.js';
import { fromVhd } from '../../src/core/phases/resolve-source.js';
import { buildNames } from '../../src/core/phases/context.js';
import { buildVmSize, parseVmSize, sizeNeedsNvme, useNvme, vmDefinition } from '../../src/core/phases/vm.js';
import type { BuildSettings, ResolvedSource } from '../../src/core/types.js';

const settings = (size: string): BuildSettings =>
  ({
    vm: { size, spot: false, dataDiskSizesGb: [] },
    generalize: true,
    tags: {},
  }) as unknown as BuildSettings;
const source = (over: Partial<ResolvedSource> = {}): ResolvedSource => ({
  source: { kind: 'marketplace', publisher: 'p', offer: 'o', sku: 's', version: 'latest' },
  exact: 'p:o:s:1.0.0',
  osType: 'Linux',
  hyperVGeneration: 'V2',
  architecture: 'x64',
  securityType: 'TrustedLaunchSupported',
  imageReference: { publisher: 'p', offer: 'o', sku: 's', version: '1.0.0' },
  osState: 'Generalized',
  diskControllerTypes: ['SCSI', 'NVMe'],
  ...over,
});

test('size names tell the architecture (p = Arm CPU) and the version', () => {
  expect(parseVmSize('Standard_D2ps_v5')).toMatchObject({ family: 'D', architecture: 'Arm64', version: 5 });
  expect(parseVmSize('Standard_B2pts_v2')?.architecture).toBe('Arm64');
  expect(parseVmSize('Standard_E2pds_v6')?.architecture).toBe('Arm64');
  expect(parseVmSize('Standard_D2s_v5')?.architecture).toBe('x64');
  expect(parseVmSize('Standard_DS2_v2')?.architecture).toBe('x64');
  expect(parseVmSize('Standard_NC24ads_A100_v4')).toMatchObject({ architecture: 'x64', version: 4 });
  expect(parseVmSize('Standard_M8-2ms')).toMatchObject({ family: 'M', features: 'ms', version: 1 });
  expect(parseVmSize('whatever')).toBeUndefined();
  expect(sizeNeedsNvme('Standard_D2s_v6')).toBe(true);
  expect(sizeNeedsNvme('Standard_D2ads_v6')).toBe(true);
  expect(sizeNeedsNvme('Standard_D2s_v5')).toBe(false);
  expect(sizeNeedsNvme('Standard_NC24ads_A100_v4')).toBe(false);
});

test('the build VM size follows the source architecture, and NVMe-only sizes need NVMe images', () => {
  const arm = source({ architecture: 'Arm64' });
  expect(buildVmSize(settings('Standard_D2s_v5'), arm)).toBe('Standard_D2ps_v5');
  expect(buildVmSize(settings('Standard_D4ps_v5'), arm)).toBe('Standard_D4ps_v5');
  expect(() => buildVmSize(settings('Standard_D4s_v5'), arm)).toThrow(/is an x64 size.*Arm64/);
  expect(() => buildVmSize(settings('Standard_D2ps_v5'), source())).toThrow(/is an Arm64 size.*x64/);
  expect(() => buildVmSize(settings('Standard_D2s_v6'), source({ diskControllerTypes: ['SCSI'] }))).toThrow(
    /NVMe only/,
  );
  expect(useNvme('Standard_D2s_v6', source())).toBe(true);
  expect(useNvme('Standard_D2s_v5', source())).toBe(false);
  expect(useNvme('Standard_D2s_v5', source({ diskControllerTypes: ['NVMe'] }))).toBe(true);
  const names = buildNames(settings('Standard_D2s_v6'), 'abcd1234');
  const vm = vmDefinition(settings('Standard_D2s_v6'), source(), names, 'eastus', 'nic', {}, 'pw');
  expect(vm.storageProfile?.diskControllerType).toBe('NVMe');
  const arm64Vm = vmDefinition(settings('Standard_D2s_v5'), arm, names, 'eastus', 'nic', {}, 'pw');
  expect(arm64Vm.hardwareProfile?.vmSize).toBe('Standard_D2ps_v5');
  expect(arm64Vm.storageProfile?.diskControllerType).toBeUndefined();
});

test('a specialized VHD disk is attached as the OS disk, with no image and no osProfile', () => {
  const vhd = fromVhd(
    {
      kind: 'vhd',
      uri: 'https://acct.blob.core.windows.net/v/d.vhd?sig=secret',
      storageAccountId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct',
      osType: 'Windows',
      hyperVGeneration: 'V1',
      osState: 'Specialized',
    },
    'Standard_D2s_v5',
  );
  expect(vhd.exact).toBe('https://acct.blob.core.windows.net/v/d.vhd');
  const names = buildNames(settings('Standard_D2s_v5'), 'abcd1234');
  const vm = vmDefinition(
    settings('Standard_D2s_v5'),
    { ...vhd, attachOsDiskId: '/disk/id' },
    names,
    'eastus',
    'nic',
    {},
    'pw',
  );
  expect(vm.storageProfile?.imageReference).toBeUndefined();
  expect(vm.storageProfile?.osDisk).toEqual({
    createOption: 'Attach',
    osType: 'Windows',
    managedDisk: { id: '/disk/id' },
    deleteOption: 'Delete',
  });
  expect(vm.osProfile).toBeUndefined();
});

test('user PowerShell ends with an exit on a failed native command, with nothing put before it', () => {
  const wrapped = wrapPowerShell('param([string]$x)\ncmd /c exit 3\n\n');
  expect(wrapped.startsWith('param([string]$x)\ncmd /c exit 3\n')).toBe(true);
  expect(wrapped.trimEnd().endsWith('if ($LASTEXITCODE) { exit $LASTEXITCODE }')).toBe(true);
});

test('a live VM is read as a specialized source with its generation, security type, size architecture and plan', () => {
  const s = fromLiveVm(
    { kind: 'liveVm', id: '/vm' },
    {
      id: '/vm',
      location: 'eastus',
      hardwareProfile: { vmSize: 'Standard_D4ps_v5' },
      storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage' }, diskControllerType: 'NVMe' },
      securityProfile: { securityType: 'TrustedLaunch' },
      plan: { name: 'n', product: 'p', publisher: 'x' },
    },
    'V2',
  );
  expect(s).toMatchObject({
    osState: 'Specialized',
    hyperVGeneration: 'V2',
    architecture: 'Arm64',
    securityType: 'TrustedLaunch',
    plan: { name: 'n', product: 'p', publisher: 'x' },
    diskControllerTypes: ['SCSI', 'NVMe'],
  });
});
