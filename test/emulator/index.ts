// Starts and stops the local Azure Resource Manager emulator.
//
//   const emu = await startEmulator({ timeScale: 0.001 });
//   // emu.endpoint, emu.authorityHost, emu.caCertPath, credentials, emu.control …
//   await emu.stop();
//
// The CA that signs the server certificate is kept in `caDir` (default: the
// AZURE_EMULATOR_CA_DIR environment variable, else a new temporary directory), so a
// test process started with NODE_EXTRA_CA_CERTS pointing at it trusts every emulator
// it starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { EmulatorCore, type EmulatorConfig } from './core.js';
import { ROUTER_STATE, Router, type ArmResponse, type RouteDef } from './router.js';
import { createRequestListener, createServer } from './server.js';
import { ensureCertificateAuthority, issueServerCertificate } from './tls.js';
import { GITHUB_ISSUER, TOKEN_EXCHANGE_AUDIENCE, type Principal } from './auth.js';
import type { FaultSpec, RequestLogEntry } from './control.js';
import { providerRoutes, startProviders, stopProviders } from './providers/index.js';

export interface EmulatorOptions extends Partial<Omit<EmulatorConfig, 'throttling'>> {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  caDir?: string;
  throttling?: Partial<EmulatorConfig['throttling']>;
}

export interface EmulatorControl {
  /** Every resource held, resource groups included. */
  inventory(): { id: string; type: string; provisioningState?: string }[];
  /**
   * The inventory once no resource is "Deleting" any more. The action does not wait for the
   * temporary group's deletion once Azure has accepted it, so a test that checks what is left
   * after the post step has to let the deletions it started run out first. Rejects after
   * `timeoutMs` of real time, naming what is still being deleted.
   */
  settledInventory(timeoutMs?: number): Promise<{ id: string; type: string; provisioningState?: string }[]>;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Adds a service principal (for RBAC tests); returns it. */
  addPrincipal(p: Partial<Principal> & { clientId: string }): Principal;
  /** The emulator's internals, for tests that need to reach further (guests, clock…). */
  core: EmulatorCore;
}

export interface EmulatorHandle {
  endpoint: string;
  authorityHost: string;
  caCertPath: string;
  caCert: string;
  subscriptionId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN for the OIDC flow. */
  oidcRequestUrl: string;
  oidcRequestToken: string;
  timeScale: number;
  control: EmulatorControl;
  stop(): Promise<void>;
}

export const DEFAULT_TIME_SCALE = 0.002;

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aib-emulator-'));
  const ownsDataDir = options.dataDir === undefined;
  const config: EmulatorConfig = {
    timeScale: options.timeScale ?? DEFAULT_TIME_SCALE,
    subscriptionId: options.subscriptionId ?? '00000000-0000-4000-8000-000000000001',
    tenantId: options.tenantId ?? '00000000-0000-4000-8000-0000000000aa',
    clientId: options.clientId ?? '00000000-0000-4000-8000-0000000000c1',
    clientSecret: options.clientSecret ?? randomBytes(18).toString('base64url'),
    locations: options.locations ?? [
      'eastus',
      'eastus2',
      'westus2',
      'westus3',
      'northeurope',
      'westeurope',
      'uksouth',
      'southeastasia',
    ],
    throttling: { enabled: true, limitFactor: 1, ...(options.throttling ?? {}) },
    latency: options.latency ?? {},
    dataDir,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    oidcTokenLifetimeSeconds: options.oidcTokenLifetimeSeconds ?? 300,
    oidcSubject: options.oidcSubject ?? 'repo:octo-org/golden-images:ref:refs/heads/main',
  };
  const core = new EmulatorCore(config);
  const defaultPrincipal = (p: Partial<Principal> & { clientId: string }): Principal =>
    core.auth.addPrincipal({
      objectId: randomUUID(),
      tenantId: config.tenantId,
      federatedCredentials: [{ issuer: GITHUB_ISSUER, subject: 'repo:*', audience: TOKEN_EXCHANGE_AUDIENCE }],
      roleAssignments: [{ actions: ['*'], scope: `/subscriptions/${config.subscriptionId}` }],
      ...p,
    });
  defaultPrincipal({ clientId: config.clientId, clientSecret: config.clientSecret });

  const caDir = options.caDir ?? process.env.AZURE_EMULATOR_CA_DIR ?? join(dataDir, 'ca');
  const ca = await ensureCertificateAuthority(caDir);
  const cert = await issueServerCertificate(ca);
  const router = new Router();
  const routes: RouteDef[] = [...providerRoutes(core), ...core.lro.routes()];
  router.addAll(routes);
  core.state.set(ROUTER_STATE, router);
  const control: EmulatorControl = {
    inventory: () => core.inventory(),
    settledInventory: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = core.inventory();
        const deleting = all.filter((r) => r.provisioningState === 'Deleting');
        if (deleting.length === 0) return all;
        if (Date.now() > deadline)
          throw new Error(`still deleting after ${timeoutMs} ms: ${deleting.map((r) => r.id).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    requestLog: () => core.control.requestLog(),
    clearRequestLog: () => core.control.clearLog(),
    injectFault: (spec) => core.control.injectFault(spec),
    clearFaults: () => core.control.clearFaults(),
    addPrincipal: defaultPrincipal,
    core,
  };
  const httpControl = (_req: unknown, url: URL, raw: string): ArmResponse | undefined => {
    switch (url.pathname) {
      case '/_emulator/inventory':
        return { status: 200, body: control.inventory() };
      case '/_emulator/requests':
        return { status: 200, body: control.requestLog() };
      case '/_emulator/faults':
        control.injectFault(JSON.parse(raw) as FaultSpec);
        return { status: 204 };
      case '/_emulator/health':
        return { status: 200, body: { ok: true } };
      default:
        return undefined;
    }
  };
  await startProviders(core);
  const server = createServer(cert, createRequestListener(core, router, httpControl));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `https://127.0.0.1:${port}`;
  return {
    endpoint,
    authorityHost: endpoint,
    caCertPath: ca.certPath,
    caCert: ca.cert,
    subscriptionId: config.subscriptionId,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    oidcRequestUrl: `${endpoint}/_github/idtoken?api-version=2.0`,
    oidcRequestToken: core.auth.oidcRequestToken,
    timeScale: config.timeScale,
    control,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopProviders(core);
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
