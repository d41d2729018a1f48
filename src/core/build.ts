// The build sequence (issue 3): settings in, image IDs and manifest out, nothing temporary left.
//
//   location ─┬─ resolve source (+ plan terms) ─┬─ check/create gallery definition, check image target ─┐
//             ├─ resource group ── network (NSG ∥ public IP → NAT → VNet; then NIC) ─────────────────────┤
//             └─ read gallery definition/version, managed image ──────────────────────────────────────────┘
//   → VM → scripts → deprovision/sysprep → deallocate → generalize → managed image ∥ gallery version
//   → outputs, manifest → cleanup (also on failure and cancellation).
//
// Concurrent branches share an internal abort signal: when one fails, the others stop at their next
// wait, so cleanup never races with a creation still in flight.
import type { TokenCredential } from '@azure/core-auth';
import { createClients, type ClientHooks } from './azure/clients.js';
import { BuildError, isNotFound, toBuildError } from './azure/errors.js';
import { ModelClock } from './clock.js';
import { cleanupLedger } from './cleanup.js';
import { Ledger } from './ledger.js';
import { checkManagedImageAbsent, createManagedImage, managedImageProblem } from './phases/capture-image.js';
import { buildNames, provenanceTags, type BuildContext } from './phases/context.js';
import { runScripts, windowsUpdate, type ScriptResult } from './phases/customize.js';
import {
  createGalleryVersion,
  fetchGalleryState,
  prepareGallery,
  type GalleryPlan,
} from './phases/gallery.js';
import { deallocate, deprovision, markGeneralized } from './phases/generalize.js';
import { buildManifest, writeManifest } from './phases/manifest.js';
import { createNetwork } from './phases/network.js';
import { createResourceGroup, groupLocation } from './phases/resource-group.js';
import { checkPlanTerms, describeSource, resolveSource } from './phases/resolve-source.js';
import { importVhd } from './phases/import-vhd.js';
import { checkBuildVm, createVm } from './phases/vm.js';
import type { BuildOutputs, BuildResult, BuildSettings, Host, PhaseTiming, ResolvedSource } from './types.js';

export interface EngineOptions {
  /** Test hooks for the Azure clients (see ClientHooks); production code passes none. */
  hooks?: ClientHooks;
  /** The credential, when the caller made it already (e.g. to start the first token request early). */
  credential?: TokenCredential;
  /** Fixed suffix of temporary resource names (default: random). */
  suffix?: string;
}

/** The first real failure among settled branches (a branch stopped by the shared abort is a consequence). */
export function firstCause(reasons: unknown[]): unknown {
  return reasons.find((r) => !(r instanceof BuildError && r.code === 'Canceled')) ?? reasons[0];
}

export async function runBuild(
  settings: BuildSettings,
  host: Host,
  options: EngineOptions = {},
): Promise<BuildResult> {
  const clock = new ModelClock(settings.timeScale);
  const total = clock.stopwatch();
  const log = host.logger;
  const clients = createClients(settings, host, {
    ...(options.credential ? { credential: options.credential } : {}),
    ...options.hooks,
  });
  const ledger = new Ledger(host);
  const names = buildNames(settings, options.suffix);
  const inner = new AbortController();
  const onHostAbort = (): void => inner.abort(host.abortSignal?.reason);
  if (host.abortSignal?.aborted) inner.abort(host.abortSignal.reason);
  host.abortSignal?.addEventListener('abort', onHostAbort, { once: true });

  const phases: PhaseTiming[] = [];
  const timed = async <T>(phase: string, fn: () => Promise<T>): Promise<T> => {
    const timing: PhaseTiming = { phase, startedAt: new Date().toISOString(), seconds: 0 };
    phases.push(timing);
    const watch = clock.stopwatch();
    try {
      return await fn();
    } finally {
      timing.seconds = watch();
    }
  };
  /** Runs branches concurrently; on the first failure the others are stopped, then it is thrown. */
  const together = async <T extends readonly unknown[]>(branches: {
    [K in keyof T]: Promise<T[K]>;
  }): Promise<T> => {
    for (const b of branches) b.catch(() => inner.abort());
    const settled = await Promise.allSettled(branches);
    const reasons = settled
      .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
      .map((s) => s.reason);
    if (reasons.length) throw firstCause(reasons);
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
  };

  let failed = true;
  try {
    const targetGroup = settings.gallery?.resourceGroup ?? settings.managedImage?.resourceGroup;
    let location = settings.location;
    if (!location) {
      if (!targetGroup)
        throw new BuildError(
          'validate',
          'MissingLocation',
          'set location (no target resource group to take it from)',
        );
      location = await timed('location', () => groupLocation(clients, targetGroup, inner.signal));
    }
    const ctx: BuildContext = {
      settings,
      host,
      log,
      clients,
      clock,
      ledger,
      signal: inner.signal,
      names,
      location,
      tags: provenanceTags(settings, describeSource(settings.source)),
    };
    log.info(`Building from ${describeSource(settings.source)} in ${location} (build ${names.suffix})`);

    // A live VM (base-image = a VM ID) is captured as it is: no build group, network or VM.
    const liveVm = settings.source.kind === 'liveVm';
    // Requests that need only @azure/arm-resources go first (the target group's location above, the
    // temporary resource group); the Compute client, half of the bundle (azure/compute-client.ts),
    // loads once one of them is answered, so loading it holds up no request. The network deployment,
    // the longest step before the VM, needs no Compute request, so nothing on the critical path waits.
    const groupP = liveVm ? Promise.resolve() : timed('resource-group', () => createResourceGroup(ctx));
    const computeP = (settings.location ? groupP.catch(() => undefined) : Promise.resolve()).then(() =>
      clients.loadCompute(),
    );
    const sourceP = timed('resolve-source', async () => {
      await computeP;
      const s = await resolveSource(ctx);
      log.info(
        `Base image: ${s.exact} (${s.osType}, ${s.hyperVGeneration}, ${s.architecture}, ${s.securityType}${s.plan ? ', plan' : ''})`,
      );
      await checkPlanTerms(ctx, s);
      return s;
    });
    let vmSize = settings.vm.size;
    const targetsP = timed('check-targets', async () => {
      const [state, source] = await together([
        computeP.then(() => fetchGalleryState(ctx)),
        sourceP,
        computeP.then(() => checkManagedImageAbsent(ctx)),
      ] as const);
      const problem = managedImageProblem(ctx, source);
      if (problem) throw new BuildError('validate', 'InvalidTarget', problem);
      if (!liveVm) vmSize = checkBuildVm(settings, source);
      return prepareGallery(ctx, state, source);
    });
    const nicP = liveVm ? Promise.resolve('') : groupP.then(() => timed('network', () => createNetwork(ctx)));
    // Log groups around the sequential steps (GitHub log groups do not nest: scripts have their own).
    const [source, nicId, galleryPlan] = await log.group('Base image, targets and build network', () =>
      together<[ResolvedSource, string, GalleryPlan]>([sourceP, nicP, targetsP]),
    );

    let vmId = source.exact;
    let scripts: ScriptResult[] = [];
    if (!liveVm) {
      const bootSource =
        source.source.kind === 'vhd' ? await timed('import-vhd', () => importVhd(ctx, source)) : source;
      vmId = await log.group('Build VM', () => timed('create-vm', () => createVm(ctx, bootSource, nicId)));
      await explainEviction(ctx, async () => {
        scripts = await timed('customize', () => runScripts(ctx, settings.scripts, source.osType));
        if (settings.windowsUpdate && source.osType === 'Windows')
          await timed('windows-update', () => windowsUpdate(ctx));
        await log.group(settings.generalize ? 'Generalize' : 'Deallocate', async () => {
          if (settings.generalize) {
            if (source.osType === 'Linux') log.info('Deprovisioning the VM: waagent -deprovision+user');
            await timed('deprovision', () => deprovision(ctx, source.osType));
          }
          await timed('deallocate', () => deallocate(ctx));
          log.info('Deallocated the build VM');
          if (settings.generalize) {
            await timed('generalize', () => markGeneralized(ctx));
            log.info('Marked the VM generalized');
          }
        });
      });
    }

    const [managedImageId, gallery] = await log.group('Capture', () =>
      together([
        settings.managedImage
          ? timed('managed-image', () => createManagedImage(ctx, vmId, source))
          : Promise.resolve(undefined),
        settings.gallery
          ? timed('gallery-version', () => createGalleryVersion(ctx, vmId, galleryPlan))
          : Promise.resolve(undefined),
      ] as const),
    );
    const imageSeconds = total();

    const artifacts = {
      ...(managedImageId ? { managedImageId } : {}),
      ...(gallery
        ? {
            galleryImageVersionId: gallery.id,
            galleryImageVersion: gallery.version,
            regions: gallery.regions,
            ...(gallery.pendingRegions ? { pendingRegions: gallery.pendingRegions } : {}),
          }
        : {}),
    };
    const outputs: BuildOutputs = {
      imageId: gallery?.id ?? managedImageId ?? '',
      ...artifacts,
      sourceImage: source.exact,
      manifestPath: settings.manifestPath,
    };
    const manifest = buildManifest({
      settings: { ...settings, vm: { ...settings.vm, size: vmSize } },
      source,
      outputs: artifacts,
      location,
      scripts,
      phases,
      totalSeconds: imageSeconds,
    });
    await timed('manifest', () => writeManifest(settings.manifestPath, manifest));
    log.info(`Image ready after ${imageSeconds.toFixed(1)} s: ${outputs.imageId}`);
    failed = false;
    return { outputs, manifest };
  } catch (err) {
    throw toBuildError('build', err);
  } finally {
    host.abortSignal?.removeEventListener('abort', onHostAbort);
    try {
      await log.group('Cleanup', () =>
        timed('cleanup', () => cleanupLedger([...ledger.entries], settings, host, { failed, clients })),
      );
    } catch (err) {
      log.warning(
        `Cleanup failed: ${err instanceof Error ? err.message : String(err)}; the post step will retry it`,
      );
    }
    const s = clients.stats;
    log.info(
      `ARM requests: ${s.reads + s.writes + s.polls} (reads ${s.reads}, writes ${s.writes}, polls ${s.polls})`,
    );
  }
}

/** A Spot VM evicted mid-build surfaces as some other failure; say what really happened. */
async function explainEviction(ctx: BuildContext, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!ctx.settings.vm.spot || ctx.signal?.aborted) throw err;
    try {
      await ctx.clients.compute.virtualMachines.get(ctx.names.resourceGroup, ctx.names.vm);
    } catch (getErr) {
      if (isNotFound(getErr)) {
        const phase = err instanceof BuildError ? err.phase : 'customize';
        throw new BuildError(
          phase,
          'SpotVMEvicted',
          'the Spot build VM was evicted by Azure (capacity or price); run the build again, or set spot: false',
          undefined,
          { cause: err },
        );
      }
    }
    throw err;
  }
}
