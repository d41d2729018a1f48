// Microsoft.Network through the real @azure/arm-network client: LRO shape, default NSG rules, references,
// private subnets, and the in-use rules that make cleanup order matter.
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { attachNic, detachNic, getNic, nicHasOutboundInternet } from '../emulator/providers/network.js';

let emu: EmulatorHandle;
let net: NetworkManagementClient;
let rm: ResourceManagementClient;
const poll = { updateIntervalInMs: 5 };
const RG = 'rg-net';
const loc = 'westeurope';

function credential(clientId: string, secret: string) {
  return new ClientSecretCredential(emu.tenantId, clientId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
}

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.002 });
  const cred = credential(emu.clientId, emu.clientSecret);
  net = new NetworkManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  await rm.resourceGroups.createOrUpdate(RG, { location: loc });
});
afterAll(() => emu.stop());

const subnetIdOf = (vnet: string, subnet: string) =>
  `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}`;

async function vnet(
  name: string,
  subnets: { name: string; prefix: string; natGatewayId?: string; nsgId?: string }[] = [
    { name: 'build', prefix: '10.0.0.0/24' },
  ],
) {
  return net.virtualNetworks.createOrUpdate(
    RG,
    name,
    {
      location: loc,
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: subnets.map((s) => ({
        name: s.name,
        addressPrefix: s.prefix,
        ...(s.natGatewayId ? { natGateway: { id: s.natGatewayId } } : {}),
        ...(s.nsgId ? { networkSecurityGroup: { id: s.nsgId } } : {}),
      })),
    },
    poll,
  );
}

async function nic(name: string, subnetId: string, publicIpId?: string) {
  return net.networkInterfaces.createOrUpdate(
    RG,
    name,
    {
      location: loc,
      ipConfigurations: [
        {
          name: 'ipconfig1',
          subnet: { id: subnetId },
          ...(publicIpId ? { publicIPAddress: { id: publicIpId } } : {}),
        },
      ],
    },
    poll,
  );
}

/** The call fails with a synchronous 400 and this Azure error code. */
const refused = (call: Promise<unknown>, code: string) =>
  expect(call).rejects.toMatchObject({ statusCode: 400, code });

/** A Standard static public IP and a NAT gateway using it. */
async function natGateway(pipName: string, natName: string) {
  const pip = await net.publicIPAddresses.createOrUpdate(
    RG,
    pipName,
    { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' },
    poll,
  );
  const nat = await net.natGateways.createOrUpdate(
    RG,
    natName,
    { location: loc, sku: { name: 'Standard' }, publicIpAddresses: [{ id: pip.id }] },
    poll,
  );
  return { pip, nat };
}

test('a VNet PUT answers 201 Updating with Azure-AsyncOperation, then the SDK sees Succeeded; new subnets are private', async () => {
  emu.control.clearRequestLog();
  const created = await vnet('vnet-a', [
    { name: 'build', prefix: '10.0.0.0/24' },
    { name: 'other', prefix: '10.0.1.0/24' },
  ]);
  expect(created.provisioningState).toBe('Succeeded');
  expect(created.subnets?.map((s) => s.name)).toEqual(['build', 'other']);
  // api-version 2026-01-01 (>= 2025-07-01): subnets are private by default (facts §3).
  expect(created.subnets?.every((s) => s.defaultOutboundAccess === false)).toBe(true);
  const log = emu.control.requestLog();
  const put = log.find((r) => r.method === 'PUT' && r.path.endsWith('/virtualNetworks/vnet-a'));
  expect(put?.status).toBe(201);
  const polls = log.filter((r) =>
    r.path.includes('/providers/Microsoft.Network/locations/westeurope/operations/'),
  );
  expect(polls.length).toBeGreaterThan(0);
  expect(polls.at(-1)?.status).toBe(200);
  const subnet = await net.subnets.get(RG, 'vnet-a', 'other');
  expect(subnet.addressPrefix).toBe('10.0.1.0/24');
  // An older api-version leaves the property unset (implicit outbound access).
  const legacy = new NetworkManagementClient(credential(emu.clientId, emu.clientSecret), emu.subscriptionId, {
    endpoint: emu.endpoint,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'old-api-version',
          sendRequest: (request, next) => {
            request.url = request.url.replace(/api-version=[^&]+/, 'api-version=2024-05-01');
            return next(request);
          },
        },
      },
    ],
  });
  const old = await legacy.subnets.createOrUpdate(
    RG,
    'vnet-a',
    'legacy',
    { addressPrefix: '10.0.9.0/24' },
    poll,
  );
  expect(old.name).toBe('legacy');
  expect(old.defaultOutboundAccess).toBeUndefined();
});

test('subnet prefixes must lie inside the VNet and must not overlap', async () => {
  await vnet('vnet-b');
  await refused(
    net.subnets.createOrUpdate(RG, 'vnet-b', 'out', { addressPrefix: '10.9.0.0/24' }, poll),
    'NetcfgSubnetRangeOutsideVnet',
  );
  await refused(
    net.subnets.createOrUpdate(RG, 'vnet-b', 'dup', { addressPrefix: '10.0.0.128/25' }, poll),
    'NetcfgSubnetRangesOverlap',
  );
  await expect(net.subnets.get(RG, 'vnet-b', 'out')).rejects.toMatchObject({ statusCode: 404 });
});

test('an NSG lists Azure default rules, and rejects a priority outside 100-4096', async () => {
  const nsg = await net.networkSecurityGroups.createOrUpdate(
    RG,
    'nsg-a',
    {
      location: loc,
      securityRules: [
        {
          name: 'deny-ssh',
          protocol: 'Tcp',
          access: 'Deny',
          direction: 'Inbound',
          priority: 100,
          sourceAddressPrefix: '*',
          destinationAddressPrefix: '*',
          sourcePortRange: '*',
          destinationPortRange: '22',
        },
      ],
    },
    poll,
  );
  expect(nsg.securityRules?.map((r) => r.name)).toEqual(['deny-ssh']);
  expect(nsg.defaultSecurityRules?.map((r) => [r.name, r.direction, r.access, r.priority])).toEqual([
    ['AllowVnetInBound', 'Inbound', 'Allow', 65000],
    ['AllowAzureLoadBalancerInBound', 'Inbound', 'Allow', 65001],
    ['DenyAllInBound', 'Inbound', 'Deny', 65500],
    ['AllowVnetOutBound', 'Outbound', 'Allow', 65000],
    ['AllowInternetOutBound', 'Outbound', 'Allow', 65001],
    ['DenyAllOutBound', 'Outbound', 'Deny', 65500],
  ]);
  await refused(
    net.networkSecurityGroups.createOrUpdate(
      RG,
      'nsg-bad',
      {
        location: loc,
        securityRules: [{ name: 'x', protocol: '*', access: 'Allow', direction: 'Inbound', priority: 50 }],
      },
      poll,
    ),
    'SecurityRuleInvalidPriority',
  );
});

test('a NIC gets the next private IP of its subnet; a missing subnet is InvalidResourceReference', async () => {
  await vnet('vnet-c');
  const a = await nic('nic-c1', subnetIdOf('vnet-c', 'build'));
  const b = await nic('nic-c2', subnetIdOf('vnet-c', 'build'));
  expect(a.ipConfigurations?.[0].privateIPAddress).toBe('10.0.0.4');
  expect(b.ipConfigurations?.[0].privateIPAddress).toBe('10.0.0.5');
  const err = await nic('nic-c3', subnetIdOf('vnet-c', 'nope')).catch((e) => e);
  expect(err).toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
  expect(err.message).toContain('referenced by resource');
  expect(emu.control.inventory().some((r) => r.id.endsWith('/nic-c3'))).toBe(false);
  const subnet = await net.subnets.get(RG, 'vnet-c', 'build');
  expect(subnet.ipConfigurations?.map((c) => c.id)).toHaveLength(2);
});

test('in-use resources cannot be deleted: cleanup must go NIC, public IP, VNet, NSG / NAT gateway', async () => {
  const nsg = await net.networkSecurityGroups.createOrUpdate(RG, 'nsg-d', { location: loc }, poll);
  const { pip: natIp, nat } = await natGateway('pip-nat', 'nat-d');
  expect(nat.publicIpAddresses?.[0].id).toBe(natIp.id);
  await vnet('vnet-d', [{ name: 'build', prefix: '10.0.0.0/24', natGatewayId: nat.id, nsgId: nsg.id }]);
  const vmIp = await net.publicIPAddresses.createOrUpdate(
    RG,
    'pip-vm',
    { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' },
    poll,
  );
  expect(vmIp.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  await nic('nic-d', subnetIdOf('vnet-d', 'build'), vmIp.id);
  expect((await net.natGateways.get(RG, 'nat-d')).subnets?.[0].id).toBe(subnetIdOf('vnet-d', 'build'));
  expect((await net.publicIPAddresses.get(RG, 'pip-vm')).ipConfiguration?.id).toContain(
    '/networkInterfaces/nic-d/ipConfigurations/ipconfig1',
  );

  await refused(net.subnets.delete(RG, 'vnet-d', 'build', poll), 'InUseSubnetCannotBeDeleted');
  await refused(net.virtualNetworks.delete(RG, 'vnet-d', poll), 'InUseSubnetCannotBeDeleted');
  // A VNet PUT that leaves out a subnet in use deletes it, and so fails the same way.
  await refused(vnet('vnet-d', []), 'InUseSubnetCannotBeDeleted');
  await refused(net.publicIPAddresses.delete(RG, 'pip-vm', poll), 'PublicIPAddressCannotBeDeleted');
  await refused(net.publicIPAddresses.delete(RG, 'pip-nat', poll), 'PublicIPAddressCannotBeDeleted');
  await refused(
    net.networkSecurityGroups.delete(RG, 'nsg-d', poll),
    'InUseNetworkSecurityGroupCannotBeDeleted',
  );
  await refused(net.natGateways.delete(RG, 'nat-d', poll), 'InUseNatGatewayCannotBeDeleted');

  emu.control.clearRequestLog();
  await net.networkInterfaces.delete(RG, 'nic-d', poll);
  const del = emu.control.requestLog().find((r) => r.method === 'DELETE');
  expect(del?.status).toBe(202);
  await net.publicIPAddresses.delete(RG, 'pip-vm', poll);
  await net.virtualNetworks.delete(RG, 'vnet-d', poll);
  await net.networkSecurityGroups.delete(RG, 'nsg-d', poll);
  await net.natGateways.delete(RG, 'nat-d', poll);
  await net.publicIPAddresses.delete(RG, 'pip-nat', poll);
  const left = emu.control.inventory().filter((r) => /vnet-d|nsg-d|nat-d|pip-(vm|nat)|nic-d/.test(r.id));
  expect(left).toEqual([]);
  // Deleting what is gone answers 204, which the SDK poller accepts.
  emu.control.clearRequestLog();
  await net.natGateways.delete(RG, 'nat-d', poll);
  expect(emu.control.requestLog().find((r) => r.method === 'DELETE')?.status).toBe(204);
});

test('a NIC attached to a VM cannot be deleted (NicInUse) until the VM lets go of it', async () => {
  await vnet('vnet-e');
  const created = await nic('nic-e', subnetIdOf('vnet-e', 'build'));
  const vmId = `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-e`;
  attachNic(emu.control.core, created.id!, vmId);
  expect((await net.networkInterfaces.get(RG, 'nic-e')).virtualMachine?.id).toBe(vmId);
  expect(getNic(emu.control.core, created.id!)?.internal?.virtualMachineId).toBe(vmId);
  expect(() => attachNic(emu.control.core, created.id!, vmId + '-other')).toThrow(
    /is used by existing resource/,
  );
  const err = await net.networkInterfaces.delete(RG, 'nic-e', poll).catch((e) => e);
  expect(err).toMatchObject({ statusCode: 400, code: 'NicInUse' });
  expect(err.message).toContain(vmId);
  detachNic(emu.control.core, created.id!);
  await net.networkInterfaces.delete(RG, 'nic-e', poll);
  await expect(net.networkInterfaces.get(RG, 'nic-e')).rejects.toMatchObject({
    statusCode: 404,
    code: 'ResourceNotFound',
  });
});

test('outbound internet: a private subnet has none; a NAT gateway or public IP gives it', async () => {
  const { nat } = await natGateway('pip-f', 'nat-f');
  await vnet('vnet-f', [
    { name: 'private', prefix: '10.0.0.0/24' },
    { name: 'natted', prefix: '10.0.1.0/24', natGatewayId: nat.id },
  ]);
  const a = await nic('nic-f1', subnetIdOf('vnet-f', 'private'));
  const b = await nic('nic-f2', subnetIdOf('vnet-f', 'natted'));
  expect(nicHasOutboundInternet(emu.control.core, a.id!)).toBe(false);
  expect(nicHasOutboundInternet(emu.control.core, b.id!)).toBe(true);
  await net.subnets.createOrUpdate(
    RG,
    'vnet-f',
    'open',
    { addressPrefix: '10.0.2.0/24', defaultOutboundAccess: true },
    poll,
  );
  const c = await nic('nic-f3', subnetIdOf('vnet-f', 'open'));
  expect(nicHasOutboundInternet(emu.control.core, c.id!)).toBe(true);
});

test("public IPs are Standard and Static: Dynamic is rejected with Azure's code", async () => {
  await refused(
    net.publicIPAddresses.createOrUpdate(
      RG,
      'pip-dyn',
      { location: loc, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Dynamic' },
      poll,
    ),
    'StandardAndStandardV2SkuPublicIPAddressesMustBeStatic',
  );
});

test('using a subnet needs subnets/join/action on it: LinkedAuthorizationFailed otherwise', async () => {
  await vnet('vnet-g');
  const p = emu.control.addPrincipal({
    clientId: '00000000-0000-4000-8000-0000000000d7',
    clientSecret: 'nic-only-secret',
    roleAssignments: [
      {
        actions: ['Microsoft.Network/networkInterfaces/*', 'Microsoft.Network/*/read'],
        scope: `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}`,
      },
    ],
  });
  const limited = new NetworkManagementClient(credential(p.clientId, 'nic-only-secret'), emu.subscriptionId, {
    endpoint: emu.endpoint,
  });
  const err = await limited.networkInterfaces
    .createOrUpdate(
      RG,
      'nic-g',
      {
        location: loc,
        ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnetIdOf('vnet-g', 'build') } }],
      },
      poll,
    )
    .catch((e) => e);
  expect(err).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
  expect(err.message).toContain('Microsoft.Network/virtualNetworks/subnets/join/action');
});

test('an asynchronous failure leaves the resource Failed, as the operation status said', async () => {
  emu.control.injectFault({
    method: 'PUT',
    path: '/networkSecurityGroups/nsg-h',
    effect: { type: 'asyncFailure', code: 'InternalServerError' },
  });
  await expect(
    net.networkSecurityGroups.createOrUpdate(RG, 'nsg-h', { location: loc }, poll),
  ).rejects.toThrow(/InternalServerError/);
  expect((await net.networkSecurityGroups.get(RG, 'nsg-h')).provisioningState).toBe('Failed');
});

test('a resource group delete takes every network resource with it, whatever the order', async () => {
  await rm.resourceGroups.createOrUpdate('rg-net-gone', { location: loc });
  await net.virtualNetworks.createOrUpdate(
    'rg-net-gone',
    'v',
    {
      location: loc,
      addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      subnets: [{ name: 's', addressPrefix: '10.1.0.0/24' }],
    },
    poll,
  );
  await net.networkInterfaces.createOrUpdate(
    'rg-net-gone',
    'n',
    {
      location: loc,
      ipConfigurations: [
        {
          name: 'ipconfig1',
          subnet: {
            id: `/subscriptions/${emu.subscriptionId}/resourceGroups/rg-net-gone/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
          },
        },
      ],
    },
    poll,
  );
  await rm.resourceGroups.delete('rg-net-gone', poll);
  expect(emu.control.inventory().filter((r) => r.id.toLowerCase().includes('/rg-net-gone'))).toEqual([]);
});
