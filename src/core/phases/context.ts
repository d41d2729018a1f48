// What every phase gets: settings, host, clients, model clock, ledger and the names of this build.
import { randomBytes } from 'node:crypto';
import type { AzureClients } from '../azure/clients.js';
import type { LroContext } from '../azure/lro.js';
import type { ModelClock } from '../clock.js';
import type { Ledger } from '../ledger.js';
import type { BuildSettings, Host, Logger } from '../types.js';

export interface BuildNames {
  suffix: string;
  /** The group the build VM lives in: the build-resource-group input, or a temporary one. */
  resourceGroup: string;
  ownsResourceGroup: boolean;
  vm: string;
  /** Windows limits computer names to 15 characters. */
  computerName: string;
  nic: string;
  nsg: string;
  publicIp: string;
  natGateway: string;
  vnet: string;
  subnet: string;
}

export function buildNames(settings: BuildSettings, suffix = randomBytes(4).toString('hex')): BuildNames {
  const base = `aib-${suffix}`;
  return {
    suffix,
    resourceGroup: settings.buildResourceGroup ?? `${base}-build`,
    ownsResourceGroup: settings.buildResourceGroup === undefined,
    vm: `${base}-vm`,
    computerName: `aib${suffix}`,
    nic: `${base}-nic`,
    nsg: `${base}-nsg`,
    publicIp: `${base}-outbound-ip`,
    natGateway: `${base}-nat`,
    vnet: `${base}-vnet`,
    subnet: 'build',
  };
}

export interface BuildContext extends LroContext {
  settings: BuildSettings;
  host: Host;
  log: Logger;
  clients: AzureClients;
  clock: ModelClock;
  ledger: Ledger;
  signal?: AbortSignal;
  names: BuildNames;
  /** The build region (settings.location or the target resource group's). */
  location: string;
  /** Tags put on every resource the build creates: the user's tags plus provenance. */
  tags: Record<string, string>;
}

/** ARM ID of a resource in the build resource group. */
export function buildResourceId(
  ctx: Pick<BuildContext, 'clients' | 'names'>,
  provider: string,
  ...path: string[]
): string {
  return `/subscriptions/${ctx.clients.subscriptionId}/resourceGroups/${ctx.names.resourceGroup}/providers/${provider}/${path.join('/')}`;
}

/** Provenance tags (tag values are limited to 256 characters). */
export function provenanceTags(settings: BuildSettings, requestedSource: string): Record<string, string> {
  const p = settings.provenance;
  const tags: Record<string, string> = { 'azure-image-build': 'true', 'aib-base-image': requestedSource };
  if (p.repository) tags['aib-repository'] = p.repository;
  if (p.commit) tags['aib-commit'] = p.commit;
  if (p.ref) tags['aib-ref'] = p.ref;
  if (p.workflow) tags['aib-workflow'] = p.workflow;
  if (p.runUrl) tags['aib-run-url'] = p.runUrl;
  const out: Record<string, string> = { ...settings.tags };
  for (const [k, v] of Object.entries(tags)) out[k] = v.slice(0, 256);
  return out;
}
