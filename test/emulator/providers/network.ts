// Microsoft.Network: virtual networks (inline subnets and the subnets child resource),
// network security groups, network interfaces, public IP addresses and NAT gateways.
//
// Protocol (JSREC network recordings, Azure/azure-sdk-for-js sdk/network/arm-network/recordings/node/
// network_test/recording_{virtualnetworks,subnets}_{create,begindeleteandwait}_test.json):
// - PUT answers 201 (200 on update) with the resource in provisioningState "Updating", an
//   Azure-AsyncOperation header …/providers/Microsoft.Network/locations/{loc}/operations/{id} and
//   Retry-After: 3; polls say {"status":"InProgress"} with Retry-After: 10, then "Succeeded"; the SDK then
//   GETs the resource (provisioningState "Succeeded").
// - DELETE answers 202 with Azure-AsyncOperation, Location and Retry-After: 10. A resource that does not
//   exist answers 204 (the SDK's expected statuses for every Network delete are 200/202/204).
//   Azure's Location is …/locations/{loc}/operationResults/{id}; the emulator's is its …/operations/{id}
//   ?monitor=true (same semantics: 202 while running, 200 empty when done).
// In-use rules (all synchronous 400s, quoted from real error bodies):
// - subnet with NIC ip configurations: InUseSubnetCannotBeDeleted (terraform#16093, nav-arm-templates#161,
//   cluster-api-provider-azure#172); also when a VNet PUT drops a subnet that is in use (terraform#16093).
// - NSG referenced by a subnet or NIC: InUseNetworkSecurityGroupCannotBeDeleted
//   (DataBiosphere/terra-workspace-manager#502, pulumi-azure-native#3051).
// - NAT gateway referenced by a subnet: InUseNatGatewayCannotBeDeleted (code: stackshy/cloudemu#967 and
//   Azure clients that detach subnets first; the message wording is modelled on the NSG one, unverified).
// - public IP on a NIC ip configuration or a NAT gateway: PublicIPAddressCannotBeDeleted
//   (oap-project/cloudtik#158, terraform-provider-azurerm#2566).
// - NIC attached to a VM: NicInUse (terraform-provider-azurerm#8105, packer-plugin-azure#273).
// References that do not exist, or live in another region: 400 InvalidResourceReference "Resource {ref}
// referenced by resource {id} was not found. Please make sure that the referenced resource exists, and that
// both resources are in the same region." (MicrosoftDocs/azure-docs#81734, azure-cli#8569).
// Using a subnet, NSG, NAT gateway or public IP needs the …/join/action permission on it: otherwise 403
// LinkedAuthorizationFailed (ARM error-codes docs; ARO-RP, AKS and Container Apps reports).
// Default outbound access (facts §3; techcommunity "Private subnets by default in Azure virtual networks",
// learn.microsoft.com virtual-network/ip-services/default-outbound-access): a subnet created with
// api-version 2025-07-01 or later without `defaultOutboundAccess` is private (false); older API versions
// leave the property unset, which means the platform gives implicit outbound access.
import { randomUUID } from 'node:crypto';
import { ArmError, notFound } from '../errors.js';
import { groupId, view, type ArmResource } from '../store.js';
import { rbacActionFor, type ArmRequest, type ArmResponse, type RouteDef } from '../router.js';
import type { EmulatorCore } from '../core.js';
import type { LatencyName } from '../latency.js';

const NET = 'Microsoft.Network';
const T = {
  vnet: `${NET}/virtualNetworks`,
  subnet: `${NET}/virtualNetworks/subnets`,
  nsg: `${NET}/networkSecurityGroups`,
  nic: `${NET}/networkInterfaces`,
  pip: `${NET}/publicIPAddresses`,
  nat: `${NET}/natGateways`,
} as const;

/** First API version whose new subnets are private by default (techcommunity announcement, facts §3). */
export const PRIVATE_SUBNET_API_VERSION = '2025-07-01';

const same = (a: string | undefined, b: string | undefined): boolean =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();
const etag = (): string => `W/"${randomUUID()}"`;
const ref = (x: unknown): string | undefined =>
  typeof (x as { id?: unknown } | undefined)?.id === 'string' ? (x as { id: string }).id : undefined;

// ---------------------------------------------------------------------------------------------------------
// IPv4 prefixes
// ---------------------------------------------------------------------------------------------------------
interface Cidr {
  base: number;
  bits: number;
  text: string;
}

function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, bits, text: text.trim() };
}

const size = (c: Cidr): number => 2 ** (32 - c.bits);
const contains = (outer: Cidr, inner: Cidr): boolean =>
  inner.bits >= outer.bits &&
  inner.base >= outer.base &&
  inner.base + size(inner) <= outer.base + size(outer);
const overlaps = (a: Cidr, b: Cidr): boolean => a.base < b.base + size(b) && b.base < a.base + size(a);
const ipText = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

// "InvalidCIDRNotation" for host bits set / malformed prefixes (az CLI reports quoted in emulators of az;
// the code is Network's, the message wording is unverified).
function requireCidr(text: unknown, what: string): Cidr {
  const c = parseCidr(text);
  if (!c || c.base % size(c) !== 0) {
    throw new ArmError(
      400,
      'InvalidCIDRNotation',
      `The address prefix ${String(text)} in resource ${what} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${c ? `${ipText(c.base - (c.base % size(c)))}/${c.bits}` : 'a valid IPv4 prefix such as 10.0.0.0/24'}.`,
    );
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------
const invalidReference = (refId: string, byId: string): ArmError =>
  new ArmError(
    400,
    'InvalidResourceReference',
    `Resource ${refId} referenced by resource ${byId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
  );

/** Network's body validation error (code and wording unverified: Network answers malformed bodies with 400). */
const invalidRequest = (message: string): ArmError => new ArmError(400, 'InvalidRequestFormat', message);

/** The region of a network resource (a subnet's is its VNet's). */
function regionOf(core: EmulatorCore, doc: ArmResource): string | undefined {
  if (doc.location) return doc.location;
  const vnetId = doc.id.split('/subnets/')[0];
  return core.store.get(vnetId)?.location;
}

/** Resolves `{id}` of the given type; missing or in another region -> InvalidResourceReference. */
function requireRef(
  core: EmulatorCore,
  refId: string,
  type: string,
  byId: string,
  location: string,
): ArmResource {
  const doc = core.store.get(refId);
  if (!doc || !same(doc.type, type) || !same(regionOf(core, doc), location))
    throw invalidReference(refId, byId);
  return doc;
}

/**
 * ARM's linked access check: writing a resource that uses another one needs an action on it (`…/join/action`
 * for network resources; the compute provider also uses this for a VM's NICs and source images).
 * 403 LinkedAuthorizationFailed (learn.microsoft.com azure-resource-manager/troubleshooting/error-codes;
 * message as quoted in Container Apps and AKS reports, e.g. kubernetes-sigs/cloud-provider-azure#1999 and
 * Azure/aad-pod-identity#613 for a Compute write).
 */
export function requireLinkedAccess(req: ArmRequest, linkedAction: string, linkedScope: string): void {
  const principal = req.principal;
  if (!principal) return;
  try {
    req.core.auth.authorize(principal, linkedAction, linkedScope);
  } catch (e) {
    if (!(e instanceof ArmError) || e.status !== 403) throw e;
    const action = rbacActionFor(req.method, req.path);
    throw new ArmError(
      403,
      'LinkedAuthorizationFailed',
      `The client '${principal.clientId}' with object id '${principal.objectId}' has permission to perform action '${action}' on scope '${req.path}'; however, it does not have permission to perform action(s) '${linkedAction}' on the linked scope(s) '${linkedScope}' (respectively) or the linked scope(s) are invalid.`,
    );
  }
}

const networkDocs = (core: EmulatorCore, type: string): ArmResource[] =>
  core.store.all().filter((r) => same(r.type, type));

/** NIC ip configurations whose subnet / public IP is `id`. */
function ipConfigsReferencing(core: EmulatorCore, field: 'subnet' | 'publicIPAddress', id: string): string[] {
  const out: string[] = [];
  for (const nic of networkDocs(core, T.nic)) {
    for (const c of nic.properties?.ipConfigurations ?? []) {
      if (same(ref(c.properties?.[field]), id)) out.push(c.id);
    }
  }
  return out;
}

const subnetsReferencing = (core: EmulatorCore, field: 'networkSecurityGroup' | 'natGateway', id: string) =>
  networkDocs(core, T.subnet)
    .filter((s) => same(ref(s.properties?.[field]), id))
    .map((s) => s.id);

// ---------------------------------------------------------------------------------------------------------
// Views: the resource as Azure returns it, with the read-only back references computed from the store.
// ---------------------------------------------------------------------------------------------------------
function subnetView(core: EmulatorCore, s: ArmResource): ArmResource {
  const v = view(s) as ArmResource;
  const ipConfigurations = ipConfigsReferencing(core, 'subnet', s.id).map((id) => ({ id }));
  if (ipConfigurations.length > 0) v.properties = { ...v.properties, ipConfigurations };
  return v;
}

function resourceView(core: EmulatorCore, doc: ArmResource): ArmResource {
  const v = view(doc) as ArmResource;
  const p: Record<string, any> = { ...v.properties };
  switch (doc.type) {
    case T.vnet:
      p.subnets = core.store.listChildren(doc.id, T.subnet).map((s) => subnetView(core, s));
      break;
    case T.subnet:
      return subnetView(core, doc);
    case T.nsg: {
      const subnets = subnetsReferencing(core, 'networkSecurityGroup', doc.id).map((id) => ({ id }));
      const nics = networkDocs(core, T.nic)
        .filter((n) => same(ref(n.properties?.networkSecurityGroup), doc.id))
        .map((n) => ({ id: n.id }));
      if (subnets.length > 0) p.subnets = subnets;
      if (nics.length > 0) p.networkInterfaces = nics;
      break;
    }
    case T.nat: {
      const subnets = subnetsReferencing(core, 'natGateway', doc.id).map((id) => ({ id }));
      if (subnets.length > 0) p.subnets = subnets;
      break;
    }
    case T.pip: {
      const [ipConfiguration] = ipConfigsReferencing(core, 'publicIPAddress', doc.id);
      if (ipConfiguration) p.ipConfiguration = { id: ipConfiguration };
      const nat = natGatewaysUsing(core, doc.id)[0];
      if (nat) p.natGateway = { id: nat };
      break;
    }
    case T.nic: {
      const vmId = doc.internal?.virtualMachineId as string | undefined;
      if (vmId) {
        p.virtualMachine = { id: vmId };
        p.macAddress = doc.internal?.macAddress;
        p.primary = true;
      }
      break;
    }
  }
  v.properties = p;
  return v;
}

const natGatewaysUsing = (core: EmulatorCore, pipId: string): string[] =>
  networkDocs(core, T.nat)
    .filter((n) => (n.properties?.publicIpAddresses ?? []).some((x: unknown) => same(ref(x), pipId)))
    .map((n) => n.id);

// ---------------------------------------------------------------------------------------------------------
// Building each resource type from a PUT body (validation first: nothing is stored on a bad request).
// ---------------------------------------------------------------------------------------------------------
interface BuildContext {
  req: ArmRequest;
  core: EmulatorCore;
  id: string;
  name: string;
  location: string;
  existing?: ArmResource;
}

const apiVersionOf = (req: ArmRequest): string => req.query.get('api-version') ?? '';

/** Properties of a subnet (inline or child PUT), validated against its VNet and siblings. */
function buildSubnet(
  ctx: BuildContext,
  subnetId: string,
  name: string,
  body: any,
  vnetSpace: Cidr[],
  siblings: { name: string; prefixes: Cidr[] }[],
  existing?: ArmResource,
): { doc: ArmResource; prefixes: Cidr[] } {
  const props = body?.properties ?? {};
  const texts: unknown[] =
    props.addressPrefixes ?? (props.addressPrefix !== undefined ? [props.addressPrefix] : []);
  if (!Array.isArray(texts) || texts.length === 0) {
    throw invalidRequest(`Subnet '${name}' must have an addressPrefix or addressPrefixes.`);
  }
  const prefixes = texts.map((t) => requireCidr(t, subnetId));
  const vnetName = subnetId.split('/virtualNetworks/')[1].split('/')[0];
  for (const p of prefixes) {
    // NetcfgSubnetRangeOutsideVnet: "Subnet 'x' is not valid because its IP address range is outside the IP
    // address range of virtual network 'y'." (az CLI output quoted in KubernetesMOOC notes).
    if (!vnetSpace.some((space) => contains(space, p))) {
      throw new ArmError(
        400,
        'NetcfgSubnetRangeOutsideVnet',
        `Subnet '${name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnetName}'.`,
      );
    }
    const clash = siblings.find((s) => !same(s.name, name) && s.prefixes.some((q) => overlaps(p, q)));
    // NetcfgSubnetRangesOverlap (code from az CLI reports; wording modelled on the range message, unverified).
    if (clash) {
      throw new ArmError(
        400,
        'NetcfgSubnetRangesOverlap',
        `Subnet '${name}' is not valid because its IP address range overlaps with that of an existing subnet '${clash.name}' in virtual network '${vnetName}'.`,
      );
    }
  }
  const nsgId = ref(props.networkSecurityGroup);
  if (nsgId) {
    requireRef(ctx.core, nsgId, T.nsg, subnetId, ctx.location);
    requireLinkedAccess(ctx.req, `${T.nsg}/join/action`, nsgId);
  }
  const natId = ref(props.natGateway);
  if (natId) {
    requireRef(ctx.core, natId, T.nat, subnetId, ctx.location);
    requireLinkedAccess(ctx.req, `${T.nat}/join/action`, natId);
  }
  let defaultOutboundAccess: boolean | undefined = props.defaultOutboundAccess;
  if (typeof defaultOutboundAccess !== 'boolean') {
    defaultOutboundAccess = existing
      ? existing.properties?.defaultOutboundAccess
      : apiVersionOf(ctx.req) >= PRIVATE_SUBNET_API_VERSION
        ? false
        : undefined;
  }
  const properties: Record<string, any> = {
    provisioningState: 'Updating',
    ...(props.addressPrefixes
      ? { addressPrefixes: prefixes.map((p) => p.text) }
      : { addressPrefix: prefixes[0].text }),
    ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
    ...(natId ? { natGateway: { id: natId } } : {}),
    delegations: props.delegations ?? [],
    privateEndpointNetworkPolicies: props.privateEndpointNetworkPolicies ?? 'Disabled',
    privateLinkServiceNetworkPolicies: props.privateLinkServiceNetworkPolicies ?? 'Enabled',
    ...(defaultOutboundAccess !== undefined ? { defaultOutboundAccess } : {}),
  };
  return {
    doc: { id: subnetId, name: existing?.name ?? name, type: T.subnet, etag: etag(), properties },
    prefixes,
  };
}

/** The envelope every top-level network resource shares; `properties` starts "Updating". */
function envelope(
  ctx: BuildContext,
  type: string,
  tag: string,
  properties: Record<string, any>,
): ArmResource {
  const body = ctx.req.body ?? {};
  return {
    id: ctx.id,
    name: ctx.existing?.name ?? ctx.name,
    type,
    location: ctx.location,
    ...(body.tags ? { tags: body.tags } : {}),
    ...(body.zones ? { zones: body.zones } : {}),
    etag: tag,
    properties: {
      provisioningState: 'Updating',
      resourceGuid: ctx.existing?.properties?.resourceGuid ?? randomUUID(),
      ...properties,
    },
  };
}

const subnetPrefixes = (s: ArmResource): Cidr[] =>
  ((s.properties?.addressPrefixes ?? [s.properties?.addressPrefix]) as unknown[])
    .map(parseCidr)
    .filter((c): c is Cidr => !!c);

function subnetInUse(core: EmulatorCore, subnet: ArmResource): ArmError | undefined {
  const [user] = ipConfigsReferencing(core, 'subnet', subnet.id);
  if (!user) return undefined;
  return new ArmError(
    400,
    'InUseSubnetCannotBeDeleted',
    `Subnet ${subnet.name} is in use by ${user} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
  );
}

/** VNet PUT: the body's subnets replace the current ones (a subnet left out is deleted: terraform#16093). */
function buildVnet(ctx: BuildContext): { doc: ArmResource; children: ArmResource[]; removed: ArmResource[] } {
  const props = ctx.req.body?.properties ?? {};
  const space = (props.addressSpace?.addressPrefixes ?? []) as unknown[];
  if (!Array.isArray(space) || space.length === 0) {
    throw invalidRequest(`Virtual network '${ctx.name}' must have addressSpace.addressPrefixes.`);
  }
  const vnetSpace = space.map((t) => requireCidr(t, ctx.id));
  const bodies: any[] = Array.isArray(props.subnets) ? props.subnets : [];
  const current = ctx.existing ? ctx.core.store.listChildren(ctx.id, T.subnet) : [];
  const placed: { name: string; prefixes: Cidr[] }[] = [];
  const children: ArmResource[] = [];
  for (const b of bodies) {
    const name = b?.name;
    if (typeof name !== 'string' || name.length === 0) throw invalidRequest('Every subnet must have a name.');
    const subnetId = `${ctx.id}/subnets/${name}`;
    const old = current.find((s) => same(s.name, name));
    const built = buildSubnet(ctx, subnetId, name, b, vnetSpace, placed, old);
    placed.push({ name, prefixes: built.prefixes });
    children.push(built.doc);
  }
  const removed = current.filter((s) => !bodies.some((b) => same(b?.name, s.name)));
  for (const s of removed) {
    const err = subnetInUse(ctx.core, s);
    if (err) throw err;
  }
  // A subnet in use must keep holding the private IPs handed out in it.
  for (const c of children) {
    const old = current.find((s) => same(s.id, c.id));
    if (
      old &&
      subnetInUse(ctx.core, old) &&
      !subnetPrefixes(old).every((p) => subnetPrefixes(c).some((q) => contains(q, p)))
    ) {
      throw new ArmError(
        400,
        'InUseSubnetCannotBeUpdated',
        `Subnet ${c.name} is in use and its address prefix cannot be changed to one that excludes the addresses in use.`,
      );
    }
  }
  const doc = envelope(ctx, T.vnet, etag(), {
    addressSpace: { addressPrefixes: vnetSpace.map((c) => c.text) },
    ...(props.dhcpOptions ? { dhcpOptions: props.dhcpOptions } : {}),
    virtualNetworkPeerings: [],
    enableDdosProtection: props.enableDdosProtection ?? false,
    privateEndpointVNetPolicies: props.privateEndpointVNetPolicies ?? 'Disabled',
  });
  return { doc, children, removed };
}

// Azure's default rules, exactly as every NSG lists them in defaultSecurityRules (names, descriptions,
// priorities 65000/65001/65500, prefixes: NetworkSecurityGroupCreate examples in Azure/azure-rest-api-specs
// and exported templates).
const DEFAULT_RULES: [string, string, string, string, 'Allow' | 'Deny', number, 'Inbound' | 'Outbound'][] = [
  [
    'AllowVnetInBound',
    'Allow inbound traffic from all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Inbound',
  ],
  [
    'AllowAzureLoadBalancerInBound',
    'Allow inbound traffic from azure load balancer',
    'AzureLoadBalancer',
    '*',
    'Allow',
    65001,
    'Inbound',
  ],
  ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
  [
    'AllowVnetOutBound',
    'Allow outbound traffic from all VMs to all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Outbound',
  ],
  [
    'AllowInternetOutBound',
    'Allow outbound traffic from all VMs to Internet',
    '*',
    'Internet',
    'Allow',
    65001,
    'Outbound',
  ],
  ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
];

function defaultRules(nsgId: string, tag: string): ArmResource[] {
  return DEFAULT_RULES.map(([name, description, source, destination, access, priority, direction]) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: tag,
    type: `${T.nsg}/defaultSecurityRules`,
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

const oneOf = (value: unknown, allowed: string[]): string | undefined =>
  typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;

function buildNsg(ctx: BuildContext): ArmResource {
  const tag = etag();
  const rules: any[] = ctx.req.body?.properties?.securityRules ?? [];
  const seen: { name: string; priority: number; direction: string }[] = [];
  const securityRules = rules.map((r) => {
    const p = r?.properties ?? {};
    const name = r?.name;
    if (typeof name !== 'string' || name.length === 0)
      throw invalidRequest('Every security rule must have a name.');
    // SecurityRuleInvalidPriority: "Security rule has invalid Priority. Value provided: 50 Allowed range
    // 100-4096." (az CLI output quoted in emulator tests of az; range: learn.microsoft.com NSG overview).
    if (!Number.isInteger(p.priority) || p.priority < 100 || p.priority > 4096) {
      throw new ArmError(
        400,
        'SecurityRuleInvalidPriority',
        `Security rule has invalid Priority. Value provided: ${String(p.priority)} Allowed range 100-4096.`,
      );
    }
    const direction = oneOf(p.direction, ['Inbound', 'Outbound']);
    const access = oneOf(p.access, ['Allow', 'Deny']);
    const protocol = oneOf(p.protocol, ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*']);
    if (!direction || !access || !protocol) {
      throw invalidRequest(
        `Security rule ${name} must have protocol (Tcp, Udp, Icmp, Esp, Ah or *), access (Allow or Deny) and direction (Inbound or Outbound).`,
      );
    }
    // SecurityRuleConflict: "Security rule open-port-443 conflicts with rule open-port-80. Rules cannot have
    // the same Priority and Direction." (az CLI output quoted in emulator tests of az).
    const clash = seen.find((s) => s.priority === p.priority && s.direction === direction);
    if (clash) {
      throw new ArmError(
        400,
        'SecurityRuleConflict',
        `Security rule ${name} conflicts with rule ${clash.name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
      );
    }
    seen.push({ name, priority: p.priority, direction });
    return {
      name,
      id: `${ctx.id}/securityRules/${name}`,
      etag: tag,
      type: `${T.nsg}/securityRules`,
      properties: {
        provisioningState: 'Succeeded',
        ...(p.description ? { description: p.description } : {}),
        protocol,
        sourcePortRange: p.sourcePortRange ?? (p.sourcePortRanges ? undefined : '*'),
        destinationPortRange: p.destinationPortRange,
        sourceAddressPrefix: p.sourceAddressPrefix,
        destinationAddressPrefix: p.destinationAddressPrefix,
        access,
        priority: p.priority,
        direction,
        sourcePortRanges: p.sourcePortRanges ?? [],
        destinationPortRanges: p.destinationPortRanges ?? [],
        sourceAddressPrefixes: p.sourceAddressPrefixes ?? [],
        destinationAddressPrefixes: p.destinationAddressPrefixes ?? [],
      },
    };
  });
  return envelope(ctx, T.nsg, tag, { securityRules, defaultSecurityRules: defaultRules(ctx.id, tag) });
}

/** A deterministic public address per emulator (documentation range 198.51.100.0/24 then 203.0.113.0/24). */
function nextPublicAddress(core: EmulatorCore): string {
  const state = core.stateOf('network.publicAddresses', () => ({ next: 10 }));
  const n = state.next++;
  return n < 255 ? `198.51.100.${n}` : `203.0.113.${(n - 245) % 255}`;
}

function buildPublicIp(ctx: BuildContext): ArmResource {
  const body = ctx.req.body ?? {};
  const props = body.properties ?? {};
  // Basic SKU public IPs are retired (30 Sep 2025): "Cannot create more than 0 IPv4 Basic SKU public IP
  // addresses for this subscription in this region." (quoted in minikube Bicep comments; the code
  // IPv4BasicSkuPublicIpCountLimitReached is unverified). An omitted SKU is Standard (unverified default).
  const sku = oneOf(body.sku?.name ?? 'Standard', ['Basic', 'Standard', 'StandardV2']);
  if (!sku) throw invalidRequest(`Public IP address SKU '${String(body.sku?.name)}' is not supported.`);
  if (sku === 'Basic' && !ctx.existing) {
    throw new ArmError(
      400,
      'IPv4BasicSkuPublicIpCountLimitReached',
      'Cannot create more than 0 IPv4 Basic SKU public IP addresses for this subscription in this region.',
    );
  }
  const method = oneOf(props.publicIPAllocationMethod ?? 'Static', ['Static', 'Dynamic']);
  // StandardAndStandardV2SkuPublicIPAddressesMustBeStatic (az CLI output quoted in DevOps notes).
  if (method !== 'Static') {
    throw new ArmError(
      400,
      'StandardAndStandardV2SkuPublicIPAddressesMustBeStatic',
      `Standard sku publicIp ${ctx.id} must have AllocationMethod set to Static.`,
    );
  }
  const doc = envelope(ctx, T.pip, etag(), {
    ipAddress: ctx.existing?.properties?.ipAddress ?? nextPublicAddress(ctx.core),
    publicIPAddressVersion: props.publicIPAddressVersion ?? 'IPv4',
    publicIPAllocationMethod: 'Static',
    idleTimeoutInMinutes: props.idleTimeoutInMinutes ?? 4,
    ipTags: props.ipTags ?? [],
    ...(props.dnsSettings ? { dnsSettings: props.dnsSettings } : {}),
    ddosSettings: { protectionMode: 'VirtualNetworkInherited' },
  });
  return { ...doc, sku: { name: sku, tier: body.sku?.tier ?? 'Regional' } };
}

function buildNatGateway(ctx: BuildContext): ArmResource {
  const body = ctx.req.body ?? {};
  const props = body.properties ?? {};
  const pips: string[] = (props.publicIpAddresses ?? []).map((x: unknown) => ref(x)).filter(Boolean);
  for (const pipId of pips) {
    const pip = requireRef(ctx.core, pipId, T.pip, ctx.id, ctx.location);
    requireLinkedAccess(ctx.req, `${T.pip}/join/action`, pipId);
    const nic = ipConfigsReferencing(ctx.core, 'publicIPAddress', pip.id)[0];
    // A public IP serves one owner (code and wording unverified).
    if (nic) {
      throw new ArmError(
        400,
        'PublicIPAddressInUse',
        `Public IP address ${pip.id} is already in use by ${nic}.`,
      );
    }
  }
  const doc = envelope(ctx, T.nat, etag(), {
    idleTimeoutInMinutes: props.idleTimeoutInMinutes ?? 4,
    publicIpAddresses: pips.map((id) => ({ id })),
    ...(props.publicIpPrefixes ? { publicIpPrefixes: props.publicIpPrefixes } : {}),
  });
  return { ...doc, sku: { name: body.sku?.name ?? 'Standard' } };
}

/** Next free private address of a subnet: Azure keeps the first four and the last one (learn.microsoft.com
 * virtual-network FAQ "Are there any restrictions on using IP addresses within these subnets?"). */
function allocatePrivateIp(core: EmulatorCore, subnet: ArmResource, exceptNicId: string): string {
  const used = new Set<string>();
  for (const nic of networkDocs(core, T.nic)) {
    if (same(nic.id, exceptNicId)) continue;
    for (const c of nic.properties?.ipConfigurations ?? []) {
      if (same(ref(c.properties?.subnet), subnet.id)) used.add(c.properties?.privateIPAddress);
    }
  }
  for (const prefix of subnetPrefixes(subnet)) {
    for (let n = prefix.base + 4; n < prefix.base + size(prefix) - 1; n++) {
      if (!used.has(ipText(n))) return ipText(n);
    }
  }
  // SubnetIsFull (code from Network's error list; wording unverified).
  throw new ArmError(
    400,
    'SubnetIsFull',
    `Subnet ${subnet.name} with address prefix ${subnet.properties?.addressPrefix} does not have enough capacity for 1 IP addresses.`,
  );
}

function buildNic(ctx: BuildContext): ArmResource {
  const body = ctx.req.body ?? {};
  const props = body.properties ?? {};
  const configs: any[] = props.ipConfigurations ?? [];
  if (!Array.isArray(configs) || configs.length === 0) {
    throw invalidRequest(`Network interface ${ctx.id} must have at least one ipConfiguration.`);
  }
  const nsgId = ref(props.networkSecurityGroup);
  if (nsgId) {
    requireRef(ctx.core, nsgId, T.nsg, ctx.id, ctx.location);
    requireLinkedAccess(ctx.req, `${T.nsg}/join/action`, nsgId);
  }
  const oldConfigs: any[] = ctx.existing?.properties?.ipConfigurations ?? [];
  const ipConfigurations = configs.map((c, i) => {
    const name = c?.name ?? `ipconfig${i + 1}`;
    const configId = `${ctx.id}/ipConfigurations/${name}`;
    const p = c?.properties ?? {};
    const subnetId = ref(p.subnet);
    if (!subnetId) throw invalidRequest(`IP configuration ${configId} must reference a subnet.`);
    const subnet = requireRef(ctx.core, subnetId, T.subnet, ctx.id, ctx.location);
    requireLinkedAccess(ctx.req, `${T.subnet}/join/action`, subnetId);
    const pipId = ref(p.publicIPAddress);
    if (pipId) {
      requireRef(ctx.core, pipId, T.pip, ctx.id, ctx.location);
      requireLinkedAccess(ctx.req, `${T.pip}/join/action`, pipId);
      const other = ipConfigsReferencing(ctx.core, 'publicIPAddress', pipId).find(
        (x) => !x.toLowerCase().startsWith(ctx.id.toLowerCase() + '/'),
      );
      const nat = natGatewaysUsing(ctx.core, pipId)[0];
      // PublicIPAddressInUse (code and wording unverified): one public IP, one owner.
      if (other || nat) {
        throw new ArmError(
          400,
          'PublicIPAddressInUse',
          `Public IP address ${pipId} is already in use by ${other ?? nat}.`,
        );
      }
    }
    const old = oldConfigs.find((o) => same(o.name, name) && same(ref(o.properties?.subnet), subnetId));
    const privateIPAddress =
      p.privateIPAllocationMethod === 'Static' && typeof p.privateIPAddress === 'string'
        ? p.privateIPAddress
        : (old?.properties?.privateIPAddress ?? allocatePrivateIp(ctx.core, subnet, ctx.id));
    return {
      name,
      id: configId,
      etag: '',
      type: `${T.nic}/ipConfigurations`,
      properties: {
        provisioningState: 'Succeeded',
        privateIPAddress,
        privateIPAllocationMethod: p.privateIPAllocationMethod === 'Static' ? 'Static' : 'Dynamic',
        subnet: { id: subnetId },
        ...(pipId ? { publicIPAddress: { id: pipId } } : {}),
        primary: p.primary ?? i === 0,
        privateIPAddressVersion: p.privateIPAddressVersion ?? 'IPv4',
      },
    };
  });
  const tag = etag();
  for (const c of ipConfigurations) c.etag = tag;
  const doc = envelope(ctx, T.nic, tag, {
    ipConfigurations,
    dnsSettings: { dnsServers: props.dnsSettings?.dnsServers ?? [], appliedDnsServers: [] },
    enableAcceleratedNetworking: props.enableAcceleratedNetworking ?? false,
    vnetEncryptionSupported: false,
    enableIPForwarding: props.enableIPForwarding ?? false,
    disableTcpStateTracking: false,
    ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
    hostedWorkloads: [],
    tapConfigurations: [],
    nicType: 'Standard',
    allowPort25Out: false,
    auxiliaryMode: 'None',
    auxiliarySku: 'None',
  });
  return {
    ...doc,
    kind: 'Regular',
    internal: { ...(ctx.existing?.internal ?? {}) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Delete rules
// ---------------------------------------------------------------------------------------------------------
function deleteBlocker(core: EmulatorCore, doc: ArmResource): ArmError | undefined {
  switch (doc.type) {
    case T.vnet:
      for (const s of core.store.listChildren(doc.id, T.subnet)) {
        const err = subnetInUse(core, s);
        if (err) return err;
      }
      return undefined;
    case T.subnet:
      return subnetInUse(core, doc);
    case T.nsg: {
      const users = [
        ...subnetsReferencing(core, 'networkSecurityGroup', doc.id),
        ...networkDocs(core, T.nic)
          .filter((n) => same(ref(n.properties?.networkSecurityGroup), doc.id))
          .map((n) => n.id),
      ];
      if (users.length === 0) return undefined;
      return new ArmError(
        400,
        'InUseNetworkSecurityGroupCannotBeDeleted',
        `Network security group ${doc.id} cannot be deleted because it is in use by the following resources: ${users.join(', ')}. In order to delete the Network security group, remove the association with the resource(s). To learn how to do this, see aka.ms/deletensg.`,
      );
    }
    case T.nat: {
      const users = subnetsReferencing(core, 'natGateway', doc.id);
      if (users.length === 0) return undefined;
      return new ArmError(
        400,
        'InUseNatGatewayCannotBeDeleted',
        `Nat Gateway ${doc.id} cannot be deleted because it is in use by the following resources: ${users.join(', ')}. In order to delete the Nat Gateway, remove the association with the resource(s).`,
      );
    }
    case T.pip: {
      const user =
        ipConfigsReferencing(core, 'publicIPAddress', doc.id)[0] ?? natGatewaysUsing(core, doc.id)[0];
      if (!user) return undefined;
      return new ArmError(
        400,
        'PublicIPAddressCannotBeDeleted',
        `Public IP address ${doc.id} can not be deleted since it is still allocated to resource ${user}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip.`,
      );
    }
    case T.nic: {
      const vmId = doc.internal?.virtualMachineId as string | undefined;
      if (!vmId) return undefined;
      return nicInUse(doc.id, vmId);
    }
  }
  return undefined;
}

const nicInUse = (nicId: string, vmId: string): ArmError =>
  new ArmError(
    400,
    'NicInUse',
    `Network Interface ${nicId} is used by existing resource ${vmId}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`,
  );

// ---------------------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------------------
interface Kind {
  segment: string;
  type: string;
  /** The resource, plus (for a VNet) its inline subnets and the subnets the PUT drops. */
  build: (ctx: BuildContext) => { doc: ArmResource; children?: ArmResource[]; removed?: ArmResource[] };
  createLatency: LatencyName;
}

const single =
  (build: (ctx: BuildContext) => ArmResource): Kind['build'] =>
  (ctx) => ({ doc: build(ctx) });

const KINDS: Kind[] = [
  { segment: 'virtualNetworks', type: T.vnet, build: buildVnet, createLatency: 'networkCreate' },
  { segment: 'networkSecurityGroups', type: T.nsg, build: single(buildNsg), createLatency: 'networkCreate' },
  { segment: 'publicIPAddresses', type: T.pip, build: single(buildPublicIp), createLatency: 'networkCreate' },
  { segment: 'natGateways', type: T.nat, build: single(buildNatGateway), createLatency: 'natGatewayCreate' },
  { segment: 'networkInterfaces', type: T.nic, build: single(buildNic), createLatency: 'networkCreate' },
];

/** Marks docs Succeeded when their operation ends (if they still exist), Failed if it fails. */
function settleDocs(core: EmulatorCore, ids: string[], state: 'Succeeded' | 'Failed'): void {
  for (const id of ids) {
    const d = core.store.get(id);
    if (d?.properties && d.properties.provisioningState === 'Updating')
      d.properties.provisioningState = state;
  }
}

function startPut(
  req: ArmRequest,
  location: string,
  latency: LatencyName,
  ids: string[],
  created: boolean,
  body: ArmResource,
): ArmResponse {
  const core = req.core;
  const headers = core.lro.start({
    req,
    provider: NET,
    location,
    durationMs: core.ms(latency),
    headers: 'azure-async',
    retryAfterSeconds: 10,
    complete: () => {
      settleDocs(core, ids, 'Succeeded');
      return undefined;
    },
    onFailed: () => settleDocs(core, ids, 'Failed'),
  });
  // The first response says Retry-After: 3, polls say 10 (JSREC network recordings).
  const first = core.clock.retryAfterHeader(3);
  if (first !== undefined) headers['retry-after'] = first;
  else delete headers['retry-after'];
  return { status: created ? 201 : 200, body, headers };
}

function startDelete(req: ArmRequest, doc: ArmResource): ArmResponse {
  const core = req.core;
  const blocker = deleteBlocker(core, doc);
  if (blocker) throw blocker;
  doc.properties = { ...doc.properties, provisioningState: 'Deleting' };
  const location = regionOf(core, doc) ?? 'global';
  const headers = core.lro.start({
    req,
    provider: NET,
    location,
    durationMs: core.ms('networkDelete'),
    headers: 'both',
    retryAfterSeconds: 10,
    complete: () => {
      const again = core.store.get(doc.id);
      if (!again) return undefined;
      // Something attached to it meanwhile: the deletion fails through the operation.
      const late = deleteBlocker(core, again);
      if (late) {
        again.properties = { ...again.properties, provisioningState: 'Succeeded' };
        throw late;
      }
      for (const child of core.store.list(doc.id + '/')) core.store.delete(child.id);
      core.store.delete(doc.id);
      return undefined;
    },
    onFailed: () => {
      const again = core.store.get(doc.id);
      if (again?.properties?.provisioningState === 'Deleting')
        again.properties.provisioningState = 'Succeeded';
    },
  });
  return { status: 202, headers };
}

/** The stored resource, or 404 as ARM words it (group first, then the resource). */
function getDoc(req: ArmRequest, id: string, type: string, name: string): ArmResource {
  req.core.requireGroup(req.params.sub, req.params.rg, false);
  const doc = req.core.store.get(id);
  if (!doc || !same(doc.type, type)) throw notFound(type, name, req.params.rg);
  return doc;
}

function requireLocationFor(
  req: ArmRequest,
  existing: ArmResource | undefined,
  segment: string,
  name: string,
): string {
  const location = req.core.requireLocation(req.body?.location, segment);
  // ARM: "The resource 'x' already exists in location 'a' in resource group 'rg'. A resource with the same
  // name cannot be created in location 'b'. Please select a new resource name." (InvalidResourceLocation,
  // learn.microsoft.com azure-resource-manager/troubleshooting/error-codes).
  if (existing && existing.location && existing.location !== location) {
    throw new ArmError(
      409,
      'InvalidResourceLocation',
      `The resource '${name}' already exists in location '${existing.location}' in resource group '${req.params.rg}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
    );
  }
  return location;
}

function topLevelRoutes(core: EmulatorCore, kind: Kind): RouteDef[] {
  const base = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${NET}/${kind.segment}`;
  const idOf = (req: ArmRequest) =>
    `${groupId(req.params.sub, req.params.rg)}/providers/${kind.type}/${req.params.name}`;
  return [
    {
      method: 'PUT',
      path: `${base}/{name}`,
      handler: (req) => {
        core.requireGroup(req.params.sub, req.params.rg);
        const id = idOf(req);
        const existing = core.store.get(id);
        const location = requireLocationFor(req, existing, kind.segment, req.params.name);
        const built = kind.build({ req, core, id, name: req.params.name, location, existing });
        const children = built.children ?? [];
        for (const s of built.removed ?? []) core.store.delete(s.id);
        core.store.put(built.doc);
        for (const c of children) core.store.put(c);
        const ids = [id, ...children.map((c) => c.id)];
        return startPut(req, location, kind.createLatency, ids, !existing, resourceView(core, built.doc));
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}`,
      handler: (req) => ({
        status: 200,
        body: resourceView(core, getDoc(req, idOf(req), kind.type, req.params.name)),
      }),
    },
    {
      method: 'PATCH',
      path: `${base}/{name}`,
      handler: (req) => {
        const doc = getDoc(req, idOf(req), kind.type, req.params.name);
        if (req.body?.tags) doc.tags = req.body.tags;
        return { status: 200, body: resourceView(core, doc) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{name}`,
      handler: (req) => {
        core.requireGroup(req.params.sub, req.params.rg, false);
        const doc = core.store.get(idOf(req));
        return doc ? startDelete(req, doc) : { status: 204 };
      },
    },
    {
      method: 'GET',
      path: base,
      handler: (req) => {
        const g = core.requireGroup(req.params.sub, req.params.rg, false);
        return {
          status: 200,
          body: {
            value: core.store
              .list(`${g.id}/providers/${kind.type}/`)
              .filter((r) => same(r.type, kind.type))
              .map((r) => resourceView(core, r)),
          },
        };
      },
    },
    {
      method: 'GET',
      path: `/subscriptions/{sub}/providers/${NET}/${kind.segment}`,
      handler: () => ({
        status: 200,
        body: { value: networkDocs(core, kind.type).map((r) => resourceView(core, r)) },
      }),
    },
  ];
}

function subnetRoutes(core: EmulatorCore): RouteDef[] {
  const base = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${NET}/virtualNetworks`;
  const vnetId = (req: ArmRequest) =>
    `${groupId(req.params.sub, req.params.rg)}/providers/${T.vnet}/${req.params.name}`;
  const subnetId = (req: ArmRequest) => `${vnetId(req)}/subnets/${req.params.subnet}`;
  return [
    {
      method: 'PUT',
      path: `${base}/{name}/subnets/{subnet}`,
      handler: (req) => {
        const vnet = getDoc(req, vnetId(req), T.vnet, req.params.name);
        core.requireGroup(req.params.sub, req.params.rg);
        const id = subnetId(req);
        const existing = core.store.get(id);
        const space = (vnet.properties?.addressSpace?.addressPrefixes ?? [])
          .map(parseCidr)
          .filter(Boolean) as Cidr[];
        const siblings = core.store
          .listChildren(vnet.id, T.subnet)
          .filter((s) => !same(s.id, id))
          .map((s) => ({ name: s.name, prefixes: subnetPrefixes(s) }));
        const ctx: BuildContext = {
          req,
          core,
          id,
          name: req.params.subnet,
          location: vnet.location!,
          existing,
        };
        const { doc } = buildSubnet(ctx, id, req.params.subnet, req.body, space, siblings, existing);
        if (
          existing &&
          subnetInUse(core, existing) &&
          !subnetPrefixes(existing).every((p) => subnetPrefixes(doc).some((q) => contains(q, p)))
        ) {
          throw new ArmError(
            400,
            'InUseSubnetCannotBeUpdated',
            `Subnet ${doc.name} is in use and its address prefix cannot be changed to one that excludes the addresses in use.`,
          );
        }
        core.store.put(doc);
        return startPut(req, vnet.location!, 'networkCreate', [id], !existing, subnetView(core, doc));
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}/subnets/{subnet}`,
      handler: (req) => {
        getDoc(req, vnetId(req), T.vnet, req.params.name);
        const doc = core.store.get(subnetId(req));
        // Network's child 404: "Resource /subscriptions/…/subnets/x not found." (code NotFound).
        if (!doc) throw new ArmError(404, 'NotFound', `Resource ${subnetId(req)} not found.`);
        return { status: 200, body: subnetView(core, doc) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{name}/subnets/{subnet}`,
      handler: (req) => {
        core.requireGroup(req.params.sub, req.params.rg, false);
        const doc = core.store.get(subnetId(req));
        return doc ? startDelete(req, doc) : { status: 204 };
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}/subnets`,
      handler: (req) => {
        const vnet = getDoc(req, vnetId(req), T.vnet, req.params.name);
        return {
          status: 200,
          body: { value: core.store.listChildren(vnet.id, T.subnet).map((s) => subnetView(core, s)) },
        };
      },
    },
  ];
}

export function networkRoutes(core: EmulatorCore): RouteDef[] {
  return [...KINDS.flatMap((k) => topLevelRoutes(core, k)), ...subnetRoutes(core)];
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for the compute provider (VM create / delete) and the guest
// ---------------------------------------------------------------------------------------------------------

/** The stored NIC document (wire JSON plus internal state), or undefined. */
export function getNic(core: EmulatorCore, nicId: string): ArmResource | undefined {
  const nic = core.store.get(nicId);
  return nic && same(nic.type, T.nic) ? nic : undefined;
}

/**
 * Records that a VM uses the NIC (its GET then shows properties.virtualMachine). A NIC used by another VM:
 * 400 NicInUse, which is what a VM PUT reusing it gets (pulumi/pulumi-azure#441). A missing NIC: 400
 * InvalidResourceReference (wording as Network's reference error; what Compute says is unverified).
 */
export function attachNic(core: EmulatorCore, nicId: string, vmId: string): ArmResource {
  const nic = getNic(core, nicId);
  if (!nic) throw invalidReference(nicId, vmId);
  const current = nic.internal?.virtualMachineId as string | undefined;
  if (current && !same(current, vmId)) throw nicInUse(nic.id, current);
  const mac = Array.from({ length: 3 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0')
      .toUpperCase(),
  );
  nic.internal = {
    ...(nic.internal ?? {}),
    virtualMachineId: vmId,
    macAddress: nic.internal?.macAddress ?? `00-0D-3A-${mac.join('-')}`,
  };
  return nic;
}

/** The VM no longer uses the NIC (VM deleted with deleteOption Detach). */
export function detachNic(core: EmulatorCore, nicId: string): void {
  const nic = getNic(core, nicId);
  if (nic?.internal) delete nic.internal.virtualMachineId;
}

/** Removes a NIC together with its VM (deleteOption Delete): no in-use check, no operation of its own. */
export function removeNic(core: EmulatorCore, nicId: string): void {
  const nic = getNic(core, nicId);
  if (nic) core.store.delete(nic.id);
}

/**
 * Whether a NIC's primary ip configuration can reach the internet (facts §3): a public IP on it, a NAT gateway
 * on its subnet, or a subnet that is not private (defaultOutboundAccess not false).
 */
export function nicHasOutboundInternet(core: EmulatorCore, nicId: string): boolean {
  const nic = getNic(core, nicId);
  const config =
    (nic?.properties?.ipConfigurations ?? []).find((c: any) => c.properties?.primary) ??
    nic?.properties?.ipConfigurations?.[0];
  if (!config) return false;
  if (ref(config.properties?.publicIPAddress)) return true;
  const subnet = core.store.get(ref(config.properties?.subnet) ?? '');
  if (!subnet) return false;
  if (ref(subnet.properties?.natGateway)) return true;
  return subnet.properties?.defaultOutboundAccess !== false;
}
