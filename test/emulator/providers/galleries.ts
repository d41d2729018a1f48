// Azure Compute Gallery (GalleryRP): galleries, image definitions and image versions.
// Behaviours and their sources: docs/images-galleries.md. Abbreviations used below:
//   SPECS      Azure/azure-rest-api-specs …/GalleryRP/stable/2024-03-03/examples/galleryExamples/*.json
//   SIG-TS     MicrosoftDocs/azure-compute-docs articles/virtual-machines/troubleshooting-shared-images.md
// - PUT answers 201 (200 on update) with provisioningState "Creating"/"Updating" and an
//   Azure-AsyncOperation header …/locations/{loc}/capsOperations/{id}; the SDK GETs the
//   resource at the end (facts §2). DELETE answers 202 with Azure-AsyncOperation and Location
//   (SPECS GalleryImageVersion_Delete.json).
// - Image versions replicate to every target region; the operation succeeds only when all
//   regions are done (hashicorp/packer#7920). GET ?$expand=ReplicationStatus shows each region's
//   state and progress on the model clock (SPECS GalleryImageVersion_Get_WithReplicationStatus.json).
import { ArmError, invalidParameter, notFound } from '../errors.js';
import { groupId, typeOfId, view, type ArmResource } from '../store.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, ArmResponse, RouteDef } from '../router.js';
import {
  IMAGE_TYPES,
  captureSource,
  defined,
  dropDiskDir,
  isCapturableType,
  normRegion,
  parentNotFound,
  requireSameLocation,
  securityTypeOf,
  startDelete,
  type CapturedImage,
  type SourceCapture,
} from './image-sources.js';

/**
 * Shallow replication only references the source instead of copying it into each region
 * (learn.microsoft.com shared-image-galleries: "for testing"); its duration is not
 * published, so it is modelled as this fraction of a full replication (unverified).
 */
export const SHALLOW_REPLICATION_FACTOR = 0.1;
/** Largest regionalReplicaCount accepted (SIG-TS "out of range" text; the bound itself is unverified). */
const MAX_REPLICAS = 100;
const INT32_MAX = 2147483647;
const STORAGE_TYPES = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS', 'PremiumV2_LRS'];
const SECURITY_TYPES = [
  'TrustedLaunch',
  'TrustedLaunchSupported',
  'ConfidentialVM',
  'ConfidentialVMSupported',
  'TrustedLaunchAndConfidentialVmSupported',
];

// SIG-TS: gallery names allow letters, digits, '_' and '.', no dashes; definition names also allow '-'.
const GALLERY_NAME = /^[a-zA-Z0-9](?:[\w.]{0,78}[a-zA-Z0-9])?$/;
const DEFINITION_NAME = /^[a-zA-Z0-9](?:[\w.-]{0,78}[a-zA-Z0-9])?$/;

interface RegionPlan {
  /** As the request spelled it (Azure echoes "West US"). */
  name: string;
  key: string;
  regionalReplicaCount: number;
  storageAccountType: string;
  /** Model ms after the start when this region is done. */
  endMs: number;
  encryption?: unknown;
  excludeFromLatest?: boolean;
}

interface Replication {
  startedAt: number;
  regions: RegionPlan[];
  failed?: boolean;
}

export function galleriesRoutes(core: EmulatorCore): RouteDef[] {
  const g = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries';
  const ids = (req: ArmRequest) => {
    const gallery = `${groupId(req.params.sub, req.params.rg)}/providers/Microsoft.Compute/galleries/${req.params.gallery}`;
    const image = `${gallery}/images/${req.params.image}`;
    return { gallery, image, version: `${image}/versions/${req.params.version}` };
  };
  const must = (id: string, type: string, req: ArmRequest, name: string): ArmResource => {
    const r = core.store.get(id);
    if (!r) throw notFound(type, name, req.params.rg);
    return r;
  };
  const list = (parentPrefix: string, type: string) => ({
    status: 200,
    body: {
      value: core.store
        .list(parentPrefix)
        .filter((r) => r.type.toLowerCase() === type)
        .map(view),
    },
  });
  return [
    // Galleries
    {
      method: 'PUT',
      path: `${g}/{gallery}`,
      computePolicy: 'CreateUpdateGallery',
      handler: (req) => putGallery(core, req, ids(req).gallery),
    },
    {
      method: 'GET',
      path: `${g}/{gallery}`,
      computePolicy: 'LowCostGet',
      handler: (req) => ({
        status: 200,
        body: view(must(ids(req).gallery, 'Microsoft.Compute/galleries', req, req.params.gallery)),
      }),
    },
    {
      method: 'DELETE',
      path: `${g}/{gallery}`,
      handler: (req) => deleteGalleryObject(core, req, ids(req).gallery),
    },
    {
      method: 'GET',
      path: g,
      handler: (req) => (
        core.requireGroup(req.params.sub, req.params.rg, false),
        list(`${groupId(req.params.sub, req.params.rg)}/`, 'microsoft.compute/galleries')
      ),
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/providers/Microsoft.Compute/galleries',
      handler: (req) => list(`/subscriptions/${req.params.sub}/`, 'microsoft.compute/galleries'),
    },
    // Image definitions
    {
      method: 'PUT',
      path: `${g}/{gallery}/images/{image}`,
      computePolicy: 'CreateUpdateGalleryImage',
      handler: (req) => putDefinition(core, req, ids(req)),
    },
    {
      method: 'GET',
      path: `${g}/{gallery}/images/{image}`,
      computePolicy: 'LowCostGet',
      handler: (req) => ({
        status: 200,
        body: view(
          must(
            ids(req).image,
            'Microsoft.Compute/galleries/images',
            req,
            `${req.params.gallery}/${req.params.image}`,
          ),
        ),
      }),
    },
    {
      method: 'DELETE',
      path: `${g}/{gallery}/images/{image}`,
      handler: (req) => deleteGalleryObject(core, req, ids(req).image),
    },
    {
      method: 'GET',
      path: `${g}/{gallery}/images`,
      handler: (req) => (
        must(ids(req).gallery, 'Microsoft.Compute/galleries', req, req.params.gallery),
        list(`${ids(req).gallery}/`, IMAGE_TYPES.definition)
      ),
    },
    // Image versions
    {
      method: 'PUT',
      path: `${g}/{gallery}/images/{image}/versions/{version}`,
      computePolicy: 'CreateUpdateGalleryImageVersion',
      handler: (req) => putVersion(core, req, ids(req)),
    },
    {
      method: 'GET',
      path: `${g}/{gallery}/images/{image}/versions/{version}`,
      computePolicy: 'LowCostGet',
      handler: (req) => {
        const v = must(
          ids(req).version,
          'Microsoft.Compute/galleries/images/versions',
          req,
          `${req.params.gallery}/${req.params.image}/${req.params.version}`,
        );
        return {
          status: 200,
          body: versionView(core, v, /replicationstatus/i.test(req.query.get('$expand') ?? '')),
        };
      },
    },
    {
      method: 'DELETE',
      path: `${g}/{gallery}/images/{image}/versions/{version}`,
      handler: (req) => deleteGalleryObject(core, req, ids(req).version),
    },
    {
      method: 'GET',
      path: `${g}/{gallery}/images/{image}/versions`,
      handler: (req) => {
        must(
          ids(req).image,
          'Microsoft.Compute/galleries/images',
          req,
          `${req.params.gallery}/${req.params.image}`,
        );
        const value = core.store
          .list(`${ids(req).image}/`)
          .filter((r) => r.type.toLowerCase() === IMAGE_TYPES.version);
        return { status: 200, body: { value: value.map((v) => versionView(core, v, false)) } };
      },
    },
  ];
}

/** Starts the capsOperations LRO of a gallery object PUT and answers 201/200 (facts §2). */
function answerPut(
  core: EmulatorCore,
  req: ArmRequest,
  r: ArmResource,
  created: boolean,
  durationMs: number,
  complete?: () => void | Promise<void>,
): ArmResponse {
  r.properties!.provisioningState = created ? 'Creating' : 'Updating';
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: normRegion(r.location),
    durationMs,
    headers: 'azure-async',
    statusStyle: 'capsOperations',
    complete: async () => {
      await complete?.();
      r.properties!.provisioningState = 'Succeeded';
      return undefined;
    },
    onFailed: () => {
      r.properties!.provisioningState = 'Failed';
    },
  });
  return {
    status: created ? 201 : 200,
    body: r.type.toLowerCase() === IMAGE_TYPES.version ? versionView(core, r, false) : view(r),
    headers,
  };
}

function putGallery(core: EmulatorCore, req: ArmRequest, id: string): ArmResponse {
  const { sub, rg, gallery } = req.params;
  core.requireGroup(sub, rg);
  if (!GALLERY_NAME.test(gallery)) {
    // SIG-TS "Creating or modifying a gallery" (code assumed InvalidParameter).
    throw invalidParameter(
      'Gallery name is invalid. Allowed characters are English alphanumeric characters, with underscores, and periods allowed in the middle, up to 80 characters total. All other special characters, including dashes, are disallowed.',
      'galleryName',
    );
  }
  const location = core.requireLocation(req.body?.location, 'galleries');
  const existing = core.store.get(id);
  requireSameLocation(existing, location, rg, gallery);
  const r = core.store.put({
    id,
    name: existing?.name ?? gallery,
    type: 'Microsoft.Compute/galleries',
    location,
    ...(req.body?.tags ? { tags: req.body.tags } : {}),
    properties: {
      ...(req.body?.properties?.description !== undefined
        ? { description: req.body.properties.description }
        : {}),
      identifier: { uniqueName: `${sub}-${gallery.toUpperCase()}` },
      provisioningState: 'Creating',
    },
  });
  return answerPut(core, req, r, !existing, core.ms('galleryCreate'));
}

/** Definition properties that cannot change (SIG-TS: OS type, OS state, Hyper-V generation, publisher, offer, SKU). */
const IMMUTABLE_DEFINITION: [string, (p: any) => unknown][] = [
  ['osType', (p) => p.osType],
  ['osState', (p) => p.osState],
  ['hyperVGeneration', (p) => p.hyperVGeneration],
  ['identifier.publisher', (p) => p.identifier?.publisher],
  ['identifier.offer', (p) => p.identifier?.offer],
  ['identifier.sku', (p) => p.identifier?.sku],
];

/** 400 InvalidParameter unless `value` is one of `allowed` (Compute's enum text; code assumed). */
function requireOneOf(value: unknown, allowed: string[], param: string): void {
  if (!allowed.includes(value as string)) {
    throw invalidParameter(`The value '${String(value)}' of parameter '${param}' is invalid.`, param);
  }
}

const sameText = (a: unknown, b: unknown) => String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();

function putDefinition(
  core: EmulatorCore,
  req: ArmRequest,
  ids: { gallery: string; image: string },
): ArmResponse {
  const { sub, rg, gallery, image } = req.params;
  core.requireGroup(sub, rg);
  if (!core.store.get(ids.gallery)) throw parentNotFound(gallery);
  if (!DEFINITION_NAME.test(image)) {
    // SIG-TS (code assumed InvalidParameter).
    throw invalidParameter(
      `The entity name '${image}' is invalid according to its validation rule: ^[^_\\W][\\w-._]{0,79}(?<![-.])$.`,
      'galleryImageName',
    );
  }
  const location = core.requireLocation(req.body?.location, 'galleries/images');
  const existing = core.store.get(ids.image);
  requireSameLocation(existing, location, rg, `${gallery}/${image}`);
  const p = { ...(req.body?.properties ?? {}) };
  for (const key of ['osType', 'osState'] as const) {
    if (p[key] === undefined)
      throw invalidParameter(
        `Required parameter 'galleryImage.properties.${key}' is missing (null).`,
        `galleryImage.properties.${key}`,
      );
  }
  requireOneOf(p.osType, ['Linux', 'Windows'], 'galleryImage.properties.osType');
  requireOneOf(p.osState, ['Generalized', 'Specialized'], 'galleryImage.properties.osState');
  for (const part of ['publisher', 'offer', 'sku'] as const) {
    const v = p.identifier?.[part];
    if (typeof v !== 'string' || !/^[\w.-]+$/.test(v) || v.endsWith('.')) {
      // SIG-TS "Asset name … is not valid" (code assumed InvalidParameter).
      throw invalidParameter(
        `Asset name galleryImage.properties.identifier.${part} is not valid. It cannot be empty. Allowed characters are uppercase or lowercase letters, digits, hyphen(-), period (.), underscore (_). Names are not allowed to end with period(.). The length of the name cannot exceed ${part === 'publisher' ? 128 : 64} characters.`,
        `galleryImage.properties.identifier.${part}`,
      );
    }
  }
  // Hyper-V generation defaults to V1 and architecture to x64 (spec descriptions).
  p.hyperVGeneration ??= 'V1';
  p.architecture ??= 'x64';
  requireOneOf(p.hyperVGeneration, ['V1', 'V2'], 'galleryImage.properties.hyperVGeneration');
  requireOneOf(p.architecture, ['x64', 'Arm64'], 'galleryImage.properties.architecture');
  const security = featureOf(p, 'SecurityType');
  if (security !== undefined && !SECURITY_TYPES.includes(security)) {
    throw invalidParameter(
      `The value '${security}' of feature 'SecurityType' is invalid. Allowed values: ${SECURITY_TYPES.join(', ')}.`,
      'galleryImage.properties.features',
    );
  }
  if (security && security !== 'TrustedLaunchSupported' && p.hyperVGeneration !== 'V2') {
    // Trusted Launch and confidential VMs are Generation 2 only (learn.microsoft.com trusted-launch); text modelled.
    throw invalidParameter(
      `The security type '${security}' requires hyperVGeneration 'V2'.`,
      'galleryImage.properties.hyperVGeneration',
    );
  }
  checkEndOfLife(core, p.endOfLifeDate, 'galleryImage.properties.endOfLifeDate');
  if (existing) {
    for (const [name, pick] of IMMUTABLE_DEFINITION) {
      if (!sameText(pick(existing.properties), pick(p))) {
        throw new ArmError(
          409,
          'PropertyChangeNotAllowed',
          `Changing property 'galleryImage.properties.${name}' is not allowed.`,
          undefined,
          `galleryImage.properties.${name}`,
        );
      }
    }
  }
  const clash = core.store
    .list(`${ids.gallery}/images/`)
    .find(
      (d) =>
        d.type.toLowerCase() === IMAGE_TYPES.definition &&
        d.id.toLowerCase() !== ids.image.toLowerCase() &&
        ['publisher', 'offer', 'sku'].every((k) => sameText(d.properties?.identifier?.[k], p.identifier[k])),
    );
  if (clash) {
    // SIG-TS (status and code assumed 409 Conflict).
    throw new ArmError(
      409,
      'Conflict',
      `Gallery image: ${image} identified by (publisher:${p.identifier.publisher}, offer:${p.identifier.offer}, sku:${p.identifier.sku}) already exists. Choose a different publisher, offer, sku combination.`,
    );
  }
  delete p.provisioningState;
  const r = core.store.put({
    id: ids.image,
    name: existing?.name ?? image,
    type: 'Microsoft.Compute/galleries/images',
    location,
    ...(req.body?.tags ? { tags: req.body.tags } : {}),
    properties: { ...p, provisioningState: 'Creating' },
  });
  return answerPut(core, req, r, !existing, core.ms('galleryImageCreate'));
}

/** SIG-TS: "EndOfLifeDate must be set to a future date." (code assumed InvalidParameter). */
function checkEndOfLife(core: EmulatorCore, value: unknown, target: string): void {
  if (value === undefined) return;
  const t = Date.parse(String(value));
  if (Number.isNaN(t))
    throw invalidParameter(
      `Could not convert string to DateTimeOffset: ${String(value)}. Path '${target}'`,
      target,
    );
  if (t <= core.clock.now()) throw invalidParameter('EndOfLifeDate must be set to a future date.', target);
}

const featureOf = (p: any, name: string): string | undefined =>
  (p?.features as { name: string; value: string }[] | undefined)?.find(
    (f) => f.name?.toLowerCase() === name.toLowerCase(),
  )?.value;

/** The image version name rule (azure-rest-api-specs#10707 quotes the error; SIG-TS). */
export function isValidGalleryVersionName(name: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(name);
  return m !== null && m.slice(1).every((n) => Number(n) <= INT32_MAX);
}

async function putVersion(
  core: EmulatorCore,
  req: ArmRequest,
  ids: { gallery: string; image: string; version: string },
): Promise<ArmResponse> {
  const { sub, rg, gallery, image, version } = req.params;
  core.requireGroup(sub, rg);
  if (!isValidGalleryVersionName(version)) {
    throw invalidParameter(
      'The image version name is invalid. The image version name should follow Major(int).Minor(int).Patch(int) format, for e.g: 1.0.0, 2018.12.1 etc.',
      'galleryImageVersionName',
    );
  }
  const definition = core.store.get(ids.image);
  if (!core.store.get(ids.gallery) || !definition) throw parentNotFound(`${gallery}/${image}`);
  const location = core.requireLocation(req.body?.location, 'galleries/images/versions');
  const existing = core.store.get(ids.version);
  requireSameLocation(existing, location, rg, `${gallery}/${image}/${version}`);
  const props = req.body?.properties ?? {};
  const profile = { ...(props.publishingProfile ?? {}) };
  checkEndOfLife(
    core,
    profile.endOfLifeDate,
    'galleryImageVersion.properties.publishingProfile.endOfLifeDate',
  );
  const sourceId = sourceIdOf(props.storageProfile);
  if (existing && existing.properties?.provisioningState !== 'Failed') {
    return updateVersion(core, req, existing, props, profile, sourceId);
  }
  // A version whose creation failed is re-created by a new PUT (the action replaces Failed versions: issue 4).
  if (!sourceId) {
    // SIG-TS (code assumed InvalidParameter).
    throw invalidParameter(
      'The gallery artifact version source can only be specified either directly under storageProfile or within individual OS or data disks. One and only one source type (user image, snapshot, disk, virtual machine) can be provided.',
      'galleryImageVersion.properties.storageProfile',
    );
  }
  const isVm = !!props.storageProfile?.source?.virtualMachineId;
  if (!isVm && !isCapturableType(sourceId)) {
    // SIG-TS (code assumed InvalidParameter).
    throw invalidParameter(
      `The source id: ${sourceId} must either be a managed image, virtual machine or another gallery image version`,
      'galleryImageVersion.properties.storageProfile.source.id',
    );
  }
  const source = core.store.get(sourceId);
  if (!source || normRegion(source.location) !== location) {
    // SIG-TS: a missing source and a source in another region give the same text (code assumed InvalidParameter).
    throw invalidParameter(
      `Source ${sourceId} is not found. Please check source exists, and is in the same region as gallery image version being created.`,
      'galleryImageVersion.properties.storageProfile.source.id',
    );
  }
  const regions = planRegions(core, profile, location, props.publishingProfile?.replicationMode);
  const def = definition.properties ?? {};
  const defSecurity = featureOf(def, 'SecurityType');
  if (
    defSecurity &&
    defSecurity.endsWith('Supported') &&
    (isVm || [IMAGE_TYPES.disk, IMAGE_TYPES.snapshot].includes(typeOfId(sourceId)!.toLowerCase() as never))
  ) {
    // packer-plugin-azure#304: InvalidParameter with this text for a VM source.
    throw invalidParameter(
      `The security type '${defSecurity}' is not supported for the source id '${sourceId}'. Currently only Vhd Blob, User Image and Gallery Image Version sources are supported for '${defSecurity}' images.`,
      'galleryImageVersion.properties.storageProfile.source.id',
    );
  }
  // Capture now: the version is a point-in-time copy of its source.
  const capture = await captureSource(core, sourceId, ids.version);
  if (!capture)
    throw invalidParameter(
      `Source was not found: ${sourceId}. Please make sure the source exists.`,
      'galleryImageVersion.properties.storageProfile.source.id',
    );
  try {
    checkSourceAgainstDefinition(sourceId, capture, def, defSecurity, isVm);
  } catch (e) {
    await dropDiskDir(core, ids.version);
    throw e;
  }
  const internal: CapturedImage & { replication: Replication; sourceId: string } = {
    diskDir: capture.diskDir,
    deprovisioned: capture.deprovisioned,
    osType: def.osType,
    osState: def.osState,
    hyperVGeneration: def.hyperVGeneration,
    securityType: capture.securityType,
    architecture: def.architecture ?? capture.architecture,
    plan: capture.plan,
    dataDisks: capture.dataDisks,
    osDiskSizeGB: capture.osDiskSizeGB,
    sourceId,
    replication: { startedAt: core.clock.now(), regions },
  };
  const r = core.store.put({
    id: ids.version,
    name: existing?.name ?? version,
    type: 'Microsoft.Compute/galleries/images/versions',
    location,
    ...(req.body?.tags ? { tags: req.body.tags } : {}),
    properties: {
      publishingProfile: publishingProfileOf(core, profile, regions),
      storageProfile: storageProfileOf(props.storageProfile, capture),
      ...(props.safetyProfile
        ? { safetyProfile: props.safetyProfile }
        : { safetyProfile: { allowDeletionOfReplicatedLocations: true, reportedForPolicyViolation: false } }),
      provisioningState: 'Creating',
    },
    internal,
  });
  return answerPut(core, req, r, !existing, Math.max(...regions.map((x) => x.endMs)), () => {
    // Facts §3 / SIG-TS: Hyper-V generation and OS type mismatches fail asynchronously with 409 Conflict
    // (azure-docs#118774 shows the failed long-running operation; OS type: same pattern, unverified).
    if (capture.hyperVGeneration && capture.hyperVGeneration !== (def.hyperVGeneration ?? 'V1')) {
      throw new ArmError(
        409,
        'Conflict',
        `The resource with id '${sourceId}' has a different Hypervisor generation ['${capture.hyperVGeneration}'] than the parent gallery image Hypervisor generation ['${def.hyperVGeneration ?? 'V1'}'].`,
      );
    }
    if (capture.osType && capture.osType !== def.osType) {
      throw new ArmError(
        409,
        'Conflict',
        `The resource with id '${sourceId}' has a different OS type ['${capture.osType}'] than the parent gallery image OS type generation ['${def.osType}'].`,
      );
    }
  });
}

/** Synchronous checks of a source against its definition (400s). */
function checkSourceAgainstDefinition(
  sourceId: string,
  c: SourceCapture,
  def: any,
  defSecurity: string | undefined,
  isVm: boolean,
): void {
  const srcState = isVm ? (c.vmGeneralized ? 'Generalized' : 'Specialized') : c.osState;
  if (srcState && srcState !== def.osState) {
    if (def.osState === 'Generalized') {
      // azure-cli#24972: 400 BadRequest with this text.
      throw new ArmError(
        400,
        'BadRequest',
        `The resource with id '${sourceId}' has a different OS state ['${srcState}'] than the parent gallery image OS state ['${def.osState}'].`,
      );
    }
    // SIG-TS (status and code assumed like the one above).
    throw new ArmError(
      400,
      'BadRequest',
      `Cannot create Gallery Image Version from: ${sourceId} since the OS State in the parent gallery image ('${def.osState}') is not '${srcState}'.`,
    );
  }
  const srcSecurity = securityTypeOf(c.securityType);
  const defNeedsTl = defSecurity === 'TrustedLaunch' || defSecurity === 'ConfidentialVM';
  if ((defNeedsTl && srcSecurity !== defSecurity) || (!defSecurity && srcSecurity !== 'Standard')) {
    // Modelled (unverified text): a TrustedLaunch definition takes only Trusted Launch sources, and a
    // definition without a security type takes no Trusted Launch source.
    throw invalidParameter(
      `The resource with id '${sourceId}' has a different security type ['${srcSecurity}'] than the parent gallery image security type ['${defSecurity ?? 'Standard'}'].`,
      'galleryImageVersion.properties.storageProfile.source',
    );
  }
  const srcArch = c.architecture ?? 'x64';
  if (srcArch !== (def.architecture ?? 'x64')) {
    // Modelled (unverified text), following the Hyper-V generation message.
    throw invalidParameter(
      `The resource with id '${sourceId}' has a different architecture ['${srcArch}'] than the parent gallery image architecture ['${def.architecture ?? 'x64'}'].`,
      'galleryImageVersion.properties.storageProfile.source',
    );
  }
  const planJson = (p: any) =>
    p
      ? JSON.stringify({
          name: p.name,
          publisher: p.publisher,
          product: p.product,
          promotionCode: p.promotionCode ?? null,
        })
      : 'null';
  const defPlan = def.purchasePlan;
  if (
    c.plan &&
    (!defPlan || !['name', 'publisher', 'product'].every((k) => sameText(defPlan[k], (c.plan as any)[k])))
  ) {
    // SIG-TS "has a different plan" (status and code assumed 400 BadRequest).
    throw new ArmError(
      400,
      'BadRequest',
      `The resource with id '${sourceId}' has a different plan ['${planJson(c.plan)}'] than the parent gallery image plan ['${planJson(defPlan)}'].`,
    );
  }
}

const sourceIdOf = (sp: any): string | undefined =>
  sp?.source?.virtualMachineId ?? sp?.source?.id ?? sp?.osDiskImage?.source?.id;

/** Target regions with defaults, validated, and their replication timeline. */
function planRegions(
  core: EmulatorCore,
  profile: any,
  location: string,
  mode: string | undefined,
): RegionPlan[] {
  if (mode !== undefined && mode !== 'Full' && mode !== 'Shallow') {
    throw invalidParameter(
      `The value '${mode}' of parameter 'galleryImageVersion.properties.publishingProfile.replicationMode' is invalid.`,
      'replicationMode',
    );
  }
  const defaultType: string = profile.storageAccountType ?? 'Standard_LRS';
  const defaultCount: number = profile.replicaCount ?? 1;
  const given: any[] = profile.targetRegions ?? [{ name: location }];
  const seen = new Set<string>();
  const plans = given.map((t) => {
    const key = core.requireLocation(t?.name, 'galleries/images/versions');
    if (seen.has(key))
      throw invalidParameter(
        'Duplicate regions are not allowed in target publishing regions.',
        'galleryImageVersion.properties.publishingProfile.targetRegions',
      ); // SIG-TS
    seen.add(key);
    const count = t.regionalReplicaCount ?? defaultCount;
    if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS) {
      throw invalidParameter(
        `The value ${count} of parameter 'regionalReplicaCount' is out of range. The value must be between 1 and ${MAX_REPLICAS}, inclusive.`,
        'regionalReplicaCount',
      ); // SIG-TS
    }
    const type = t.storageAccountType ?? defaultType;
    if (!STORAGE_TYPES.includes(type))
      throw invalidParameter(
        `The value '${type}' of parameter 'storageAccountType' is invalid.`,
        'storageAccountType',
      );
    for (const des of [
      t.encryption?.osDiskImage?.diskEncryptionSetId,
      ...((t.encryption?.dataDiskImages ?? []) as any[]).map((d) => d.diskEncryptionSetId),
    ]) {
      if (
        des !== undefined &&
        !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/diskEncryptionSets?\/[^/]+$/i.test(
          des,
        )
      ) {
        // SIG-TS.
        throw invalidParameter(
          'The value of parameter galleryArtifactVersion.properties.publishingProfile.targetRegions.encryption.osDiskImage.diskEncryptionSetId is invalid.',
          'diskEncryptionSetId',
        );
      }
    }
    return { raw: t, key, count, type };
  });
  if (!seen.has(location)) {
    // hashicorp/packer#8895 quotes this text (code assumed InvalidParameter).
    throw invalidParameter(
      `Gallery image version publishing profile regions '${plans.map((p) => p.key).join(', ')}' must contain the location of image version '${location}'.`,
      'galleryImageVersion.properties.publishingProfile.targetRegions',
    );
  }
  // The source region first (8–11 min, facts §6), every other region in parallel with a growing tail.
  const factor = mode === 'Shallow' ? SHALLOW_REPLICATION_FACTOR : 1;
  const ordered = [...plans.filter((p) => p.key === location), ...plans.filter((p) => p.key !== location)];
  return ordered.map((p, i) => ({
    name: p.raw.name,
    key: p.key,
    regionalReplicaCount: p.count,
    storageAccountType: p.type,
    endMs: factor * (core.ms('galleryVersionFirstRegion') + i * core.ms('galleryVersionPerExtraRegion')),
    ...(p.raw.encryption ? { encryption: p.raw.encryption } : {}),
    ...(p.raw.excludeFromLatest !== undefined ? { excludeFromLatest: p.raw.excludeFromLatest } : {}),
  }));
}

function publishingProfileOf(
  core: EmulatorCore,
  profile: any,
  regions: RegionPlan[],
): Record<string, unknown> {
  return defined({
    targetRegions: regions.map((r) =>
      defined({
        name: r.name,
        regionalReplicaCount: r.regionalReplicaCount,
        storageAccountType: r.storageAccountType,
        encryption: r.encryption,
        excludeFromLatest: r.excludeFromLatest ?? profile.excludeFromLatest ?? false,
      }),
    ),
    replicaCount: profile.replicaCount ?? 1,
    excludeFromLatest: profile.excludeFromLatest ?? false,
    publishedDate: profile.publishedDate ?? new Date(core.clock.now()).toISOString(),
    endOfLifeDate: profile.endOfLifeDate,
    storageAccountType: profile.storageAccountType ?? 'Standard_LRS',
    replicationMode: profile.replicationMode ?? 'Full',
  });
}

function storageProfileOf(sp: any, c: SourceCapture): Record<string, unknown> {
  return {
    ...(sp?.source ? { source: sp.source } : {}),
    osDiskImage: {
      ...(sp?.osDiskImage ?? {}),
      sizeInGB: c.osDiskSizeGB ?? 30,
      hostCaching: sp?.osDiskImage?.hostCaching ?? 'ReadWrite',
    },
    dataDiskImages: c.dataDisks.map((d) => ({ lun: d.lun, sizeInGB: d.diskSizeGB, hostCaching: 'None' })),
  };
}

/**
 * Re-PUT of an existing version: an update (targetRegions, replicaCount, excludeFromLatest and
 * endOfLifeDate are updatable; the source, replicationMode and storageAccountType are not: spec
 * property descriptions and SIG-TS "Changing property '…source.id' is not allowed.").
 * New regions replicate; the LRO ends when they are done.
 */
function updateVersion(
  core: EmulatorCore,
  req: ArmRequest,
  v: ArmResource,
  props: any,
  profile: any,
  sourceId: string | undefined,
): ArmResponse {
  const i = v.internal as CapturedImage & { replication: Replication; sourceId: string };
  const oldProfile = v.properties!.publishingProfile;
  if (sourceId && sourceId.toLowerCase() !== i.sourceId.toLowerCase()) {
    const path = props.storageProfile?.source?.virtualMachineId
      ? 'storageProfile.source.virtualMachineId'
      : props.storageProfile?.source?.id
        ? 'storageProfile.source.id'
        : 'storageProfile.osDiskImage.source.id';
    throw new ArmError(
      409,
      'PropertyChangeNotAllowed',
      `Changing property 'galleryImageVersion.properties.${path}' is not allowed.`,
      undefined,
      `galleryImageVersion.properties.${path}`,
    );
  }
  for (const k of ['replicationMode', 'storageAccountType']) {
    if (profile[k] !== undefined && profile[k] !== oldProfile[k]) {
      throw new ArmError(
        409,
        'PropertyChangeNotAllowed',
        `Changing property 'galleryImageVersion.properties.publishingProfile.${k}' is not allowed.`,
        undefined,
        `galleryImageVersion.properties.publishingProfile.${k}`,
      );
    }
  }
  const merged = {
    ...oldProfile,
    ...profile,
    targetRegions: profile.targetRegions ?? oldProfile.targetRegions,
  };
  const plans = planRegions(core, merged, normRegion(v.location), oldProfile.replicationMode);
  const now = core.clock.now();
  const elapsed = now - i.replication.startedAt;
  const done = new Map(i.replication.regions.map((r) => [r.key, r]));
  // Regions already there stay done; new ones start now with the per-region tail.
  let extra = 0;
  const regions = plans.map((p) => {
    const old = done.get(p.key);
    if (old) return { ...p, endMs: Math.min(old.endMs, elapsed) };
    extra++;
    return { ...p, endMs: elapsed + core.ms('galleryVersionPerExtraRegion') * extra };
  });
  i.replication = { startedAt: i.replication.startedAt, regions };
  v.properties!.publishingProfile = {
    ...publishingProfileOf(core, merged, regions),
    publishedDate: oldProfile.publishedDate,
  };
  if (req.body?.tags) v.tags = req.body.tags;
  return answerPut(core, req, v, false, Math.max(0, ...regions.map((r) => r.endMs - elapsed)));
}

/** A version as Azure returns it, with replicationStatus when asked ($expand=ReplicationStatus). */
function versionView(core: EmulatorCore, v: ArmResource, withReplication: boolean): Record<string, unknown> {
  const body = view(v) as ArmResource;
  if (!withReplication) return body;
  const rep = (v.internal as { replication?: Replication } | undefined)?.replication;
  if (!rep) return body;
  const state = v.properties?.provisioningState;
  const elapsed = core.clock.now() - rep.startedAt;
  const summary = rep.regions.map((r) => {
    const progress =
      state === 'Succeeded'
        ? 100
        : Math.min(99, Math.floor((100 * Math.max(0, elapsed)) / Math.max(1, r.endMs)));
    const regionDone = state === 'Succeeded' || (progress >= 99 && elapsed >= r.endMs && state !== 'Failed');
    const regionState = regionDone ? 'Completed' : state === 'Failed' ? 'Failed' : 'Replicating';
    return {
      region: r.name,
      state: regionState,
      details: regionState === 'Failed' ? 'Replication failed in this region.' : '',
      progress: regionDone ? 100 : progress,
    };
  });
  const aggregatedState = state === 'Succeeded' ? 'Completed' : state === 'Failed' ? 'Failed' : 'InProgress';
  body.properties = { ...body.properties, replicationStatus: { aggregatedState, summary } };
  return body;
}

/** DELETE of a gallery, definition or version: 202 with both headers; nested resources block it (SIG-TS). */
function deleteGalleryObject(core: EmulatorCore, req: ArmRequest, id: string): ArmResponse {
  const r = core.store.get(id);
  if (!r) return { status: 204 };
  const children = core.store.list(`${id}/`);
  if (children.length > 0) {
    // SIG-TS text; status and code assumed (409 CannotDeleteResource).
    throw new ArmError(
      409,
      'CannotDeleteResource',
      'Can not delete resource before nested resources are deleted.',
    );
  }
  return startDelete(core, req, id, 'galleryDelete', 'capsOperations');
}

/**
 * What a VM's `storageProfile.imageReference.id` names, for the compute provider: a managed
 * image, a gallery image version, or a definition meaning its latest version (the highest
 * succeeded version not excluded from latest: facts §7, SIG-TS). Throws Azure's errors:
 * "There is no latest image version exists for …" (SIG-TS, code assumed) and
 * "The Image '…' cannot be found in '<region>' region." (404 NotFound, azure-docs#53728)
 * / "The gallery image … is not available in <region> region…" (404 GalleryImageNotFound, below).
 */
export function resolveImageReference(
  core: EmulatorCore,
  imageId: string,
  vmLocation: string,
): { resource: ArmResource; internal: CapturedImage } {
  const type = typeOfId(imageId)?.toLowerCase();
  let resource = core.store.get(imageId);
  const region = normRegion(vmLocation);
  if (type === IMAGE_TYPES.definition && resource) {
    const latest = core.store
      .list(`${resource.id}/versions/`)
      .filter(
        (v) =>
          v.type.toLowerCase() === IMAGE_TYPES.version &&
          v.properties?.provisioningState === 'Succeeded' &&
          v.properties?.publishingProfile?.excludeFromLatest !== true,
      )
      .sort((a, b) => compareVersionNames(b.name, a.name))[0];
    if (!latest)
      throw new ArmError(404, 'NotFound', `There is no latest image version exists for "${imageId}"`);
    resource = latest;
  }
  if (!resource || !resource.internal) {
    throw new ArmError(404, 'NotFound', `The Image '${imageId}' cannot be found in '${region}' region.`);
  }
  if (resource.type.toLowerCase() === IMAGE_TYPES.version) {
    const regions = ((resource.properties?.publishingProfile?.targetRegions ?? []) as { name: string }[]).map(
      (r) => normRegion(r.name),
    );
    if (!regions.includes(region) || resource.properties?.provisioningState !== 'Succeeded') {
      // 404 GalleryImageNotFound, target imageReference, the message wrapped in literal double quotes: bodies
      // quoted in confidential-containers/cloud-api-adaptor#1709, #1690, #1696 and pulumi/pulumi-aws#5129
      // (community and shared galleries, which name the version by its /CommunityGalleries/… or
      // /SharedGalleries/… path; a private gallery's version is named here by its resource ID, unverified).
      throw new ArmError(
        404,
        'GalleryImageNotFound',
        `"The gallery image ${resource.id} is not available in ${region} region. Please contact image owner to replicate to this region, or change your requested region."`,
        undefined,
        'imageReference',
      );
    }
  } else if (normRegion(resource.location) !== region) {
    throw new ArmError(404, 'NotFound', `The Image '${imageId}' cannot be found in '${region}' region.`);
  }
  return { resource, internal: resource.internal as CapturedImage };
}

/** Numeric Major.Minor.Patch order. */
export function compareVersionNames(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
