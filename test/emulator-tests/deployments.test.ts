// Template deployments (providers/deployments.ts) through the real @azure/arm-resourcesdeployments client.
import { DeploymentsClient, type Deployment } from '@azure/arm-resourcesdeployments';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';

const NET_API = '2026-01-01';
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

let emu: EmulatorHandle;
let deployments: DeploymentsClient;
let rm: ResourceManagementClient;

const credential = (clientId: string, secret: string) =>
  new ClientSecretCredential(emu.tenantId, clientId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.002 });
  deployments = new DeploymentsClient(credential(emu.clientId, emu.clientSecret), emu.subscriptionId, {
    endpoint: emu.endpoint,
  });
  rm = new ResourceManagementClient(credential(emu.clientId, emu.clientSecret), emu.subscriptionId, {
    endpoint: emu.endpoint,
  });
});
afterAll(() => emu.stop());

const groupIdOf = (rg: string) => `/subscriptions/${emu.subscriptionId}/resourceGroups/${rg}`;
const netId = (rg: string, type: string, name: string) =>
  `${groupIdOf(rg)}/providers/Microsoft.Network/${type}/${name}`;

/** The build network as the action deploys it: NSG ∥ public IP → NAT gateway → VNet → NIC. */
function networkTemplate(rg: string, opts: { subnetPrefix?: string } = {}) {
  const id = (type: string, name: string) => netId(rg, type, name);
  const location = 'westeurope';
  return {
    $schema: SCHEMA,
    contentVersion: '1.0.0.0',
    resources: [
      {
        type: 'Microsoft.Network/networkSecurityGroups',
        apiVersion: NET_API,
        name: 'nsg',
        location,
        tags: { t: '1' },
        properties: { securityRules: [] },
      },
      {
        type: 'Microsoft.Network/publicIPAddresses',
        apiVersion: NET_API,
        name: 'pip',
        location,
        sku: { name: 'Standard' },
        properties: { publicIPAllocationMethod: 'Static' },
      },
      {
        type: 'Microsoft.Network/natGateways',
        apiVersion: NET_API,
        name: 'nat',
        location,
        sku: { name: 'Standard' },
        properties: { publicIpAddresses: [{ id: id('publicIPAddresses', 'pip') }] },
        dependsOn: [id('publicIPAddresses', 'pip')],
      },
      {
        type: 'Microsoft.Network/virtualNetworks',
        apiVersion: NET_API,
        name: 'vnet',
        location,
        properties: {
          addressSpace: { addressPrefixes: ['10.1.0.0/24'] },
          subnets: [
            {
              name: 'build',
              properties: {
                addressPrefix: opts.subnetPrefix ?? '10.1.0.0/24',
                natGateway: { id: id('natGateways', 'nat') },
                defaultOutboundAccess: false,
              },
            },
          ],
        },
        dependsOn: [id('natGateways', 'nat')],
      },
      {
        type: 'Microsoft.Network/networkInterfaces',
        apiVersion: NET_API,
        name: 'nic',
        location,
        properties: {
          networkSecurityGroup: { id: id('networkSecurityGroups', 'nsg') },
          ipConfigurations: [
            {
              name: 'ipconfig1',
              properties: { subnet: { id: `${id('virtualNetworks', 'vnet')}/subnets/build` } },
            },
          ],
        },
        dependsOn: [
          id('virtualNetworks', 'vnet'),
          "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]",
        ],
      },
    ],
  };
}

const deploy = (rg: string, name: string, template: unknown, client = deployments) =>
  client.deployments.createOrUpdate(
    rg,
    name,
    { properties: { mode: 'Incremental', template } } as Deployment,
    { updateIntervalInMs: 5 },
  );

const group = (rg: string) => rm.resourceGroups.createOrUpdate(rg, { location: 'westeurope' });

/** Start and end (model ms) of each deployment operation, by resource name. */
async function operationTimes(rg: string, name: string) {
  const times = new Map<string, { start: number; end: number; state?: string }>();
  for await (const op of deployments.deploymentOperations.list(rg, name)) {
    const end = new Date(op.properties!.timestamp!).getTime();
    const m = /^PT(?:(\d+)M)?([\d.]+)S$/.exec(op.properties!.duration!)!;
    const ms = (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000;
    times.set(op.properties!.targetResource!.resourceName!, {
      start: end - ms,
      end,
      state: op.properties!.provisioningState,
    });
  }
  return times;
}

test('a template deployment creates every resource, in dependency order, with its properties', async () => {
  await group('rg-ok');
  const result = await deploy('rg-ok', 'net', networkTemplate('rg-ok'));
  expect(result.properties?.provisioningState).toBe('Succeeded');
  expect(result.properties?.mode).toBe('Incremental');
  expect(result.id).toBe(`${groupIdOf('rg-ok')}/providers/Microsoft.Resources/deployments/net`);
  expect(result.properties?.outputResources?.map((r) => r.id).sort()).toEqual(
    [
      netId('rg-ok', 'natGateways', 'nat'),
      netId('rg-ok', 'networkInterfaces', 'nic'),
      netId('rg-ok', 'networkSecurityGroups', 'nsg'),
      netId('rg-ok', 'publicIPAddresses', 'pip'),
      netId('rg-ok', 'virtualNetworks', 'vnet'),
    ].sort(),
  );
  // The resources, as their own provider reports them.
  const subnet = await rm.resources.getById(
    `${netId('rg-ok', 'virtualNetworks', 'vnet').slice(1)}/subnets/build`,
    NET_API,
  );
  expect(subnet.properties).toMatchObject({
    provisioningState: 'Succeeded',
    defaultOutboundAccess: false,
    natGateway: { id: netId('rg-ok', 'natGateways', 'nat') },
  });
  const nic = await rm.resources.getById(netId('rg-ok', 'networkInterfaces', 'nic').slice(1), NET_API);
  expect((nic.properties as { networkSecurityGroup?: { id?: string } }).networkSecurityGroup?.id).toBe(
    netId('rg-ok', 'networkSecurityGroups', 'nsg'),
  );
  expect(
    (await rm.resources.getById(netId('rg-ok', 'networkSecurityGroups', 'nsg').slice(1), NET_API)).tags,
  ).toEqual({ t: '1' });
  // Order: each resource starts after its dependencies ended; independent ones overlap.
  const t = await operationTimes('rg-ok', 'net');
  expect([...t.values()].every((o) => o.state === 'Succeeded')).toBe(true);
  expect(t.get('nat')!.start).toBeGreaterThanOrEqual(t.get('pip')!.end);
  expect(t.get('vnet')!.start).toBeGreaterThanOrEqual(t.get('nat')!.end);
  expect(t.get('nic')!.start).toBeGreaterThanOrEqual(t.get('vnet')!.end);
  expect(t.get('nic')!.start).toBeGreaterThanOrEqual(t.get('nsg')!.end);
  expect(t.get('nsg')!.start).toBeLessThan(t.get('pip')!.end);
  // Polls went to the deployment's own status URL; inner requests are not client requests.
  const log = emu.control.requestLog().filter((r) => r.path.includes('/rg-ok/'));
  expect(
    log.some((r) => /\/deployments\/net\/operationStatuses\/\d{20}$/.test(r.path) && r.kind === 'poll'),
  ).toBe(true);
  expect(log.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
    `${groupIdOf('rg-ok').replace('resourceGroups', 'resourcegroups')}/providers/Microsoft.Resources/deployments/net`,
  ]);
});

test('a resource its provider refuses fails the deployment with the inner error; what was made stays', async () => {
  await group('rg-bad');
  const err = await deploy('rg-bad', 'net', networkTemplate('rg-bad', { subnetPrefix: '10.9.0.0/24' })).catch(
    (e: Error) => e,
  );
  expect(String(err)).toMatch(
    /The long-running operation has failed\. DeploymentFailed\. At least one resource deployment operation failed/,
  );
  const d = await deployments.deployments.get('rg-bad', 'net');
  expect(d.properties?.provisioningState).toBe('Failed');
  expect(d.properties?.error?.code).toBe('DeploymentFailed');
  expect(d.properties?.error?.message).toBe(
    'At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.',
  );
  const detail = d.properties?.error?.details?.[0];
  expect(detail?.code).toBe('BadRequest');
  expect(JSON.parse(detail!.message!).error.code).toBe('NetcfgSubnetRangeOutsideVnet');
  // Incremental: the NSG, public IP and NAT gateway exist; the NIC (depends on the VNet) was not tried.
  const types = emu.control
    .inventory()
    .filter((r) => r.id.includes('/rg-bad/'))
    .map((r) => r.type);
  expect(types).toEqual(
    expect.arrayContaining([
      'Microsoft.Network/networkSecurityGroups',
      'Microsoft.Network/publicIPAddresses',
      'Microsoft.Network/natGateways',
    ]),
  );
  expect(types).not.toContain('Microsoft.Network/networkInterfaces');
  const t = await operationTimes('rg-bad', 'net');
  expect(t.get('vnet')?.state).toBe('Failed');
  expect(t.has('nic')).toBe(false);
});

test('an inner operation that fails asynchronously is a ResourceDeploymentFailure carrying its error', async () => {
  await group('rg-async');
  emu.control.injectFault({
    method: 'PUT',
    path: '/natGateways/nat',
    effect: { type: 'asyncFailure', code: 'NatGatewayProvisioningFailed', message: 'boom' },
  });
  await expect(deploy('rg-async', 'net', networkTemplate('rg-async'))).rejects.toThrow(/DeploymentFailed/);
  const d = await deployments.deployments.get('rg-async', 'net');
  const detail = d.properties?.error?.details?.[0];
  expect(detail).toMatchObject({
    code: 'ResourceDeploymentFailure',
    target: netId('rg-async', 'natGateways', 'nat'),
    message:
      "The resource write operation failed to complete successfully, because it reached terminal provisioning state 'Failed'.",
  });
  expect(detail?.details?.[0]).toMatchObject({ code: 'NatGatewayProvisioningFailed', message: 'boom' });
});

describe('RBAC', () => {
  const limitedClient = (clientId: string, actions: string[], notActions: string[] = []) => {
    emu.control.addPrincipal({
      clientId,
      clientSecret: `${clientId}-secret`,
      roleAssignments: [{ actions, notActions, scope: groupIdOf('rg-rbac') }],
    });
    return new DeploymentsClient(credential(clientId, `${clientId}-secret`), emu.subscriptionId, {
      endpoint: emu.endpoint,
    });
  };
  beforeAll(() => group('rg-rbac'));

  test('the deployment itself needs Microsoft.Resources/deployments/write', async () => {
    const c = limitedClient('00000000-0000-4000-8000-0000000000e1', ['Microsoft.Network/*']);
    await expect(deploy('rg-rbac', 'net', networkTemplate('rg-rbac'), c)).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
    });
  });

  test('writing each template resource is checked before anything is created', async () => {
    const c = limitedClient(
      '00000000-0000-4000-8000-0000000000e2',
      ['Microsoft.Resources/deployments/*', 'Microsoft.Network/*'],
      ['Microsoft.Network/natGateways/write'],
    );
    const err = await deploy('rg-rbac', 'net2', networkTemplate('rg-rbac'), c).catch((e) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidTemplateDeployment' });
    expect(err.message).toContain(
      "Authorization failed for template resource 'nat' of type 'Microsoft.Network/natGateways'",
    );
    expect(err.message).toContain(
      "does not have permission to perform action 'Microsoft.Network/natGateways/write'",
    );
    expect(emu.control.inventory().filter((r) => r.id.includes('/rg-rbac/'))).toEqual([]);
  });

  test('linked access of an inner resource (join/action) fails that resource during the deployment', async () => {
    const c = limitedClient(
      '00000000-0000-4000-8000-0000000000e3',
      ['Microsoft.Resources/deployments/*', 'Microsoft.Network/*'],
      ['Microsoft.Network/natGateways/join/action'],
    );
    await expect(deploy('rg-rbac', 'net3', networkTemplate('rg-rbac'), c)).rejects.toThrow(
      /DeploymentFailed/,
    );
    const d = await deployments.deployments.get('rg-rbac', 'net3');
    const detail = d.properties?.error?.details?.[0];
    expect(detail?.code).toBe('Forbidden');
    expect(JSON.parse(detail!.message!).error.code).toBe('LinkedAuthorizationFailed');
  });
});

describe('template features beyond the supported subset are rejected with InvalidTemplate', () => {
  beforeAll(() => group('rg-tpl'));
  const base = () => networkTemplate('rg-tpl');
  const cases: [string, (t: any) => unknown, RegExp][] = [
    ['variables', (t) => ({ ...t, variables: { a: 1 } }), /Template 'variables' is not supported/],
    [
      'copy loops',
      (t) => ({ ...t, resources: [{ ...t.resources[0], copy: { name: 'c', count: 2 } }] }),
      /'copy'/,
    ],
    [
      'expressions outside dependsOn',
      (t) => ({ ...t, resources: [{ ...t.resources[0], location: '[resourceGroup().location]' }] }),
      /template expression '\[resourceGroup\(\)\.location\]'/,
    ],
    [
      'a dependsOn outside the template',
      (t) => ({ ...t, resources: t.resources.slice(2) }),
      /is not defined in the template/,
    ],
    [
      'a circular dependency',
      (t) => ({
        ...t,
        resources: [
          { ...t.resources[0], dependsOn: [netId('rg-tpl', 'publicIPAddresses', 'pip')] },
          { ...t.resources[1], dependsOn: [netId('rg-tpl', 'networkSecurityGroups', 'nsg')] },
        ],
      }),
      /Circular dependency detected/,
    ],
    [
      'a missing contentVersion',
      (t) => ({ ...t, contentVersion: undefined }),
      /Required property 'contentVersion'/,
    ],
  ];
  test.each(cases)('%s', async (_what, change, message) => {
    const err = await deploy('rg-tpl', 'bad', change(base())).catch((e) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidTemplate' });
    expect(err.message).toMatch(message);
  });
  test("mode 'Complete'", async () => {
    const err = await deployments.deployments
      .createOrUpdate('rg-tpl', 'bad', { properties: { mode: 'Complete', template: base() } })
      .catch((e) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidTemplate' });
    expect(emu.control.inventory().filter((r) => r.id.includes('/rg-tpl/'))).toEqual([]);
  });
});

test('a running deployment cannot be replaced or deleted; an ended one is deleted (resources stay)', async () => {
  await group('rg-life');
  const poller = deploy('rg-life', 'net', networkTemplate('rg-life'));
  await poller.submitted();
  await expect(deploy('rg-life', 'net', networkTemplate('rg-life'))).rejects.toMatchObject({
    statusCode: 409,
    code: 'DeploymentActive',
  });
  await expect(deployments.deployments.delete('rg-life', 'net')).rejects.toMatchObject({ statusCode: 409 });
  await poller.pollUntilDone();
  expect((await deployments.deployments.checkExistence('rg-life', 'net')).body).toBe(true);
  await deployments.deployments.delete('rg-life', 'net', { updateIntervalInMs: 5 });
  await expect(deployments.deployments.get('rg-life', 'net')).rejects.toMatchObject({
    statusCode: 404,
    code: 'DeploymentNotFound',
  });
  expect(emu.control.inventory().filter((r) => r.id.includes('/rg-life/')).length).toBeGreaterThanOrEqual(5);
  // A deployment is history, not a resource: the group's resource list never shows it.
  const listed: string[] = [];
  for await (const r of rm.resources.listByResourceGroup('rg-life')) listed.push(r.type!);
  expect(listed).not.toContain('Microsoft.Resources/deployments');
});
