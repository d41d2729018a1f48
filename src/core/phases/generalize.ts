// Phase generalize: make the VM an image source. Linux: `waagent -deprovision+user` as a run command.
// Windows: start sysprep as a run command, then wait for IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE with
// run commands that each wait IN THE GUEST (reading ImageState every few seconds) until sysprep is done
// or stopped, bounded by generalize-timeout-minutes, failing at once when sysprep stopped without
// generalizing (Packer users see it loop forever in ~1 build in 5: peers.md).
// Then deallocate, and mark the VM generalized (a synchronous call that needs it stopped: facts §3).
// Specialized builds (generalize: false) only deallocate.
import { BuildError, toBuildError } from '../azure/errors.js';
import { runLro, SCHEDULES } from '../azure/lro.js';
import {
  linuxDeprovisionScript,
  parseSysprepStatus,
  windowsImageStateScript,
  windowsSysprepScript,
} from '../guest-scripts.js';
import type { OsType } from '../types.js';
import type { BuildContext } from './context.js';
import { runCommandFailure, runManagedCommand, type RunCommandOutcome } from './customize.js';

/**
 * Longest in-guest wait of one ImageState run command (seconds). Sysprep takes minutes; a run command
 * may run up to 90 minutes (facts §4), but a bounded wait keeps a line of progress in the log every few
 * minutes and a lost run command costs at most this much. Checks follow each other back to back: the
 * run command itself is the wait, so the end of sysprep is seen within seconds (the guest's read
 * interval, the run command's way out and the poll of its operation), not a sleep + a whole run
 * command (>= ~20 s, facts §4) later.
 */
export const IMAGE_STATE_WAIT_MAX_SECONDS = 300;
/** Extra time a waiting ImageState run command gets beyond its in-guest wait before Azure times it out. */
const IMAGE_STATE_TIMEOUT_SLACK_SECONDS = 120;

function checkOutcome(phase: string, what: string, outcome: RunCommandOutcome, timeoutSeconds: number): void {
  const failure = runCommandFailure(
    { executionState: outcome.executionState as 'Succeeded', exitCode: outcome.exitCode },
    timeoutSeconds,
  );
  if (failure) {
    const tail = (outcome.error || outcome.output).trimEnd().split(/\r?\n/).slice(-5).join('\n');
    throw new BuildError(
      phase,
      'GeneralizeFailed',
      `${what} ${failure}${tail ? `; last output:\n${tail}` : ''}`,
    );
  }
}

export async function deprovision(ctx: BuildContext, osType: OsType): Promise<void> {
  const timeoutSeconds = ctx.settings.generalizeTimeoutMinutes * 60;
  if (osType === 'Linux') {
    const outcome = await runManagedCommand(ctx, {
      phase: 'deprovision',
      name: 'aib-deprovision',
      script: linuxDeprovisionScript(),
      timeoutSeconds,
    });
    ctx.log.debug(outcome.output);
    checkOutcome('deprovision', 'waagent -deprovision+user', outcome, timeoutSeconds);
    return;
  }
  await sysprep(ctx, timeoutSeconds);
}

async function sysprep(ctx: BuildContext, timeoutSeconds: number): Promise<void> {
  const phase = 'sysprep';
  const watch = ctx.clock.stopwatch();
  const start = await runManagedCommand(ctx, {
    phase,
    name: 'aib-sysprep',
    script: windowsSysprepScript(),
    timeoutSeconds,
  });
  ctx.log.info(start.output.trimEnd());
  checkOutcome(phase, 'starting sysprep', start, timeoutSeconds);
  let last = 'unknown';
  for (let n = 1; ; n++) {
    const remaining = timeoutSeconds - watch();
    if (remaining <= 0) {
      throw new BuildError(
        phase,
        'SysprepTimedOut',
        `sysprep did not reach IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE within ${ctx.settings.generalizeTimeoutMinutes} minutes; last ImageState: ${last}`,
      );
    }
    const waitSeconds = Math.max(0, Math.min(IMAGE_STATE_WAIT_MAX_SECONDS, Math.floor(remaining)));
    const checkTimeout = waitSeconds + IMAGE_STATE_TIMEOUT_SLACK_SECONDS;
    const check = await runManagedCommand(ctx, {
      phase,
      name: `aib-imagestate-${n}`,
      script: windowsImageStateScript({ waitSeconds }),
      timeoutSeconds: checkTimeout,
    });
    checkOutcome(phase, 'the ImageState check', check, checkTimeout);
    const status = parseSysprepStatus(check.output);
    last = status.imageState ?? last;
    ctx.log.info(`ImageState: ${last}${status.sysprepRunning ? ' (sysprep running)' : ''}`);
    if (status.verdict === 'done') return;
    if (status.verdict === 'failed') {
      throw new BuildError(
        phase,
        'SysprepFailed',
        `sysprep stopped without generalizing; last ImageState: ${last}` +
          (status.errors.length ? `; setuperr.log:\n${status.errors.join('\n')}` : ''),
      );
    }
  }
}

export async function deallocate(ctx: BuildContext): Promise<void> {
  await runLro(ctx, { phase: 'deallocate', schedule: SCHEDULES.deallocate }, (o) =>
    ctx.clients.compute.virtualMachines.deallocate(ctx.names.resourceGroup, ctx.names.vm, o),
  );
}

export async function markGeneralized(ctx: BuildContext): Promise<void> {
  try {
    await ctx.clients.compute.virtualMachines.generalize(ctx.names.resourceGroup, ctx.names.vm, {
      abortSignal: ctx.signal,
    });
  } catch (err) {
    throw toBuildError('generalize', err);
  }
}
