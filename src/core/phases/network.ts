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
// The whole network is ONE template deployment (Microsoft.Resources/deployments, as Packer does): ARM
// creates the resources in dependency order (NSG ∥ public IP → NAT gateway → VNet + subnet → NIC) and the
// action waits for one operation: 1 PUT + a few polls + 1 GET instead of a PUT, polls and a final GET
// per resource (~21 requests → ~5; README.md, Benchmark). The template holds literal values and literal
// resource IDs in dependsOn, no parameters or expressions. Every resource of it, and the deployment,
// is in the ledger before the deployment is requested. Requests go through the generic resource API of
// @azure/arm-resources (PUT/GET/DELETE by resource ID with the provider's api-version, ARM's REST shape),
// not @azure/arm-network (~7 MB of bundle for five resource types: ~0.5 s of start-up, ~30 MB) nor
// @azure/arm-resourcesdeployments (a second client for one PUT and one GET).
import type { AzureClients } from '../azure/clients.js';
import { BuildError, innermostDeploymentError, type AzureErrorInfo } from '../azure/errors.js';
import { deploymentSchedule, runLro, SCHEDULES, type LroContext } from '../azure/lro.js';
import { KIND, type Kind } from '../ledger.js';
import { buildResourceId, type BuildContext } from './context.js';

export const PHASE = 'network';

const NETWORK = 'Microsoft.Network';

/** Microsoft.Network's api-version, as @azure/arm-network 39 sends it (facts §8). */
export const NETWORK_API_VERSION = '2026-01-01';

/** Microsoft.Resources/deployments' api-version (REST spec stable 2025-04-01, as arm-resources 8 uses). */
export const DEPLOYMENTS_API_VERSION = '2025-04-01';

const TEMPLATE_SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

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

/** One resource of the network template (ARM template syntax, literal values only). */
export interface TemplateResource extends NetworkResourceBody {
  type: string;
  apiVersion: string;
  name: string;
  /** Full resource IDs of resources of the same template. */
  dependsOn?: string[];
}

/** A template resource with what the action needs around it: its ID, ledger kind and expected duration. */
interface PlannedResource {
  id: string;
  kind: Kind;
  expectedMs: number;
  resource: TemplateResource;
}

export interface NetworkPlan {
  deploymentName: string;
  deploymentId: string;
  nicId: string;
  resources: PlannedResource[];
  template: {
    $schema: string;
    contentVersion: string;
    resources: TemplateResource[];
  };
}

/**
 * The network template: NSG + NIC always; with no subnet-id also the public IP, NAT gateway and VNet
 * with its private subnet (same resources and bodies as when each was created on its own).
 */
export function networkPlan(ctx: BuildContext): NetworkPlan {
  const { names, location, tags } = ctx;
  const planned: PlannedResource[] = [];
  const add = (
    kind: Kind,
    type: string,
    name: string,
    body: NetworkResourceBody,
    dependsOn: string[] = [],
    expectedMs = SCHEDULES.network.expectedMs,
  ): string => {
    const id = buildResourceId(ctx, NETWORK, type, name);
    const resource: TemplateResource = {
      type: `${NETWORK}/${type}`,
      apiVersion: NETWORK_API_VERSION,
      name,
      ...body,
      ...(dependsOn.length ? { dependsOn } : {}),
    };
    planned.push({ id, kind, expectedMs, resource });
    return id;
  };
  const nsgId = add(
    KIND.networkSecurityGroup,
    'networkSecurityGroups',
    names.nsg,
    nsgDefinition(location, tags),
  );
  let subnetId = ctx.settings.subnetId;
  const nicDeps = [nsgId];
  if (!subnetId) {
    const pipId = add(KIND.publicIPAddress, 'publicIPAddresses', names.publicIp, {
      location,
      tags,
      sku: { name: 'Standard' },
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    });
    const natId = add(
      KIND.natGateway,
      'natGateways',
      names.natGateway,
      {
        location,
        tags,
        sku: { name: 'Standard' },
        properties: { idleTimeoutInMinutes: 4, publicIpAddresses: [{ id: pipId }] },
      },
      [pipId],
      SCHEDULES.natGateway.expectedMs,
    );
    const vnetId = add(
      KIND.virtualNetwork,
      'virtualNetworks',
      names.vnet,
      {
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
      },
      [natId],
    );
    subnetId = `${vnetId}/subnets/${names.subnet}`;
    nicDeps.push(vnetId);
  }
  const nicId = add(
    KIND.networkInterface,
    'networkInterfaces',
    names.nic,
    {
      location,
      tags,
      properties: {
        networkSecurityGroup: { id: nsgId },
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: { subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' },
          },
        ],
      },
    },
    nicDeps,
  );
  const deploymentName = `aib-${names.suffix}-network`;
  return {
    deploymentName,
    deploymentId: buildResourceId(ctx, 'Microsoft.Resources', 'deployments', deploymentName),
    nicId,
    resources: planned,
    template: {
      $schema: TEMPLATE_SCHEMA,
      contentVersion: '1.0.0.0',
      resources: planned.map((p) => p.resource),
    },
  };
}

/** Expected duration of the longest dependency chain of the template (resources' own schedules). */
export function longestChainMs(resources: readonly PlannedResource[]): number {
  const finish = new Map<string, number>();
  const at = (r: PlannedResource): number => {
    const known = finish.get(r.id);
    if (known !== undefined) return known;
    const deps = (r.resource.dependsOn ?? []).map((d) => at(resources.find((x) => x.id === d)!));
    const value = Math.max(0, ...deps) + r.expectedMs;
    finish.set(r.id, value);
    return value;
  };
  return Math.max(0, ...resources.map(at));
}

/** Creates the network as one template deployment; returns the NIC's ID. */
export async function createNetwork(ctx: BuildContext): Promise<string> {
  const plan = networkPlan(ctx);
  ctx.log.info(
    ctx.settings.subnetId
      ? `Build network: your subnet ${ctx.settings.subnetId}; the NIC gets no public IP and an NSG denying all inbound`
      : 'Creating the build network: a private subnet with a NAT gateway for outbound, no public IP on the VM, an NSG denying all inbound',
  );
  // Everything the deployment may create is in the ledger before it is requested.
  for (const r of plan.resources) ctx.ledger.record(r.id, r.kind);
  ctx.ledger.record(plan.deploymentId, KIND.deployment);
  const schedule = deploymentSchedule(longestChainMs(plan.resources));
  try {
    await runLro(ctx, { phase: PHASE, schedule }, (opts) =>
      ctx.clients.resources.resources.createOrUpdateById(
        byId(plan.deploymentId),
        DEPLOYMENTS_API_VERSION,
        { properties: { mode: 'Incremental', template: plan.template } },
        opts,
      ),
    );
  } catch (err) {
    if (err instanceof BuildError && err.code === 'DeploymentFailed') {
      throw await deploymentFailure(ctx, plan.deploymentId, err);
    }
    throw err;
  }
  return plan.nicId;
}

/**
 * A failed deployment says only "DeploymentFailed"; the cause is in the deployment's properties.error
 * (one read, on failure only). The error then names the inner Azure code, the resource and the
 * deployment's correlation id.
 */
async function deploymentFailure(
  ctx: BuildContext,
  deploymentId: string,
  err: BuildError,
): Promise<BuildError> {
  try {
    const deployment = await ctx.clients.resources.resources.getById(
      byId(deploymentId),
      DEPLOYMENTS_API_VERSION,
      {
        abortSignal: ctx.signal,
      },
    );
    const error = (deployment.properties as { error?: AzureErrorInfo } | undefined)?.error;
    if (!error) return err;
    const inner = innermostDeploymentError(error);
    const where = inner.target ? ` (resource ${inner.target})` : '';
    return new BuildError(
      PHASE,
      inner.code,
      `${inner.message ?? 'the network deployment failed'}${where}; deployment ${deploymentId}`,
      err.correlationId,
      { cause: err },
    );
  } catch {
    return err;
  }
}

/** The resource type of each network ledger kind. */
const NETWORK_TYPES: Record<string, string> = {
  [KIND.networkInterface]: 'networkInterfaces',
  [KIND.virtualNetwork]: 'virtualNetworks',
  [KIND.natGateway]: 'natGateways',
  [KIND.publicIPAddress]: 'publicIPAddresses',
  [KIND.networkSecurityGroup]: 'networkSecurityGroups',
};

/** Deletes the network's deployment (its history entry; cleanup in an existing resource group). */
export async function deleteDeployment(clients: AzureClients, ctx: LroContext, id: string): Promise<void> {
  await runLro(ctx, { phase: 'cleanup', schedule: SCHEDULES.delete }, (o) =>
    clients.resources.resources.deleteById(byId(id), DEPLOYMENTS_API_VERSION, o),
  );
}

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
