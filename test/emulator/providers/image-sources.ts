// What managed images, gallery image versions, disks and snapshots share: the
// captured guest disk they carry (`internal`, PROVIDERS.md "Shared state contract"),
// capturing it from a source (a VM through the compute provider's captureVmDisk, or
// another captured resource), the per-provider directories holding captured disks,
// and the ARM conventions common to these resource types.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ArmError } from '../errors.js';
import { parseResourceId, typeOfId, type ArmResource } from '../store.js';
import type { EmulatorCore } from '../core.js';
import { deleteHooks } from './resources.js';

import type { Architecture, HyperVGeneration, OsType } from '../marketplace/catalog.js';
import type { LatencyName } from '../latency.js';
import type { StatusStyle } from '../lro.js';
import type { ArmRequest, ArmResponse } from '../router.js';

export type { HyperVGeneration, OsType };
export type OsState = 'Generalized' | 'Specialized';

/** `internal` of a managed image, gallery image version, disk or snapshot (PROVIDERS.md). */
export interface CapturedImage {
  diskDir: string;
  deprovisioned: boolean;
  osType?: OsType;
  osState?: OsState;
  hyperVGeneration?: HyperVGeneration;
  securityType?: string;
  architecture?: Architecture;
  plan?: { name: string; product: string; publisher: string; promotionCode?: string };
  dataDisks: { lun: number; diskSizeGB: number }[];
  /** OS disk size (GB) when known. */
  osDiskSizeGB?: number;
}

/** A captured source and where it lives. */
export interface SourceCapture extends CapturedImage {
  sourceId: string;
  sourceType: string;
  /** Normalized region of the source. */
  location: string;
  /** For VM sources: the VM was generalized (its captured OS state). */
  vmGeneralized?: boolean;
}

export const IMAGE_TYPES = {
  vm: 'microsoft.compute/virtualmachines',
  image: 'microsoft.compute/images',
  version: 'microsoft.compute/galleries/images/versions',
  definition: 'microsoft.compute/galleries/images',
  disk: 'microsoft.compute/disks',
  snapshot: 'microsoft.compute/snapshots',
} as const;

export const normRegion = (r: string | undefined): string => (r ?? '').toLowerCase().replace(/\s+/g, '');

/** A new directory for a captured disk, removed when its resource (or its group) is deleted. */
export async function newDiskDir(core: EmulatorCore, ownerId: string): Promise<string> {
  const dir = path.join(core.config.dataDir, 'captured', randomUUID());
  await fs.mkdir(dir, { recursive: true });
  diskDirs(core).set(ownerId.toLowerCase(), dir);
  return dir;
}

/** Removes the captured disk of a resource that is gone. */
export async function dropDiskDir(core: EmulatorCore, ownerId: string): Promise<void> {
  const dirs = diskDirs(core);
  const dir = dirs.get(ownerId.toLowerCase());
  dirs.delete(ownerId.toLowerCase());
  if (dir) await fs.rm(dir, { recursive: true, force: true });
}

function diskDirs(core: EmulatorCore): Map<string, string> {
  return core.stateOf('images.diskDirs', () => {
    const map = new Map<string, string>();
    // A deleted resource group takes every captured disk of its resources with it.
    deleteHooks(core).push((groupId) => {
      const prefix = groupId.toLowerCase() + '/';
      for (const [id, dir] of map) {
        if (!id.startsWith(prefix)) continue;
        map.delete(id);
        void fs.rm(dir, { recursive: true, force: true });
      }
    });
    return map;
  });
}

interface VmCaptureResult {
  deprovisioned: boolean;
  osType: OsType;
  hyperVGeneration: HyperVGeneration;
  securityType?: string;
  architecture?: 'x64' | 'Arm64';
  plan?: CapturedImage['plan'];
  dataDisks: { lun: number; diskSizeGB: number }[];
}
type CaptureVmDisk = (core: EmulatorCore, vmId: string, destDir: string) => Promise<VmCaptureResult>;

let captureVmDiskImpl: CaptureVmDisk | null | undefined;

/**
 * The compute provider's `captureVmDisk(core, vmId, destDir)` (PROVIDERS.md). It is
 * loaded lazily so this module does not depend on the VM provider at build time; when
 * that module is absent, the VM document's `internal` state is read directly (its
 * guest directory copied, `deprovisioned` taken from the guest's state file).
 */
async function captureVm(core: EmulatorCore, vm: ArmResource, destDir: string): Promise<VmCaptureResult> {
  // Test fixtures put VM documents straight into the store (no guest behind them): read them directly.
  if (vm.internal?.fixture === true) return captureVmDocument(vm, destDir);
  if (captureVmDiskImpl === undefined) {
    const modulePath = './compute-vm.js';
    captureVmDiskImpl = await import(modulePath)
      .then((m: { captureVmDisk?: CaptureVmDisk }) => m.captureVmDisk ?? null)
      .catch(() => null);
  }
  if (captureVmDiskImpl) return captureVmDiskImpl(core, vm.id, destDir);
  return captureVmDocument(vm, destDir);
}

/** Capture from the VM document's `internal` state alone (PROVIDERS.md contract). */
async function captureVmDocument(vm: ArmResource, destDir: string): Promise<VmCaptureResult> {
  const i = vm.internal ?? {};
  let deprovisioned = false;
  if (typeof i.guestDir === 'string') {
    await fs.cp(i.guestDir, destDir, { recursive: true }).catch(() => undefined);
    const state = await fs.readFile(path.join(destDir, 'guest.json'), 'utf8').catch(() => undefined);
    if (state) deprovisioned = JSON.parse(state).deprovisioned === true;
  }
  return {
    deprovisioned,
    osType: i.osType ?? 'Linux',
    hyperVGeneration: i.hyperVGeneration ?? 'V1',
    securityType: i.securityType,
    architecture: i.architecture,
    plan: i.plan,
    dataDisks: i.dataDisks ?? [],
  };
}

/** The Azure name of a VM's security type ('Standard' when none). */
export const securityTypeOf = (t: string | undefined): string => t ?? 'Standard';

/**
 * Captures a source into a new disk directory owned by `ownerId`: a VM (through the
 * compute provider), or a managed image, gallery image version, disk or snapshot
 * (their captured disk copied). Returns undefined when `id` names nothing.
 */
export async function captureSource(
  core: EmulatorCore,
  id: string,
  ownerId: string,
): Promise<SourceCapture | undefined> {
  const source = core.store.get(id);
  if (!source) return undefined;
  const type = source.type.toLowerCase();
  const location = normRegion(source.location);
  if (type === IMAGE_TYPES.vm) {
    const diskDir = await newDiskDir(core, ownerId);
    const c = await captureVm(core, source, diskDir);
    const generalized = source.internal?.generalized === true;
    const osDiskSizeGB = source.properties?.storageProfile?.osDisk?.diskSizeGB;
    return {
      ...c,
      diskDir,
      osState: generalized ? 'Generalized' : 'Specialized',
      vmGeneralized: generalized,
      osDiskSizeGB: typeof osDiskSizeGB === 'number' ? osDiskSizeGB : undefined,
      sourceId: source.id,
      sourceType: source.type,
      location,
    };
  }
  const managedBy = source.managedBy as string | undefined;
  if (
    type === IMAGE_TYPES.disk &&
    managedBy &&
    core.store.get(managedBy)?.type.toLowerCase() === IMAGE_TYPES.vm
  ) {
    // A VM's OS disk: its content is the VM's guest disk.
    const c = await captureSource(core, managedBy, ownerId);
    return (
      c && {
        ...c,
        osState: undefined,
        vmGeneralized: undefined,
        sourceId: source.id,
        sourceType: source.type,
        location,
      }
    );
  }
  const internal = source.internal as CapturedImage | undefined;
  if (!internal?.diskDir) return undefined;
  const diskDir = await newDiskDir(core, ownerId);
  await fs.cp(internal.diskDir, diskDir, { recursive: true }).catch(() => undefined);
  return { ...structuredClone(internal), diskDir, sourceId: source.id, sourceType: source.type, location };
}

/** Whether `id` names a resource kind `captureSource` understands. */
export function isCapturableType(id: string): boolean {
  const t = typeOfId(id)?.toLowerCase();
  return t !== undefined && Object.values(IMAGE_TYPES).includes(t as never) && t !== IMAGE_TYPES.definition;
}

/**
 * ARM: a resource re-PUT in another region is refused (409 InvalidResourceLocation;
 * learn.microsoft.com azure-resource-manager/troubleshooting/error-codes; the gallery
 * troubleshooting doc quotes the same text for galleries and image definitions).
 */
export function requireSameLocation(
  existing: ArmResource | undefined,
  location: string,
  rg: string,
  displayName: string,
): void {
  if (existing && normRegion(existing.location) !== location) {
    throw new ArmError(
      409,
      'InvalidResourceLocation',
      `The resource '${displayName}' already exists in location '${existing.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
    );
  }
}

/** "Can not perform requested operation on nested resource. Parent resource 'x' not found." (ARM; gallery troubleshooting doc). */
export const parentNotFound = (parent: string): ArmError =>
  new ArmError(
    404,
    'ParentResourceNotFound',
    `Can not perform requested operation on nested resource. Parent resource '${parent}' not found.`,
  );

/** The resource group and names of a resource ID (for messages). */
export function namesOf(id: string): { resourceGroup: string; names: string[] } {
  const p = parseResourceId(id);
  return { resourceGroup: p?.resourceGroup ?? '', names: p?.names ?? [] };
}

/** Copies `value` if defined (to echo optional request properties). */
export function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * DELETE of an image, gallery object, disk or snapshot: 202 with Azure-AsyncOperation and Location
 * (facts §2; SPECS GalleryImageVersion_Delete.json, Disk_Delete.json), 204 when absent; the captured
 * disk goes with the resource.
 */
export function startDelete(
  core: EmulatorCore,
  req: ArmRequest,
  id: string,
  latency: LatencyName,
  statusStyle?: StatusStyle,
): ArmResponse {
  const r = core.store.get(id);
  if (!r) return { status: 204 };
  r.properties = { ...r.properties, provisioningState: 'Deleting' };
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: normRegion(r.location),
    durationMs: core.ms(latency),
    headers: 'both',
    statusStyle,
    complete: async () => {
      core.store.delete(r.id);
      await dropDiskDir(core, r.id);
      return undefined;
    },
  });
  return { status: 202, headers };
}
