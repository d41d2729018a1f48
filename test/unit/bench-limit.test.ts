// The benchmark's limit: Azure's own operation times along the critical path to the image ID.
import { classifyOperation, criticalPath, type OperationRecord } from '../../scripts/bench/limit.js';

const RG = '/subscriptions/s/resourceGroups/aib-1-build/providers';
const OUT = '/subscriptions/s/resourceGroups/rg-out/providers/Microsoft.Compute';
const VM = `${RG}/Microsoft.Compute/virtualMachines/aib-1-vm`;
const opts = { runCommandOverheadMs: 25_000, sysprepMs: 120_000 };

let clock = 0;
function op(method: string, path: string, durationMs: number, tookMs?: number): OperationRecord {
  return { method, path, startedAt: clock++, durationMs, ...(tookMs !== undefined ? { tookMs } : {}) };
}

function linuxBuild(galleryMs: number): OperationRecord[] {
  clock = 0;
  return [
    op('PUT', `${RG}/Microsoft.Network/networkSecurityGroups/nsg`, 3_000),
    op('PUT', `${RG}/Microsoft.Network/publicIPAddresses/ip`, 3_000),
    op('PUT', `${OUT}/galleries/g`, 400),
    op('PUT', `${OUT}/galleries/g/images/def`, 140),
    op('PUT', `${RG}/Microsoft.Network/natGateways/nat`, 10_000),
    op('PUT', `${RG}/Microsoft.Network/virtualNetworks/vnet`, 3_000),
    op('PUT', `${RG}/Microsoft.Network/networkInterfaces/nic`, 3_000),
    op('PUT', VM, 58_000),
    op('PUT', `${VM}/runCommands/aib-01-install-sh`, 25_000, 26_500),
    op('PUT', `${VM}/runCommands/aib-deprovision`, 25_000, 25_400),
    op('POST', `${VM}/deallocate`, 35_000, 35_900),
    op('PUT', `${OUT}/images/img`, 40_000),
    op('PUT', `${OUT}/galleries/g/images/def/versions/1.0.0`, galleryMs),
    op('DELETE', '/subscriptions/s/resourcegroups/aib-1-build', 78_000),
  ];
}

describe('classifyOperation', () => {
  it.each([
    ['PUT', `${RG}/Microsoft.Network/natGateways/nat`, 'natGateway'],
    ['PUT', `${RG}/Microsoft.Network/virtualNetworks/vnet/subnets/default`, 'vnet'],
    ['PUT', VM, 'vm'],
    ['PUT', `${VM}/runCommands/aib-02-inline`, 'runCommand'],
    ['PUT', `${VM}/runCommands/aib-sysprep`, 'sysprep'],
    ['PUT', `${VM}/runCommands/aib-imagestate-3`, 'imageStateCheck'],
    ['POST', `${VM}/deallocate`, 'deallocate'],
    ['POST', `${VM}/restart`, 'powerAction'],
    ['POST', `${VM}/runCommand`, 'runCommand'],
    ['PUT', `${OUT}/images/img`, 'managedImage'],
    ['PUT', `${OUT}/galleries/g/images/def/versions/1.2.3`, 'galleryVersion'],
    ['PUT', `${OUT}/galleries/g/images/def`, 'galleryImage'],
    ['PUT', `${OUT}/galleries/g`, 'gallery'],
    ['DELETE', VM, 'delete'],
    ['PUT', `${RG}/Microsoft.Storage/storageAccounts/x`, 'other'],
  ])('%s %s -> %s', (method, path, kind) => {
    expect(classifyOperation(method, path)).toBe(kind);
  });
});

describe('criticalPath', () => {
  it('follows the NAT chain, the VM sequence and the longer capture; skips the cleanup delete', () => {
    const { limitMs, path } = criticalPath(linuxBuild(540_000), opts);
    expect(path.map((p) => p.kind)).toEqual([
      'publicIp',
      'natGateway',
      'vnet',
      'nic',
      'vm',
      'runCommand',
      'runCommand',
      'deallocate',
      'galleryVersion',
    ]);
    // Run commands count what they really took (script time), other operations the table's figure.
    expect(limitMs).toBe(3_000 + 10_000 + 3_000 + 3_000 + 58_000 + 26_500 + 25_400 + 35_000 + 540_000);
  });

  it('ends with the managed image when it is the longer capture', () => {
    const { limitMs, path } = criticalPath(linuxBuild(10_000), opts);
    expect(path.at(-1)?.kind).toBe('managedImage');
    expect(limitMs).toBe(3_000 + 10_000 + 3_000 + 3_000 + 58_000 + 26_500 + 25_400 + 35_000 + 40_000);
  });

  it('counts a Windows sysprep as overhead plus sysprep, and ImageState checks as waiting', () => {
    clock = 0;
    const ops = [
      op('PUT', VM, 58_000),
      op('PUT', `${VM}/runCommands/aib-01-configure-ps1`, 25_000, 25_000),
      op('PUT', `${VM}/runCommands/aib-sysprep`, 25_000, 25_100),
      op('PUT', `${VM}/runCommands/aib-imagestate-1`, 25_000, 25_000),
      op('PUT', `${VM}/runCommands/aib-imagestate-2`, 25_000, 25_000),
      op('POST', `${VM}/deallocate`, 35_000),
      op('PUT', `${OUT}/galleries/g/images/def/versions/1.0.0`, 540_000),
    ];
    const { limitMs, path } = criticalPath(ops, opts);
    expect(path.map((p) => p.kind)).toEqual(['vm', 'runCommand', 'sysprep', 'deallocate', 'galleryVersion']);
    expect(limitMs).toBe(58_000 + 25_000 + 145_000 + 35_000 + 540_000);
  });

  it('waits for the image definition when the gallery chain is the longer one', () => {
    clock = 0;
    const ops = [
      op('PUT', `${OUT}/galleries/g`, 100_000),
      op('PUT', `${OUT}/galleries/g/images/def`, 1_000),
      op('PUT', VM, 58_000),
      op('PUT', `${OUT}/galleries/g/images/def/versions/1.0.0`, 500_000),
    ];
    expect(criticalPath(ops, opts).limitMs).toBe(100_000 + 1_000 + 500_000);
  });

  it('is zero for a build that asked Azure for nothing long', () => {
    expect(criticalPath([], opts)).toEqual({ limitMs: 0, path: [] });
  });
});

test('a template deployment adds ARM deployment overhead between its resources and the VM', () => {
  const rg = '/subscriptions/s/resourceGroups/g/providers';
  const ops = [
    {
      method: 'PUT',
      path: `${rg}/Microsoft.Network/networkSecurityGroups/nsg`,
      startedAt: 0,
      durationMs: 3000,
    },
    {
      method: 'PUT',
      path: `${rg}/Microsoft.Network/networkInterfaces/nic`,
      startedAt: 3000,
      durationMs: 4000,
    },
    { method: 'PUT', path: `${rg}/Microsoft.Resources/deployments/net`, startedAt: 5999, durationMs: 2000 },
    { method: 'PUT', path: `${rg}/Microsoft.Compute/virtualMachines/vm`, startedAt: 6000, durationMs: 58000 },
  ];
  const limit = criticalPath(ops, {
    runCommandOverheadMs: 25000,
    sysprepMs: 120000,
    deploymentOverheadMs: 2000,
  });
  expect(limit.path.map((p) => p.kind)).toEqual(['nic', 'deployment', 'vm']);
  expect(limit.limitMs).toBe(4000 + 2000 + 58000);
});
