// Turns what one action run left behind (emulator request log, recorded operations, the probe's
// timestamps, the manifest) into the benchmark's figures. Times are converted between the emulator's
// model clock and real epoch time with one reading of both clocks (model advances 1/timeScale ms per
// real ms), so "real" figures (start-up) and "model" figures (Azure time) are each on their own clock.
import { readFileSync } from 'node:fs';
import type { EmulatorHandle } from '../../test/emulator/index.js';
import type { RecordedOperation } from './instrument.js';
import { classifyOperation, criticalPath, type PathStep } from './limit.js';
import {
  armRequests,
  classifyRequest,
  countRequests,
  type LoggedRequest,
  type RequestCounts,
} from './requests.js';

export interface Probe {
  startEpochMs: number;
  outputsEpochMs?: number;
  maxRssKb: number;
  cpuMs: number;
}

export interface OperationLag {
  kind: string;
  name: string;
  /** Model seconds Azure took. */
  seconds: number;
  /** Model seconds from Azure finishing to the action seeing it (the poll that found it done). */
  lagSeconds: number;
  polls: number;
}

export interface BuildFigures {
  name: string;
  ok: boolean;
  /** Model seconds: start-up (real) + first request → image-id output written (model). */
  timeToImageIdSeconds: number;
  /** The same, all on the model clock from process start (start-up CPU time inflated by 1/timeScale). */
  timeToImageIdRawModelSeconds: number;
  limitSeconds: number;
  ratio: number;
  armRequests: RequestCounts;
  mainArmRequests: number;
  postArmRequests: number;
  /** Real ms from process start to its first request of any kind (Entra ID token) and first ARM request. */
  firstRequestMs: number;
  firstArmRequestMs: number;
  peakRssMb: number;
  mainCpuMs: number;
  mainRealSeconds: number;
  postRealSeconds: number;
  /** From the manifest (the action's model clock). */
  phases: { phase: string; seconds: number }[];
  criticalPath: (PathStep & { seconds: number })[];
  /** Every long-running operation of main: Azure's time and the action's detection lag. */
  operations: OperationLag[];
  detectionLagSeconds: number;
}

export interface RunEvidence {
  name: string;
  exitCodes: [number | null, number | null];
  realSeconds: [number, number];
  log: (LoggedRequest & { path: string; query?: string })[];
  ops: RecordedOperation[];
  probes: Probe[];
  manifestPath?: string;
}

export function clockBridge(emu: EmulatorHandle): {
  toEpoch: (model: number) => number;
  toModel: (epoch: number) => number;
} {
  const nowModel = emu.control.core.clock.now();
  const nowEpoch = Date.now();
  const k = emu.timeScale;
  return {
    toEpoch: (model) => nowEpoch - (nowModel - model) * k,
    toModel: (epoch) => nowModel - (nowEpoch - epoch) / k,
  };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function measure(emu: EmulatorHandle, ev: RunEvidence): BuildFigures {
  const core = emu.control.core;
  const { toEpoch, toModel } = clockBridge(emu);
  const [mainProbe, postProbe] = ev.probes;
  const postStart = postProbe ? toModel(postProbe.startEpochMs) : Infinity;
  const mainLog = ev.log.filter((e) => e.at < postStart);
  const postLog = ev.log.filter((e) => e.at >= postStart);
  const reqs = mainLog.filter((e) => classifyRequest(e) !== 'other').sort((a, b) => a.at - b.at);
  const arm = armRequests(reqs);
  const start = mainProbe.startEpochMs;
  const firstRequestMs = reqs.length ? toEpoch(reqs[0].at) - start : NaN;
  const firstArmRequestMs = arm.length ? toEpoch(arm[0].at) - start : NaN;
  const outputsModel = mainProbe.outputsEpochMs !== undefined ? toModel(mainProbe.outputsEpochMs) : NaN;
  // Real time up to the first ARM request (start-up, then the sign-in: local work and round trips to the
  // OIDC and Entra endpoints, which the emulator answers at once: neither gets faster with the time
  // scale), model time from there on (Azure's operations, scaled).
  const timeToImageId = firstArmRequestMs / 1000 + (outputsModel - (arm[0]?.at ?? NaN)) / 1000;
  // Template deployments run their own status operation (not the LRO engine): add each as an
  // operation whose own share is ARM's deployment overhead; its resources are recorded already.
  // It is placed just before the VM's creation in the graph's order, after its own resources.
  const mainOps = ev.ops.filter((o) => o.startedAt < postStart);
  const vmStart = Math.min(
    ...mainOps.filter((o) => classifyOperation(o.method, o.path) === 'vm').map((o) => o.startedAt),
  );
  const deployments = mainLog
    .filter((e) => e.method === 'PUT' && classifyOperation('PUT', e.path) === 'deployment' && e.status < 300)
    .map((e) => ({
      method: 'PUT',
      path: e.path,
      startedAt: Number.isFinite(vmStart) ? vmStart - 1 : e.at,
      durationMs: core.ms('deploymentOverhead'),
    }));
  const limit = criticalPath([...mainOps, ...deployments], {
    runCommandOverheadMs: core.ms('runCommandOverhead'),
    sysprepMs: core.ms('sysprep'),
    deploymentOverheadMs: core.ms('deploymentOverhead'),
  });
  const operations: OperationLag[] = ev.ops
    .filter((o) => o.startedAt < postStart && o.endedAt !== undefined)
    .map((o) => {
      const polls = o.operationId
        ? mainLog.filter((e) => e.kind === 'poll' && e.path.includes(o.operationId!))
        : [];
      const seen = polls.find((p) => p.at >= o.endedAt!);
      return {
        kind: classifyOperation(o.method, o.path),
        name: o.path.split('/').pop() ?? '',
        seconds: round((o.endedAt! - o.startedAt) / 1000),
        lagSeconds: seen ? round((seen.at - o.endedAt!) / 1000) : 0,
        polls: polls.length,
      };
    });
  let phases: { phase: string; seconds: number }[] = [];
  if (ev.manifestPath) {
    try {
      const m = JSON.parse(readFileSync(ev.manifestPath, 'utf8')) as {
        phases?: { phase: string; seconds: number }[];
      };
      phases = (m.phases ?? []).map((p) => ({ phase: p.phase, seconds: round(p.seconds) }));
    } catch {
      phases = [];
    }
  }
  const limitSeconds = limit.limitMs / 1000;
  return {
    name: ev.name,
    ok: ev.exitCodes[0] === 0 && ev.exitCodes[1] === 0 && Number.isFinite(timeToImageId),
    timeToImageIdSeconds: round(timeToImageId),
    timeToImageIdRawModelSeconds: round((outputsModel - toModel(start)) / 1000),
    limitSeconds: round(limitSeconds),
    ratio: round(timeToImageId / limitSeconds, 3),
    armRequests: countRequests(ev.log),
    mainArmRequests: armRequests(mainLog).length,
    postArmRequests: armRequests(postLog).length,
    firstRequestMs: Math.round(firstRequestMs),
    firstArmRequestMs: Math.round(firstArmRequestMs),
    peakRssMb: round(Math.max(...ev.probes.map((p) => p.maxRssKb)) / 1024),
    mainCpuMs: Math.round(mainProbe.cpuMs),
    mainRealSeconds: round(ev.realSeconds[0], 2),
    postRealSeconds: round(ev.realSeconds[1], 2),
    phases,
    criticalPath: limit.path.map((p) => ({ ...p, seconds: round(p.ms / 1000) })),
    operations,
    detectionLagSeconds: round(operations.reduce((s, o) => s + o.lagSeconds, 0)),
  };
}
