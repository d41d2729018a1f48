// Microsoft.Compute/disks and snapshots (DiskRP). Behaviours and sources: docs/images-galleries.md.
//   SPECS  Azure/azure-rest-api-specs …/DiskRP/stable/2024-03-02/examples/diskExamples/*.json
// - PUT answers 202 with provisioningState "Updating", Azure-AsyncOperation …/DiskOperations/{id} and
//   Location; the status body embeds the finished resource in properties.output (facts §2; SPECS
//   Disk_Create_ByImportingBlobFromTheSameSubscription.json). DELETE answers 202 (SPECS Disk_Delete.json).
// - creationData.createOption: Empty (diskSizeGB), Import (a VHD page blob in Azurite, sourceUri +
//   storageAccountId), Copy (sourceResourceId: a disk or snapshot), FromImage (galleryImageReference
//   or imageReference naming a gallery image version or managed image). Platform images are not modelled.
// - A disk imported from a VHD carries `internal` (a captured guest disk) so it can be the source of a
//   managed image, snapshot or gallery image version; the blob's metadata says whether the guest was
//   deprovisioned (`deprovisioned=true`), since the emulator cannot look inside a VHD.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ArmError, invalidParameter, notFound } from '../errors.js';
import { groupId, typeOfId, view, type ArmResource } from '../store.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, ArmResponse, RouteDef } from '../router.js';
import { azuriteOf } from '../azurite.js';
import {
  IMAGE_TYPES,
  captureSource,
  defined,
  newDiskDir,
  normRegion,
  requireSameLocation,
  startDelete,
  type CapturedImage,
  type SourceCapture,
} from './image-sources.js';
import { resolveImageReference } from './galleries.js';

type Kind = 'disks' | 'snapshots';
const TYPE: Record<Kind, string> = {
  disks: 'Microsoft.Compute/disks',
  snapshots: 'Microsoft.Compute/snapshots',
};
const GiB = 1024 ** 3;
/** The cookie that starts a VHD footer (Microsoft "Virtual Hard Disk Image Format Specification"). */
const VHD_COOKIE = 'conectix';

export function disksRoutes(core: EmulatorCore): RouteDef[] {
  return (['disks', 'snapshots'] as Kind[]).flatMap((kind) => routesFor(core, kind));
}

function routesFor(core: EmulatorCore, kind: Kind): RouteDef[] {
  const base = `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/${kind}`;
  const idOf = (req: ArmRequest) =>
    `${groupId(req.params.sub, req.params.rg)}/providers/Microsoft.Compute/${kind}/${req.params.name}`;
  const get = (req: ArmRequest): ArmResource => {
    const r = core.store.get(idOf(req));
    if (!r) throw notFound(TYPE[kind], req.params.name, req.params.rg);
    return r;
  };
  const ofType = (r: ArmResource) => r.type.toLowerCase() === TYPE[kind].toLowerCase();
  return [
    { method: 'PUT', path: `${base}/{name}`, handler: (req) => putDisk(core, req, kind, idOf(req)) },
    {
      method: 'GET',
      path: `${base}/{name}`,
      computePolicy: 'LowCostGet',
      handler: (req) => ({ status: 200, body: view(get(req)) }),
    },
    {
      method: 'PATCH',
      path: `${base}/{name}`,
      handler: (req) => {
        const r = get(req);
        if (req.body?.tags) r.tags = req.body.tags;
        return { status: 200, body: view(r) };
      },
    },
    { method: 'DELETE', path: `${base}/{name}`, handler: (req) => deleteDisk(core, req, idOf(req)) },
    {
      method: 'GET',
      path: base,
      handler: (req) => {
        core.requireGroup(req.params.sub, req.params.rg, false);
        return {
          status: 200,
          body: {
            value: core.store
              .list(`${groupId(req.params.sub, req.params.rg)}/providers/`)
              .filter(ofType)
              .map(view),
          },
        };
      },
    },
    {
      method: 'GET',
      path: `/subscriptions/{sub}/providers/Microsoft.Compute/${kind}`,
      handler: (req) => ({
        status: 200,
        body: { value: core.store.list(`/subscriptions/${req.params.sub}/`).filter(ofType).map(view) },
      }),
    },
  ];
}

interface Made {
  internal?: CapturedImage;
  diskSizeGB: number;
  osType?: string;
  hyperVGeneration?: string;
}

async function putDisk(core: EmulatorCore, req: ArmRequest, kind: Kind, id: string): Promise<ArmResponse> {
  const { sub, rg, name } = req.params;
  core.requireGroup(sub, rg);
  const location = core.requireLocation(req.body?.location, kind);
  const existing = core.store.get(id);
  requireSameLocation(existing, location, rg, name);
  const props = req.body?.properties ?? {};
  if (existing) {
    // An update: size, tags and descriptive properties; creationData is fixed (spec: "cannot be changed").
    if (
      existing.properties?.diskState === 'Attached' &&
      props.diskSizeGB !== undefined &&
      props.diskSizeGB !== existing.properties.diskSizeGB
    ) {
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Cannot resize disk ${name} while it is attached to running VM ${existing.managedBy}. Resizing a disk of an Azure Virtual Machine requires the virtual machine to be deallocated.`,
      );
    }
    for (const k of ['diskSizeGB', 'osType', 'hyperVGeneration', 'supportedCapabilities', 'purchasePlan']) {
      if (props[k] !== undefined) existing.properties![k] = props[k];
    }
    if (req.body?.tags) existing.tags = req.body.tags;
    return answer(core, req, existing, location, core.ms('diskCreate'));
  }
  const creation = props.creationData ?? {};
  const made = await create(core, req, id, kind, creation, props, location);
  const now = new Date(core.clock.now()).toISOString();
  const r = core.store.put({
    id,
    name,
    type: TYPE[kind],
    location,
    ...(req.body?.tags ? { tags: req.body.tags } : {}),
    sku: req.body?.sku ?? { name: 'Standard_LRS', tier: 'Standard' },
    properties: defined({
      osType: props.osType ?? made.osType,
      hyperVGeneration: props.hyperVGeneration ?? made.hyperVGeneration,
      supportedCapabilities:
        props.supportedCapabilities ??
        (made.internal?.architecture ? { architecture: made.internal.architecture } : undefined),
      purchasePlan: props.purchasePlan ?? made.internal?.plan,
      securityProfile: props.securityProfile,
      creationData: creation,
      diskSizeGB: made.diskSizeGB,
      diskSizeBytes: made.diskSizeGB * GiB,
      uniqueId: randomUUID(),
      encryption: props.encryption ?? { type: 'EncryptionAtRestWithPlatformKey' },
      networkAccessPolicy: props.networkAccessPolicy ?? 'AllowAll',
      publicNetworkAccess: props.publicNetworkAccess ?? 'Enabled',
      timeCreated: now,
      provisioningState: 'Updating',
      ...(kind === 'disks' ? { diskState: 'Unattached' } : { incremental: props.incremental ?? false }),
    }),
    ...(made.internal ? { internal: made.internal } : {}),
  });
  if (made.internal) {
    // Properties given in the request describe the guest (a VHD's OS type and generation come from inputs).
    made.internal.osType = r.properties!.osType ?? made.internal.osType;
    made.internal.hyperVGeneration = r.properties!.hyperVGeneration ?? made.internal.hyperVGeneration;
    made.internal.securityType = props.securityProfile?.securityType ?? made.internal.securityType;
    made.internal.architecture = props.supportedCapabilities?.architecture ?? made.internal.architecture;
  }
  const latency = creation.createOption === 'Import' ? core.ms('diskImport') : core.ms('diskCreate');
  return answer(core, req, r, location, latency);
}

/** 202 with Azure-AsyncOperation (DiskOperations) and Location; properties.output holds the resource (facts §2). */
function answer(
  core: EmulatorCore,
  req: ArmRequest,
  r: ArmResource,
  location: string,
  durationMs: number,
): ArmResponse {
  r.properties!.provisioningState = 'Updating';
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location,
    durationMs,
    headers: 'both',
    statusStyle: 'DiskOperations',
    complete: () => {
      r.properties!.provisioningState = 'Succeeded';
      return view(r);
    },
    onFailed: () => {
      r.properties!.provisioningState = 'Failed';
    },
  });
  return { status: 202, body: view(r), headers };
}

async function create(
  core: EmulatorCore,
  req: ArmRequest,
  id: string,
  kind: Kind,
  c: any,
  props: any,
  location: string,
): Promise<Made> {
  const option: string | undefined = c.createOption;
  switch (option) {
    case 'Empty': {
      if (kind === 'snapshots')
        throw invalidParameter(
          "Snapshots cannot be created with createOption 'Empty'.",
          'creationData.createOption',
        );
      if (typeof props.diskSizeGB !== 'number' || props.diskSizeGB < 1) {
        // Compute's missing-parameter text (facts §3 quotes it for osProfile); target assumed.
        throw invalidParameter("Required parameter 'diskSizeGB' is missing (null).", 'diskSizeGB');
      }
      return { diskSizeGB: props.diskSizeGB };
    }
    case 'Import':
      return importVhd(core, req, id, c, props);
    case 'Copy': {
      const src = c.sourceResourceId as string | undefined;
      const t = src ? typeOfId(src)?.toLowerCase() : undefined;
      const source = src ? core.store.get(src) : undefined;
      if (!src || (t !== IMAGE_TYPES.disk && t !== IMAGE_TYPES.snapshot) || !source) {
        // Modelled on Compute's missing-resource answers (text unverified).
        throw new ArmError(404, 'NotFound', `Resource ${src ?? '(none)'} is not found.`);
      }
      if (normRegion(source.location) !== location) {
        throw invalidParameter(
          `Source resource ${src} is in location '${source.location}'; a copy must be created in the same location.`,
          'creationData.sourceResourceId',
        );
      }
      const internal = source.internal || source.managedBy ? await captureSource(core, src, id) : undefined;
      return {
        internal: internal && strip(internal),
        diskSizeGB: Math.max(props.diskSizeGB ?? 0, source.properties?.diskSizeGB ?? 0),
        osType: source.properties?.osType,
        hyperVGeneration: source.properties?.hyperVGeneration,
      };
    }
    case 'FromImage': {
      if (kind === 'snapshots')
        throw invalidParameter(
          "Snapshots cannot be created with createOption 'FromImage'.",
          'creationData.createOption',
        );
      const imageId: string | undefined = c.galleryImageReference?.id ?? c.imageReference?.id;
      if (!imageId || typeOfId(imageId) === undefined) {
        throw invalidParameter(
          'The emulator models disks from gallery image versions and managed images only (creationData.galleryImageReference.id or imageReference.id); platform images are not modelled.',
          'creationData.imageReference',
        );
      }
      const { resource, internal } = resolveImageReference(core, imageId, location);
      const copy = await captureSource(core, resource.id, id);
      return {
        internal: copy && strip(copy),
        diskSizeGB: Math.max(props.diskSizeGB ?? 0, internal.osDiskSizeGB ?? 30),
        osType: internal.osType,
        hyperVGeneration: internal.hyperVGeneration,
      };
    }
    default:
      throw invalidParameter(
        `The value '${option ?? ''}' of parameter 'creationData.createOption' is invalid.`,
        'creationData.createOption',
      );
  }
}

const strip = (c: SourceCapture): CapturedImage => {
  const { sourceId: _s, sourceType: _t, location: _l, vmGeneralized: _g, ...rest } = c;
  return rest as CapturedImage;
};

/**
 * Import from a VHD page blob in Azurite. storageAccountId is required ("Required parameter
 * 'storageAccountId' is missing (null).", ansible-collections/azure#394); a blob that is not a
 * fixed VHD is refused with "Only blobs formatted as VHDs can be imported." (400, azure-cli#6179,
 * azure-docs#29268); a missing blob with DiskBlobNotFound (text from hashicorp/terraform#7362,
 * seen on VM disks; for disk import unverified).
 */
async function importVhd(core: EmulatorCore, req: ArmRequest, id: string, c: any, props: any): Promise<Made> {
  if (typeof c.sourceUri !== 'string')
    throw invalidParameter("Required parameter 'sourceUri' is missing (null).", 'sourceUri');
  if (typeof c.storageAccountId !== 'string')
    throw invalidParameter("Required parameter 'storageAccountId' is missing (null).", 'storageAccountId');
  const info = await azuriteOf(core);
  const blob = new BlobClient(
    c.sourceUri.split('?')[0],
    new StorageSharedKeyCredential(info.accountName, info.accountKey),
  );
  const blobProps = await blob.getProperties().catch(() => undefined);
  if (!blobProps) {
    throw new ArmError(
      400,
      'DiskBlobNotFound',
      `Unable to find VHD blob with URI ${c.sourceUri} for disk '${req.params.name}'.`,
    );
  }
  const size = blobProps.contentLength ?? 0;
  const footer =
    size >= 512 && blobProps.blobType === 'PageBlob'
      ? await blob.downloadToBuffer(size - 512, 512).catch(() => undefined)
      : undefined;
  if (!footer || footer.subarray(0, 8).toString('latin1') !== VHD_COOKIE) {
    throw new ArmError(400, 'BadRequest', 'Only blobs formatted as VHDs can be imported.');
  }
  const virtualSize = Number(footer.readBigUInt64BE(48));
  const diskDir = await newDiskDir(core, id);
  const deprovisioned = String(blobProps.metadata?.deprovisioned ?? '').toLowerCase() === 'true';
  // The guest's state file, as the Linux guest keeps it (guest/linux-guest.ts); the VHD's content is opaque.
  await fs.writeFile(
    path.join(diskDir, 'guest.json'),
    JSON.stringify({ osType: props.osType ?? 'Linux', deprovisioned, adminUsername: 'azureuser' }, null, 2),
  );
  const diskSizeGB = Math.max(props.diskSizeGB ?? 0, Math.ceil(virtualSize / GiB));
  return {
    internal: {
      diskDir,
      deprovisioned,
      osType: props.osType,
      hyperVGeneration: props.hyperVGeneration ?? (props.osType ? 'V1' : undefined),
      dataDisks: [],
      osDiskSizeGB: diskSizeGB,
    },
    diskSizeGB,
  };
}

/**
 * A minimal fixed-format VHD footer (512 bytes: cookie "conectix", current size, disk type 2 = fixed,
 * checksum) for a disk of `virtualSizeBytes`: a page blob of `virtualSizeBytes + 512` bytes ending with
 * it imports as a managed disk. For tests and demos that upload a VHD to Azurite.
 */
export function vhdFooter(virtualSizeBytes: number): Buffer {
  const f = Buffer.alloc(512);
  f.write(VHD_COOKIE, 0, 'latin1');
  f.writeUInt32BE(2, 8); // features
  f.writeUInt32BE(0x00010000, 12); // file format version
  f.writeBigUInt64BE(0xffffffffffffffffn, 16); // data offset (fixed disk)
  f.write('aib ', 28, 'latin1'); // creator application
  f.writeBigUInt64BE(BigInt(virtualSizeBytes), 40); // original size
  f.writeBigUInt64BE(BigInt(virtualSizeBytes), 48); // current size
  f.writeUInt32BE(2, 60); // disk type: fixed
  let sum = 0;
  for (const b of f) sum += b;
  f.writeUInt32BE(~sum >>> 0, 64);
  return f;
}

function deleteDisk(core: EmulatorCore, req: ArmRequest, id: string): ArmResponse {
  const r = core.store.get(id);
  if (!r) return { status: 204 };
  if (r.managedBy) {
    // "Disk x is attached to VM y." (OperationNotAllowed, 409: Compute's answer to deleting an attached disk).
    throw new ArmError(409, 'OperationNotAllowed', `Disk ${r.name} is attached to VM ${r.managedBy}.`);
  }
  return startDelete(core, req, id, 'diskDelete', 'DiskOperations');
}
