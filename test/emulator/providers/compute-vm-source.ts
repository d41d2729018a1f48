// What a VM boots from: storageProfile.imageReference resolved to a Marketplace image, a managed
// image, a gallery image version, or a gallery image definition (= its latest version) (facts §7); or,
// with osDisk.createOption Attach, an existing managed disk booted as it is (a specialized OS disk).
// Managed images and gallery objects are other providers' documents (resolved by galleries.ts,
// read through the `internal` contract of PROVIDERS.md). Marketplace images: marketplace.ts.
import { ArmError, invalidParameter, notFound, operationNotAllowed } from '../errors.js';
import { parseResourceId, typeOfId } from '../store.js';
import { marketplaceOf } from './marketplace.js';
import { resolveImageReference } from './galleries.js';
import { IMAGE_TYPES, normRegion, type CapturedImage } from './image-sources.js';
import type { ImagePlan } from '../marketplace/catalog.js';
import type { EmulatorCore } from '../core.js';

export interface VmSource {
  /** `disk`: an existing managed disk attached as the OS disk (osDisk.createOption Attach). */
  kind: 'marketplace' | 'image' | 'galleryVersion' | 'disk';
  /** The resource id (custom sources and attached disks) or the URN with the exact version (Marketplace). */
  sourceImageId: string;
  /** imageReference as the VM echoes it (Marketplace adds exactVersion); undefined for an attached disk. */
  imageReference?: Record<string, unknown>;
  osType: 'Linux' | 'Windows';
  osState: 'Generalized' | 'Specialized';
  hyperVGeneration: 'V1' | 'V2';
  architecture: 'x64' | 'Arm64';
  /** The source's SecurityType feature: TrustedLaunchSupported, TrustedLaunch, TrustedLaunchAndConfidentialVmSupported… */
  securityFeature?: string;
  supportsNvme: boolean;
  plan?: ImagePlan;
  /** Captured disk directory (custom sources) and whether its guest was deprovisioned. */
  diskDir?: string;
  deprovisioned?: boolean;
  osDiskSizeGB: number;
  dataDisks: { lun: number; diskSizeGB: number }[];
}

export function resolveSource(core: EmulatorCore, imageReference: any, vmLocation: string): VmSource {
  if (!imageReference || typeof imageReference !== 'object') {
    // VM create needs an image (createOption FromImage); attaching an existing OS disk is not emulated.
    throw new ArmError(
      400,
      'InvalidParameter',
      "Required parameter 'imageReference' is missing (null).",
      undefined,
      'imageReference',
    );
  }
  if (typeof imageReference.id === 'string' && imageReference.id.length > 0)
    return customSource(core, imageReference.id, vmLocation);
  return marketplaceSource(core, imageReference, vmLocation);
}

function marketplaceSource(core: EmulatorCore, ref: any, location: string): VmSource {
  for (const f of ['publisher', 'offer', 'sku', 'version']) {
    if (typeof ref[f] !== 'string' || ref[f].length === 0) {
      throw new ArmError(
        400,
        'InvalidParameter',
        `Required parameter 'imageReference.${f}' is missing (null).`,
        undefined,
        `imageReference.${f}`,
      );
    }
  }
  const r = marketplaceOf(core).api.resolveForVmCreate({
    publisher: ref.publisher,
    offer: ref.offer,
    sku: ref.sku,
    version: ref.version,
  });
  if ('code' in r) throw new ArmError(r.status, r.code, r.message, undefined, r.target);
  const security = r.features.find((f) => f.name === 'SecurityType')?.value;
  const controllers = r.features.find((f) => f.name === 'DiskControllerTypes')?.value ?? 'SCSI';
  void location; // every catalog image is offered in every region (marketplace/SOURCES.md)
  return {
    kind: 'marketplace',
    sourceImageId: `${r.publisher}:${r.offer}:${r.sku}:${r.version}`,
    // The VM echoes what was sent plus exactVersion (facts §7).
    imageReference: {
      publisher: ref.publisher,
      offer: ref.offer,
      sku: ref.sku,
      version: ref.version,
      exactVersion: r.version,
    },
    osType: r.osType,
    osState: 'Generalized',
    hyperVGeneration: r.hyperVGeneration,
    architecture: r.architecture,
    securityFeature: security,
    supportsNvme: /nvme/i.test(controllers),
    plan: r.plan,
    osDiskSizeGB: r.osDiskSizeInGb,
    dataDisks: r.dataDiskImages.map((d) => ({ lun: d.lun, diskSizeGB: 32 })),
  };
}

function customSource(core: EmulatorCore, id: string, location: string): VmSource {
  const type = (typeOfId(id) ?? '').toLowerCase();
  if (![IMAGE_TYPES.image, IMAGE_TYPES.version, IMAGE_TYPES.definition].includes(type as never)) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The value of parameter imageReference.id '${id}' is invalid.`,
      undefined,
      'imageReference.id',
    );
  }
  // The images/galleries provider resolves the id: region, replication, definition = latest version (facts §7).
  const { resource, internal: i } = resolveImageReference(core, id, location);
  const isVersion = resource.type.toLowerCase() === IMAGE_TYPES.version;
  // Gallery versions take OS state, generation, features and the purchase plan from their definition.
  const def = isVersion
    ? core.store.get(resource.id.slice(0, resource.id.toLowerCase().lastIndexOf('/versions/')))
    : undefined;
  const d = def?.properties ?? {};
  const features: { name: string; value: string }[] = d.features ?? [];
  const feature = (n: string): string | undefined =>
    features.find((f) => f.name?.toLowerCase() === n.toLowerCase())?.value;
  const pp = d.purchasePlan;
  const hyperVGeneration =
    d.hyperVGeneration ?? i.hyperVGeneration ?? resource.properties?.hyperVGeneration ?? 'V1';
  return {
    kind: isVersion ? 'galleryVersion' : 'image',
    sourceImageId: resource.id,
    imageReference: { id },
    osType: d.osType ?? i.osType ?? 'Linux',
    osState: d.osState ?? i.osState ?? 'Generalized',
    hyperVGeneration,
    architecture: d.architecture ?? i.architecture ?? 'x64',
    // Managed images cannot carry Trusted Launch (facts §3, packer-plugin-azure#221).
    securityFeature: isVersion
      ? (feature('SecurityType') ?? (i.securityType === 'TrustedLaunch' ? 'TrustedLaunch' : undefined))
      : undefined,
    supportsNvme: /nvme/i.test(feature('DiskControllerTypes') ?? '') || hyperVGeneration === 'V2',
    // Gallery definitions carry the Marketplace plan as purchasePlan {name, publisher, product} (facts §7).
    plan: pp ? { name: pp.name, publisher: pp.publisher, product: pp.product } : i.plan,
    diskDir: i.diskDir,
    deprovisioned: i.deprovisioned,
    osDiskSizeGB: i.osDiskSizeGB ?? 30,
    dataDisks: i.dataDisks ?? [],
  };
}

/**
 * osDisk.createOption Attach: the VM boots an existing managed disk as it is (a specialized OS disk,
 * e.g. imported from a VHD; learn.microsoft.com virtual-machines/attach-os-disk). Rules and sources:
 * - an image as well: 400 InvalidParameter "Cannot attach an existing OS disk if the VM is created from a
 *   platform, user or a shared gallery image." target osDisk (azure-powershell#24884, #29158 quote it);
 * - osProfile is forbidden, as for any specialized source (facts §3; the caller checks osState);
 * - managedDisk.id missing: Compute's missing-parameter text (target assumed);
 * - the disk must exist (ARM's ResourceNotFound) in the VM's region (text modelled, unverified) and be
 *   unattached (409 OperationNotAllowed, text modelled on the disk provider's, unverified);
 * - OS type from the request, else from the disk (spec: osDisk.osType applies to "a specialized VHD").
 */
export function attachedDiskSource(
  core: EmulatorCore,
  osDisk: any,
  imageReference: unknown,
  vmLocation: string,
): VmSource {
  if (imageReference)
    throw invalidParameter(
      'Cannot attach an existing OS disk if the VM is created from a platform, user or a shared gallery image.',
      'osDisk',
    );
  const diskId = osDisk?.managedDisk?.id;
  if (typeof diskId !== 'string' || diskId.length === 0)
    throw invalidParameter(
      "Required parameter 'osDisk.managedDisk.id' is missing (null).",
      'osDisk.managedDisk.id',
    );
  const disk = core.store.get(diskId);
  if (!disk || disk.type.toLowerCase() !== IMAGE_TYPES.disk) {
    const parsed = parseResourceId(diskId);
    throw notFound('Microsoft.Compute/disks', parsed?.names.at(-1) ?? diskId, parsed?.resourceGroup);
  }
  if (normRegion(disk.location) !== normRegion(vmLocation))
    throw invalidParameter(
      `Disk ${disk.id} is in location '${disk.location}'; it can only be attached to a virtual machine in the same location.`,
      'osDisk.managedDisk.id',
    );
  if (disk.managedBy) throw operationNotAllowed(`Disk ${disk.name} is attached to VM ${disk.managedBy}.`);
  const p = disk.properties ?? {};
  const i = (disk.internal ?? {}) as Partial<CapturedImage>;
  const osType = osDisk.osType ?? p.osType ?? i.osType;
  if (osType !== 'Linux' && osType !== 'Windows')
    throw invalidParameter("Required parameter 'osDisk.osType' is missing (null).", 'osDisk.osType');
  const hyperVGeneration = p.hyperVGeneration ?? i.hyperVGeneration ?? 'V1';
  const pp = p.purchasePlan;
  return {
    kind: 'disk',
    sourceImageId: disk.id,
    osType,
    osState: 'Specialized',
    hyperVGeneration,
    architecture: p.supportedCapabilities?.architecture ?? i.architecture ?? 'x64',
    // A disk made for Trusted Launch can boot as Trusted Launch (or not): it is not a TL-only image.
    securityFeature:
      (p.securityProfile?.securityType ?? i.securityType) === 'TrustedLaunch'
        ? 'TrustedLaunchSupported'
        : undefined,
    supportsNvme: hyperVGeneration === 'V2',
    plan: pp ? { name: pp.name, publisher: pp.publisher, product: pp.product } : i.plan,
    diskDir: i.diskDir,
    deprovisioned: i.deprovisioned,
    osDiskSizeGB: p.diskSizeGB ?? i.osDiskSizeGB ?? 30,
    dataDisks: [],
  };
}
