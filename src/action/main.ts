// The main step: parse every input once, mask secrets, run the build, set the outputs and the job
// summary. Never throws: failures are reported through core.setFailed. The post step cleans up.

import * as core from '@actions/core';
import { runBuild } from '../core/build.js';
import { errorMessage } from '../core/errors.js';
import { redactSettings } from '../core/settings.js';
import { createHost } from './host.js';
import { readSettings } from './inputs.js';
import { renderFailure, renderSummary, setOutputs, writeSummary } from './outputs.js';
import { markSucceeded, saveSettings } from './state.js';

export async function run(): Promise<void> {
  try {
    // Masked before anything can log it, even a message about another input.
    const secret = core.getInput('client-secret');
    if (secret) core.setSecret(secret);

    const settings = readSettings();
    const redacted = redactSettings(settings);
    core.debug(`Settings: ${JSON.stringify(redacted, null, 2)}`);
    saveSettings(redacted);

    const result = await runBuild(settings, createHost({ cancellable: true }));
    setOutputs(result.outputs);
    markSucceeded();
    await writeSummary((summary) => renderSummary(result, summary));
  } catch (error) {
    const message = errorMessage(error);
    core.setFailed(message);
    await writeSummary((summary) => renderFailure(message, summary));
  }
}
