// The resource ledger: every resource the build creates is recorded (and persisted through
// host.saveLedger) BEFORE it is requested, so whichever process cleans up — main at its end, or the
// post step after main failed, was cancelled or killed — knows everything that may exist.
import type { Host, LedgerEntry } from './types.js';

export const KIND = {
  resourceGroup: 'resourceGroup',
  networkSecurityGroup: 'networkSecurityGroup',
  publicIPAddress: 'publicIPAddress',
  natGateway: 'natGateway',
  virtualNetwork: 'virtualNetwork',
  networkInterface: 'networkInterface',
  virtualMachine: 'virtualMachine',
  disk: 'disk',
  runCommand: 'runCommand',
  image: 'image',
  gallery: 'gallery',
  galleryImage: 'galleryImage',
  galleryImageVersion: 'galleryImageVersion',
  /** A template deployment (its history entry; the resources it made have entries of their own). */
  deployment: 'deployment',
} as const;

export type Kind = (typeof KIND)[keyof typeof KIND];

export class Ledger {
  private readonly items: LedgerEntry[];

  constructor(
    private readonly host: Host,
    initial: LedgerEntry[] = [],
  ) {
    this.items = [...initial];
  }

  get entries(): readonly LedgerEntry[] {
    return this.items;
  }

  /** Records a resource and persists the ledger; call before the resource is requested. */
  record(id: string, kind: Kind, role: LedgerEntry['role'] = 'temporary', ownedGroup?: boolean): void {
    if (this.items.some((e) => sameId(e.id, id))) return;
    this.items.push({
      id,
      kind,
      role,
      createdAt: new Date().toISOString(),
      ...(ownedGroup ? { ownedGroup } : {}),
    });
    this.host.saveLedger([...this.items]);
  }

  /** Forgets a resource (it was deleted, or it pre-existed and must never be touched). */
  forget(id: string): void {
    const i = this.items.findIndex((e) => sameId(e.id, id));
    if (i < 0) return;
    this.items.splice(i, 1);
    this.host.saveLedger([...this.items]);
  }
}

export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The resource group named in any resource ID (also a resource group's own ID). */
export function groupOf(id: string): string {
  const parts = id.split('/');
  if (
    parts[1]?.toLowerCase() !== 'subscriptions' ||
    parts[3]?.toLowerCase() !== 'resourcegroups' ||
    !parts[4]
  ) {
    throw new Error(`'${id}' is not an Azure resource ID (/subscriptions/…/resourceGroups/…)`);
  }
  return parts[4];
}

/**
 * Deletion order, lowest first: a resource is deleted only after everything that references it
 * (run commands die with their VM; the VM holds the NIC and disks; the NIC holds the subnet; the
 * subnet holds the NAT gateway and NSG; the NAT gateway holds the public IP). Outputs and owned
 * resource groups reference nothing temporary outside themselves, nor does a template deployment (its
 * history entry: deleting it leaves the resources it made).
 */
const DELETE_RANK: Partial<Record<string, number>> = {
  resourceGroup: 0,
  image: 0,
  galleryImageVersion: 0,
  runCommand: 0,
  deployment: 0,
  virtualMachine: 1,
  networkInterface: 2,
  disk: 2,
  virtualNetwork: 3,
  natGateway: 4,
  publicIPAddress: 5,
  networkSecurityGroup: 5,
};

/** Output kinds deleted when the build failed (partial outputs of this run). */
const PARTIAL_OUTPUT_KINDS = new Set<string>([KIND.image, KIND.galleryImageVersion]);

export interface CleanupPlan {
  /** Deletion stages, run in order; the entries of one stage are deleted concurrently. */
  stages: LedgerEntry[][];
  /** Entries left alone (outputs of a successful build, gallery containers, resources inside an owned group). */
  untouched: LedgerEntry[];
}

export function planCleanup(entries: readonly LedgerEntry[], failed: boolean): CleanupPlan {
  const unique: LedgerEntry[] = [];
  for (const e of entries) if (!unique.some((u) => sameId(u.id, e.id))) unique.push(e);

  const ownedGroups = unique
    .filter((e) => e.kind === KIND.resourceGroup && e.ownedGroup)
    .map((e) => groupOf(e.id).toLowerCase());
  const inOwnedGroup = (e: LedgerEntry): boolean =>
    e.kind !== KIND.resourceGroup && ownedGroups.includes(groupOf(e.id).toLowerCase());
  const vmIds = unique.filter((e) => e.kind === KIND.virtualMachine).map((e) => e.id.toLowerCase());

  const toDelete: LedgerEntry[] = [];
  const untouched: LedgerEntry[] = [];
  for (const e of unique) {
    const wanted =
      (e.role === 'temporary' && (e.kind !== KIND.resourceGroup || e.ownedGroup === true)) ||
      (e.role === 'output' && failed && PARTIAL_OUTPUT_KINDS.has(e.kind));
    const coveredByParent =
      inOwnedGroup(e) ||
      (e.kind === KIND.runCommand && vmIds.some((vm) => e.id.toLowerCase().startsWith(`${vm}/`)));
    if (wanted && !coveredByParent && DELETE_RANK[e.kind] !== undefined) toDelete.push(e);
    else if (!wanted || DELETE_RANK[e.kind] === undefined) untouched.push(e);
  }
  const ranks = [...new Set(toDelete.map((e) => DELETE_RANK[e.kind] as number))].sort((a, b) => a - b);
  return { stages: ranks.map((r) => toDelete.filter((e) => DELETE_RANK[e.kind] === r)), untouched };
}
