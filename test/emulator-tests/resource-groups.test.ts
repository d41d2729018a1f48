import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';

let emu: EmulatorHandle;
let rm: ResourceManagementClient;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.002 });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
});
afterAll(() => emu.stop());

test('a resource group is created (201), read, and deleted through the Location-only LRO', async () => {
  const created = await rm.resourceGroups.createOrUpdate('rg-a', {
    location: 'westeurope',
    tags: { team: 'img' },
  });
  expect(created.properties?.provisioningState).toBe('Succeeded');
  expect((await rm.resourceGroups.get('rg-a')).tags).toEqual({ team: 'img' });
  await rm.resourceGroups.delete('rg-a', { updateIntervalInMs: 20 });
  const log = emu.control.requestLog().filter((r) => r.path.includes('operationresults'));
  expect(log.length).toBeGreaterThan(0);
  expect(log.at(-1)?.status).toBe(200);
  expect(log.slice(0, -1).every((r) => r.status === 202)).toBe(true);
  await expect(rm.resourceGroups.get('rg-a')).rejects.toMatchObject({
    statusCode: 404,
    code: 'ResourceGroupNotFound',
  });
  expect(emu.control.inventory()).toEqual([]);
});

test('a group without location is rejected with LocationRequired', async () => {
  await expect(rm.resourceGroups.createOrUpdate('rg-b', {} as never)).rejects.toMatchObject({
    statusCode: 400,
    code: 'LocationRequired',
  });
});

test('an unknown region is rejected', async () => {
  await expect(rm.resourceGroups.createOrUpdate('rg-c', { location: 'moon' })).rejects.toMatchObject({
    statusCode: 400,
  });
});

test('checkExistence answers HEAD with 204 or 404', async () => {
  await rm.resourceGroups.createOrUpdate('rg-head', { location: 'eastus' });
  expect(await rm.resourceGroups.checkExistence('rg-head')).toEqual({ body: true });
  expect(await rm.resourceGroups.checkExistence('rg-none')).toEqual({ body: false });
});
