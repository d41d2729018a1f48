// A simulated Windows guest (issue 2, "The guest"): PowerShell cannot run here, so scripts go through a
// small interpreter (powershell-sim.ts) over a simulated machine: a file system kept in the sandbox
// directory, the guest agent services, the Setup\State ImageState registry value, sysprep's state
// machine, restarts and power-off. README.md in this folder lists exactly what is simulated.
import { promises as fs, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_STATE, RESTART_MARKER, WINDOWS_UPDATE_OUTPUT } from '../../../src/core/guest-scripts.js';
import { PsInterpreter, type PsHost, type PsValue } from './powershell-sim.js';
import type { Guest, RunScriptRequest, RunScriptResult } from './types.js';

export type SysprepBehaviour = 'ok' | 'hang' | 'fail';

export interface WindowsGuestOptions {
  /** The sandbox directory of this VM (created if missing). */
  dir: string;
  /** Model clock in ms (the emulator passes its time-scaled clock). Default Date.now. */
  now?: () => number;
  /** Real ms between checks of the model clock while waiting. Default 5. */
  pollMs?: number;
  /**
   * Tests with a manual clock: a wait (Start-Sleep) moves the clock forward by what is left of it at
   * once instead of checking it every pollMs (virtual time), so the model times a test sees do not
   * depend on how fast the machine runs the script between waits.
   */
  advanceClock?: (ms: number) => void;
  /** 'hang': stays in IMAGE_STATE_UNDEPLOYABLE forever; 'fail': sysprep exits with errors in setuperr.log. */
  sysprep?: SysprepBehaviour;
  /** Model ms from Sysprep.exe start to IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE (or to the failure). Default 3 min. */
  sysprepDurationMs?: number;
  /** Model ms after a (re)start until RdAgent and WindowsAzureGuestAgent are Running. Default 30 s. */
  agentStartDelayMs?: number;
  /** 'down': the agent services never reach Running (tests the agent wait's timeout). */
  agent?: 'ok' | 'down';
  /** Updates found by each successive Windows Update round (a restart is needed after any round that installed some). Default [0]. */
  windowsUpdates?: number[];
  computerName?: string;
}

interface WindowsState {
  osType: 'Windows';
  imageState: string;
  deprovisioned: boolean;
  windowsUpdateRounds: number;
  computerName: string;
}

const STATE_FILE = 'guest.json';
// Run Command v2's working directory on Windows (unverified: modelled on the handler's download folder).
const CWD = 'C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows\\Downloads';
const SETUP_STATE = 'hklm:\\software\\microsoft\\windows\\currentversion\\setup\\state';
const AGENT_SERVICES = ['RdAgent', 'WindowsAzureGuestAgent'];
// Left by Azure's provisioning of a Windows VM; sysprep must not find it (AIB-GEN removes it).
const PROVISIONING_UNATTEND = 'C:\\Windows\\Panther\\unattend.xml';
const SETUPERR = 'C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log';

export class WindowsGuest implements Guest, PsHost {
  readonly osType = 'Windows' as const;
  readonly dir: string;
  /** A script ran Restart-Computer / shutdown /r; the emulator restarts the VM and calls restart(). */
  restartRequested = false;
  poweredOff = false;
  private state: WindowsState;
  private readonly opts: WindowsGuestOptions;
  private readonly clock: () => number;
  private agentReadyAt: number;
  private sysprepRun?: { startedAt: number; flags: string[] };
  private timer?: NodeJS.Timeout;
  private shutdownListeners: (() => void)[] = [];
  private runEnv: Record<string, string> = {};

  private constructor(dir: string, state: WindowsState, opts: WindowsGuestOptions) {
    this.dir = dir;
    this.state = state;
    this.opts = opts;
    this.clock = opts.now ?? Date.now;
    // A VM whose create call succeeded is provisioned, its agent already reported ready.
    this.agentReadyAt = this.clock();
  }

  static async create(opts: WindowsGuestOptions): Promise<WindowsGuest> {
    const dir = path.resolve(opts.dir);
    const existing = await readState(dir);
    const fresh = !existing;
    const guest = new WindowsGuest(
      dir,
      existing ?? {
        osType: 'Windows',
        imageState: IMAGE_STATE.COMPLETE,
        deprovisioned: false,
        windowsUpdateRounds: 0,
        computerName: opts.computerName ?? 'buildvm',
      },
      opts,
    );
    for (const d of [
      'C:\\Windows\\System32\\Sysprep\\Panther',
      'C:\\Windows\\Panther',
      'C:\\Windows\\Temp',
      CWD,
    ]) {
      await guest.makeDirectory(d);
    }
    if (fresh)
      await guest.writeFile(
        PROVISIONING_UNATTEND,
        '<?xml version="1.0" encoding="utf-8"?>\r\n<unattend/>\r\n',
        false,
      );
    await guest.save();
    return guest;
  }

  /** A new VM's disk from a captured image: copies snapshotDir into opts.dir, keeping ImageState and the flag. */
  static async fromSnapshot(snapshotDir: string, opts: WindowsGuestOptions): Promise<WindowsGuest> {
    const state = await readState(snapshotDir);
    if (!state || state.osType !== 'Windows')
      throw new Error(`${snapshotDir} is not a Windows guest snapshot`);
    await fs.cp(snapshotDir, path.resolve(opts.dir), { recursive: true });
    return WindowsGuest.create(opts);
  }

  get deprovisioned(): boolean {
    this.advance();
    return this.state.deprovisioned;
  }

  get imageState(): string {
    this.advance();
    return this.state.imageState;
  }

  get sysprepRunning(): boolean {
    this.advance();
    return this.sysprepRun !== undefined;
  }

  /** Called once when the guest powers itself off (sysprep /shutdown, Stop-Computer, shutdown /s). */
  onShutdown(listener: () => void): void {
    this.shutdownListeners.push(listener);
  }

  async runScript(req: RunScriptRequest): Promise<RunScriptResult> {
    this.advance();
    if (this.poweredOff)
      throw new Error('The guest is powered off: a run command needs a running VM with its agent.');
    const startedAt = this.clock();
    this.runEnv = {
      SystemRoot: 'C:\\Windows',
      windir: 'C:\\Windows',
      SystemDrive: 'C:',
      TEMP: 'C:\\Windows\\Temp',
      TMP: 'C:\\Windows\\Temp',
      ProgramFiles: 'C:\\Program Files',
      ProgramData: 'C:\\ProgramData',
      COMPUTERNAME: this.state.computerName.toUpperCase(),
      USERNAME: req.runAsUser ?? 'SYSTEM',
      ...req.env,
    };
    let result: Omit<RunScriptResult, 'startedAt' | 'endedAt' | 'durationMs'>;
    if (/Microsoft\.Update\.Session/i.test(req.script)) {
      result = await this.windowsUpdateRound();
    } else {
      result = await new PsInterpreter(this, { deadline: startedAt + req.timeoutMs, signal: req.signal }).run(
        req.script,
      );
    }
    await this.save();
    const endedAt = this.clock();
    return { ...result, startedAt, endedAt, durationMs: endedAt - startedAt };
  }

  /** The VM restarted (ARM restart, or after restartRequested): the agent comes back after agentStartDelayMs. */
  async restart(): Promise<void> {
    this.poweredOff = false;
    this.boot();
    await this.save();
  }

  /** ARM powerOff / deallocate. */
  powerOff(): void {
    this.stopTimer();
    this.sysprepRun = undefined;
    this.poweredOff = true;
  }

  /** ARM start after a stop. */
  async start(): Promise<void> {
    return this.restart();
  }

  async snapshot(toDir: string): Promise<void> {
    this.advance();
    await this.save();
    await fs.mkdir(toDir, { recursive: true });
    await fs.cp(this.dir, toDir, { recursive: true });
  }

  async markProvisioned(): Promise<void> {
    this.state.deprovisioned = false;
    this.state.imageState = IMAGE_STATE.COMPLETE;
    this.state.windowsUpdateRounds = 0;
    await this.writeFile(
      PROVISIONING_UNATTEND,
      '<?xml version="1.0" encoding="utf-8"?>\r\n<unattend/>\r\n',
      false,
    );
    await this.save();
  }

  dispose(): void {
    this.stopTimer();
  }

  // ------------------------------------------------------------ sysprep state machine

  private boot(): void {
    this.restartRequested = false;
    this.sysprepRun = undefined;
    this.stopTimer();
    // Booting a sealed image runs OOBE/specialize: the machine is an ordinary installation again.
    if (this.state.imageState !== IMAGE_STATE.COMPLETE) {
      this.state.imageState = IMAGE_STATE.COMPLETE;
      this.state.deprovisioned = false;
    }
    this.agentReadyAt = this.clock() + (this.opts.agentStartDelayMs ?? 30_000);
  }

  private startSysprep(args: string[]): void {
    this.advance();
    if (this.sysprepRun) return; // a second instance refuses to run while one is running
    const flags = args.map((a) => a.toLowerCase());
    this.sysprepRun = { startedAt: this.clock(), flags };
    this.state.imageState = IMAGE_STATE.UNDEPLOYABLE;
    if ((this.opts.sysprep ?? 'ok') !== 'hang') {
      this.timer = setInterval(() => this.advance(), this.opts.pollMs ?? 5);
      this.timer.unref();
    }
  }

  /** Applies whatever the model clock says has happened since the last look. */
  private advance(): void {
    const run = this.sysprepRun;
    if (!run) return;
    const mode = this.opts.sysprep ?? 'ok';
    if (mode === 'hang') return;
    if (this.clock() < run.startedAt + (this.opts.sysprepDurationMs ?? 180_000)) return;
    this.sysprepRun = undefined;
    this.stopTimer();
    if (mode === 'fail') {
      // The image stays IMAGE_STATE_UNDEPLOYABLE and sysprep exits; the reason is in setuperr.log (unverified
      // which state a failed generalize leaves; SETUPERR in src/core/guest-scripts.ts for the log).
      const line = `${new Date(this.clock()).toISOString().replace('T', ' ').slice(0, 19)}, Error                 SYSPRP Package Microsoft.Example_1.0.0.0_x64__8wekyb3d8bbwe was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.\r\n`;
      mkdirSync(path.dirname(this.diskPath(SETUPERR)), { recursive: true });
      writeFileSync(this.diskPath(SETUPERR), line, { flag: 'a' });
      return;
    }
    const generalize = run.flags.includes('/generalize');
    const audit = run.flags.includes('/audit');
    this.state.imageState = generalize
      ? audit
        ? IMAGE_STATE.GENERALIZE_RESEAL_TO_AUDIT
        : IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE
      : audit
        ? IMAGE_STATE.SPECIALIZE_RESEAL_TO_AUDIT
        : IMAGE_STATE.SPECIALIZE_RESEAL_TO_OOBE;
    this.state.deprovisioned = generalize && !audit;
    writeFileSync(path.join(this.dir, STATE_FILE), JSON.stringify(this.state, null, 2));
    if (run.flags.includes('/shutdown')) this.shutdown();
    else if (run.flags.includes('/reboot')) this.restartRequested = true;
    // '/quit': sysprep exits and the VM keeps running.
  }

  private shutdown(): void {
    this.powerOff();
    const listeners = this.shutdownListeners;
    for (const l of listeners) l();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async windowsUpdateRound(): Promise<Omit<RunScriptResult, 'startedAt' | 'endedAt' | 'durationMs'>> {
    const rounds = this.opts.windowsUpdates ?? [0];
    const round = this.state.windowsUpdateRounds++;
    const count = rounds[Math.min(round, rounds.length - 1)] ?? 0;
    const out = [`[simulated] Windows Update Agent round ${round + 1}`];
    for (let i = 1; i <= count; i++)
      out.push(`Update: Simulated cumulative update ${round + 1}.${i} (KB50${round}${i}000)`);
    out.push(`${WINDOWS_UPDATE_OUTPUT.updatesFound}${count}`);
    if (count > 0) {
      out.push(
        `${WINDOWS_UPDATE_OUTPUT.resultCode}2`,
        `${WINDOWS_UPDATE_OUTPUT.rebootRequired}True`,
        RESTART_MARKER,
      );
    }
    return { stdout: `${out.join('\n')}\n`, stderr: '', exitCode: 0, timedOut: false, canceled: false };
  }

  // ------------------------------------------------------------ PsHost

  now(): number {
    return this.clock();
  }

  async waitUntil(until: number, shouldStop: () => boolean): Promise<void> {
    if (this.opts.advanceClock) {
      const left = until - this.clock();
      if (left > 0 && !shouldStop()) this.opts.advanceClock(left);
      await new Promise((r) => setImmediate(r));
      return;
    }
    while (this.clock() < until && !shouldStop()) {
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 5));
    }
  }

  /** $env:NAME of the current run (case-insensitive, as on Windows). */
  env(name: string): string | undefined {
    const key = Object.keys(this.runEnv).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : this.runEnv[key];
  }

  /** Maps a Windows path to the sandbox: C:\A\b.txt -> <dir>/disk/c/a/b.txt (case-insensitive, as NTFS). */
  diskPath(winPath: string): string {
    let p = winPath.replace(/\//g, '\\').trim();
    if (!/^[A-Za-z]:/.test(p)) p = p.startsWith('\\') ? `C:${p}` : `${CWD}\\${p}`;
    const drive = p[0].toLowerCase();
    const segs: string[] = [];
    for (const seg of p.slice(2).split('\\')) {
      if (!seg || seg === '.') continue;
      if (seg === '..') segs.pop();
      else segs.push(seg.toLowerCase());
    }
    return path.join(this.dir, 'disk', drive, ...segs);
  }

  async fileExists(p: string): Promise<'file' | 'directory' | undefined> {
    if (/^hk(lm|cu):/i.test(p))
      return p.toLowerCase().replace(/\\+$/, '') === SETUP_STATE ? 'directory' : undefined;
    const st = await fs.stat(this.diskPath(p)).catch(() => undefined);
    return st ? (st.isDirectory() ? 'directory' : 'file') : undefined;
  }

  async readFile(p: string): Promise<string> {
    return fs.readFile(this.diskPath(p), 'utf8');
  }

  async writeFile(p: string, content: string, append: boolean): Promise<void> {
    const target = this.diskPath(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content, { flag: append ? 'a' : 'w' });
  }

  async makeDirectory(p: string): Promise<void> {
    await fs.mkdir(this.diskPath(p), { recursive: true });
  }

  async remove(p: string): Promise<void> {
    await fs.rm(this.diskPath(p), { recursive: true, force: true });
  }

  service(name: string): { Name: string; Status: string } | undefined {
    const known = AGENT_SERVICES.find((s) => s.toLowerCase() === name.toLowerCase());
    if (!known) return undefined;
    const running = (this.opts.agent ?? 'ok') === 'ok' && this.clock() >= this.agentReadyAt;
    return { Name: known, Status: running ? 'Running' : 'Stopped' };
  }

  registryKey(key: string): Record<string, PsValue> | undefined {
    const k = key
      .toLowerCase()
      .replace(/^registry::hkey_local_machine/, 'hklm:')
      .replace(/\\+$/, '');
    return k === SETUP_STATE ? { ImageState: this.imageState } : undefined;
  }

  processRunning(name: string): boolean {
    return name.toLowerCase().replace(/\.exe$/, '') === 'sysprep' && this.sysprepRunning;
  }

  async runNative(program: string, args: string[], wait: boolean): Promise<number | undefined> {
    if (!/(^|[\\/])sysprep(\.exe)?$/i.test(program)) return undefined;
    this.startSysprep(args);
    if (wait) await this.waitUntil(Number.POSITIVE_INFINITY, () => !this.sysprepRunning);
    return 0;
  }

  restartComputer(): void {
    this.restartRequested = true;
  }

  stopComputer(): void {
    this.shutdown();
  }

  private async save(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(path.join(this.dir, STATE_FILE), JSON.stringify(this.state, null, 2));
  }
}

async function readState(dir: string): Promise<WindowsState | undefined> {
  const text = await fs.readFile(path.join(dir, STATE_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as WindowsState);
}
