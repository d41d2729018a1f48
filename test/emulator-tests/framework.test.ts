// The emulator's front door, driven by the real SDK and identity clients:
// workload identity (GitHub OIDC -> Entra), token expiry, RBAC, throttling,
// fault injection and ARM's protocol errors.
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import * as core from '@actions/core';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { captureWorkflowCommands } from '../integration/workflow-commands.js';

let emu: EmulatorHandle;
// @actions/core's ::add-mask:: and ::debug:: lines stay out of the test output.
captureWorkflowCommands();

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.002 });
});
afterAll(() => emu.stop());
afterEach(() => emu.control.clearFaults());

const secretCredential = (clientId = emu.clientId, secret = emu.clientSecret) =>
  new ClientSecretCredential(emu.tenantId, clientId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });

const resources = (cred: TokenCredential) =>
  new ResourceManagementClient(cred, emu.subscriptionId, {
    endpoint: emu.endpoint,
    retryOptions: { maxRetries: 3, retryDelayInMs: 10 },
  });

describe('workload identity federation', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('a GitHub OIDC token from ACTIONS_ID_TOKEN_REQUEST_URL is exchanged for an ARM token', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken;
    const before = emu.control.core.auth.counters.oidcTokensIssued;
    const cred = new ClientAssertionCredential(
      emu.tenantId,
      emu.clientId,
      () => core.getIDToken('api://AzureADTokenExchange'),
      {
        authorityHost: emu.authorityHost,
        disableInstanceDiscovery: true,
      },
    );
    const g = await resources(cred).resourceGroups.createOrUpdate('rg-oidc', { location: 'eastus' });
    expect(g.name).toBe('rg-oidc');
    expect(emu.control.core.auth.counters.oidcTokensIssued).toBeGreaterThan(before);
  });

  test('a wrong request token is refused by the OIDC endpoint', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'wrong';
    await expect(core.getIDToken('api://AzureADTokenExchange')).rejects.toThrow(/401/);
  });

  test('an expired client assertion gets AADSTS700024', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken;
    const stale = await core.getIDToken('api://AzureADTokenExchange');
    // 300 model seconds (the OIDC token lifetime) pass.
    await emu.control.core.clock.sleep(301_000);
    const cred = new ClientAssertionCredential(emu.tenantId, emu.clientId, async () => stale, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    });
    await expect(cred.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS700024/);
  });

  test('an assertion whose subject matches no federated credential gets AADSTS70021', async () => {
    const p = emu.control.addPrincipal({
      clientId: '00000000-0000-4000-8000-0000000000f1',
      federatedCredentials: [
        {
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'repo:other/repo:*',
          audience: 'api://AzureADTokenExchange',
        },
      ],
    });
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken;
    const cred = new ClientAssertionCredential(
      emu.tenantId,
      p.clientId,
      () => core.getIDToken('api://AzureADTokenExchange'),
      {
        authorityHost: emu.authorityHost,
        disableInstanceDiscovery: true,
      },
    );
    await expect(cred.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS70021/);
  });

  test('a wrong client secret gets AADSTS7000215', async () => {
    await expect(
      secretCredential(emu.clientId, 'nope').getToken('https://management.azure.com/.default'),
    ).rejects.toThrow(/AADSTS7000215/);
  });
});

describe('bearer tokens and RBAC', () => {
  test('a request without a token gets 401 AuthenticationFailed', async () => {
    const res = await fetch(
      `${emu.endpoint}/subscriptions/${emu.subscriptionId}/resourcegroups?api-version=2025-04-01`,
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
  });

  test('an expired access token gets 401 ExpiredAuthenticationToken', async () => {
    const short = await startEmulator({ timeScale: 0.002, tokenLifetimeSeconds: 1 });
    try {
      const cred = new ClientSecretCredential(short.tenantId, short.clientId, short.clientSecret, {
        authorityHost: short.authorityHost,
        disableInstanceDiscovery: true,
      });
      const token = (await cred.getToken('https://management.azure.com/.default'))!.token;
      await new Promise((r) => setTimeout(r, 1100)); // access token lifetimes are real time
      const stuck: TokenCredential = {
        getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
      };
      const client = new ResourceManagementClient(stuck, short.subscriptionId, { endpoint: short.endpoint });
      await expect(client.resourceGroups.get('anything')).rejects.toMatchObject({
        statusCode: 401,
        code: 'ExpiredAuthenticationToken',
      });
    } finally {
      await short.stop();
    }
  });

  test('an action outside the role assignments gets 403 AuthorizationFailed naming action and scope', async () => {
    const reader = emu.control.addPrincipal({
      clientId: '00000000-0000-4000-8000-0000000000r1',
      clientSecret: 'reader-secret',
      roleAssignments: [{ actions: ['*/read'], scope: `/subscriptions/${emu.subscriptionId}` }],
    });
    const client = resources(secretCredential(reader.clientId, 'reader-secret'));
    await expect(client.resourceGroups.list().next()).resolves.toBeDefined();
    const err = await client.resourceGroups
      .createOrUpdate('rg-denied', { location: 'eastus' })
      .catch((e) => e);
    expect(err).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
    expect(err.message).toContain("'Microsoft.Resources/subscriptions/resourceGroups/write'");
    expect(err.message).toContain(`/subscriptions/${emu.subscriptionId}/resourcegroups/rg-denied`);
  });
});

describe('ARM protocol errors', () => {
  test('a missing api-version gets 400 MissingApiVersionParameter', async () => {
    const token = (await secretCredential().getToken('https://management.azure.com/.default'))!.token;
    const res = await fetch(`${emu.endpoint}/subscriptions/${emu.subscriptionId}/resourcegroups`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
  });

  test('an unknown subscription gets 404 SubscriptionNotFound', async () => {
    const client = new ResourceManagementClient(secretCredential(), '11111111-1111-4111-8111-111111111111', {
      endpoint: emu.endpoint,
    });
    await expect(client.resourceGroups.get('x')).rejects.toMatchObject({
      statusCode: 404,
      code: 'SubscriptionNotFound',
    });
  });

  test('every response carries request and correlation ids', async () => {
    const client = resources(secretCredential());
    const err = await client.resourceGroups.get('missing').catch((e) => e);
    expect(err.response.headers.get('x-ms-correlation-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.response.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('fault injection and throttling', () => {
  test('the Nth call fails with the chosen status and code', async () => {
    const client = resources(secretCredential());
    emu.control.injectFault({
      method: 'PUT',
      path: '/resourcegroups/rg-fault',
      nth: 2,
      effect: { type: 'error', status: 409, code: 'Conflict', message: 'boom' },
    });
    await client.resourceGroups.createOrUpdate('rg-fault', { location: 'eastus' });
    await expect(
      client.resourceGroups.createOrUpdate('rg-fault', { location: 'eastus' }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'Conflict' });
    await expect(
      client.resourceGroups.createOrUpdate('rg-fault', { location: 'eastus' }),
    ).resolves.toBeDefined();
  });

  test('a reset connection is retried by the SDK retry policy', async () => {
    const client = resources(secretCredential());
    emu.control.injectFault({ method: 'GET', path: '/resourcegroups/rg-fault', effect: { type: 'reset' } });
    await expect(client.resourceGroups.get('rg-fault')).resolves.toMatchObject({ name: 'rg-fault' });
    const log = emu.control.requestLog().filter((r) => r.path.endsWith('/rg-fault') && r.method === 'GET');
    expect(log.map((r) => r.fault ?? 'ok').slice(-2)).toEqual(['reset', 'ok']);
  });

  test('an asynchronous failure surfaces through the poller', async () => {
    const client = resources(secretCredential());
    await client.resourceGroups.createOrUpdate('rg-async', { location: 'eastus' });
    emu.control.injectFault({
      method: 'DELETE',
      path: '/resourcegroups/rg-async',
      effect: { type: 'asyncFailure', code: 'InternalOperationError', message: 'deletion failed' },
    });
    await expect(client.resourceGroups.delete('rg-async', { updateIntervalInMs: 10 })).rejects.toThrow(
      /deletion failed|InternalOperationError/,
    );
  });

  test('throttled reads get 429 with Retry-After and the SDK retries them', async () => {
    const small = await startEmulator({ timeScale: 0.05, throttling: { enabled: true, limitFactor: 0.01 } });
    try {
      const cred = new ClientSecretCredential(small.tenantId, small.clientId, small.clientSecret, {
        authorityHost: small.authorityHost,
        disableInstanceDiscovery: true,
      });
      const client = new ResourceManagementClient(cred, small.subscriptionId, { endpoint: small.endpoint });
      await client.resourceGroups.createOrUpdate('rg-t', { location: 'eastus' });
      // Reads bucket: 250 x 0.01 = 2 tokens, refilling 0.25 per model second (5 per real second at
      // this scale): of 6 reads sent at once, 4 meet an empty bucket unless the six take over a second to arrive,
      // and the retry policy (Retry-After: 1) gets them through in two more rounds.
      const results = await Promise.all(Array.from({ length: 6 }, () => client.resourceGroups.get('rg-t')));
      expect(results.every((g) => g.name === 'rg-t')).toBe(true);
      const throttled = small.control.requestLog().filter((r) => r.status === 429);
      expect(throttled.length).toBeGreaterThan(0);
      expect(throttled[0].errorCode).toBe('SubscriptionRequestsThrottled');
    } finally {
      await small.stop();
    }
  });
});
