// The contract between the emulator's VM model and a guest operating system.

export type GuestOsType = 'Linux' | 'Windows';

export interface RunScriptRequest {
  /** The whole script text (a managed run command's source.script, or the action API's lines joined by \n). */
  script: string;
  /** Linux: real milliseconds (the script is a real process). Windows: milliseconds of the guest's model clock. */
  timeoutMs: number;
  /** Extra environment variables (run command parameters / protectedParameters). */
  env?: Record<string, string>;
  /** Managed run command runAsUser: recorded and exposed as USER / LOGNAME (Linux), USERNAME (Windows); no real user switch. */
  runAsUser?: string;
  /** Aborting kills the script (a deleted managed run command kills its running script: facts §4). */
  signal?: AbortSignal;
}

export interface RunScriptResult {
  stdout: string;
  stderr: string;
  /** null when the script was killed (timeout or cancel). */
  exitCode: number | null;
  timedOut: boolean;
  canceled: boolean;
  /** Epoch ms (Linux: wall clock; Windows: the guest's model clock). */
  startedAt: number;
  endedAt: number;
  durationMs: number;
}

export interface Guest {
  readonly osType: GuestOsType;
  /** The VM's disk: a directory that persists across scripts. */
  readonly dir: string;
  /**
   * Linux: `waagent -deprovision[+user]` ran. Windows: sysprep /generalize reached
   * IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE. A VM created from a generalized image whose guest was not
   * deprovisioned fails with OSProvisioningTimedOut (facts §3).
   */
  readonly deprovisioned: boolean;
  runScript(req: RunScriptRequest): Promise<RunScriptResult>;
  /** Copies the disk and the guest state into toDir (an image captured from this VM). */
  snapshot(toDir: string): Promise<void>;
  /** The VM booted from a generalized image was provisioned: the guest is a fresh, non-deprovisioned machine again. */
  markProvisioned(): Promise<void>;
  /** Stops timers; the sandbox directory is left for the caller to remove. */
  dispose(): void;
}
