// The action's credential (src/core/azure/credential.ts) against the emulator's GitHub OIDC and Entra
// endpoints, through @actions/core and @azure/identity: SDK clients sharing it ask GitHub for one ID
// token, not one each; a token near the end of its lifetime is replaced.
import * as core from '@actions/core';
import { ResourceManagementClient } from '@azure/arm-resources';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { captureWorkflowCommands } from './workflow-commands.js';
import { ModelClock } from '../../src/core/clock.js';
import {
  createCredential,
  ID_TOKEN_MARGIN_MS,
  jwtLifetimeMs,
  reuseIdToken,
  warmCredential,
} from '../../src/core/azure/credential.js';

const TIME_SCALE = 0.002;
let emu: EmulatorHandle;
const saved = { ...process.env };
// GitHub's ID token is masked in the job log (checked below); the commands stay out of the test output.
const commands = captureWorkflowCommands();

beforeAll(async () => {
  emu = await startEmulator({ timeScale: TIME_SCALE });
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken;
});
beforeEach(() => commands.clear());
afterAll(() => {
  process.env = { ...saved };
  return emu?.stop();
});

const oidcCredential = () =>
  createCredential(
    {
      auth: {
        kind: 'oidc',
        tenantId: emu.tenantId,
        clientId: emu.clientId,
        audience: 'api://AzureADTokenExchange',
      },
      cloud: {
        name: 'Custom',
        armEndpoint: emu.endpoint,
        authorityHost: emu.authorityHost,
        armScope: 'https://management.azure.com/.default',
      },
      timeScale: TIME_SCALE,
    },
    { getIdToken: (audience) => core.getIDToken(audience) },
  );

test('SDK clients sharing the credential get one GitHub ID token and one Entra token', async () => {
  const { oidcTokensIssued, tokensIssued } = emu.control.core.auth.counters;
  const credential = warmCredential(oidcCredential(), 'https://management.azure.com/.default');
  const clients = [1, 2, 3, 4].map(
    () => new ResourceManagementClient(credential, emu.subscriptionId, { endpoint: emu.endpoint }),
  );
  const groups = await Promise.all(
    clients.map((c, i) => c.resourceGroups.createOrUpdate(`rg-cred-${i}`, { location: 'eastus' })),
  );
  expect(groups.map((g) => g.name)).toEqual(['rg-cred-0', 'rg-cred-1', 'rg-cred-2', 'rg-cred-3']);
  expect(emu.control.core.auth.counters.oidcTokensIssued - oidcTokensIssued).toBe(1);
  expect(emu.control.core.auth.counters.tokensIssued - tokensIssued).toBe(1);
  expect(commands.masked()).toHaveLength(1);
});

test('an ID token is fetched again once less than the margin of its lifetime is left', async () => {
  const start = emu.control.core.auth.counters.oidcTokensIssued;
  const getIdToken = reuseIdToken(
    () => core.getIDToken('api://AzureADTokenExchange'),
    new ModelClock(TIME_SCALE),
  );
  const first = await getIdToken();
  expect(commands.masked()).toEqual([first]);
  const lifetime = jwtLifetimeMs(first) ?? NaN;
  expect(lifetime).toBe(emu.control.core.auth.options.oidcTokenLifetimeSeconds * 1000);
  expect(await getIdToken()).toBe(first);
  expect(emu.control.core.auth.counters.oidcTokensIssued - start).toBe(1);
  await emu.control.core.clock.sleep(lifetime - ID_TOKEN_MARGIN_MS + 1_000);
  const second = await getIdToken();
  expect(second).not.toBe(first);
  expect(emu.control.core.auth.counters.oidcTokensIssued - start).toBe(2);
  expect(commands.masked()).toEqual([first, second]);
});

describe('reuseIdToken (a fake clock and fetcher)', () => {
  const jwt = (claims: object) =>
    ['{"alg":"none"}', JSON.stringify(claims), ''].map((p) => Buffer.from(p).toString('base64url')).join('.');
  let now = 0;
  const clock = new ModelClock(1, () => now);

  test('concurrent callers share one request; a failure is not kept', async () => {
    let calls = 0;
    let fail = true;
    const get = reuseIdToken(async () => {
      calls++;
      if (fail) throw new Error('503');
      return jwt({ iat: 0, exp: 300 });
    }, clock);
    await expect(Promise.all([get(), get()])).rejects.toThrow('503');
    expect(calls).toBe(1);
    fail = false;
    await expect(get()).resolves.toContain('.');
    expect(calls).toBe(2);
  });

  test('a token is reused until the margin before its end, on the given clock', async () => {
    let calls = 0;
    const get = reuseIdToken(async () => jwt({ iat: 1000 + calls++, exp: 1300 }), clock);
    now = 0;
    const first = await get();
    now = 300_000 - ID_TOKEN_MARGIN_MS - 1;
    expect(await get()).toBe(first);
    now = 300_000 - ID_TOKEN_MARGIN_MS;
    expect(await get()).not.toBe(first);
    expect(calls).toBe(2);
  });

  test('a token without iat and exp is not reused', async () => {
    let calls = 0;
    const get = reuseIdToken(async () => {
      calls++;
      return 'opaque';
    }, clock);
    await get();
    await get();
    expect(calls).toBe(2);
  });
});
