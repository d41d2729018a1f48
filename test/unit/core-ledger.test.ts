import { Ledger, planCleanup, groupOf } from '../../src/core/ledger.js';
import { manualDeletionCommands } from '../../src/core/cleanup.js';
import type { Host, LedgerEntry } from '../../src/core/types.js';

const sub = '/subscriptions/00000000-0000-0000-0000-000000000001';
const rg = (g: string) => `${sub}/resourceGroups/${g}`;
const res = (g: string, type: string, name: string) => `${rg(g)}/providers/${type}/${name}`;
const entry = (
  id: string,
  kind: string,
  role: LedgerEntry['role'] = 'temporary',
  ownedGroup?: boolean,
): LedgerEntry => ({
  id,
  kind,
  role,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(ownedGroup ? { ownedGroup } : {}),
});

function host(saved: LedgerEntry[][]): Host {
  const noop = () => undefined;
  return {
    logger: { debug: noop, info: noop, warning: noop, error: noop, mask: noop, group: (_n, fn) => fn() },
    saveLedger: (e) => saved.push(e),
  };
}

describe('Ledger', () => {
  it('persists every record before returning, without duplicates (IDs compare case-insensitively)', () => {
    const saved: LedgerEntry[][] = [];
    const ledger = new Ledger(host(saved));
    ledger.record(rg('b'), 'resourceGroup', 'temporary', true);
    ledger.record(res('b', 'Microsoft.Compute', 'virtualMachines/vm'), 'virtualMachine');
    ledger.record(res('B', 'Microsoft.Compute', 'virtualMachines/VM'), 'virtualMachine');
    expect(saved).toHaveLength(2);
    expect(saved[1].map((e) => e.kind)).toEqual(['resourceGroup', 'virtualMachine']);
    expect(saved[0][0].ownedGroup).toBe(true);
    ledger.forget(rg('B'));
    expect(saved[2].map((e) => e.kind)).toEqual(['virtualMachine']);
  });

  it('names the group of any resource ID and rejects other strings', () => {
    expect(groupOf(res('grp', 'Microsoft.Network', 'natGateways/n'))).toBe('grp');
    expect(groupOf(rg('grp'))).toBe('grp');
    expect(() => groupOf('/subscriptions/x/providers/Microsoft.Compute/images/i')).toThrow(
      /not an Azure resource ID/,
    );
  });
});

describe('planCleanup', () => {
  const owned = [
    entry(rg('tmp'), 'resourceGroup', 'temporary', true),
    entry(res('tmp', 'Microsoft.Network', 'networkSecurityGroups/nsg'), 'networkSecurityGroup'),
    entry(res('tmp', 'Microsoft.Compute', 'virtualMachines/vm'), 'virtualMachine'),
    entry(res('out', 'Microsoft.Compute', 'images/img'), 'image', 'output'),
    entry(
      res('out', 'Microsoft.Compute', 'galleries/g/images/d/versions/1.0.0'),
      'galleryImageVersion',
      'output',
    ),
    entry(res('out', 'Microsoft.Compute', 'galleries/g/images/d'), 'galleryImage', 'output'),
  ];

  it('deletes an owned group as a whole and keeps outputs of a successful build', () => {
    const plan = planCleanup(owned, false);
    expect(plan.stages.map((s) => s.map((e) => e.kind))).toEqual([['resourceGroup']]);
    expect(plan.untouched.map((e) => e.kind)).toEqual(['image', 'galleryImageVersion', 'galleryImage']);
  });

  it('also deletes partial outputs of a failed build, but never gallery definitions', () => {
    const plan = planCleanup(owned, true);
    expect(plan.stages.map((s) => s.map((e) => e.kind).sort())).toEqual([
      ['galleryImageVersion', 'image', 'resourceGroup'],
    ]);
    expect(plan.untouched.map((e) => e.kind)).toEqual(['galleryImage']);
  });

  it('in an existing group, deletes in reverse dependency order and lets run commands go with their VM', () => {
    const vm = res('ex', 'Microsoft.Compute', 'virtualMachines/vm');
    const entries = [
      entry(res('ex', 'Microsoft.Network', 'networkSecurityGroups/nsg'), 'networkSecurityGroup'),
      entry(res('ex', 'Microsoft.Network', 'publicIPAddresses/pip'), 'publicIPAddress'),
      entry(res('ex', 'Microsoft.Network', 'natGateways/nat'), 'natGateway'),
      entry(res('ex', 'Microsoft.Network', 'virtualNetworks/vnet'), 'virtualNetwork'),
      entry(res('ex', 'Microsoft.Network', 'networkInterfaces/nic'), 'networkInterface'),
      entry(vm, 'virtualMachine'),
      entry(res('ex', 'Microsoft.Compute', 'disks/os'), 'disk'),
      entry(`${vm}/runCommands/aib-01-setup`, 'runCommand'),
      entry(res('ex', 'Microsoft.Compute', 'virtualMachines/other/runCommands/x'), 'runCommand'),
    ];
    const stages = planCleanup(entries, false).stages.map((s) => s.map((e) => e.kind).sort());
    expect(stages).toEqual([
      ['runCommand'],
      ['virtualMachine'],
      ['disk', 'networkInterface'],
      ['virtualNetwork'],
      ['natGateway'],
      ['networkSecurityGroup', 'publicIPAddress'],
    ]);
    expect(planCleanup(entries, false).stages[0][0].id).toContain('/other/');
  });

  it('is empty for an empty or already cleaned ledger, and keeps a group it does not own', () => {
    expect(planCleanup([], true).stages).toEqual([]);
    const plan = planCleanup([entry(rg('users'), 'resourceGroup', 'temporary')], true);
    expect(plan.stages).toEqual([]);
  });

  it('tells how to delete kept resources by hand', () => {
    expect(manualDeletionCommands(owned, true)).toEqual([
      'az group delete -n tmp --yes --no-wait',
      `az resource delete --ids ${res('out', 'Microsoft.Compute', 'images/img')}`,
      `az resource delete --ids ${res('out', 'Microsoft.Compute', 'galleries/g/images/d/versions/1.0.0')}`,
    ]);
  });
});
