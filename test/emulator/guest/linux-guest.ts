// A Linux guest: scripts run for real with /bin/bash in a per-VM sandbox directory (issue 2, "The guest").
// Isolation is only a working directory, HOME, TMPDIR and a PATH whose first entry holds fake `waagent`
// and `sudo`: a script can still read or write anywhere the test process can. Do not run untrusted scripts.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Guest, RunScriptRequest, RunScriptResult } from './types.js';

export interface LinuxGuestOptions {
  /** The sandbox directory of this VM (created if missing). */
  dir: string;
  /** The provisioned admin user (osProfile.adminUsername); shown by the fake waagent. */
  adminUsername?: string;
}

interface LinuxState {
  osType: 'Linux';
  deprovisioned: boolean;
  /** What the fake waagent recorded: 'deprovision' or 'deprovision+user'. */
  deprovisionMode?: string;
  adminUsername: string;
}

const STATE_FILE = 'guest.json';
// Written by the fake waagent; read back after each script.
const DEPROVISION_FLAG = 'state/deprovisioned';

// A stand-in for the Azure Linux agent's command line (WALinuxAgent `waagent`): `-deprovision` and
// `-deprovision+user` ask for confirmation unless `-force` is given, print the agent's warnings and
// record the deprovisioning. `-version` answers like the agent. Nothing outside the sandbox is touched.
const FAKE_WAAGENT = `#!/bin/bash
mode=""; force=0
for a in "$@"; do
  case "$a" in
    -deprovision|--deprovision) mode="deprovision" ;;
    -deprovision+user|--deprovision+user) mode="deprovision+user" ;;
    -force|--force) force=1 ;;
    -verbose|--verbose) ;;
    -version|--version) echo "WALinuxAgent-2.9.1.1 running on emulated linux (azure-image-build emulator)"; exit 0 ;;
    -help|--help|-h) echo "usage: waagent [-verbose] [-force] [-help|-deprovision[+user]|-version]"; exit 0 ;;
    *) echo "waagent: unknown option $a" >&2; exit 1 ;;
  esac
done
if [ -z "$mode" ]; then echo "usage: waagent [-verbose] [-force] [-help|-deprovision[+user]|-version]" >&2; exit 1; fi
echo "WARNING! The waagent service will be stopped."
echo "WARNING! Cached DHCP leases will be deleted."
echo "WARNING! root password will be disabled. You will not be able to login as root."
echo "WARNING! /etc/resolv.conf will be deleted."
if [ "$mode" = "deprovision+user" ]; then
  echo "WARNING! $AZURE_GUEST_ADMIN account and entire home directory will be deleted."
fi
if [ "$force" != 1 ]; then
  printf "Do you want to proceed (y/n)"
  read -r answer || answer=""
  case "$answer" in y|Y|yes) ;; *) echo; exit 1 ;; esac
fi
mkdir -p "$AZURE_GUEST_STATE"
printf '%s\\n' "$mode" > "$AZURE_GUEST_STATE/deprovisioned"
exit 0
`;

// sudo: the Run Command handler already runs as root, so sudo only runs its command.
const FAKE_SUDO = `#!/bin/bash
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    -u|-g|-p|-C|-h|-U|-r|-t|-D) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
[ $# -eq 0 ] && exit 0
exec "$@"
`;

export class LinuxGuest implements Guest {
  readonly osType = 'Linux' as const;
  readonly dir: string;
  private state: LinuxState;
  private runs = 0;

  private constructor(dir: string, state: LinuxState) {
    this.dir = dir;
    this.state = state;
  }

  /** Creates (or reopens) the sandbox at opts.dir. */
  static async create(opts: LinuxGuestOptions): Promise<LinuxGuest> {
    const dir = path.resolve(opts.dir);
    const existing = await readState(dir);
    const guest = new LinuxGuest(
      dir,
      existing ?? { osType: 'Linux', deprovisioned: false, adminUsername: opts.adminUsername ?? 'azureuser' },
    );
    await guest.layout();
    await guest.save();
    return guest;
  }

  /** A new VM's disk from a captured image: copies snapshotDir into opts.dir, keeping the deprovision flag. */
  static async fromSnapshot(snapshotDir: string, opts: LinuxGuestOptions): Promise<LinuxGuest> {
    const state = await readState(snapshotDir);
    if (!state || state.osType !== 'Linux') throw new Error(`${snapshotDir} is not a Linux guest snapshot`);
    await fs.cp(snapshotDir, path.resolve(opts.dir), { recursive: true });
    return LinuxGuest.create({ ...opts, adminUsername: opts.adminUsername ?? state.adminUsername });
  }

  get deprovisioned(): boolean {
    return this.state.deprovisioned;
  }

  /** 'deprovision' or 'deprovision+user' when waagent ran. */
  get deprovisionMode(): string | undefined {
    return this.state.deprovisionMode;
  }

  get home(): string {
    return path.join(this.dir, 'home');
  }

  async runScript(req: RunScriptRequest): Promise<RunScriptResult> {
    const runDir = path.join(this.dir, 'run');
    const file = path.join(runDir, `script-${++this.runs}-${Date.now()}.sh`);
    await fs.writeFile(file, req.script, { mode: 0o700 });
    const user = req.runAsUser ?? 'root';
    // A clean environment: nothing of the test process (tokens, secrets) leaks into the guest.
    const env: Record<string, string> = {
      PATH: `${path.join(this.dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: this.home,
      TMPDIR: path.join(this.dir, 'tmp'),
      USER: user,
      LOGNAME: user,
      LANG: 'C.UTF-8',
      ...req.env,
      AZURE_GUEST_STATE: path.join(this.dir, 'state'),
      AZURE_GUEST_ADMIN: this.state.adminUsername,
    };
    const result = await runProcess(file, this.home, env, req);
    await this.refreshState();
    return result;
  }

  async snapshot(toDir: string): Promise<void> {
    await this.save();
    await fs.mkdir(toDir, { recursive: true });
    const runDir = path.join(this.dir, 'run');
    await fs.cp(this.dir, toDir, {
      recursive: true,
      filter: (src) => src !== runDir && !src.startsWith(runDir + path.sep),
    });
  }

  async markProvisioned(): Promise<void> {
    this.state.deprovisioned = false;
    delete this.state.deprovisionMode;
    await fs.rm(path.join(this.dir, DEPROVISION_FLAG), { force: true });
    await this.save();
  }

  dispose(): void {}

  private async layout(): Promise<void> {
    for (const sub of ['home', 'bin', 'tmp', 'run', 'state'])
      await fs.mkdir(path.join(this.dir, sub), { recursive: true });
    await fs.writeFile(path.join(this.dir, 'bin', 'waagent'), FAKE_WAAGENT, { mode: 0o755 });
    await fs.writeFile(path.join(this.dir, 'bin', 'sudo'), FAKE_SUDO, { mode: 0o755 });
  }

  private async refreshState(): Promise<void> {
    const flag = await fs.readFile(path.join(this.dir, DEPROVISION_FLAG), 'utf8').catch(() => undefined);
    if (flag !== undefined) {
      this.state.deprovisioned = true;
      this.state.deprovisionMode = flag.trim();
    }
    await this.save();
  }

  private async save(): Promise<void> {
    await fs.writeFile(path.join(this.dir, STATE_FILE), JSON.stringify(this.state, null, 2));
  }
}

async function readState(dir: string): Promise<LinuxState | undefined> {
  const text = await fs.readFile(path.join(dir, STATE_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as LinuxState);
}

// Runs `/bin/bash file` in its own process group; on timeout or abort the whole group is killed with
// SIGKILL. When the script exits, processes it left in the background are killed too (a sandbox keeps
// no daemons between run commands).
function runProcess(
  file: string,
  cwd: string,
  env: Record<string, string>,
  req: RunScriptRequest,
): Promise<RunScriptResult> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const child = spawn('/bin/bash', [file], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    let canceled = false;
    let settled = false;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, req.timeoutMs);
    const onAbort = (): void => {
      canceled = true;
      killGroup();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted) onAbort();
    const finish = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      const endedAt = Date.now();
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: timedOut || canceled ? null : code,
        timedOut,
        canceled,
        startedAt,
        endedAt,
        durationMs: endedAt - startedAt,
      });
    };
    child.on('error', (e) => {
      err.push(Buffer.from(`${e.message}\n`));
      finish(127);
    });
    child.on('exit', (code) => {
      // Leftover background processes hold the pipes open: kill them, then read what is left.
      killGroup();
      const grace = setTimeout(() => finish(code), 200);
      child.on('close', () => {
        clearTimeout(grace);
        finish(code);
      });
    });
  });
}
