// Phase customize: each script as a MANAGED run command (facts §4): PUT …/runCommands/{name} with the
// script, a timeout, synchronous execution and treatFailureAsDeploymentFailure false (so a failing
// script does not fail the LRO and we read its real exit code), then GET with $expand=instanceView
// for executionState, exitCode, output and error. Output goes to the log in a group per script.
import type { VirtualMachineRunCommandInstanceView } from '@azure/arm-compute';
import type { AzureClients } from '../azure/clients.js';
import { BuildError, toBuildError } from '../azure/errors.js';
import { runLro, SCHEDULES, type LroContext, type Schedule } from '../azure/lro.js';
import { parseWindowsUpdate, scriptRequestsRestart, windowsUpdateScript } from '../guest-scripts.js';
import { KIND } from '../ledger.js';
import type { OsType, ScriptSpec } from '../types.js';
import { buildResourceId, type BuildContext } from './context.js';

export const PHASE = 'customize';

export interface RunCommandOutcome {
  name: string;
  executionState: string;
  exitCode: number;
  output: string;
  error: string;
  /** Model seconds. */
  seconds: number;
}

/** A run command resource name from a script name: letters, digits and dashes, at most 60 characters. */
export function runCommandName(index: number, scriptName: string): string {
  const slug = scriptName
    .replace(/^.*[\\/]/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `aib-${String(index).padStart(2, '0')}-${slug || 'script'}`;
}

/** Why a finished run command failed the build, or undefined when it succeeded. */
export function runCommandFailure(
  view: VirtualMachineRunCommandInstanceView | undefined,
  timeoutSeconds: number,
): string | undefined {
  const state = view?.executionState ?? 'Unknown';
  if (state === 'TimedOut') return `timed out after ${timeoutSeconds} s`;
  if (state !== 'Succeeded' && state !== 'Failed')
    return `ended in state ${state}${view?.executionMessage ? `: ${view.executionMessage}` : ''}`;
  if (view?.exitCode === undefined || view.exitCode === null)
    return state === 'Failed' ? 'failed without an exit code' : undefined;
  if (view.exitCode !== 0) return `exited with code ${view.exitCode}`;
  return undefined;
}

/** Runs one managed run command to completion and returns what the guest reported. */
export async function runManagedCommand(
  ctx: BuildContext,
  opts: { phase: string; name: string; script: string; timeoutSeconds: number; schedule?: Schedule },
): Promise<RunCommandOutcome> {
  const { compute } = ctx.clients;
  const { names } = ctx;
  const id = buildResourceId(ctx, 'Microsoft.Compute', 'virtualMachines', names.vm, 'runCommands', opts.name);
  ctx.ledger.record(id, KIND.runCommand);
  const watch = ctx.clock.stopwatch();
  // The poller's final GET of the run command carries its instance view (clients.ts asks for it on
  // every run command read); it is read again only if a response came without one.
  const done = await runLro(
    ctx,
    { phase: opts.phase, schedule: opts.schedule ?? SCHEDULES.runCommand },
    (o) =>
      compute.virtualMachineRunCommands.createOrUpdate(
        names.resourceGroup,
        names.vm,
        opts.name,
        {
          location: ctx.location,
          source: { script: opts.script },
          timeoutInSeconds: opts.timeoutSeconds,
          asyncExecution: false,
          treatFailureAsDeploymentFailure: false,
        },
        o,
      ),
  );
  let view: VirtualMachineRunCommandInstanceView | undefined = done.instanceView;
  if (!view) {
    try {
      const rc = await compute.virtualMachineRunCommands.getByVirtualMachine(
        names.resourceGroup,
        names.vm,
        opts.name,
        { expand: 'instanceView', abortSignal: ctx.signal },
      );
      view = rc.instanceView;
    } catch (err) {
      throw toBuildError(opts.phase, err);
    }
  }
  return {
    name: opts.name,
    executionState: view?.executionState ?? 'Unknown',
    exitCode: view?.exitCode ?? -1,
    output: view?.output ?? '',
    error: view?.error ?? '',
    seconds: watch(),
  };
}

/**
 * A Windows user script as it is sent: the script itself, then one line that fails the run command
 * when the last native command failed. Managed run commands run a PowerShell script as a file
 * (`powershell -File` semantics): an uncaught exception already ends it with exit code 1, but a
 * native program's failure (`$LASTEXITCODE`) is lost unless the script exits with it. Packer's
 * PowerShell provisioner (which Azure VM Image Builder's PowerShell customizer runs on) does the same:
 * it calls the script and then `exit $LastExitCode`. Nothing is put before the script, so a `param()`
 * block or `#Requires` line stays first.
 */
export function wrapPowerShell(content: string): string {
  return [
    content.replace(/\s+$/, ''),
    '',
    '# azure-image-build: a failing native command at the end of the script fails the build.',
    'if ($LASTEXITCODE) { exit $LASTEXITCODE }',
    '',
  ].join('\n');
}

export interface ScriptResult {
  name: string;
  exitCode: number;
  seconds: number;
}

export async function runScripts(
  ctx: BuildContext,
  scripts: ScriptSpec[],
  osType: OsType = 'Linux',
): Promise<ScriptResult[]> {
  const results: ScriptResult[] = [];
  const timeoutSeconds = ctx.settings.scriptTimeoutMinutes * 60;
  for (const [i, script] of scripts.entries()) {
    const outcome = await ctx.log.group(`Script ${script.name}`, async () => {
      const r = await runManagedCommand(ctx, {
        phase: PHASE,
        name: runCommandName(i + 1, script.name),
        script: osType === 'Windows' ? wrapPowerShell(script.content) : script.content,
        timeoutSeconds,
      });
      if (r.output) ctx.log.info(r.output.trimEnd());
      if (r.error) ctx.log.info(`[stderr]\n${r.error.trimEnd()}`);
      ctx.log.info(`${script.name}: ${r.executionState}, exit code ${r.exitCode}, ${r.seconds.toFixed(1)} s`);
      return r;
    });
    const failure = runCommandFailure(
      {
        executionState: outcome.executionState as VirtualMachineRunCommandInstanceView['executionState'],
        exitCode: outcome.exitCode,
      },
      timeoutSeconds,
    );
    if (failure) {
      throw new BuildError(
        PHASE,
        'ScriptFailed',
        `script '${script.name}' ${failure}${lastLines(outcome.error || outcome.output)}`,
      );
    }
    results.push({ name: script.name, exitCode: outcome.exitCode, seconds: outcome.seconds });
    if (script.restartAfter || scriptRequestsRestart(outcome.output)) await restartVm(ctx, script.name);
  }
  return results;
}

function lastLines(text: string, n = 5): string {
  const lines = text.trimEnd().split(/\r?\n/).filter(Boolean).slice(-n);
  return lines.length ? `; last output:\n${lines.join('\n')}` : '';
}

/** Model ms between instance view reads while the guest agent comes back after a restart. */
export const AGENT_POLL_MS = 10_000;
/** How long the guest agent may take to report Ready after a restart (Windows boots with updates can be slow). */
export const AGENT_TIMEOUT_MS = 20 * 60_000;

/**
 * Restarts the VM between scripts and waits until it is back: the restart LRO ends when the VM runs
 * again, but run commands need the guest agent, which reports Ready in the instance view only once
 * the guest has booted (vmAgent.statuses[].displayStatus, SPECS VirtualMachine_Get_InstanceView).
 */
export async function restartVm(ctx: BuildContext, after: string): Promise<void> {
  ctx.log.info(`Restarting the build VM after ${after}`);
  const watch = ctx.clock.stopwatch();
  await runLro(ctx, { phase: 'restart', schedule: SCHEDULES.restart }, (o) =>
    ctx.clients.compute.virtualMachines.restart(ctx.names.resourceGroup, ctx.names.vm, o),
  );
  await waitForAgent(ctx, 'restart');
  ctx.log.info(`The build VM is back, its agent Ready, after ${watch().toFixed(0)} s`);
}

/** Waits until the VM's guest agent reports Ready, bounded by AGENT_TIMEOUT_MS. */
export async function waitForAgent(ctx: BuildContext, phase: string): Promise<void> {
  const watch = ctx.clock.stopwatch();
  let last: string | undefined;
  for (;;) {
    try {
      const view = await ctx.clients.compute.virtualMachines.instanceView(
        ctx.names.resourceGroup,
        ctx.names.vm,
        { abortSignal: ctx.signal },
      );
      const statuses = view.vmAgent?.statuses ?? [];
      if (statuses.some((s) => s.displayStatus === 'Ready')) return;
      last = statuses.map((s) => s.displayStatus ?? s.code).join(', ') || 'no agent status';
    } catch (err) {
      throw toBuildError(phase, err);
    }
    if (watch() * 1000 >= AGENT_TIMEOUT_MS) {
      throw new BuildError(
        phase,
        'AgentNotReady',
        `the guest agent of the build VM did not report Ready within ${AGENT_TIMEOUT_MS / 60_000} minutes after the restart (last status: ${last ?? 'unknown'}); check the VM's boot diagnostics`,
      );
    }
    await ctx.clock.sleep(AGENT_POLL_MS, ctx.signal);
  }
}

export function deleteRunCommand(
  clients: AzureClients,
  ctx: LroContext,
  group: string,
  vm: string,
  name: string,
): Promise<void> {
  return runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.delete }, (o) =>
    clients.compute.virtualMachineRunCommands.delete(group, vm, name, o),
  );
}

/** Windows Update rounds (input windows-update): install, restart when asked, until nothing is found. */
export async function windowsUpdate(ctx: BuildContext, maxRounds = 5): Promise<void> {
  for (let round = 1; round <= maxRounds; round++) {
    const outcome = await ctx.log.group(`Windows Update, round ${round}`, async () => {
      const r = await runManagedCommand(ctx, {
        phase: 'windows-update',
        name: `aib-windows-update-${round}`,
        script: windowsUpdateScript(),
        timeoutSeconds: ctx.settings.scriptTimeoutMinutes * 60,
      });
      if (r.output) ctx.log.info(r.output.trimEnd());
      if (r.error) ctx.log.info(`[stderr]\n${r.error.trimEnd()}`);
      return r;
    });
    const failure = runCommandFailure(
      {
        executionState: outcome.executionState as VirtualMachineRunCommandInstanceView['executionState'],
        exitCode: outcome.exitCode,
      },
      ctx.settings.scriptTimeoutMinutes * 60,
    );
    if (failure)
      throw new BuildError(
        'windows-update',
        'WindowsUpdateFailed',
        `Windows Update round ${round} ${failure}${lastLines(outcome.error || outcome.output)}`,
      );
    const result = parseWindowsUpdate(outcome.output);
    if (result.rebootRequired) await restartVm(ctx, `Windows Update round ${round}`);
    else if (!result.updatesFound) return;
  }
  ctx.log.warning(`Windows Update still found updates after ${maxRounds} rounds; continuing`);
}
