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
import {
  galleryVersionSchedule,
  planFromProgress,
  PROGRESS_GUIDE,
  runLro,
  SCHEDULES,
  submitLro,
  type LroContext,
  type LroStartOptions,
  type ProgressReading,
} from '../azure/lro.js';
import { KIND } from '../ledger.js';
import type { BuildSettings, GalleryTarget, OsType, PurchasePlan, ResolvedSource } from '../types.js';
import type { BuildContext } from './context.js';
import { vmSecurityType } from './vm.js';

export const DEFINITION_PHASE = 'gallery-definition';
export const VERSION_PHASE = 'gallery-version';

/**
 * Model ms between replication progress reports while a version replicates (more readings come near
 * the predicted end: lro.ts, planFromProgress).
 */
export const PROGRESS_EVERY_MS = PROGRESS_GUIDE.readEveryMs;

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

/** What prepareGallery decided about the version, for createGalleryVersion. */
export interface GalleryPlan {
  /** overwrite-version: an existing version is deleted right before the new one is created. */
  replaceExisting: boolean;
}

/** States in which someone else's operation on the version is still running. */
const BUSY_STATES = ['creating', 'updating', 'deleting', 'migrating'];

const versionPath = (t: GalleryTarget): string => `${t.gallery}/${t.imageDefinition}/${t.version}`;

/**
 * Checks or creates the definition and decides what to do about an existing version, before the VM
 * exists: a mismatching definition, an existing version (without overwrite-version) or one another
 * operation is working on fail the build here, minutes before Azure would refuse the version.
 */
export async function prepareGallery(
  ctx: BuildContext,
  state: GalleryState,
  source: ResolvedSource,
): Promise<GalleryPlan> {
  const t = ctx.settings.gallery;
  if (!t) return { replaceExisting: false };
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
    await createDefinition(ctx, t, expected);
  }
  const existing = state.version;
  if (!existing) return { replaceExisting: false };
  const name = versionPath(t);
  const ps = existing.provisioningState ?? 'Unknown';
  if (BUSY_STATES.includes(ps.toLowerCase())) {
    throw new BuildError(
      DEFINITION_PHASE,
      'VersionBusy',
      `gallery image version ${name} is ${ps} right now: another build (or someone else) is working on it. Wait until it is done, or choose another gallery-image-version.`,
    );
  }
  if (ps === 'Failed') {
    ctx.log.info(
      `The gallery image version ${name} was left in Failed state by an earlier attempt; deleting it so this build can publish ${t.version}`,
    );
    await deleteVersion(ctx, t, DEFINITION_PHASE);
    return { replaceExisting: false };
  }
  if (!t.overwriteVersion) {
    const published = existing.publishingProfile?.publishedDate;
    throw new BuildError(
      DEFINITION_PHASE,
      'VersionExists',
      `gallery image version ${name} already exists (${ps}${published ? `, published ${new Date(published).toISOString()}` : ''}). Choose another gallery-image-version, or set overwrite-version: true to replace it.`,
    );
  }
  ctx.log.info(
    `overwrite-version: the existing gallery image version ${name} stays usable until the new image is captured, then it is replaced`,
  );
  return { replaceExisting: true };
}

async function createDefinition(
  ctx: BuildContext,
  t: GalleryTarget,
  expected: ExpectedDefinition,
): Promise<void> {
  const c = ctx.clients.compute;
  const galleryId = `/subscriptions/${ctx.clients.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute/galleries/${t.gallery}`;
  const gallery = await getOrUndefined(
    c.galleries.get(t.resourceGroup, t.gallery, { abortSignal: ctx.signal }),
  ).catch((err) => {
    throw toBuildError(DEFINITION_PHASE, err);
  });
  if (!gallery) {
    ctx.ledger.record(galleryId, KIND.gallery, 'output');
    ctx.log.info(`Creating the gallery ${t.gallery} in ${t.resourceGroup} (${ctx.location})`);
    await runLro(ctx, { phase: DEFINITION_PHASE, schedule: SCHEDULES.galleryObject }, (o) =>
      c.galleries.createOrUpdate(t.resourceGroup, t.gallery, { location: ctx.location, tags: ctx.tags }, o),
    );
  }
  // A definition lives in its gallery's region, which may differ from the build region.
  const location = gallery?.location ?? ctx.location;
  ctx.ledger.record(`${galleryId}/images/${t.imageDefinition}`, KIND.galleryImage, 'output');
  const body = definitionFromBuild(t, expected, location, ctx.tags);
  const ident = body.identifier!;
  ctx.log.info(
    `Creating the gallery image definition ${t.gallery}/${t.imageDefinition} (${expected.osType}, ${expected.osState}, ${expected.hyperVGeneration}, ${expected.architecture}, ${expected.securityType}${expected.plan ? ', purchase plan' : ''}; ${ident.publisher}/${ident.offer}/${ident.sku})`,
  );
  await runLro(ctx, { phase: DEFINITION_PHASE, schedule: SCHEDULES.galleryObject }, (o) =>
    c.galleryImages.createOrUpdate(t.resourceGroup, t.gallery, t.imageDefinition, body, o),
  );
}

function deleteVersion(ctx: BuildContext, t: GalleryTarget, phase: string): Promise<void> {
  return runLro(ctx, { phase, schedule: SCHEDULES.delete }, (o) =>
    ctx.clients.compute.galleryImageVersions.delete(
      t.resourceGroup,
      t.gallery,
      t.imageDefinition,
      t.version,
      o,
    ),
  );
}

export function formatReplication(version: GalleryImageVersion): string {
  const summary = version.replicationStatus?.summary ?? [];
  if (!summary.length) return version.provisioningState ?? 'in progress';
  return summary
    .map((r) => `${r.region}: ${r.state ?? '?'}${r.progress !== undefined ? ` ${r.progress}%` : ''}`)
    .join(', ');
}

/** Regions of a replication status that are not Completed, with their state and progress. */
export function regionsNotDone(version: GalleryImageVersion | undefined, asked: string[]): string[] {
  const summary = version?.replicationStatus?.summary;
  if (!summary?.length) return asked;
  return summary
    .filter((r) => r.state !== 'Completed')
    .map(
      (r) =>
        `${normalizeRegion(r.region ?? '?')} (${r.state ?? '?'}${r.progress !== undefined ? ` ${r.progress}%` : ''})`,
    );
}

export interface GalleryVersionResult {
  id: string;
  version: string;
  /** Regions where the version is usable. */
  regions: string[];
  /** Regions Azure accepted but still replicates to (publish-build-region-first without waiting). */
  pendingRegions?: string[];
}

/** The replication time limit: a signal that fires at the deadline or when the build is stopped. */
interface Deadline {
  signal: AbortSignal;
  /** True when the time limit (not a cancellation) stopped the wait. */
  expired(): boolean;
  dispose(): void;
}

function startDeadline(ctx: BuildContext, minutes: number): Deadline {
  const timer = new AbortController();
  const handle = setTimeout(
    () => timer.abort(new Error(`replication-timeout-minutes (${minutes}) reached`)),
    ctx.clock.realMs(minutes * 60_000),
  );
  return {
    signal: ctx.signal ? AbortSignal.any([ctx.signal, timer.signal]) : timer.signal,
    expired: () => timer.signal.aborted && !ctx.signal?.aborted,
    dispose: () => clearTimeout(handle),
  };
}

function versionBody(
  ctx: BuildContext,
  t: GalleryTarget,
  vmId: string,
  regions: SdkTargetRegion[],
): GalleryImageVersion {
  return {
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
}

const describeRegions = (regions: SdkTargetRegion[]): string =>
  regions
    .map(
      (r) =>
        `${r.name}${r.regionalReplicaCount ? ` ×${r.regionalReplicaCount}` : ''}${r.encryption ? ' (CMK)' : ''}`,
    )
    .join(', ');

/**
 * Creates the gallery version directly from the VM and waits for its replication, logging each
 * region's progress, within replication-timeout-minutes. With publish-build-region-first the version
 * is first published in the build region alone; once it is usable there, it leaves the ledger (a
 * later failure no longer deletes it), the early outputs are set, and the other regions are added by
 * updating its targetRegions (a re-PUT: facts §3), waited for only with waitForReplication.
 */
export async function createGalleryVersion(
  ctx: BuildContext,
  vmId: string,
  plan: GalleryPlan = { replaceExisting: false },
): Promise<GalleryVersionResult> {
  const t = ctx.settings.gallery;
  if (!t) throw new BuildError(VERSION_PHASE, undefined, 'no gallery target');
  const c = ctx.clients.compute;
  const name = versionPath(t);
  const all = targetRegions(t, ctx.location);
  const buildRegion = normalizeRegion(ctx.location);
  const firstOnly = t.publishBuildRegionFirst && all.length > 1;
  const first = firstOnly ? all.filter((r) => r.name === buildRegion) : all;
  const others = all.filter((r) => r.name !== buildRegion);
  const id =
    `/subscriptions/${ctx.clients.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute` +
    `/galleries/${t.gallery}/images/${t.imageDefinition}/versions/${t.version}`;
  const deadline = startDeadline(ctx, t.replicationTimeoutMinutes);
  const put = (regions: SdkTargetRegion[]) => (o: LroStartOptions) =>
    c.galleryImageVersions.createOrUpdate(
      t.resourceGroup,
      t.gallery,
      t.imageDefinition,
      t.version,
      versionBody(ctx, t, vmId, regions),
      o,
    );
  try {
    if (plan.replaceExisting) {
      ctx.log.info(`overwrite-version: deleting the existing gallery image version ${name}`);
      await deleteVersion(ctx, t, VERSION_PHASE);
    }
    ctx.ledger.record(id, KIND.galleryImageVersion, 'output');
    ctx.log.info(
      `Creating the gallery image version ${name} in ${describeRegions(first)}` +
        (firstOnly ? ` first; then ${describeRegions(others)}` : '') +
        ` (${t.replicationMode} replication, time limit ${t.replicationTimeoutMinutes} min)`,
    );
    const created = await replicate(ctx, t, deadline, first, put(first), {
      afterTimeout: 'This build failed, so cleanup deletes the incomplete version.',
    });
    const reached = regionNames(created, first);
    ctx.log.info(`Gallery image version ${name} is ready in ${reached.join(', ')}`);
    if (!firstOnly) return { id: created.id ?? id, version: t.version, regions: reached };

    // Usable in the build region from here on: keep it whatever happens next, and say so early.
    ctx.ledger.forget(id);
    ctx.host.onOutputs?.({
      imageId: created.id ?? id,
      galleryImageVersionId: created.id ?? id,
      galleryImageVersion: t.version,
      regions: reached,
    });
    const pending = others.map((r) => r.name);
    ctx.log.info(`publish-build-region-first: outputs set; adding ${describeRegions(others)}`);
    if (!t.waitForReplication) {
      await submitLro(
        { clock: ctx.clock, signal: deadline.signal },
        { phase: VERSION_PHASE, schedule: SCHEDULES.galleryVersion },
        put(all),
      );
      ctx.log.info(
        `Azure is replicating ${name} to ${pending.join(', ')}; this step does not wait. VMs there can use it once ` +
          `its replication is Completed: az sig image-version show -g ${t.resourceGroup} -r ${t.gallery} -i ${t.imageDefinition} -e ${t.version} --expand ReplicationStatus`,
      );
      return { id: created.id ?? id, version: t.version, regions: reached, pendingRegions: pending };
    }
    const updated = await replicate(ctx, t, deadline, others, put(all), {
      afterTimeout: `The version is kept: it is complete in ${reached.join(', ')} (the outputs were set), and Azure goes on replicating to the other regions.`,
    });
    const all2 = regionNames(updated, all);
    ctx.log.info(`Gallery image version ${name} is ready in ${all2.join(', ')}`);
    return { id: created.id ?? id, version: t.version, regions: all2 };
  } finally {
    deadline.dispose();
  }
}

/**
 * The regions where the version is usable: from the replication status the poller's final GET carries
 * (clients.ts asks for it on every version read), else the target regions Azure echoed.
 */
const regionNames = (v: GalleryImageVersion, asked: SdkTargetRegion[]): string[] => {
  const summary = v.replicationStatus?.summary;
  if (summary?.length && summary.every((r) => r.region))
    return summary.filter((r) => r.state === 'Completed').map((r) => normalizeRegion(r.region!));
  return (v.publishingProfile?.targetRegions ?? asked).map((r) => normalizeRegion(r.name));
};

/** Adds a replication status to the progress readings of each region (lro.ts, ProgressReading). */
export function recordReplication(
  history: Map<string, ProgressReading[]>,
  version: GalleryImageVersion,
  atMs: number,
): void {
  for (const r of version.replicationStatus?.summary ?? []) {
    const key = normalizeRegion(r.region ?? '?');
    const readings = history.get(key) ?? [];
    readings.push({
      atMs,
      percent: r.progress ?? 0,
      done: r.state === 'Completed',
      failed: r.state === 'Failed',
    });
    history.set(key, readings);
  }
}

/** One create or update of the version, waited for on its schedule with progress lines and the time limit. */
async function replicate(
  ctx: BuildContext,
  t: GalleryTarget,
  deadline: Deadline,
  newRegions: SdkTargetRegion[],
  start: (
    o: LroStartOptions,
  ) => ReturnType<AzureClients['compute']['galleryImageVersions']['createOrUpdate']>,
  text: { afterTimeout: string },
): Promise<GalleryImageVersion> {
  const c = ctx.clients.compute;
  const get = (signal?: AbortSignal) =>
    c.galleryImageVersions.get(t.resourceGroup, t.gallery, t.imageDefinition, t.version, {
      expand: 'ReplicationStatus',
      abortSignal: signal,
    });
  const schedule = galleryVersionSchedule(newRegions.length);
  const history = new Map<string, ProgressReading[]>();
  const report = (v: GalleryImageVersion, elapsedMs: number) =>
    ctx.log.info(
      `Replication of ${t.version} after ${Math.round(elapsedMs / 60_000)} min: ${formatReplication(v)}`,
    );
  // Each reading is logged and predicts the end of the replication, which places the next reading
  // and the status polls (lro.ts, planFromProgress).
  const progress = async (elapsedMs: number) => {
    try {
      const v = await get(deadline.signal);
      report(v, elapsedMs);
      recordReplication(history, v, elapsedMs);
      const plan = planFromProgress([...history.values()], elapsedMs, schedule);
      if (plan.endMs) {
        const [a, b] = plan.endMs.map((ms) => (Number.isFinite(ms) ? `${Math.round(ms / 1000)} s` : '?'));
        ctx.log.debug(`replication of ${t.version} expected to end between ${a} and ${b} after its start`);
      }
      return plan;
    } catch (err) {
      ctx.log.debug(`replication status unavailable: ${(err as Error).message}`);
      return undefined;
    }
  };
  const watch = ctx.clock.stopwatch();
  try {
    const done = await runLro(
      { clock: ctx.clock, signal: deadline.signal },
      { phase: VERSION_PHASE, schedule, tick: { everyMs: PROGRESS_EVERY_MS, fn: progress } },
      start,
    );
    // The poller's final GET carried the replication status: the last progress line needs no read.
    if (done.replicationStatus?.summary?.length) report(done, watch() * 1000);
    return done;
  } catch (err) {
    if (!deadline.expired()) throw err;
    const status = await get(ctx.signal).catch(() => undefined);
    const notDone = regionsNotDone(
      status,
      newRegions.map((r) => r.name),
    );
    throw new BuildError(
      VERSION_PHASE,
      'ReplicationTimeout',
      `gallery image version ${versionPath(t)} did not finish replicating within replication-timeout-minutes (${t.replicationTimeoutMinutes}); not done: ${notDone.join(', ')}. ${text.afterTimeout} ` +
        'Replication takes 8–11 min for one region and 15–20 min or more for several: raise replication-timeout-minutes' +
        (t.publishBuildRegionFirst
          ? ', or replicate to fewer regions.'
          : ', replicate to fewer regions, or set publish-build-region-first: true to get the version in the build region without waiting for the others.'),
      undefined,
      { cause: err },
    );
  }
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
