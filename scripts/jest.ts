// Runs jest with the emulator's test CA trusted from process start (NODE_EXTRA_CA_CERTS),
// the way the action itself is pointed at the emulator. Arguments pass through to jest.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureCertificateAuthority } from '../test/emulator/tls.js';

const caDir =
  process.env.AZURE_EMULATOR_CA_DIR ?? resolve('node_modules/.cache/azure-image-build/emulator-ca');
const ca = await ensureCertificateAuthority(caDir);
const jestBin = join('node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings', jestBin, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath, AZURE_EMULATOR_CA_DIR: caDir },
  },
);
process.exit(result.status ?? 1);
