// Phases gallery-definition and gallery-version (issue 4).
//
// The definition is checked (or created) EARLY, before the VM exists: Azure itself rejects a mismatch
// only when the version is created at the end of the build (facts §3: OS state → BadRequest,
// Hyper-V generation → Conflict through the LRO, TrustedLaunch definitions reject Standard sources,
// TrustedLaunchSupported ones reject VM sources). The version is made directly from the VM
// (storageProfile.source.virtualMachineId), concurrently with the managed image.
import type {
  GalleryImage,
  GalleryImageFeature,
  GalleryImageVersion,
  TargetRegion as SdkTargetRegion,
} from '@azure/arm-compute';
import type { AzureClients } from '../azure/clients.js';
import { BuildError, isNotFound, toBuildError } from '../azure/errors.js';
import { galleryVersionSchedule, runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import type { BuildSettings, GalleryTarget, OsType, PurchasePlan, ResolvedSource } from '../types.js';
import type { BuildContext } from './context.js';
import { vmSecurityType } from './vm.js';

export const DEFINITION_PHASE = 'gallery-definition';
export const VERSION_PHASE = 'gallery-version';

/** Model ms between replication progress reports while a version replicates. */
export const PROGRESS_EVERY_MS = 180_000;

export interface ExpectedDefinition {
  osType: OsType;
  osState: 'Generalized' | 'Specialized';
  hyperVGeneration: string;
  architecture: string;
  securityType: 'Standard' | 'TrustedLaunch';
  plan?: PurchasePlan;
  diskControllerTypes?: string[];
}

export function expectedDefinition(settings: BuildSettings, source: ResolvedSource): ExpectedDefinition {
  return {
    osType: source.osType,
    osState: settings.generalize ? 'Generalized' : 'Specialized',
    hyperVGeneration: source.hyperVGeneration,
    architecture: source.architecture,
    securityType: vmSecurityType(settings, source),
    ...(source.plan ? { plan: source.plan } : {}),
    ...(source.diskControllerTypes ? { diskControllerTypes: source.diskControllerTypes } : {}),
  };
}

function feature(features: GalleryImageFeature[] | undefined, name: string): string | undefined {
  return features?.find((f) => f.name?.toLowerCase() === name.toLowerCase())?.value;
}

const eq = (a: string | undefined, b: string | undefined): boolean =>
  (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** Every way an existing definition disagrees with the build, each with its fix. Empty when they match. */
export function definitionMismatches(def: GalleryImage, expected: ExpectedDefinition): string[] {
  const out: string[] = [];
  const defOsType = def.osType ?? 'Linux';
  if (!eq(defOsType, expected.osType)) {
    out.push(
      `OS type: the definition is ${defOsType}, the base image is ${expected.osType}. Use a ${expected.osType} definition or base image.`,
    );
  }
  const defState = def.osState ?? 'Generalized';
  if (!eq(defState, expected.osState)) {
    out.push(
      `OS state: the definition is ${defState}, the build is ${expected.osState}. ` +
        (expected.osState === 'Generalized'
          ? 'Set generalize: false, or use a Generalized definition.'
          : 'Set generalize: true, or use a Specialized definition.'),
    );
  }
  const defGen = def.hyperVGeneration ?? 'V1';
  if (!eq(defGen, expected.hyperVGeneration)) {
    out.push(
      `Hyper-V generation: the definition is ${defGen}, the base image is ${expected.hyperVGeneration}. Use a base image of generation ${defGen}, or a definition of generation ${expected.hyperVGeneration}.`,
    );
  }
  const defArch = def.architecture ?? 'x64';
  if (!eq(defArch, expected.architecture)) {
    out.push(
      `Architecture: the definition is ${defArch}, the base image is ${expected.architecture}. Use a matching base image or definition.`,
    );
  }
  const defSecurity = feature(def.features, 'SecurityType') ?? 'Standard';
  if (!eq(defSecurity, expected.securityType)) {
    if (/supported/i.test(defSecurity)) {
      out.push(
        `Security type: the definition is ${defSecurity}, which accepts only VHD, managed image and gallery version sources, not a VM (packer-plugin-azure#304). Use a definition with security type ${expected.securityType}.`,
      );
    } else {
      out.push(
        `Security type: the definition is ${defSecurity}, the build VM is ${expected.securityType}. ` +
          (defSecurity === 'TrustedLaunch'
            ? 'Set security-type: TrustedLaunch (the base image must support it).'
            : 'Set security-type: Standard, or use a TrustedLaunch definition.'),
      );
    }
  }
  const p = def.purchasePlan;
  const e = expected.plan;
  const planText = (x?: { publisher?: string; product?: string; name?: string }) =>
    x?.name ? `${x.publisher}/${x.product}/${x.name}` : 'none';
  if (
    (p?.name || e) &&
    !(eq(p?.name, e?.name) && eq(p?.product, e?.product) && eq(p?.publisher, e?.publisher))
  ) {
    out.push(
      `Purchase plan: the definition has ${planText(p)}, the base image has ${planText(e)}. VMs from the version would need the base image's plan; use a definition with the same plan.`,
    );
  }
  return out;
}

export function definitionFromBuild(
  target: GalleryTarget,
  expected: ExpectedDefinition,
  location: string,
  tags: Record<string, string>,
): GalleryImage {
  const features: GalleryImageFeature[] = [];
  if (expected.securityType === 'TrustedLaunch')
    features.push({ name: 'SecurityType', value: 'TrustedLaunch' });
  if (expected.diskControllerTypes?.length)
    features.push({ name: 'DiskControllerTypes', value: expected.diskControllerTypes.join(', ') });
  return {
    location,
    tags,
    osType: expected.osType,
    osState: expected.osState,
    hyperVGeneration: expected.hyperVGeneration as GalleryImage['hyperVGeneration'],
    architecture: expected.architecture as GalleryImage['architecture'],
    identifier: {
      publisher: target.definitionPublisher ?? 'azure-image-build',
      offer: target.definitionOffer ?? target.imageDefinition,
      sku: target.definitionSku ?? target.imageDefinition,
    },
    ...(features.length ? { features } : {}),
    ...(expected.plan ? { purchasePlan: { ...expected.plan } } : {}),
  };
}

/** Region names compare without case and spaces ("West Europe" = "westeurope"). */
export function normalizeRegion(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

/** The target regions, the build region always included (facts §3). */
export function targetRegions(target: GalleryTarget, buildRegion: string): SdkTargetRegion[] {
  const regions = [...target.targetRegions];
  if (!regions.some((r) => normalizeRegion(r.name) === normalizeRegion(buildRegion)))
    regions.unshift({ name: buildRegion });
  return regions.map((r) => ({
    name: normalizeRegion(r.name),
    ...(r.replicaCount ? { regionalReplicaCount: r.replicaCount } : {}),
    ...((r.storageAccountType ?? target.storageAccountType)
      ? { storageAccountType: r.storageAccountType ?? target.storageAccountType }
      : {}),
    ...(r.diskEncryptionSetId
      ? { encryption: { osDiskImage: { diskEncryptionSetId: r.diskEncryptionSetId } } }
      : {}),
  }));
}

export interface GalleryState {
  definition?: GalleryImage;
  version?: GalleryImageVersion;
}

async function getOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Reads the definition and, when it exists, the version (run concurrently with source resolution). */
export async function fetchGalleryState(ctx: BuildContext): Promise<GalleryState> {
  const t = ctx.settings.gallery;
  if (!t) return {};
  const c = ctx.clients.compute;
  const o = { abortSignal: ctx.signal };
  try {
    const definition = await getOrUndefined(
      c.galleryImages.get(t.resourceGroup, t.gallery, t.imageDefinition, o),
    );
    const version = definition
      ? await getOrUndefined(
          c.galleryImageVersions.get(t.resourceGroup, t.gallery, t.imageDefinition, t.version, o),
        )
      : undefined;
    return { definition, version };
  } catch (err) {
    throw toBuildError(DEFINITION_PHASE, err);
  }
}

/** Checks or creates the definition and clears the way for the version, before the VM exists. */
export async function prepareGallery(
  ctx: BuildContext,
  state: GalleryState,
  source: ResolvedSource,
): Promise<void> {
  const t = ctx.settings.gallery;
  if (!t) return;
  const c = ctx.clients.compute;
  const expected = expectedDefinition(ctx.settings, source);
  const defName = `${t.gallery}/${t.imageDefinition}`;
  if (state.definition) {
    const problems = definitionMismatches(state.definition, expected);
    if (problems.length) {
      throw new BuildError(
        DEFINITION_PHASE,
        'DefinitionMismatch',
        `the gallery image definition ${defName} does not match this build (Azure would reject the version only at the end of the build):\n- ${problems.join('\n- ')}`,
      );
    }
  } else {
    const galleryId = `/subscriptions/${ctx.clients.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute/galleries/${t.gallery}`;
    const gallery = await getOrUndefined(
      c.galleries.get(t.resourceGroup, t.gallery, { abortSignal: ctx.signal }),
    ).catch((err) => {
      throw toBuildError(DEFINITION_PHASE, err);
    });
    if (!gallery) {
      ctx.ledger.record(galleryId, KIND.gallery, 'output');
      ctx.log.info(`Creating the gallery ${t.gallery} in ${t.resourceGroup}`);
      await runLro(ctx, { phase: DEFINITION_PHASE, schedule: SCHEDULES.galleryObject }, (o) =>
        c.galleries.createOrUpdate(t.resourceGroup, t.gallery, { location: ctx.location, tags: ctx.tags }, o),
      );
    }
    ctx.ledger.record(`${galleryId}/images/${t.imageDefinition}`, KIND.galleryImage, 'output');
    ctx.log.info(
      `Creating the gallery image definition ${defName} (${expected.osType}, ${expected.osState}, ${expected.hyperVGeneration}, ${expected.architecture}, ${expected.securityType})`,
    );
    await runLro(ctx, { phase: DEFINITION_PHASE, schedule: SCHEDULES.galleryObject }, (o) =>
      c.galleryImages.createOrUpdate(
        t.resourceGroup,
        t.gallery,
        t.imageDefinition,
        definitionFromBuild(t, expected, ctx.location, ctx.tags),
        o,
      ),
    );
  }
  const existing = state.version;
  if (existing) {
    const failed = existing.provisioningState === 'Failed';
    if (!failed && !t.overwriteVersion) {
      throw new BuildError(
        DEFINITION_PHASE,
        'VersionExists',
        `gallery image version ${defName}/${t.version} already exists (${existing.provisioningState ?? 'unknown state'}). Choose another gallery-image-version, or set overwrite-version: true to replace it.`,
      );
    }
    ctx.log.info(
      `Deleting the ${failed ? 'Failed' : 'existing'} gallery image version ${defName}/${t.version} before building it again`,
    );
    await runLro(ctx, { phase: DEFINITION_PHASE, schedule: SCHEDULES.delete }, (o) =>
      c.galleryImageVersions.delete(t.resourceGroup, t.gallery, t.imageDefinition, t.version, o),
    );
  }
}

export function formatReplication(version: GalleryImageVersion): string {
  const summary = version.replicationStatus?.summary ?? [];
  if (!summary.length) return version.provisioningState ?? 'in progress';
  return summary
    .map((r) => `${r.region}: ${r.state ?? '?'}${r.progress !== undefined ? ` ${r.progress}%` : ''}`)
    .join(', ');
}

export interface GalleryVersionResult {
  id: string;
  version: string;
  regions: string[];
}

export async function createGalleryVersion(ctx: BuildContext, vmId: string): Promise<GalleryVersionResult> {
  const t = ctx.settings.gallery;
  if (!t) throw new BuildError(VERSION_PHASE, undefined, 'no gallery target');
  const c = ctx.clients.compute;
  const regions = targetRegions(t, ctx.location);
  const id =
    `/subscriptions/${ctx.clients.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute` +
    `/galleries/${t.gallery}/images/${t.imageDefinition}/versions/${t.version}`;
  ctx.ledger.record(id, KIND.galleryImageVersion, 'output');
  ctx.log.info(
    `Creating the gallery image version ${t.gallery}/${t.imageDefinition}/${t.version} in ${regions.map((r) => r.name).join(', ')}`,
  );
  const version: GalleryImageVersion = {
    location: ctx.location,
    tags: ctx.tags,
    publishingProfile: {
      targetRegions: regions,
      excludeFromLatest: t.excludeFromLatest,
      replicationMode: t.replicationMode,
      ...(t.storageAccountType ? { storageAccountType: t.storageAccountType } : {}),
      ...(t.endOfLifeDate ? { endOfLifeDate: new Date(t.endOfLifeDate) } : {}),
    },
    storageProfile: { source: { virtualMachineId: vmId } },
  };
  const progress = async (): Promise<void> => {
    try {
      const v = await c.galleryImageVersions.get(t.resourceGroup, t.gallery, t.imageDefinition, t.version, {
        expand: 'ReplicationStatus',
        abortSignal: ctx.signal,
      });
      ctx.log.info(`Replication of ${t.version}: ${formatReplication(v)}`);
    } catch (err) {
      ctx.log.debug(`replication status unavailable: ${(err as Error).message}`);
    }
  };
  const result = await runLro(
    ctx,
    {
      phase: VERSION_PHASE,
      schedule: galleryVersionSchedule(regions.length),
      tick: { everyMs: PROGRESS_EVERY_MS, fn: progress },
    },
    (o) =>
      c.galleryImageVersions.createOrUpdate(
        t.resourceGroup,
        t.gallery,
        t.imageDefinition,
        t.version,
        version,
        o,
      ),
  );
  const reached = (result.publishingProfile?.targetRegions ?? regions).map((r) => r.name);
  return { id: result.id ?? id, version: t.version, regions: reached };
}

export function deleteGalleryVersion(
  clients: AzureClients,
  ctx: LroContext,
  group: string,
  [gallery, image, version]: string[],
): Promise<void> {
  return runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.delete }, (o) =>
    clients.compute.galleryImageVersions.delete(group, gallery, image, version, o),
  );
}
