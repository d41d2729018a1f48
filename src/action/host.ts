// The Host the build core runs against, over @actions/core: logging with groups and masking, the
// ledger persisted to the step state, fresh OIDC tokens, and cancellation from SIGINT/SIGTERM (the
// runner sends SIGINT when a job is cancelled, then SIGTERM, then kills the process).

import * as core from '@actions/core';
import type { Host, Logger } from '../core/types.js';
import { setOutputs } from './outputs.js';
import { saveLedger } from './state.js';

export const actionsLogger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  group: (name, fn) => core.group(name, fn),
  mask: (secret) => {
    if (secret) core.setSecret(secret);
  },
};

/** An AbortSignal aborted on the first SIGINT or SIGTERM. */
export function cancellationSignal(logger: Logger = actionsLogger): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    logger.warning(
      `Received ${signal}: the job is being cancelled; stopping the build (the post step cleans up).`,
    );
    controller.abort(new Error(`cancelled (${signal})`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return controller.signal;
}

export function createHost(options: { cancellable: boolean }): Host {
  return {
    logger: actionsLogger,
    saveLedger,
    getIdToken: (audience) => core.getIDToken(audience),
    onOutputs: (outputs) => setOutputs(outputs, true),
    ...(options.cancellable && { abortSignal: cancellationSignal() }),
  };
}
