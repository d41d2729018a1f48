// The standalone emulator: `npm run --silent emulator -- --port 0 --time-scale 0.01` (--silent keeps npm's
// banner off stdout).
//
// Prints, as its first line on stdout, one JSON object with everything an outside client needs (endpoint,
// authorityHost, caCertPath, subscriptionId, tenantId, clientId, clientSecret, oidcRequestUrl,
// oidcRequestToken, timeScale …), then serves until SIGINT or SIGTERM, and stops cleanly (exit code 0).
// Everything else it says goes to stderr, so stdout stays machine-readable.
import { parseArgs } from 'node:util';
import { DEFAULT_TIME_SCALE, startEmulator, type EmulatorHandle } from './index.js';

export const USAGE = `Usage: npm run --silent emulator -- [options]

Starts the local Azure Resource Manager emulator (HTTPS on 127.0.0.1) and prints one JSON line:
{"endpoint","authorityHost","caCertPath","subscriptionId","tenantId","clientId","clientSecret",
 "oidcRequestUrl","oidcRequestToken","timeScale","pid"}. Stop it with Ctrl-C (SIGINT), or SIGTERM to
that pid (npm does not pass SIGTERM on).

Options:
  --port <n>            port to listen on; 0 picks a free one (default 0)
  --time-scale <f>      fraction of Azure's latencies to spend, in (0, 1] (default ${DEFAULT_TIME_SCALE})
  --throttling on|off   ARM and Compute throttling (default on)
  --ca-dir <dir>        directory holding the emulator's CA (default: $AZURE_EMULATOR_CA_DIR, else a new
                        temporary directory); clients trust <dir>/emulator-ca.pem via NODE_EXTRA_CA_CERTS
  --help                show this text
`;

export interface CliOptions {
  port: number;
  timeScale: number;
  throttling: boolean;
  caDir?: string;
  help: boolean;
}

/** Parses the command line; throws an Error naming the bad flag and the fix. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'time-scale': { type: 'string' },
      throttling: { type: 'string' },
      'ca-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const port = Number(values.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer from 0 to 65535 (0 picks a free port), got '${values.port}'.`);
  }
  const timeScale = Number(values['time-scale'] ?? DEFAULT_TIME_SCALE);
  if (!(timeScale > 0 && timeScale <= 1)) {
    throw new Error(
      `--time-scale must be a number in (0, 1], the fraction of Azure's latencies to spend (e.g. 0.01), got '${values['time-scale']}'.`,
    );
  }
  const throttlingFlag = (values.throttling ?? 'on').toLowerCase();
  if (throttlingFlag !== 'on' && throttlingFlag !== 'off') {
    throw new Error(`--throttling must be 'on' or 'off', got '${values.throttling}'.`);
  }
  const caDir = values['ca-dir'] ?? process.env.AZURE_EMULATOR_CA_DIR ?? undefined;
  if (caDir !== undefined && caDir.trim() === '') throw new Error('--ca-dir must name a directory.');
  return { port, timeScale, throttling: throttlingFlag === 'on', caDir, help: values.help ?? false };
}

/** The first line the CLI prints: the contract any outside client reads. */
export function connectionInfo(emu: EmulatorHandle): Record<string, string | number | boolean> {
  return {
    endpoint: emu.endpoint,
    authorityHost: emu.authorityHost,
    caCertPath: emu.caCertPath,
    subscriptionId: emu.subscriptionId,
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    oidcRequestUrl: emu.oidcRequestUrl,
    oidcRequestToken: emu.oidcRequestToken,
    timeScale: emu.timeScale,
    pid: process.pid,
  };
}

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`emulator: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const emu = await startEmulator({
    port: options.port,
    timeScale: options.timeScale,
    caDir: options.caDir,
    throttling: { enabled: options.throttling },
  });
  process.stdout.write(`${JSON.stringify(connectionInfo(emu))}\n`);
  process.stderr.write(
    `emulator: serving ${emu.endpoint} (time scale ${emu.timeScale}); trust ${emu.caCertPath} with NODE_EXTRA_CA_CERTS. Ctrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`emulator: ${signal}, stopping\n`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emu.stop();
  return 0;
}

// Run only as a program (tests import parseCli without starting anything).
if (process.argv[1] && /cli\.[cm]?[jt]s$/.test(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`emulator: failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
