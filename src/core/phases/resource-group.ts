// Phase resource-group: the temporary group the build VM lives in (unless build-resource-group names
// an existing one), tagged with provenance; and its deletion.
import type { AzureClients } from '../azure/clients.js';
import { isNotFound, toBuildError } from '../azure/errors.js';
import { runLro, SCHEDULES, submitLro, type LroContext, type LroStartOptions } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import { resourceGroupId } from '../resource-id.js';
import type { BuildContext } from './context.js';

export const PHASE = 'resource-group';

export async function createResourceGroup(ctx: BuildContext): Promise<void> {
  const { names } = ctx;
  if (!names.ownsResourceGroup) {
    ctx.log.info(`Building in the existing resource group ${names.resourceGroup}`);
    return;
  }
  ctx.ledger.record(
    resourceGroupId(ctx.clients.subscriptionId, names.resourceGroup),
    KIND.resourceGroup,
    'temporary',
    true,
  );
  try {
    await ctx.clients.resources.resourceGroups.createOrUpdate(
      names.resourceGroup,
      { location: ctx.location, tags: ctx.tags },
      { abortSignal: ctx.signal },
    );
  } catch (err) {
    throw toBuildError(PHASE, err);
  }
  ctx.log.info(`Created the temporary resource group ${names.resourceGroup} in ${ctx.location}`);
}

/** The location of a resource group (the default build location is the target group's). */
export async function groupLocation(
  clients: AzureClients,
  group: string,
  signal?: AbortSignal,
): Promise<string> {
  try {
    const rg = await clients.resources.resourceGroups.get(group, { abortSignal: signal });
    return rg.location;
  } catch (err) {
    throw toBuildError(PHASE, err);
  }
}

/**
 * Deletes a resource group. Azure answers 202 once it has accepted the deletion; unless `wait`, that
 * is enough (issue 7: waiting costs minutes and changes nothing for the build).
 * Returns false when the group was already gone.
 */
export async function deleteResourceGroup(
  clients: AzureClients,
  ctx: LroContext,
  group: string,
  wait: boolean,
): Promise<boolean> {
  const opts = { phase: 'cleanup', schedule: SCHEDULES.resourceGroupDelete };
  const start = (o: LroStartOptions) => clients.resources.resourceGroups.delete(group, o);
  try {
    if (wait) await runLro(ctx, opts, start);
    else await submitLro(ctx, opts, start);
    return true;
  } catch (err) {
    if (isNotFound(err) || isNotFound((err as Error).cause)) return false;
    throw err;
  }
}
