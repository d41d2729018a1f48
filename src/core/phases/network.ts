// Phase network: a network that accepts NO inbound connection and gives explicit outbound internet.
//
// Choice (issue 3): subnets of VNets created from 2026-03-31 are private by default, with no default
// outbound access (facts §3), and a build VM must reach package mirrors. The build therefore makes a
// subnet with `defaultOutboundAccess: false` and a NAT gateway with its own public IP for explicit
// outbound. A NAT gateway only translates connections the VM opens: nothing can connect in through
// it, and the VM's NIC has no public IP. The NSG has no allow-inbound rule of its own plus an explicit
// deny-all-inbound rule (priority 4096) that overrides Azure's default AllowVnetInBound and
// AllowAzureLoadBalancerInBound rules; it is attached to the NIC, so it also applies when the user
// supplies a subnet (input subnet-id). Run Command needs no inbound port (facts §4).
//
// The network resources are created and deleted through the generic resource API of
// @azure/arm-resources (PUT/DELETE of the resource ID with Microsoft.Network's api-version, the same
// requests, pollers and bodies in ARM's REST shape), not through @azure/arm-network: that client
// brings the whole Network API (~7 MB of the 8.4 MB bundle) for five resource types, and loading it
// cost the action ~0.5 s of start-up and ~30 MB of memory (docs/benchmark.md).
import type { AzureClients } from '../azure/clients.js';
import { runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import { buildResourceId, type BuildContext } from './context.js';

export const PHASE = 'network';

const NETWORK = 'Microsoft.Network';

/** Microsoft.Network's api-version, as @azure/arm-network 39 sends it (facts §8). */
export const NETWORK_API_VERSION = '2026-01-01';

/** A network resource in ARM's REST shape (what the generic resource API sends as is). */
export interface NetworkResourceBody {
  location: string;
  tags: Record<string, string>;
  sku?: { name: string };
  properties: Record<string, unknown>;
}

export function nsgDefinition(location: string, tags: Record<string, string>): NetworkResourceBody {
  return {
    location,
    tags,
    properties: {
      securityRules: [
        {
          name: 'deny-all-inbound',
          properties: {
            description: 'azure-image-build: the build VM accepts no inbound connection',
            protocol: '*',
            access: 'Deny',
            direction: 'Inbound',
            priority: 4096,
            sourceAddressPrefix: '*',
            sourcePortRange: '*',
            destinationAddressPrefix: '*',
            destinationPortRange: '*',
          },
        },
      ],
    },
  };
}

/** The generic resource API's by-ID template is `/{+resourceId}`: the ID goes without its leading slash. */
const byId = (id: string): string => id.replace(/^\/+/, '');

/** PUTs one network resource and waits for it on the network schedule. */
function putNetworkResource(
  ctx: BuildContext,
  id: string,
  body: NetworkResourceBody,
  schedule = SCHEDULES.network,
): Promise<unknown> {
  return runLro(ctx, { phase: PHASE, schedule }, (opts) =>
    ctx.clients.resources.resources.createOrUpdateById(byId(id), NETWORK_API_VERSION, body, opts),
  );
}

/** Creates the network pieces and the NIC; returns the NIC's ID. */
export async function createNetwork(ctx: BuildContext): Promise<string> {
  const { names, location, tags } = ctx;
  const nsgId = buildResourceId(ctx, NETWORK, 'networkSecurityGroups', names.nsg);
  ctx.log.info(
    ctx.settings.subnetId
      ? `Build network: your subnet ${ctx.settings.subnetId}; the NIC gets no public IP and an NSG denying all inbound`
      : 'Creating the build network: a private subnet with a NAT gateway for outbound, no public IP on the VM, an NSG denying all inbound',
  );

  const nsg = (async () => {
    ctx.ledger.record(nsgId, KIND.networkSecurityGroup);
    await putNetworkResource(ctx, nsgId, nsgDefinition(location, tags));
  })();

  const subnet = (async (): Promise<string> => {
    if (ctx.settings.subnetId) return ctx.settings.subnetId;
    const pipId = buildResourceId(ctx, NETWORK, 'publicIPAddresses', names.publicIp);
    const natId = buildResourceId(ctx, NETWORK, 'natGateways', names.natGateway);
    const vnetId = buildResourceId(ctx, NETWORK, 'virtualNetworks', names.vnet);
    ctx.ledger.record(pipId, KIND.publicIPAddress);
    await putNetworkResource(ctx, pipId, {
      location,
      tags,
      sku: { name: 'Standard' },
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    });
    ctx.ledger.record(natId, KIND.natGateway);
    await putNetworkResource(
      ctx,
      natId,
      {
        location,
        tags,
        sku: { name: 'Standard' },
        properties: { idleTimeoutInMinutes: 4, publicIpAddresses: [{ id: pipId }] },
      },
      SCHEDULES.natGateway,
    );
    ctx.ledger.record(vnetId, KIND.virtualNetwork);
    await putNetworkResource(ctx, vnetId, {
      location,
      tags,
      properties: {
        addressSpace: { addressPrefixes: ['10.231.0.0/24'] },
        subnets: [
          {
            name: names.subnet,
            properties: {
              addressPrefix: '10.231.0.0/24',
              natGateway: { id: natId },
              defaultOutboundAccess: false,
            },
          },
        ],
      },
    });
    return `${vnetId}/subnets/${names.subnet}`;
  })();

  const [, subnetId] = await Promise.all([nsg, subnet]);
  const nicId = buildResourceId(ctx, NETWORK, 'networkInterfaces', names.nic);
  ctx.ledger.record(nicId, KIND.networkInterface);
  await putNetworkResource(ctx, nicId, {
    location,
    tags,
    properties: {
      networkSecurityGroup: { id: nsgId },
      ipConfigurations: [
        { name: 'ipconfig1', properties: { subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' } },
      ],
    },
  });
  return nicId;
}

/** The resource type of each network ledger kind. */
const NETWORK_TYPES: Record<string, string> = {
  [KIND.networkInterface]: 'networkInterfaces',
  [KIND.virtualNetwork]: 'virtualNetworks',
  [KIND.natGateway]: 'natGateways',
  [KIND.publicIPAddress]: 'publicIPAddresses',
  [KIND.networkSecurityGroup]: 'networkSecurityGroups',
};

/** Deletes one network resource of the ledger (cleanup in an existing resource group). */
export async function deleteNetworkResource(
  clients: AzureClients,
  ctx: LroContext,
  kind: string,
  group: string,
  name: string,
): Promise<void> {
  const type = NETWORK_TYPES[kind];
  if (!type) throw new Error(`not a network resource kind: ${kind}`);
  const id = `/subscriptions/${clients.subscriptionId}/resourceGroups/${group}/providers/${NETWORK}/${type}/${name}`;
  await runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.network }, (o) =>
    clients.resources.resources.deleteById(byId(id), NETWORK_API_VERSION, o),
  );
}
