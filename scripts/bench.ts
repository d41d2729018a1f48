// `npm run bench [-- --json FILE] [--time-scale 0.05] [--builds linux-1-region,…] [--parallel 20]`
//
// Runs standard image builds with the bundled action (dist/index.js, main then post, as the GitHub
// runner does) against the embedded emulator with Azure's latency model (facts §6), time-scaled, and
// prints time to image ID against the limit set by Azure's own operation times, ARM requests, start-up
// time, peak memory and the size of dist/; then a scaling run (many builds at once in one subscription,
// throttling at Azure's default limits). What each figure means: README.md, section Benchmark.
import {
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type EmulatorHandle } from '../test/emulator/index.js';
import { ensureCertificateAuthority } from '../test/emulator/tls.js';
import { emulatorEnv, runAction, type StepResult } from '../test/integration/runner.js';
import { createResourceGroup } from '../test/integration/target-group.js';
import { recordOperations } from './bench/instrument.js';
import { clockBridge, measure, type BuildFigures, type Probe } from './bench/measure.js';
import { countRequests, type RequestCounts } from './bench/requests.js';

const TARGETS = { ratio: 1.03, linuxOneRegionRequests: 60, firstRequestMs: 300, peakRssMb: 150 };

interface Args {
  json?: string;
  /** Writes each standard build's request log and operations (model ms from its first request). */
  trace?: string;
  timeScale: number;
  builds?: string[];
  parallel: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { timeScale: 0.05, parallel: 20 };
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--json':
        args.json = value();
        break;
      case '--trace':
        args.trace = value();
        break;
      case '--time-scale':
        args.timeScale = Number(value());
        break;
      case '--builds':
        args.builds = value().split(',');
        break;
      case '--parallel':
        args.parallel = Number(value());
        break;
      default:
        throw new Error(
          `unknown option ${argv[i]} (use --json FILE, --time-scale N, --builds a,b, --parallel N)`,
        );
    }
  }
  return args;
}

const TARGET_GROUP = 'rg-golden-images';
const LOCATION = 'westeurope';

interface BuildSpec {
  name: string;
  inputs: Record<string, string>;
}

function standardBuilds(): BuildSpec[] {
  const linux = {
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    scripts: 'scripts/*.sh',
    'inline-script': 'echo "hardening: done"',
    'resource-group': TARGET_GROUP,
    gallery: 'gal_bench',
    'gallery-image-definition': 'ubuntu-2404',
  };
  return [
    {
      name: 'linux-1-region',
      inputs: { ...linux, 'image-name': 'img-linux-1', 'gallery-image-version': '1.0.0' },
    },
    {
      name: 'linux-3-regions',
      inputs: {
        ...linux,
        'image-name': 'img-linux-3',
        'gallery-image-version': '1.1.0',
        'target-regions': 'eastus, northeurope',
      },
    },
    {
      name: 'windows-2022',
      inputs: {
        'base-image': 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:latest',
        scripts: 'scripts/*.ps1',
        'resource-group': TARGET_GROUP,
        gallery: 'gal_bench',
        'gallery-image-definition': 'windows-2022',
        'gallery-image-version': '1.0.0',
        'vm-size': 'Standard_D4s_v5',
      },
    },
  ];
}

function writeWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'aib-bench-'));
  mkdirSync(join(ws, 'scripts'));
  writeFileSync(
    join(ws, 'scripts', 'install.sh'),
    '#!/bin/bash\nset -euo pipefail\nmkdir -p "$HOME/opt/agent"\necho "version=1.4.2" > "$HOME/opt/agent/agent.conf"\ncat "$HOME/opt/agent/agent.conf"\n',
  );
  writeFileSync(
    join(ws, 'scripts', 'configure.ps1'),
    "$ErrorActionPreference = 'Stop'\nWrite-Output 'Configuring the platform agent'\nWrite-Output 'done'\n",
  );
  return ws;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

const probeHook = fileURLToPath(new URL('./bench/probe.cjs', import.meta.url));

function readProbes(file: string): Probe[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Probe);
}

async function runBuild(
  emu: EmulatorHandle,
  workspace: string,
  spec: BuildSpec,
): Promise<{ main: StepResult; post: StepResult; probes: Probe[]; manifestPath: string }> {
  const { inputs, env } = emulatorEnv(emu);
  const dir = mkdtempSync(join(tmpdir(), 'aib-bench-probe-'));
  const probeFile = join(dir, 'probe.jsonl');
  const manifestPath = join(dir, 'manifest.json');
  const { main, post } = await runAction({
    workspace,
    // Signed in as on GitHub: OIDC (the emulator's GitHub token endpoint), exchanged at Entra.
    inputs: { ...inputs, ...spec.inputs, 'manifest-path': manifestPath },
    env: {
      ...env,
      // AIB_BENCH_NODE_OPTIONS: extra node options for the action processes (e.g. --cpu-prof).
      NODE_OPTIONS: `--require ${probeHook} ${process.env.AIB_BENCH_NODE_OPTIONS ?? ''}`.trim(),
      AIB_BENCH_PROBE: probeFile,
    },
  });
  return { main, post, probes: readProbes(probeFile), manifestPath };
}

async function standardRun(emu: EmulatorHandle, workspace: string, spec: BuildSpec): Promise<BuildFigures> {
  const ops = recordedOps(emu);
  ops.length = 0;
  emu.control.clearRequestLog();
  const r = await runBuild(emu, workspace, spec);
  const figures = measure(emu, {
    name: spec.name,
    exitCodes: [r.main.exitCode, r.post.exitCode],
    realSeconds: [r.main.realMs / 1000, r.post.realMs / 1000],
    log: emu.control.requestLog(),
    ops: [...ops],
    probes: r.probes,
    manifestPath: r.manifestPath,
  });
  if (args.trace) {
    const log = emu.control.requestLog();
    const t0 = log[0]?.at ?? 0;
    const lines = [
      ...log.map(
        (e) =>
          `${((e.at - t0) / 1000).toFixed(2).padStart(8)} ${e.kind.padEnd(6)} ${e.method.padEnd(6)} ${e.status} ${e.path}`,
      ),
      ...ops.map(
        (o) =>
          `${((o.startedAt - t0) / 1000).toFixed(2).padStart(8)} op     ${o.method.padEnd(6)} ends ${(((o.endedAt ?? NaN) - t0) / 1000).toFixed(2)} ${o.path}`,
      ),
    ].sort((a, b) => parseFloat(a) - parseFloat(b));
    writeFileSync(`${args.trace}.${spec.name}.txt`, lines.join('\n') + '\n');
  }
  if (!figures.ok) {
    process.stderr.write(`\n${spec.name} failed (main ${r.main.exitCode}, post ${r.post.exitCode}):\n`);
    process.stderr.write(
      r.main.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::debug::'))
        .slice(-25)
        .join('\n'),
    );
    process.stderr.write(`\n${r.main.stderr.slice(-2000)}\n`);
  }
  return figures;
}

let opsStore: ReturnType<typeof recordOperations> | undefined;
function recordedOps(emu: EmulatorHandle): ReturnType<typeof recordOperations> {
  opsStore ??= recordOperations(emu);
  return opsStore;
}

interface ScalingFigures {
  builds: number;
  completed: number;
  armRequests: RequestCounts;
  throttled429: number;
  realSeconds: number;
  timeToImageIdSeconds: { min: number; median: number; max: number };
  peakRssMb: number;
  leftOver: number;
}

async function scalingRun(emu: EmulatorHandle, workspace: string, count: number): Promise<ScalingFigures> {
  const base = standardBuilds()[0];
  emu.control.clearRequestLog();
  recordedOps(emu).length = 0;
  const throttledBefore = emu.control.core.throttler.throttled;
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      runBuild(emu, workspace, {
        name: `scale-${i + 1}`,
        inputs: {
          ...base.inputs,
          'image-name': `img-scale-${i + 1}`,
          'gallery-image-version': `2.0.${i + 1}`,
        },
      }),
    ),
  );
  const realSeconds = (performance.now() - started) / 1000;
  const log = emu.control.requestLog();
  const { toModel } = clockBridge(emu);
  const times = runs
    .map((r) => {
      const p = r.probes[0];
      return p?.outputsEpochMs !== undefined
        ? (toModel(p.outputsEpochMs) - toModel(p.startEpochMs)) / 1000
        : NaN;
    })
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  await settleDeletes(emu);
  return {
    builds: count,
    completed: runs.filter((r) => r.main.exitCode === 0 && r.post.exitCode === 0).length,
    armRequests: countRequests(log),
    throttled429: emu.control.core.throttler.throttled - throttledBefore,
    realSeconds: Math.round(realSeconds * 10) / 10,
    timeToImageIdSeconds: {
      min: Math.round(times[0] ?? NaN),
      median: Math.round(times[Math.floor(times.length / 2)] ?? NaN),
      max: Math.round(times[times.length - 1] ?? NaN),
    },
    peakRssMb: Math.round(Math.max(...runs.flatMap((r) => r.probes.map((p) => p.maxRssKb))) / 1024),
    leftOver: temporaryLeft(emu),
  };
}

/** Waits (model time) for Azure to finish deleting the temporary resource groups the builds left deleting. */
async function settleDeletes(emu: EmulatorHandle): Promise<void> {
  await emu.control.core.clock.sleep(emu.control.core.ms('resourceGroupDelete') + 5000);
}

function temporaryLeft(emu: EmulatorHandle): number {
  return emu.control.inventory().filter((r) => /\/resourceGroups\/aib-/i.test(r.id)).length;
}

// ---- output

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

function printBuilds(figures: BuildFigures[]): void {
  console.log(
    `\n${pad('build', 17)}${lpad('to image ID', 12)}${lpad('limit', 9)}${lpad('ratio', 8)}${lpad('ARM req', 9)}${lpad('r/w/d/p', 16)}${lpad('auth', 6)}${lpad('1st req', 9)}${lpad('1st ARM', 9)}${lpad('peak MB', 9)}${lpad('CPU ms', 8)}`,
  );
  for (const f of figures) {
    const a = f.armRequests;
    console.log(
      `${pad(f.name + (f.ok ? '' : ' FAILED'), 17)}${lpad(f.timeToImageIdSeconds.toFixed(1) + ' s', 12)}${lpad(f.limitSeconds.toFixed(1) + ' s', 9)}${lpad(f.ratio.toFixed(3), 8)}${lpad(a.total, 9)}${lpad(`${a.reads}/${a.writes}/${a.deletes}/${a.polls}`, 16)}${lpad(a.auth + a.oidc, 6)}${lpad(f.firstRequestMs + ' ms', 9)}${lpad(f.firstArmRequestMs + ' ms', 9)}${lpad(f.peakRssMb, 9)}${lpad(f.mainCpuMs, 8)}`,
    );
  }
  for (const f of figures) {
    console.log(
      `\n${f.name}: phases (model s, from the manifest): ${f.phases.map((p) => `${p.phase} ${p.seconds}`).join(', ')}`,
    );
    console.log(
      `  critical path (limit): ${f.criticalPath.map((p) => `${p.kind} ${p.seconds}`).join(' → ')}`,
    );
    const lagged = f.operations.filter((o) => o.lagSeconds > 0 || o.polls > 1);
    console.log(
      `  detection lag ${f.detectionLagSeconds} s over ${f.operations.length} operations; main ${f.mainArmRequests} + post ${f.postArmRequests} ARM requests; ` +
        lagged
          .map((o) => `${o.kind}(${o.name}) ${o.seconds} s +${o.lagSeconds} s lag, ${o.polls} polls`)
          .join('; '),
    );
  }
}

interface TargetRow {
  figure: string;
  value: string;
  target: string;
  /** Undefined for a figure that is only reported (no target). */
  met?: boolean;
}

function targets(figures: BuildFigures[], distBytes: number, scaling?: ScalingFigures): TargetRow[] {
  const rows: TargetRow[] = figures.map((f) => ({
    figure: `time to image ID / limit, ${f.name}`,
    value: f.ratio.toFixed(3),
    target: `<= ${TARGETS.ratio}`,
    met: f.ok && f.ratio <= TARGETS.ratio,
  }));
  const one = figures.find((f) => f.name === 'linux-1-region');
  if (one)
    rows.push({
      figure: 'ARM requests, linux-1-region (main + post)',
      value: String(one.armRequests.total),
      target: `<= ${TARGETS.linuxOneRegionRequests}`,
      met: one.armRequests.total <= TARGETS.linuxOneRegionRequests,
    });
  // The target is the issue's: the action's first request, which is its GitHub OIDC token request.
  // The first ARM request follows the OIDC, Entra metadata and token round trips; it is shown too.
  const first = Math.max(...figures.map((f) => f.firstRequestMs));
  rows.push({
    figure: 'process start to first request (worst build)',
    value: `${first} ms`,
    target: `<= ${TARGETS.firstRequestMs} ms`,
    met: first <= TARGETS.firstRequestMs,
  });
  const firstArm = Math.max(...figures.map((f) => f.firstArmRequestMs));
  rows.push({
    figure: 'process start to first ARM request (worst build)',
    value: `${firstArm} ms`,
    target: '(reported)',
  });
  const rss = Math.max(...figures.map((f) => f.peakRssMb));
  rows.push({
    figure: 'peak memory of the action process (worst build)',
    value: `${rss} MB`,
    target: `< ${TARGETS.peakRssMb} MB`,
    met: rss < TARGETS.peakRssMb,
  });
  rows.push({
    figure: 'size of dist/',
    value: `${(distBytes / 1e6).toFixed(2)} MB`,
    target: '(reported)',
  });
  if (scaling)
    rows.push({
      figure: `scaling: ${scaling.builds} builds at once complete, nothing left`,
      value: `${scaling.completed}/${scaling.builds}, ${scaling.leftOver} left, ${scaling.throttled429} x 429`,
      target: `${scaling.builds}/${scaling.builds}, 0 left`,
      met: scaling.completed === scaling.builds && scaling.leftOver === 0,
    });
  return rows;
}

// ---- main

const args = parseArgs(process.argv.slice(2));
const dist = resolve('dist');
if (!existsSync(join(dist, 'index.js'))) {
  console.error('dist/index.js is missing: run `npm run bundle` first (the benchmark measures the bundle).');
  process.exit(2);
}
const distBytes = dirBytes(dist);
const caDir = join(tmpdir(), 'azure-image-build-demo-ca');
await ensureCertificateAuthority(caDir);
const emu = await startEmulator({ timeScale: args.timeScale, caDir });
console.log(
  `Benchmark: dist/ ${(distBytes / 1e6).toFixed(2)} MB; emulator time scale ${args.timeScale} (one Azure minute = ${(60 * args.timeScale).toFixed(2)} s); throttling at Azure's default limits`,
);
try {
  await createResourceGroup(emu, TARGET_GROUP, LOCATION);
  const workspace = writeWorkspace();
  recordedOps(emu);
  const figures: BuildFigures[] = [];
  for (const spec of standardBuilds().filter((b) => !args.builds || args.builds.includes(b.name))) {
    process.stdout.write(`running ${spec.name}… `);
    const f = await standardRun(emu, workspace, spec);
    console.log(`${f.ok ? 'ok' : 'FAILED'} (${(f.mainRealSeconds + f.postRealSeconds).toFixed(1)} s real)`);
    figures.push(f);
  }
  await settleDeletes(emu);
  const leftAfterBuilds = temporaryLeft(emu);
  let scaling: ScalingFigures | undefined;
  if (args.parallel > 0 && (!args.builds || args.builds.includes('scaling'))) {
    process.stdout.write(`scaling run: ${args.parallel} builds at once… `);
    scaling = await scalingRun(emu, workspace, args.parallel);
    console.log(`${scaling.completed}/${scaling.builds} completed (${scaling.realSeconds} s real)`);
  }
  printBuilds(figures);
  if (leftAfterBuilds)
    console.log(`\n${leftAfterBuilds} temporary resources left after the standard builds!`);
  if (scaling) {
    const a = scaling.armRequests;
    console.log(
      `\nScaling: ${scaling.completed}/${scaling.builds} builds completed; ${a.total} ARM requests (reads ${a.reads}, writes ${a.writes}, deletes ${a.deletes}, polls ${a.polls}; auth ${a.auth}); ${scaling.throttled429} answered 429; time to image ID min/median/max ${scaling.timeToImageIdSeconds.min}/${scaling.timeToImageIdSeconds.median}/${scaling.timeToImageIdSeconds.max} model s (raw, CPU-contended start-up included); peak ${scaling.peakRssMb} MB; ${scaling.leftOver} temporary resources left.`,
    );
  }
  const rows = targets(figures, distBytes, scaling);
  console.log(`\n${pad('figure', 52)}${pad('value', 24)}${pad('target', 16)}met`);
  for (const r of rows)
    console.log(
      `${pad(r.figure, 52)}${pad(r.value, 24)}${pad(r.target, 16)}${r.met === undefined ? '' : r.met ? 'yes' : 'NO'}`,
    );
  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify(
        { timeScale: args.timeScale, distBytes, builds: figures, scaling, targets: rows },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nFigures written to ${args.json}`);
  }
  process.exitCode = figures.every((f) => f.ok) && (!scaling || scaling.completed === scaling.builds) ? 0 : 1;
} finally {
  await emu.stop();
}
