// The Marketplace over the wire: Compute's VirtualMachineImages through the real @azure/arm-compute client, and
// Microsoft.MarketplaceOrdering agreements through an Azure REST client sharing the same credential.
import { ComputeManagementClient } from '@azure/arm-compute';
import { getClient, type Client } from '@azure-rest/core-client';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { marketplaceOf } from '../emulator/providers/marketplace.js';

let emu: EmulatorHandle;
let compute: ComputeManagementClient;
let arm: Client;
const loc = 'westeurope';
const ORDERING = '/subscriptions/{subscriptionId}/providers/Microsoft.MarketplaceOrdering';
const CURRENT = `${ORDERING}/offerTypes/{offerType}/publishers/{p}/offers/{o}/plans/{plan}/agreements/current`;
const AGREEMENT = `${ORDERING}/agreements/{p}/offers/{o}/plans/{plan}`;
const ROCKY = ['resf', 'rockylinux-x86_64', '9-base'] as const;

/** The real SDK clients for one principal: Compute, and a generic ARM REST client on the same credential. */
function clients(clientId: string, secret: string): { compute: ComputeManagementClient; arm: Client } {
  const cred = new ClientSecretCredential(emu.tenantId, clientId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  return {
    compute: new ComputeManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint }),
    arm: getClient(emu.endpoint, cred, {
      credentials: { scopes: ['https://management.azure.com/.default'] },
    }),
  };
}

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.002 });
  ({ compute, arm } = clients(emu.clientId, emu.clientSecret));
});
afterAll(() => emu.stop());

test('publishers, offers and skus list the real names users type', async () => {
  const publishers = (await compute.virtualMachineImages.listPublishers(loc)).map((p) => p.name);
  expect(publishers).toEqual(expect.arrayContaining(['Canonical', 'Debian', 'MicrosoftWindowsServer']));
  const offers = (await compute.virtualMachineImages.listOffers(loc, 'Canonical')).map((o) => o.name);
  expect(offers).toContain('ubuntu-24_04-lts');
  const skus = (await compute.virtualMachineImages.listSkus(loc, 'Canonical', 'ubuntu-24_04-lts')).map(
    (s) => s.name,
  );
  expect(skus).toEqual(expect.arrayContaining(['server', 'server-gen1', 'server-arm64']));
  const one = (await compute.virtualMachineImages.listOffers(loc, 'Canonical'))[0];
  expect(one.id).toMatch(
    /^\/Subscriptions\/.+\/Providers\/Microsoft\.Compute\/Locations\/westeurope\/Publishers\/Canonical\/ArtifactTypes\/VMImage\/Offers\//,
  );
  await expect(compute.virtualMachineImages.listOffers(loc, 'NoSuchPublisher')).rejects.toMatchObject({
    statusCode: 404,
  });
});

test("'latest' resolves through versions?$orderby=name desc&$top=1, and the image GET rejects 'latest'", async () => {
  emu.control.clearRequestLog();
  const [latest] = await compute.virtualMachineImages.list(loc, 'Canonical', 'ubuntu-24_04-lts', 'server', {
    orderby: 'name desc',
    top: 1,
  });
  expect(latest.name).toBe('24.04.202411030');
  const sent = emu.control.requestLog().find((r) => r.path.endsWith('/versions'));
  expect(decodeURIComponent(sent?.query ?? '')).toMatch(/\$orderby=name desc/);
  const all = await compute.virtualMachineImages.list(loc, 'Canonical', 'ubuntu-24_04-lts', 'server');
  expect(all.map((v) => v.name)).toEqual(['24.04.202409120', '24.04.202410020', '24.04.202411030']);

  const image = await compute.virtualMachineImages.get(
    loc,
    'Canonical',
    'ubuntu-24_04-lts',
    'server',
    latest.name,
  );
  expect(image.hyperVGeneration).toBe('V2');
  expect(image.architecture).toBe('x64');
  expect(image.osDiskImage?.operatingSystem).toBe('Linux');
  expect(image.plan).toBeUndefined();
  await expect(
    compute.virtualMachineImages.get(loc, 'Canonical', 'ubuntu-24_04-lts', 'server', 'latest'),
  ).rejects.toMatchObject({
    statusCode: 400,
    code: 'InvalidParameter',
  });
  await expect(
    compute.virtualMachineImages.get(loc, 'Canonical', 'ubuntu-24_04-lts', 'server', '24.04.1'),
  ).rejects.toMatchObject({
    statusCode: 404,
    code: 'NotFound',
  });
});

test('image features tell generation, architecture, security type and purchase plan', async () => {
  const arm64 = await compute.virtualMachineImages.list(
    loc,
    'Canonical',
    'ubuntu-24_04-lts',
    'server-arm64',
    { orderby: 'name desc', top: 1 },
  );
  expect(
    (
      await compute.virtualMachineImages.get(
        loc,
        'Canonical',
        'ubuntu-24_04-lts',
        'server-arm64',
        arm64[0].name,
      )
    ).architecture,
  ).toBe('Arm64');
  const [ws] = await compute.virtualMachineImages.list(
    loc,
    'MicrosoftWindowsServer',
    'WindowsServer',
    '2025-datacenter-g2',
    { orderby: 'name desc', top: 1 },
  );
  const windows = await compute.virtualMachineImages.get(
    loc,
    'MicrosoftWindowsServer',
    'WindowsServer',
    '2025-datacenter-g2',
    ws.name,
  );
  expect(windows.osDiskImage?.operatingSystem).toBe('Windows');
  expect(windows.features?.find((f) => f.name === 'SecurityType')?.value).toMatch(/TrustedLaunch/);
  const [rocky] = await compute.virtualMachineImages.list(loc, 'resf', 'rockylinux-x86_64', '9-base', {
    orderby: 'name desc',
    top: 1,
  });
  const planned = await compute.virtualMachineImages.get(
    loc,
    'resf',
    'rockylinux-x86_64',
    '9-base',
    rocky.name,
  );
  expect(planned.plan).toEqual({ name: '9-base', product: 'rockylinux-x86_64', publisher: 'resf' });
});

test('Marketplace terms: GET current says not accepted, PUT accepted:true accepts for this subscription', async () => {
  const current = arm.path(CURRENT, emu.subscriptionId, 'virtualmachine', ...ROCKY);
  const q = { queryParameters: { 'api-version': '2021-01-01' } };
  const before = await current.get(q);
  expect(before.status).toBe('200');
  expect(before.body).toMatchObject({
    name: '9-base',
    type: 'Microsoft.MarketplaceOrdering/offertypes',
    properties: { accepted: false, publisher: 'resf' },
  });
  const signed = arm.path(AGREEMENT, emu.subscriptionId, ...ROCKY);
  expect((await signed.get(q)).status).toBe('404');

  const accepted = await current.put({
    ...q,
    body: { properties: { ...(before.body as any).properties, accepted: true } },
  });
  expect(accepted.status).toBe('200');
  expect((accepted.body as any).properties.accepted).toBe(true);
  expect((await current.get(q)).body).toMatchObject({ properties: { accepted: true } });
  expect((await signed.get(q)).status).toBe('200');
  // VM create reads the same store (compute provider).
  expect(marketplaceOf(emu.control.core).terms.isAccepted(emu.subscriptionId, ...ROCKY)).toBe(true);

  const bad = await current.put({ ...q, body: { properties: {} } });
  expect(bad.status).toBe('400');
  const unknown = await arm
    .path(CURRENT, emu.subscriptionId, 'virtualmachine', 'resf', 'no-such-offer', 'x')
    .get(q);
  expect(unknown.status).toBe('404');
  const cancelled = await arm.path(`${AGREEMENT}/cancel`, emu.subscriptionId, ...ROCKY).post(q);
  expect(cancelled.status).toBe('200');
  expect((await current.get(q)).body).toMatchObject({ properties: { accepted: false } });
});

test('a principal without the Marketplace action gets AuthorizationFailed', async () => {
  const p = emu.control.addPrincipal({
    clientId: '00000000-0000-4000-8000-0000000000e1',
    clientSecret: 'compute-only',
    roleAssignments: [{ actions: ['Microsoft.Compute/*'], scope: `/subscriptions/${emu.subscriptionId}` }],
  });
  const limited = clients(p.clientId, 'compute-only');
  const res = await limited.arm
    .path(CURRENT, emu.subscriptionId, 'virtualmachine', ...ROCKY)
    .put({ queryParameters: { 'api-version': '2021-01-01' }, body: { properties: { accepted: true } } });
  expect(res.status).toBe('403');
  expect((res.body as any).error.code).toBe('AuthorizationFailed');
  // Reading images needs only Microsoft.Compute actions.
  expect((await limited.compute.virtualMachineImages.listPublishers(loc)).length).toBeGreaterThan(0);
});
