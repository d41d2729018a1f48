// Scheduling of long-running operations.
//
// The SDK pollers do the protocol (Azure-AsyncOperation / Location / provisioningState, final GET,
// error bodies); this module only decides WHEN they poll. Azure's operations have known durations
// (facts §6: VM create 54–62 s, run command ≥ ~20 s, deallocate 23–53 s, a one-region gallery version
// 8–11 min…). Polling every 2 s (the SDK default) wastes requests; honouring Compute's Retry-After
// (10–50 s) wastes minutes. So each operation has a schedule: sleep until its expected earliest
// completion, then poll at an interval that grows with the time already spent (a fixed fraction of
// it, bounded), which keeps detection lag a small fraction of the operation's duration while the
// number of polls stays low even when Azure is slow. All times are model milliseconds (clock.ts).
import type { OperationState, PollerLike } from '@azure/core-lro';
import type { ModelClock } from '../clock.js';
import { toBuildError } from './errors.js';

export interface Schedule {
  /** When the operation is expected to be done at the earliest: the first poll happens then. */
  expectedMs: number;
  /** Interval between later polls: this fraction of the time spent so far… */
  pollFraction: number;
  /** …but at least this… */
  minPollMs: number;
  /** …and at most this. */
  maxPollMs: number;
}

const s = 1000;

/** Per-operation schedules, from Azure's known durations (facts §6). */
export const SCHEDULES = {
  /** Network PUT/DELETE: a few seconds (unverified; ARM network operations are quick). */
  network: { expectedMs: 2.5 * s, pollFraction: 0.25, minPollMs: 1 * s, maxPollMs: 10 * s },
  natGateway: { expectedMs: 8 * s, pollFraction: 0.15, minPollMs: 1 * s, maxPollMs: 10 * s },
  /** A template deployment; expectedMs comes from its resources (deploymentSchedule). */
  deployment: { expectedMs: 0, pollFraction: 0.1, minPollMs: 1 * s, maxPollMs: 10 * s },
  /** Gallery / image definition create: 0.4 s / 0.14 s (PYREC galleries). */
  galleryObject: { expectedMs: 0.3 * s, pollFraction: 0.5, minPollMs: 0.5 * s, maxPollMs: 5 * s },
  /** VM create: 54 s, 62 s (PYREC, JSREC). */
  vmCreate: { expectedMs: 54 * s, pollFraction: 0.04, minPollMs: 2 * s, maxPollMs: 15 * s },
  /** Run command: at least ~20 s (DOCS-RC), plus whatever the script takes. */
  runCommand: { expectedMs: 20 * s, pollFraction: 0.15, minPollMs: 3 * s, maxPollMs: 30 * s },
  /** Power actions: deallocate 23 s / 46–53 s, powerOff 11 s (PYREC, packer-plugin-azure#141). */
  deallocate: { expectedMs: 23 * s, pollFraction: 0.12, minPollMs: 3 * s, maxPollMs: 15 * s },
  restart: { expectedMs: 30 * s, pollFraction: 0.1, minPollMs: 3 * s, maxPollMs: 15 * s },
  /** Managed image from a VM: no figure found, tens of seconds (facts §6, guess). */
  managedImage: { expectedMs: 20 * s, pollFraction: 0.1, minPollMs: 3 * s, maxPollMs: 30 * s },
  /** The same while a gallery version (minutes) is made concurrently: off the critical path, so poll coarsely. */
  managedImageBesideGallery: { expectedMs: 30 * s, pollFraction: 0.5, minPollMs: 15 * s, maxPollMs: 120 * s },
  /**
   * Gallery image version, one region: 8–11 min (PYREC galleries, bosh-azure-cpi-release#710). It is
   * the longest step of a build, so detection lag is kept at 2% of it; polls are cheap GetOperation
   * calls (15000 per 3 min), so even an hour of replication (~100 polls) is harmless.
   */
  galleryVersion: { expectedMs: 480 * s, pollFraction: 0.02, minPollMs: 5 * s, maxPollMs: 60 * s },
  /** Deleting a deallocated VM: 0.4 s (PYREC); a running one longer. */
  vmDelete: { expectedMs: 1 * s, pollFraction: 0.2, minPollMs: 1 * s, maxPollMs: 10 * s },
  /** Other deletes: disks, images, gallery versions (seconds; unverified). */
  delete: { expectedMs: 2 * s, pollFraction: 0.2, minPollMs: 1 * s, maxPollMs: 10 * s },
  /** Resource group delete: 78 s small, 3–4 min typical (JSREC, hashicorp/packer#5293). */
  resourceGroupDelete: { expectedMs: 60 * s, pollFraction: 0.1, minPollMs: 5 * s, maxPollMs: 30 * s },
  /** Disk import from a VHD blob (unverified). */
  diskImport: { expectedMs: 20 * s, pollFraction: 0.1, minPollMs: 2 * s, maxPollMs: 30 * s },
} satisfies Record<string, Schedule>;

/**
 * ARM's template deployment engine: its own time beyond the resources' operations (validation and job
 * queueing before the first resource, completion after the last). No fact gives a figure; ~2 s assumed.
 */
export const DEPLOYMENT_OVERHEAD_MS = 2 * s;

/**
 * A template deployment runs its resources in dependency order, so it ends at the earliest after the
 * sum of their expected durations along its longest dependency chain (e.g. the build network: public IP
 * 2.5 s → NAT gateway 8 s → VNet 2.5 s → NIC 2.5 s, from the network schedules above) plus the engine's
 * overhead. It is polled like the network operations it consists of: finely, since it is short.
 */
export function deploymentSchedule(chainExpectedMs: number): Schedule {
  return { ...SCHEDULES.deployment, expectedMs: chainExpectedMs + DEPLOYMENT_OVERHEAD_MS };
}

/** A gallery version replicating to several regions takes longer (15–20 min typical, plugin#313). */
export function galleryVersionSchedule(regionCount: number): Schedule {
  const extra = Math.max(0, regionCount - 1);
  return { ...SCHEDULES.galleryVersion, expectedMs: SCHEDULES.galleryVersion.expectedMs + extra * 120 * s };
}

/** Interval to the next poll after a poll at `elapsedMs` (time since the operation was submitted). */
export function nextPollInterval(schedule: Schedule, elapsedMs: number): number {
  return Math.min(schedule.maxPollMs, Math.max(schedule.minPollMs, schedule.pollFraction * elapsedMs));
}

/** The poll times (since submission) of an operation that takes `durationMs`: for tests and estimates. */
export function pollTimes(schedule: Schedule, durationMs: number): number[] {
  const times: number[] = [];
  let t = schedule.expectedMs;
  for (;;) {
    times.push(t);
    if (t >= durationMs || times.length > 10_000) return times;
    t += nextPollInterval(schedule, t);
  }
}

export interface LroContext {
  clock: ModelClock;
  signal?: AbortSignal;
}

export interface LroStartOptions {
  abortSignal?: AbortSignal;
  updateIntervalInMs: number;
  onResponse: (response: { headers: { get(name: string): string | undefined } }) => void;
}

export interface AwaitOptions {
  /** Phase named in errors. */
  phase: string;
  schedule: Schedule;
  /**
   * Called every `everyMs` model ms while waiting (e.g. to read and log replication progress). What it
   * returns, if anything, reschedules the wait: the next tick and the status polls (see WaitAdvice).
   */
  tick?: { everyMs: number; fn: (elapsedMs: number) => Promise<WaitAdvice | void> };
}

/** How a progress reading reschedules a wait (all times are model ms since the operation was submitted). */
export interface WaitAdvice {
  /** When to call the tick next (default: `everyMs` from now; Infinity: not again). */
  nextTickAtMs?: number;
  /** When to poll the operation's status next (replaces the schedule's next poll time). */
  pollAtMs?: number;
  /** Interval between the polls from `pollAtMs` on (default: the schedule's). */
  pollIntervalMs?: number;
}

/**
 * Starts an operation through an SDK poller and waits for it on its schedule. `start` must pass
 * the given options to the SDK method (abort signal, poll interval, response callback: the last
 * captures the correlation id of the initial request, which errors of the operation then carry).
 */
export async function runLro<T>(
  ctx: LroContext,
  opts: AwaitOptions,
  start: (options: LroStartOptions) => PollerLike<OperationState<T>, T>,
): Promise<T> {
  const { poller, correlationId } = await submitLro(ctx, opts, start);
  return awaitSubmitted(ctx, opts, poller, correlationId);
}

/** Sends the initial request only (e.g. a resource group delete that need not be waited for). */
export async function submitLro<T>(
  ctx: LroContext,
  opts: AwaitOptions,
  start: (options: LroStartOptions) => PollerLike<OperationState<T>, T>,
): Promise<{ poller: PollerLike<OperationState<T>, T>; correlationId: () => string | undefined }> {
  let correlationId: string | undefined;
  const poller = start({
    abortSignal: ctx.signal,
    updateIntervalInMs: ctx.clock.realMs(opts.schedule.minPollMs),
    onResponse: (response) => {
      correlationId ??=
        response.headers.get('x-ms-correlation-request-id') ??
        response.headers.get('x-ms-request-id') ??
        undefined;
    },
  });
  try {
    await poller.submitted();
  } catch (err) {
    throw toBuildError(opts.phase, err, correlationId);
  }
  return { poller, correlationId: () => correlationId };
}

export async function awaitSubmitted<T>(
  ctx: LroContext,
  opts: AwaitOptions,
  poller: PollerLike<OperationState<T>, T>,
  correlationId: () => string | undefined,
): Promise<T> {
  const { clock, signal } = ctx;
  const started = clock.nowModelMs();
  const elapsed = (): number => clock.nowModelMs() - started;
  try {
    let nextPoll = opts.schedule.expectedMs;
    let pollInterval: number | undefined;
    let nextTick = opts.tick?.everyMs ?? Infinity;
    while (!poller.isDone) {
      const wake = Math.min(nextPoll, nextTick);
      await clock.sleep(wake - elapsed(), signal);
      if (opts.tick && elapsed() >= nextTick) {
        const advice = await opts.tick.fn(elapsed());
        nextTick = advice?.nextTickAtMs ?? elapsed() + opts.tick.everyMs;
        if (advice?.pollAtMs !== undefined) {
          nextPoll = advice.pollAtMs;
          pollInterval = advice.pollIntervalMs;
        }
      }
      if (elapsed() >= nextPoll) {
        await poller.poll({ abortSignal: signal });
        nextPoll = elapsed() + (pollInterval ?? nextPollInterval(opts.schedule, elapsed()));
      }
    }
    // Done: returns the result (or throws the failure) without another request.
    return await poller.pollUntilDone({ abortSignal: signal });
  } catch (err) {
    throw toBuildError(opts.phase, err, correlationId());
  }
}

// ---------------------------------------------------------------------------------------------------
// Waiting guided by progress (a gallery image version's replication).
//
// Azure reports a gallery version's replication progress per region ($expand=ReplicationStatus: state
// and an integer percentage, facts §3). A copy progresses roughly linearly, so two readings predict when
// a region will be done, and the status polls can be placed around that moment instead of spread over
// the whole 8–11 min (one region) or 15–20 min (several; facts §6) range. Readings and polls are both
// requests; near the end a reading tells more than a poll (when, not only whether), so the wait
// approaches the end with readings and finishes with a few polls:
//
// - Uncertainty. A reported percentage is within ±1 of the truth, whatever Azure's rounding. The rate
//   comes from the longest run of readings consistent with the latest two (progress often starts late,
//   e.g. after a snapshot; a line from the first reading that shows progress is kept only while the
//   latest readings agree with it). That gives, per region, the earliest and latest end consistent with
//   the readings; the operation ends with its slowest region (the gallery service reports success only
//   once every region is done, facts §3).
// - Margin. Copies are not exactly linear: the window is widened by 5% of the time still extrapolated.
// - Polls inside the window come every 1% of the predicted duration (at least the schedule's minimum),
//   which keeps detection lag at 1% of the longest step of a build. When the window would take more than
//   four such polls, one more reading just before it (a narrower window) is cheaper than the polls.
// - Readings come every 3 minutes (the log's cadence, issue 4) while the window is further away.
// - A reading that shows every region done (or one Failed) polls at once. When the window passes without
//   the operation ending, the next reading plans again. When no prediction is possible (no percentage,
//   no growth yet), the schedule's own polls stand: first at the low end of the facts' range, then growing.
//
// The facts' range bounds the plan only through that fallback: the readings are this operation's own
// evidence, better than two observations of other operations, and Shallow replication or a small disk
// ends well before 8 min (a prediction clamped to the range would add minutes of lag there); a
// prediction beyond the range is not cut short either, but the 3-minute readings go on, so an operation
// that speeds up is seen within one reading.

/** One reading of one part of an operation (a gallery version: one region). */
export interface ProgressReading {
  /** Model ms since the operation was submitted. */
  atMs: number;
  /** Percent done as reported (integer: within ±1 of the truth). */
  percent: number;
  /** The part reports itself complete. */
  done: boolean;
  /** The part reports itself failed: the operation will fail, so it is polled at once. */
  failed?: boolean;
}

export const PROGRESS_GUIDE = {
  /** Model ms between readings while the end is further away (the log's cadence). */
  readEveryMs: 180_000,
  /** The predicted window is widened by this fraction of the time still extrapolated. */
  nonLinearMargin: 0.05,
  /** Interval between polls inside the window: this fraction of the predicted duration. */
  windowPollFraction: 0.01,
  /** A window needing more polls than this gets one more reading first. */
  maxWindowPolls: 4,
} as const;

/** Rate bounds (percent per ms) between two readings, each within ±1 of the truth. */
function rateBounds(a: ProgressReading, b: ProgressReading): [number, number] {
  const dt = b.atMs - a.atMs;
  const dp = b.percent - a.percent;
  return [(dp - 2) / dt, (dp + 2) / dt];
}

/** Earliest and latest end (ms since submission) of one part still running, or undefined: no prediction. */
export function predictPartEnd(readings: ProgressReading[]): [number, number] | undefined {
  // A reading at 0% may be taken before the copy started: it says nothing about the rate.
  const points = readings.filter((r) => !r.done && r.percent > 0);
  if (points.length < 2) return undefined;
  const last = points[points.length - 1];
  const prev = points[points.length - 2];
  if (last.atMs <= prev.atMs) return undefined;
  let [lo, hi] = rateBounds(prev, last);
  for (const first of points.slice(0, -2)) {
    if (last.atMs <= first.atMs) continue;
    const [flo, fhi] = rateBounds(first, last);
    if (flo <= hi && lo <= fhi) {
      [lo, hi] = [Math.max(lo, flo), Math.min(hi, fhi)];
      break;
    }
  }
  // Growth within the rounding is no evidence of a rate: no prediction (the schedule stands).
  if (lo <= 0) return undefined;
  const earliest = last.atMs + Math.max(0, 100 - last.percent - 1) / hi;
  const latest = last.atMs + (100 - last.percent + 1) / lo;
  return [earliest, latest];
}

/** The plan after a reading at `nowMs`: `parts` holds each part's readings so far, oldest first. */
export function planFromProgress(
  parts: ProgressReading[][],
  nowMs: number,
  schedule: Schedule,
): WaitAdvice & { endMs?: [number, number] } {
  const g = PROGRESS_GUIDE;
  const fallback = { nextTickAtMs: nowMs + g.readEveryMs };
  const latest = parts.map((p) => p[p.length - 1]);
  if (!latest.length || latest.some((r) => r === undefined)) return fallback;
  if (latest.some((r) => r.failed) || latest.every((r) => r.done))
    return { pollAtMs: nowMs, nextTickAtMs: Infinity };
  let earliest = 0;
  let last = 0;
  for (const part of parts) {
    if (part[part.length - 1].done) continue;
    const end = predictPartEnd(part);
    if (!end) return fallback;
    earliest = Math.max(earliest, end[0]);
    last = Math.max(last, end[1]);
  }
  const margin = g.nonLinearMargin * Math.max(0, earliest - nowMs);
  const start = Math.max(nowMs, earliest - margin);
  const end = last + margin;
  const interval = Math.max(schedule.minPollMs, g.windowPollFraction * earliest);
  const endMs: [number, number] = [earliest, last];
  const narrow = end - start <= g.maxWindowPolls * interval;
  const noRoomForReading = start - interval <= nowMs + interval;
  if (narrow || noRoomForReading) {
    // Poll through the window (at most maxWindowPolls polls), then read again if it passed without
    // the end: a slower end, or a tail at 100%.
    const reread = Math.min(end, start + g.maxWindowPolls * interval);
    return { pollAtMs: start, pollIntervalMs: interval, nextTickAtMs: reread, endMs };
  }
  return {
    pollAtMs: start,
    pollIntervalMs: interval,
    nextTickAtMs: Math.min(nowMs + g.readEveryMs, start - interval),
    endMs,
  };
}
