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
import type { NetworkSecurityGroup } from '@azure/arm-network';
import type { AzureClients } from '../azure/clients.js';
import { runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND } from '../ledger.js';
import { buildResourceId, type BuildContext } from './context.js';

export const PHASE = 'network';

const NETWORK = 'Microsoft.Network';

export function nsgDefinition(location: string, tags: Record<string, string>): NetworkSecurityGroup {
  return {
    location,
    tags,
    securityRules: [
      {
        name: 'deny-all-inbound',
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
    ],
  };
}

/** Creates the network pieces and the NIC; returns the NIC's ID. */
export async function createNetwork(ctx: BuildContext): Promise<string> {
  const { network } = ctx.clients;
  const { names, location, tags } = ctx;
  const rg = names.resourceGroup;
  const nsgId = buildResourceId(ctx, NETWORK, 'networkSecurityGroups', names.nsg);
  const o = (phase: string, schedule = SCHEDULES.network) => ({ phase, schedule });
  ctx.log.info(
    ctx.settings.subnetId
      ? `Build network: your subnet ${ctx.settings.subnetId}; the NIC gets no public IP and an NSG denying all inbound`
      : 'Creating the build network: a private subnet with a NAT gateway for outbound, no public IP on the VM, an NSG denying all inbound',
  );

  const nsg = (async () => {
    ctx.ledger.record(nsgId, KIND.networkSecurityGroup);
    await runLro(ctx, o(PHASE), (opts) =>
      network.networkSecurityGroups.createOrUpdate(rg, names.nsg, nsgDefinition(location, tags), opts),
    );
  })();

  const subnet = (async (): Promise<string> => {
    if (ctx.settings.subnetId) return ctx.settings.subnetId;
    const pipId = buildResourceId(ctx, NETWORK, 'publicIPAddresses', names.publicIp);
    const natId = buildResourceId(ctx, NETWORK, 'natGateways', names.natGateway);
    const vnetId = buildResourceId(ctx, NETWORK, 'virtualNetworks', names.vnet);
    ctx.ledger.record(pipId, KIND.publicIPAddress);
    await runLro(ctx, o(PHASE), (opts) =>
      network.publicIPAddresses.createOrUpdate(
        rg,
        names.publicIp,
        {
          location,
          tags,
          sku: { name: 'Standard' },
          publicIPAllocationMethod: 'Static',
          publicIPAddressVersion: 'IPv4',
        },
        opts,
      ),
    );
    ctx.ledger.record(natId, KIND.natGateway);
    await runLro(ctx, o(PHASE, SCHEDULES.natGateway), (opts) =>
      network.natGateways.createOrUpdate(
        rg,
        names.natGateway,
        {
          location,
          tags,
          sku: { name: 'Standard' },
          idleTimeoutInMinutes: 4,
          publicIpAddresses: [{ id: pipId }],
        },
        opts,
      ),
    );
    ctx.ledger.record(vnetId, KIND.virtualNetwork);
    await runLro(ctx, o(PHASE), (opts) =>
      network.virtualNetworks.createOrUpdate(
        rg,
        names.vnet,
        {
          location,
          tags,
          addressSpace: { addressPrefixes: ['10.231.0.0/24'] },
          subnets: [
            {
              name: names.subnet,
              addressPrefix: '10.231.0.0/24',
              natGateway: { id: natId },
              defaultOutboundAccess: false,
            },
          ],
        },
        opts,
      ),
    );
    return `${vnetId}/subnets/${names.subnet}`;
  })();

  const [, subnetId] = await Promise.all([nsg, subnet]);
  const nicId = buildResourceId(ctx, NETWORK, 'networkInterfaces', names.nic);
  ctx.ledger.record(nicId, KIND.networkInterface);
  await runLro(ctx, o(PHASE), (opts) =>
    network.networkInterfaces.createOrUpdate(
      rg,
      names.nic,
      {
        location,
        tags,
        networkSecurityGroup: { id: nsgId },
        ipConfigurations: [
          { name: 'ipconfig1', subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' },
        ],
      },
      opts,
    ),
  );
  return nicId;
}

/** Deletes one network resource of the ledger (cleanup in an existing resource group). */
export async function deleteNetworkResource(
  clients: AzureClients,
  ctx: LroContext,
  kind: string,
  group: string,
  name: string,
): Promise<void> {
  const n = clients.network;
  const opts = { phase: 'cleanup', schedule: SCHEDULES.network };
  switch (kind) {
    case KIND.networkInterface:
      return runLro(ctx, opts, (o) => n.networkInterfaces.delete(group, name, o));
    case KIND.virtualNetwork:
      return runLro(ctx, opts, (o) => n.virtualNetworks.delete(group, name, o));
    case KIND.natGateway:
      return runLro(ctx, opts, (o) => n.natGateways.delete(group, name, o));
    case KIND.publicIPAddress:
      return runLro(ctx, opts, (o) => n.publicIPAddresses.delete(group, name, o));
    case KIND.networkSecurityGroup:
      return runLro(ctx, opts, (o) => n.networkSecurityGroups.delete(group, name, o));
    default:
      throw new Error(`not a network resource kind: ${kind}`);
  }
}
