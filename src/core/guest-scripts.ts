// The scripts the action sends into the build VM as managed run commands, and pure parsers for
// what they print. Every script here is real bash / Windows PowerShell 5.1 meant to run on Azure;
// the emulator's guests (test/emulator/guest/) run the Linux ones for real and simulate the
// Windows ones (see test/emulator/guest/README.md for exactly what is simulated).
//
// Sources:
// - AIB-GEN: Azure VM Image Builder's default generalize commands, "Default Sysprep command" and
//   "Default Linux deprovision command" in MicrosoftDocs/azure-compute-docs
//   articles/virtual-machines/linux/image-builder-json.md (section "Generalize").
// - PACKER-AZ: the Linux deprovision provisioner of the Azure docs' Packer tutorial
//   (virtual-machines/linux/build-image-with-packer): `/usr/sbin/waagent -force -deprovision+user && export
//   HISTSIZE=0 && sync`; Windows builds with Packer on Azure use the same sysprep start and ImageState poll
//   as AIB-GEN (e.g. schnerring/packer-windows-avd provision/sysprep.ps1, which adds /mode:vm).
// - MODE-VM: AIB-GEN notes its default omits /mode:vm and that it must be overridden to add it; Azure's own
//   AVD custom image template script "Admin sys prep" (Azure/RDS-Templates CustomImageTemplateScripts)
//   rewrites the AIB command to `Sysprep.exe /oobe /generalize /quit /mode:vm`. /mode:vm skips hardware
//   detection on first boot; the image is only deployed as an Azure VM, which is what it is for.
// - SETUPERR: sysprep logs its failures to %WINDIR%\System32\Sysprep\Panther\setuperr.log ("SYSPRP ..." lines).
// - WUA: the Windows Update Agent COM API (Microsoft.Update.Session, IUpdateSearcher.Search,
//   IUpdateDownloader, IUpdateInstaller, OperationResultCode 2 = succeeded, 3 = succeeded with errors,
//   4 = failed, 5 = aborted); AIB's WindowsUpdate customizer defaults to "IsInstalled=0" and excludes
//   '*Preview*' titles in its documented example (image-builder-json.md, "Windows update customizer").

/** A user script asks for a restart (Windows) by printing this line on its own. */
export const RESTART_MARKER = '##azure-image-build[restart]';

export const IMAGE_STATE = {
  COMPLETE: 'IMAGE_STATE_COMPLETE',
  UNDEPLOYABLE: 'IMAGE_STATE_UNDEPLOYABLE',
  GENERALIZE_RESEAL_TO_OOBE: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE',
  SPECIALIZE_RESEAL_TO_OOBE: 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE',
  GENERALIZE_RESEAL_TO_AUDIT: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT',
  SPECIALIZE_RESEAL_TO_AUDIT: 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT',
} as const;

/** Registry key holding ImageState (AIB-GEN, PACKER-AZ). */
export const SETUP_STATE_KEY = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State';
/** Where sysprep writes its errors (SETUPERR). */
export const SYSPREP_ERROR_LOG = '$env:SystemRoot\\System32\\Sysprep\\Panther\\setuperr.log';

// Line prefixes the scripts print and the parsers read. Kept here so both sides agree.
const IMAGE_STATE_PREFIX = 'ImageState: ';
const SYSPREP_RUNNING_PREFIX = 'SysprepRunning: ';
const SETUPERR_HEADER = '--- setuperr.log (last 20 lines) ---';
const UPDATES_FOUND_PREFIX = 'UpdatesFound: ';
const UPDATE_RESULT_PREFIX = 'UpdateResultCode: ';
const REBOOT_REQUIRED_PREFIX = 'RebootRequired: ';

/**
 * Linux generalization (AIB-GEN, PACKER-AZ): deprovision the agent and the provisioned user, drop the
 * shell history, flush to disk. `waagent` is looked up on PATH first (the Run Command handler runs as
 * root with /usr/sbin on PATH), falling back to /usr/sbin/waagent, as AIB's default does the other way
 * round. Bounded by the managed run command's timeoutInSeconds, which the action sets.
 */
export function linuxDeprovisionScript(): string {
  return [
    '#!/bin/bash',
    '# azure-image-build: generalize (waagent -deprovision+user), as Azure VM Image Builder does by default.',
    'set -u',
    'WAAGENT="$(command -v waagent || echo /usr/sbin/waagent)"',
    'if [ ! -x "$WAAGENT" ]; then',
    '  echo "waagent not found (looked on PATH and at /usr/sbin/waagent): the image needs the Azure Linux agent" >&2',
    '  exit 127',
    'fi',
    '"$WAAGENT" -force -deprovision+user && export HISTSIZE=0 && sync',
    '',
  ].join('\n');
}

export interface WindowsSysprepOptions {
  /** How long to wait for each guest agent service before failing (seconds). */
  agentWaitSeconds?: number;
}

/**
 * Windows generalization, step 1 (AIB-GEN, PACKER-AZ): wait for the guest agent services, remove a
 * leftover unattend answer file, and start sysprep. `/quit` leaves the VM running so that the action
 * can poll ImageState with further run commands (windowsImageStateScript) and then deallocate and
 * generalize it through ARM. Sysprep.exe is a GUI-subsystem program, so `&` does not wait for it: the
 * script returns as soon as sysprep is started. The script is idempotent: if the image is already
 * generalized or sysprep is already running, it starts nothing.
 */
export function windowsSysprepScript(opts: WindowsSysprepOptions = {}): string {
  const wait = opts.agentWaitSeconds ?? 600;
  const lines = [
    '# azure-image-build: generalize with sysprep (as Azure VM Image Builder does; see src/core/guest-scripts.ts)',
    "$ErrorActionPreference = 'Stop'",
  ];
  for (const service of ['RdAgent', 'WindowsAzureGuestAgent']) {
    lines.push(
      `Write-Output '>>> Waiting for the guest agent service ${service} ...'`,
      `$deadline = (Get-Date).AddSeconds(${wait})`,
      `while ((Get-Service -Name ${service} -ErrorAction SilentlyContinue).Status -ne 'Running') {`,
      `  if ((Get-Date) -gt $deadline) { throw 'The guest agent service ${service} is not running after ${wait} seconds' }`,
      '  Start-Sleep -Seconds 5',
      '}',
    );
  }
  lines.push(
    `$state = (Get-ItemProperty -Path '${SETUP_STATE_KEY}' -Name ImageState).ImageState`,
    `if ($state -eq '${IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE}') {`,
    "  Write-Output '>>> The image is already generalized; sysprep is not started again.'",
    '  exit 0',
    '}',
    'if (Get-Process -Name sysprep -ErrorAction SilentlyContinue) {',
    "  Write-Output '>>> Sysprep is already running.'",
    '  exit 0',
    '}',
    'foreach ($answerFile in "$env:SystemRoot\\Panther\\unattend.xml", "$env:SystemRoot\\System32\\Sysprep\\unattend.xml") {',
    '  if (Test-Path -Path $answerFile) {',
    '    Write-Output ">>> Removing the leftover answer file $answerFile"',
    '    Remove-Item -Path $answerFile -Force',
    '  }',
    '}',
    "Write-Output '>>> Starting sysprep /oobe /generalize /quiet /quit /mode:vm'",
    '& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /quit /mode:vm',
    "Write-Output '>>> Sysprep started.'",
    '',
  );
  return lines.join('\n');
}

export interface WindowsImageStateOptions {
  /**
   * Wait in the guest up to this many seconds for sysprep to finish (default 0: report at once). The
   * script reads ImageState every IMAGE_STATE_GUEST_POLL_SECONDS and returns as soon as sysprep reached
   * IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE, or is no longer running, or the time is up.
   */
  waitSeconds?: number;
}

/** Seconds between ImageState reads inside the guest (a registry read: costs nothing). */
export const IMAGE_STATE_GUEST_POLL_SECONDS = 3;

/**
 * Windows generalization, step 2: wait in the guest (bounded) until sysprep is done or stopped, then
 * print the ImageState, whether sysprep is still running, and, when it stopped short of
 * IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE, the tail of setuperr.log. Waiting in the guest is what
 * Azure VM Image Builder's default sysprep command does (AIB-GEN: a `while ($true)` loop on ImageState
 * with `Start-Sleep -s 5` after starting Sysprep.exe); here the loop is bounded by a deadline and also
 * ends when the sysprep process is gone, so a failed sysprep is reported at once and a hung one at the
 * deadline (the Packer-reported endless loop, peers.md). Sysprep's process is checked BEFORE the state is
 * read: a state read after the process was seen gone is final. One run command then returns within
 * seconds of sysprep's end, instead of a fresh run command (>= ~20 s, facts §4) per check. The action
 * sends it again while parseSysprepStatus(...) says running and its time limit allows.
 */
export function windowsImageStateScript(opts: WindowsImageStateOptions = {}): string {
  const wait = Math.max(0, Math.floor(opts.waitSeconds ?? 0));
  return [
    `# azure-image-build: wait up to ${wait} s for sysprep, then report its progress`,
    `$deadline = (Get-Date).AddSeconds(${wait})`,
    'while ($true) {',
    '  $sysprep = Get-Process -Name sysprep -ErrorAction SilentlyContinue',
    `  $state = (Get-ItemProperty -Path '${SETUP_STATE_KEY}' -Name ImageState).ImageState`,
    `  if ($state -eq '${IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE}') { break }`,
    '  if (-not $sysprep) { break }',
    '  if ((Get-Date) -ge $deadline) { break }',
    `  Start-Sleep -Seconds ${IMAGE_STATE_GUEST_POLL_SECONDS}`,
    '}',
    `Write-Output "${IMAGE_STATE_PREFIX}$state"`,
    `if ($sysprep) { Write-Output '${SYSPREP_RUNNING_PREFIX}True' } else { Write-Output '${SYSPREP_RUNNING_PREFIX}False' }`,
    `$errorLog = "${SYSPREP_ERROR_LOG}"`,
    `if (-not $sysprep -and $state -ne '${IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE}' -and (Test-Path -Path $errorLog)) {`,
    `  Write-Output '${SETUPERR_HEADER}'`,
    '  Get-Content -Path $errorLog -Tail 20',
    '}',
    '',
  ].join('\n');
}

export interface WindowsUpdateOptions {
  /** WUA search criteria (WUA; AIB's default). */
  searchCriteria?: string;
  /** Titles matching this -like pattern are skipped. */
  excludeTitleLike?: string;
}

/**
 * One round of Windows Update through the Windows Update Agent COM API (WUA). Run Command executes as
 * SYSTEM on the VM itself, where the WUA API may download and install (over WinRM it may not, which is
 * why Packer needs a scheduled task). Prints the restart marker when an update needs a reboot; the
 * action then restarts the VM and runs another round until no update is found.
 */
export function windowsUpdateScript(opts: WindowsUpdateOptions = {}): string {
  const criteria = (opts.searchCriteria ?? "IsInstalled=0 and IsHidden=0 and Type='Software'").replace(
    /'/g,
    "''",
  );
  const exclude = (opts.excludeTitleLike ?? '*Preview*').replace(/'/g, "''");
  return [
    '# azure-image-build: Windows Update round (Windows Update Agent COM API)',
    "$ErrorActionPreference = 'Stop'",
    "$session = New-Object -ComObject 'Microsoft.Update.Session'",
    "$session.ClientApplicationID = 'azure-image-build'",
    '$searcher = $session.CreateUpdateSearcher()',
    `$found = $searcher.Search('${criteria}').Updates`,
    "$selected = New-Object -ComObject 'Microsoft.Update.UpdateColl'",
    'foreach ($update in $found) {',
    `  if ($update.Title -like '${exclude}') { continue }`,
    '  if ($update.InstallationBehavior.CanRequestUserInput) { continue }',
    '  if (-not $update.EulaAccepted) { $update.AcceptEula() }',
    '  [void]$selected.Add($update)',
    '  Write-Output "Update: $($update.Title)"',
    '}',
    `Write-Output "${UPDATES_FOUND_PREFIX}$($selected.Count)"`,
    'if ($selected.Count -eq 0) { exit 0 }',
    '$downloader = $session.CreateUpdateDownloader()',
    '$downloader.Updates = $selected',
    '[void]$downloader.Download()',
    '$installer = $session.CreateUpdateInstaller()',
    '$installer.Updates = $selected',
    '$result = $installer.Install()',
    `Write-Output "${UPDATE_RESULT_PREFIX}$($result.ResultCode)"`,
    `Write-Output "${REBOOT_REQUIRED_PREFIX}$($result.RebootRequired)"`,
    'if ($result.ResultCode -ge 4) { throw "Windows Update failed: result code $($result.ResultCode) (4 = failed, 5 = aborted)" }',
    `if ($result.RebootRequired) { Write-Output '${RESTART_MARKER}' }`,
    '',
  ].join('\n');
}

/** The line a user script prints to request a restart after it (PowerShell or bash). */
export function restartRequestFragment(shell: 'powershell' | 'bash' = 'powershell'): string {
  return shell === 'powershell' ? `Write-Output '${RESTART_MARKER}'` : `echo '${RESTART_MARKER}'`;
}

// ---------------------------------------------------------------- parsers (pure)

function lines(output: string): string[] {
  return output.split(/\r?\n/).map((l) => l.trim());
}

/** True when a line of the output is exactly the restart marker. */
export function scriptRequestsRestart(output: string): boolean {
  return lines(output).some((l) => l === RESTART_MARKER);
}

/** The last ImageState the status script printed, or undefined when there is none. */
export function parseImageState(output: string): string | undefined {
  let state: string | undefined;
  for (const l of lines(output)) {
    if (l.startsWith(IMAGE_STATE_PREFIX)) {
      const value = l.slice(IMAGE_STATE_PREFIX.length).trim();
      if (/^IMAGE_STATE_[A-Z_]+$/.test(value)) state = value;
    }
  }
  return state;
}

export interface SysprepStatus {
  imageState?: string;
  sysprepRunning?: boolean;
  /** setuperr.log lines, when sysprep stopped before generalizing. */
  errors: string[];
  /** done: generalized; running: keep polling; failed: sysprep exited without generalizing; unknown: no status printed. */
  verdict: 'done' | 'running' | 'failed' | 'unknown';
}

/** Reads what windowsImageStateScript printed. */
export function parseSysprepStatus(output: string): SysprepStatus {
  const all = lines(output);
  const imageState = parseImageState(output);
  const runningLine = all.find((l) => l.startsWith(SYSPREP_RUNNING_PREFIX));
  const sysprepRunning = runningLine
    ? /true/i.test(runningLine.slice(SYSPREP_RUNNING_PREFIX.length))
    : undefined;
  const header = all.indexOf(SETUPERR_HEADER);
  const errors = header >= 0 ? all.slice(header + 1).filter((l) => l !== '') : [];
  let verdict: SysprepStatus['verdict'];
  if (imageState === IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE) verdict = 'done';
  else if (imageState === undefined || sysprepRunning === undefined) verdict = 'unknown';
  else if (sysprepRunning) verdict = 'running';
  else verdict = 'failed';
  return { imageState, sysprepRunning, errors, verdict };
}

export interface WindowsUpdateResult {
  updatesFound?: number;
  resultCode?: number;
  rebootRequired: boolean;
}

/** Reads what windowsUpdateScript printed. */
export function parseWindowsUpdate(output: string): WindowsUpdateResult {
  const result: WindowsUpdateResult = { rebootRequired: scriptRequestsRestart(output) };
  for (const l of lines(output)) {
    if (l.startsWith(UPDATES_FOUND_PREFIX))
      result.updatesFound = Number(l.slice(UPDATES_FOUND_PREFIX.length));
    if (l.startsWith(UPDATE_RESULT_PREFIX)) result.resultCode = Number(l.slice(UPDATE_RESULT_PREFIX.length));
  }
  return result;
}

/** Prefixes exported for the emulator's simulation of the Windows Update round. */
export const WINDOWS_UPDATE_OUTPUT = {
  updatesFound: UPDATES_FOUND_PREFIX,
  resultCode: UPDATE_RESULT_PREFIX,
  rebootRequired: REBOOT_REQUIRED_PREFIX,
} as const;
