// The standalone emulator contract: `npm run emulator -- --port 0 --time-scale 0.01` prints one JSON line that
// an outside client uses with the real SDK, serves until SIGTERM/SIGINT, and stops cleanly.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { parseCli } from '../emulator/cli.js';

const TSX = resolve('node_modules/.bin/tsx');
const CLI = resolve('test/emulator/cli.ts');

interface Running {
  child: ChildProcessWithoutNullStreams;
  info: Record<string, any>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Starts the CLI directly, or (`viaNpm`) exactly as documented: `npm run --silent emulator -- …`. */
async function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  viaNpm = false,
): Promise<Running> {
  const child = viaNpm
    ? spawn('npm', ['run', '--silent', 'emulator', '--', ...args], { env, stdio: 'pipe' })
    : spawn(TSX, [CLI, ...args], { env, stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const first = await new Promise<string>((res, rej) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => res(line));
    void exited.then((code) => rej(new Error(`emulator exited (${code}) before its first line: ${err}`)));
  });
  return { child, info: JSON.parse(first), exited, stderr: () => err };
}

function resourceClient(info: Record<string, any>): ResourceManagementClient {
  const cred = new ClientSecretCredential(info.tenantId, info.clientId, info.clientSecret, {
    authorityHost: info.authorityHost,
    disableInstanceDiscovery: true,
  });
  return new ResourceManagementClient(cred, info.subscriptionId, { endpoint: info.endpoint });
}

test('the first line is the connection JSON; the real SDK drives it; SIGTERM stops it cleanly', async () => {
  // The CLI honours AZURE_EMULATOR_CA_DIR, which this jest process already trusts (NODE_EXTRA_CA_CERTS).
  const emu = await startCli(['--port', '0', '--time-scale', '0.01'], process.env, true);
  try {
    for (const key of [
      'endpoint',
      'authorityHost',
      'caCertPath',
      'subscriptionId',
      'tenantId',
      'clientId',
      'clientSecret',
      'oidcRequestUrl',
      'oidcRequestToken',
    ]) {
      expect(typeof emu.info[key]).toBe('string');
    }
    expect(emu.info.timeScale).toBe(0.01);
    expect(emu.info.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.info.caCertPath.startsWith(process.env.AZURE_EMULATOR_CA_DIR ?? '')).toBe(true);
    const rg = await resourceClient(emu.info).resourceGroups.createOrUpdate('rg-cli', {
      location: 'westeurope',
    });
    expect(rg.id).toBe(`/subscriptions/${emu.info.subscriptionId}/resourceGroups/rg-cli`);
    expect((await fetch(`${emu.info.endpoint}/_emulator/health`)).status).toBe(200);
  } finally {
    // The printed pid is the serving process (npm and sh in between do not pass SIGTERM on).
    process.kill(emu.info.pid, 'SIGTERM');
  }
  expect(await emu.exited).toBe(0);
  expect(emu.stderr()).toContain('SIGTERM, stopping');
  await expect(fetch(`${emu.info.endpoint}/_emulator/health`)).rejects.toThrow();
});

test('an outside Node process trusts --ca-dir through NODE_EXTRA_CA_CERTS and uses the credentials it printed', async () => {
  const caDir = mkdtempSync(join(tmpdir(), 'aib-cli-ca-'));
  const { AZURE_EMULATOR_CA_DIR: _ignored, ...env } = process.env;
  const emu = await startCli(
    ['--port', '0', '--time-scale', '0.01', '--throttling', 'off', '--ca-dir', caDir],
    env,
  );
  try {
    expect(emu.info.caCertPath).toBe(join(caDir, 'emulator-ca.pem'));
    const script = `
      import { ResourceManagementClient } from '@azure/arm-resources';
      import { ClientSecretCredential } from '@azure/identity';
      const i = JSON.parse(process.env.EMU);
      const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, { authorityHost: i.authorityHost, disableInstanceDiscovery: true });
      const rm = new ResourceManagementClient(cred, i.subscriptionId, { endpoint: i.endpoint });
      const g = await rm.resourceGroups.createOrUpdate('rg-outside', { location: 'eastus' });
      console.log(g.properties.provisioningState);`;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...env, EMU: JSON.stringify(emu.info), NODE_EXTRA_CA_CERTS: emu.info.caCertPath },
      });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.once('exit', (code) => res({ code, stdout, stderr }));
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('Succeeded');
    expect(out.code).toBe(0);
  } finally {
    emu.child.kill('SIGINT');
    expect(await emu.exited).toBe(0);
    rmSync(caDir, { recursive: true, force: true });
  }
});

test('bad flags are refused with a message naming the flag and the fix', () => {
  expect(parseCli([])).toMatchObject({ port: 0, throttling: true, help: false });
  expect(parseCli(['--port', '8443', '--time-scale', '0.5', '--throttling', 'off'])).toMatchObject({
    port: 8443,
    timeScale: 0.5,
    throttling: false,
  });
  expect(() => parseCli(['--time-scale', '0'])).toThrow(/--time-scale must be a number in \(0, 1\]/);
  expect(() => parseCli(['--port', 'x'])).toThrow(/--port must be an integer/);
  expect(() => parseCli(['--throttling', 'maybe'])).toThrow(/--throttling must be 'on' or 'off'/);
  expect(() => parseCli(['--nope'])).toThrow(/nope/);
});

test('--help prints the usage and exits 0; a bad flag exits 2', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((res) => {
      const c = spawn(TSX, [CLI, ...args]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.once('exit', (code) => res({ code, out, err }));
    });
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.out).toContain('--time-scale');
  const bad = await run(['--throttling', 'sometimes']);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("--throttling must be 'on' or 'off'");
  expect(bad.out).toBe('');
});
