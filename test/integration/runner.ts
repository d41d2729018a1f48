// Runs the bundled action (dist/index.js) the way the GitHub runner does: inputs as
// INPUT_* variables, GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, the
// main step, then the post step with the saved state as STATE_* variables.
// Used by the integration tests, `npm start` and the benchmark.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EmulatorHandle } from '../emulator/index.js';

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Real milliseconds from spawn to exit. */
  realMs: number;
}

export interface RunOptions {
  inputs: Record<string, string>;
  env?: Record<string, string>;
  /** Working directory (GITHUB_WORKSPACE); scripts are resolved against it. */
  workspace: string;
  /** Kill the main step with this signal after `killAfterMs` real milliseconds. */
  kill?: { signal: NodeJS.Signals; afterMs?: number; whenStdoutMatches?: RegExp };
  /**
   * Echo the step's output: `true` as written (workflow commands included), `'rendered'` as the job
   * log shows it (see LogRenderer). For `npm start`.
   */
  echo?: boolean | 'rendered';
  /** With `echo: 'rendered'`: show `::debug::` lines too (as with ACTIONS_STEP_DEBUG). */
  echoDebug?: boolean;
  entry?: string;
}

/** Parses the runner's file-command format: `name<<DELIM\nvalue\nDELIM` or `name=value`. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

/** Reverses the escaping of workflow command data (`%25`, `%0D`, `%0A`). */
const unescapeData = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

/**
 * Renders a step's stdout the way the GitHub job log shows it: `::add-mask::` values replaced by `***`
 * (from then on, also in later steps), groups as `▸ name`, warnings and errors labelled, `::debug::`
 * lines hidden unless asked for, other workflow commands consumed.
 */
export class LogRenderer {
  private readonly masks: string[] = [];
  private partial = '';
  constructor(private readonly options: { debug?: boolean } = {}) {}

  /** Feeds a chunk of stdout; returns the complete lines it ends, rendered. */
  feed(chunk: string): string {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines
      .map((line) => this.line(line))
      .filter((l): l is string => l !== undefined)
      .map((l) => `${l}\n`)
      .join('');
  }

  /** The rest of the output (a last line without a newline). */
  flush(): string {
    const rest = this.partial;
    this.partial = '';
    const out = rest ? this.line(rest) : undefined;
    return out === undefined ? '' : `${out}\n`;
  }

  private mask(text: string): string {
    let out = text;
    for (const m of this.masks) out = out.split(m).join('***');
    return out;
  }

  private line(raw: string): string | undefined {
    const cmd = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(raw);
    if (!cmd) return this.mask(raw);
    const [, name, data] = cmd;
    const value = unescapeData(data);
    switch (name) {
      case 'add-mask':
        if (value) this.masks.push(value);
        return undefined;
      case 'group':
        return this.mask(`▸ ${value}`);
      case 'endgroup':
        return undefined;
      case 'debug':
        return this.options.debug ? this.mask(`##[debug]${value}`) : undefined;
      case 'warning':
        return this.mask(`Warning: ${value}`);
      case 'error':
        return this.mask(`Error: ${value}`);
      case 'notice':
        return this.mask(`Notice: ${value}`);
      default:
        return undefined;
    }
  }
}

/** The environment that points the action at an emulator with client-secret auth. */
export function emulatorEnv(emu: EmulatorHandle): {
  inputs: Record<string, string>;
  env: Record<string, string>;
} {
  return {
    inputs: {
      'subscription-id': emu.subscriptionId,
      'tenant-id': emu.tenantId,
      'client-id': emu.clientId,
      'arm-endpoint': emu.endpoint,
      'authority-host': emu.authorityHost,
    },
    env: {
      NODE_EXTRA_CA_CERTS: emu.caCertPath,
      AZURE_IMAGE_BUILD_TIME_SCALE: String(emu.timeScale),
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken,
    },
  };
}

function runStep(
  entry: string,
  env: Record<string, string>,
  opts: RunOptions,
  files: { output: string; state: string; summary: string },
  renderer?: LogRenderer,
): Promise<StepResult> {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(process.execPath, [entry], {
      env,
      cwd: opts.workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const kill = () => {
      if (!killed && opts.kill) {
        killed = true;
        child.kill(opts.kill.signal);
      }
    };
    // Decoded as a stream, so a character split across chunks (…, ▸) stays whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      stdout += s;
      if (renderer) process.stdout.write(renderer.feed(s));
      else if (opts.echo) process.stdout.write(s);
      if (opts.kill?.whenStdoutMatches?.test(stdout)) kill();
    });
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    const timer = opts.kill?.afterMs !== undefined ? setTimeout(kill, opts.kill.afterMs) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (renderer) process.stdout.write(renderer.flush());
      const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      resolvePromise({
        exitCode: code,
        signal,
        stdout,
        stderr,
        outputs: parseFileCommands(read(files.output)),
        state: parseFileCommands(read(files.state)),
        summary: read(files.summary),
        realMs: performance.now() - started,
      });
    });
  });
}

/** Runs main, then post (as `post-if: always()` does, whatever main's outcome). */
export async function runAction(opts: RunOptions): Promise<{ main: StepResult; post: StepResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'aib-runner-'));
  const files = { output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary.md') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const entry = opts.entry ?? resolve('dist/index.js');
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo-org/golden-images',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKFLOW: 'build-image',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTOR: 'octocat',
    ...(opts.env ?? {}),
  };
  for (const [k, v] of Object.entries(opts.inputs)) base[`INPUT_${k.toUpperCase()}`] = v;
  // One renderer for both steps: a value masked in main stays masked in post, as on GitHub.
  const renderer = opts.echo === 'rendered' ? new LogRenderer({ debug: opts.echoDebug }) : undefined;
  const main = await runStep(entry, base, opts, files, renderer);
  const stateEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(main.state)) stateEnv[`STATE_${k}`] = v;
  const post = await runStep(entry, { ...base, ...stateEnv }, { ...opts, kill: undefined }, files, renderer);
  return { main, post };
}
