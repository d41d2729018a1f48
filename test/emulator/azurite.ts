// Blob storage for the emulator: Azurite's blob service (the `azurite` npm package, run as its
// `azurite-blob` bin in a child process) on 127.0.0.1, a free port, in-memory persistence.
// Run command output blobs (outputBlobUri / errorBlobUri, facts §4) and VHD sources live here.
//
// Azurite takes seconds to start, so it is started on first use (`await azuriteOf(core)`), not
// with every emulator, and stopped with the emulator (the compute provider's stop hook).
// Flags from node_modules/azurite/README.md: --blobPort 0 (the system picks a free port, printed on
// startup), --inMemoryPersistence, --skipApiVersionCheck, --disableProductStyleUrl (account name
// from the path: http://127.0.0.1:{port}/devstoreaccount1/…), --loose.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  AnonymousCredential,
  AppendBlobClient,
  BlobClient,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { EmulatorCore } from './core.js';

export interface AzuriteInfo {
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  /** A connection string for BlobServiceClient.fromConnectionString. */
  connectionString: string;
}

/** Azurite's well-known development account (Azurite README, "Default Storage Account"). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface AzuriteState {
  child?: ChildProcess;
  starting?: Promise<AzuriteInfo>;
  info?: AzuriteInfo;
}

const stateOf = (core: EmulatorCore): AzuriteState => core.stateOf('azurite', () => ({}) as AzuriteState);

/** The emulator's blob service; starts Azurite on the first call. */
export function azuriteOf(core: EmulatorCore): Promise<AzuriteInfo> {
  const s = stateOf(core);
  s.starting ??= startAzurite(s);
  return s.starting;
}

/** The blob service if it already runs (no start). */
export function azuriteIfRunning(core: EmulatorCore): AzuriteInfo | undefined {
  return stateOf(core).info;
}

export async function stopAzurite(core: EmulatorCore): Promise<void> {
  const s = stateOf(core);
  await s.starting?.catch(() => undefined);
  const child = s.child;
  s.child = undefined;
  s.starting = undefined;
  s.info = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function startAzurite(s: AzuriteState): Promise<AzuriteInfo> {
  const require = createRequire(import.meta.url);
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const args = [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence'];
  args.push('--skipApiVersionCheck', '--disableProductStyleUrl', '--loose', '--disableTelemetry');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  s.child = child;
  return new Promise<AzuriteInfo>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString('utf8');
      const m = /listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      child.stdout?.off('data', onData);
      const blobEndpoint = `${m[1]}/${AZURITE_ACCOUNT}`;
      s.info = {
        blobEndpoint,
        accountName: AZURITE_ACCOUNT,
        accountKey: AZURITE_KEY,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
      };
      child.stdout?.resume();
      resolve(s.info);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`Azurite exited (${code}) before listening:\n${out}`)));
    child.once('error', reject);
  });
}

/**
 * Appends text to an append blob, creating it when absent, the way the Run Command handler streams
 * output to outputBlobUri / errorBlobUri (DOCS-RC; REST docs: "Use a SAS URI with read, append,
 * create, write access OR use managed identity"). A SAS URI is used as given; without one the
 * emulator writes with the account key, standing in for the VM's managed identity.
 */
export async function appendToBlob(
  core: EmulatorCore,
  uri: string,
  text: string,
  useAccountKey: boolean,
): Promise<void> {
  const info = await azuriteOf(core);
  const client = useAccountKey
    ? new AppendBlobClient(
        uri.split('?')[0],
        new StorageSharedKeyCredential(info.accountName, info.accountKey),
      )
    : new AppendBlobClient(uri, new AnonymousCredential());
  await client.createIfNotExists();
  const data = Buffer.from(text, 'utf8');
  // An append block holds at most 4 MiB (Append Block REST docs).
  const block = 4 * 1024 * 1024;
  for (let off = 0; off < data.length; off += block) {
    const chunk = data.subarray(off, off + block);
    await client.appendBlock(chunk, chunk.length);
  }
}

/** Reads a blob of the emulator's storage (a managed run command's source.scriptUri, a VHD…). */
export async function readBlob(core: EmulatorCore, uri: string): Promise<Buffer> {
  const info = await azuriteOf(core);
  const client = uri.includes('sig=')
    ? new BlobClient(uri, new AnonymousCredential())
    : new BlobClient(uri.split('?')[0], new StorageSharedKeyCredential(info.accountName, info.accountKey));
  return client.downloadToBuffer();
}
