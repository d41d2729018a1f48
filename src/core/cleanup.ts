// Cleanup: deletes whatever the build created, from the ledger. Runs at the end of main (success or
// failure) and again in the post step, a separate process that also runs after main was cancelled
// or killed; it is idempotent (a resource already gone counts as deleted), and its failures are
// warnings. It never uses the job's abort signal: a cancelled job must still clean up.
import { createClients, type AzureClients, type ClientHooks } from './azure/clients.js';
import { isNotFound, toBuildError } from './azure/errors.js';
import type { LroContext } from './azure/lro.js';
import { ModelClock } from './clock.js';
import { groupOf, KIND, planCleanup } from './ledger.js';
import { deleteManagedImage } from './phases/capture-image.js';
import { deleteRunCommand } from './phases/customize.js';
import { deleteGalleryVersion } from './phases/gallery.js';
import { deleteDeployment, deleteNetworkResource } from './phases/network.js';
import { deleteResourceGroup } from './phases/resource-group.js';
import { deleteDisk, deleteVm } from './phases/vm.js';
import { parseResourceId } from './resource-id.js';
import type { BuildSettings, Host, LedgerEntry } from './types.js';

export interface CleanupOptions {
  /** The build failed (or was cancelled/killed): partial outputs of this run are deleted too. */
  failed: boolean;
  /** Test hooks (see ClientHooks); production code passes none. */
  hooks?: ClientHooks;
  /** Reuse the build's clients (main); the post step makes its own. */
  clients?: AzureClients;
}

/** The commands that delete kept resources by hand. */
export function manualDeletionCommands(entries: LedgerEntry[], failed: boolean): string[] {
  const plan = planCleanup(entries, failed);
  return plan.stages
    .flat()
    .map((e) =>
      e.kind === KIND.resourceGroup
        ? `az group delete -n ${groupOf(e.id)} --yes --no-wait`
        : `az resource delete --ids ${e.id}`,
    );
}

export async function cleanupLedger(
  entries: LedgerEntry[],
  settings: BuildSettings,
  host: Host,
  opts: CleanupOptions,
): Promise<void> {
  const log = host.logger;
  const plan = planCleanup(entries, opts.failed);
  const count = plan.stages.flat().length;
  if (count === 0) return;
  if (opts.failed && settings.keepResourcesOnFailure) {
    log.warning(
      `keep-resources-on-failure: keeping ${count} resource(s) of the failed build for debugging. Delete them with:\n` +
        manualDeletionCommands(entries, opts.failed).join('\n'),
    );
    return;
  }
  const clients = opts.clients ?? createClients(settings, host, opts.hooks);
  await clients.loadCompute();
  const ctx: LroContext = { clock: new ModelClock(settings.timeScale) };
  const remaining: LedgerEntry[] = [];
  log.info(`Cleaning up ${count} resource(s)`);
  for (const stage of plan.stages) {
    await Promise.all(
      stage.map(async (entry) => {
        try {
          await deleteEntry(clients, ctx, entry, settings.waitForCleanup);
          log.debug(`deleted ${entry.id}`);
        } catch (err) {
          if (isNotFound(err) || isNotFound((err as Error).cause)) return;
          remaining.push(entry);
          log.warning(
            `Could not delete ${entry.id}: ${toBuildError('cleanup', err).message}. Delete it with: az resource delete --ids ${entry.id}`,
          );
        }
      }),
    );
  }
  // What could not be deleted stays in the ledger, for the post step to retry.
  host.saveLedger(remaining);
}

async function deleteEntry(
  clients: AzureClients,
  ctx: LroContext,
  entry: LedgerEntry,
  wait: boolean,
): Promise<void> {
  if (entry.kind === KIND.resourceGroup) {
    await deleteResourceGroup(clients, ctx, groupOf(entry.id), wait);
    return;
  }
  const rid = parseResourceId(entry.id);
  if (!rid) throw new Error(`not a resource ID: ${entry.id}`);
  const names = rid.path.map((p) => p.name);
  const group = rid.resourceGroup;
  switch (entry.kind) {
    case KIND.virtualMachine:
      return deleteVm(clients, ctx, group, rid.name);
    case KIND.runCommand:
      return deleteRunCommand(clients, ctx, group, names[0], rid.name);
    case KIND.disk:
      return deleteDisk(clients, ctx, group, rid.name);
    case KIND.image:
      return deleteManagedImage(clients, ctx, group, rid.name);
    case KIND.galleryImageVersion:
      return deleteGalleryVersion(clients, ctx, group, names);
    case KIND.deployment:
      return deleteDeployment(clients, ctx, entry.id);
    default:
      return deleteNetworkResource(clients, ctx, entry.kind, group, rid.name);
  }
}
