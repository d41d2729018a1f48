// The main step: parse every input once, mask secrets, run the build, set the outputs and the job
// summary. Never throws: failures are reported through core.setFailed. The post step cleans up.

import * as core from '@actions/core';
import { createCredential, oidcIdToken, warmCredential } from '../core/azure/credential.js';
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

    const settings = await readSettings();
    const redacted = redactSettings(settings);
    core.debug(`Settings: ${JSON.stringify(redacted, null, 2)}`);
    saveSettings(redacted);

    const host = createHost({ cancellable: true });
    // With OIDC the first request is GitHub's ID token request, answered before @azure/identity is
    // evaluated; the credential reuses that token. A failure is reported where the credential first
    // uses the token, with its context.
    const idToken = oidcIdToken(settings, host);
    await idToken?.().catch(() => undefined);
    // The first Entra token request goes out now; the engine's modules are evaluated while it is in
    // flight, and the clients then get the token from the credential's cache (see core/engine.ts).
    const credential = warmCredential(createCredential(settings, host, idToken), settings.cloud.armScope);
    // One turn of the event loop lets the token request reach the wire before the engine's modules
    // are evaluated (synchronous work that would otherwise come first).
    await new Promise((resolve) => setTimeout(resolve, 0));
    const { runBuild } = await import(/* webpackMode: "eager" */ '../core/engine.js');
    const result = await runBuild(settings, host, { credential });
    setOutputs(result.outputs);
    markSucceeded();
    await writeSummary((summary) => renderSummary(result, summary));
  } catch (error) {
    const message = errorMessage(error);
    core.setFailed(message);
    await writeSummary((summary) => renderFailure(message, summary));
  }
}
