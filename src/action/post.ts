// The post step (runs always, also after a failed, cancelled or killed main): deletes what the
// ledger says main created. Its failures are warnings: the build result stands, and the warning lists
// what may be left so it can be deleted by hand.

import * as core from '@actions/core';
import { errorMessage } from '../core/errors.js';
import type { BuildSettings, LedgerEntry } from '../core/types.js';
import { createHost } from './host.js';
import { ledgerSaved, mainSucceeded, readLedger, readSettings } from './state.js';

/** The saved (redacted) settings with the client secret read again from its input. */
function withSecret(saved: BuildSettings): BuildSettings {
  if (saved.auth.kind !== 'clientSecret') return saved;
  const clientSecret = core.getInput('client-secret');
  if (clientSecret) core.setSecret(clientSecret);
  return { ...saved, auth: { ...saved.auth, clientSecret } };
}

function leftovers(entries: LedgerEntry[]): string {
  return entries.map((e) => `  ${e.kind}: ${e.id}`).join('\n');
}

export async function runPost(): Promise<void> {
  let entries: LedgerEntry[] = [];
  try {
    entries = readLedger();
    if (entries.length === 0) {
      core.info(
        ledgerSaved()
          ? 'Nothing left to clean up: the main step deleted the temporary resources.'
          : 'Nothing to clean up: the build created no Azure resources.',
      );
      return;
    }
    const saved = readSettings();
    if (!saved) throw new Error('the settings of the main step were not saved');
    // The Azure SDK clients load only now (see core/engine.ts).
    const { cleanupLedger } = await import(/* webpackMode: "eager" */ '../core/engine.js');
    await cleanupLedger(entries, withSecret(saved), createHost({ cancellable: false }), {
      failed: !mainSucceeded(),
    });
  } catch (error) {
    core.warning(
      `Cleanup did not finish: ${errorMessage(error)}\nThese resources may be left; delete them with ` +
        `\`az resource delete --ids <id>\` (or the resource group, if the build created it):\n${leftovers(entries)}`,
    );
  }
}
