// `npm start`: a complete image build against the embedded emulator, no Azure account needed.
//
// Starts the emulator, creates the target resource group (as a platform team would have one), runs the
// bundled action (dist/index.js) as the GitHub runner does — main step, then post step — signing in with
// GitHub OpenID Connect, with a small real bash script, and prints the job log as GitHub shows it, the
// outputs, the manifest and what is left in the (emulated) subscription. Exits 1 when the build fails or
// anything temporary is left.
//
//   npm start                 # the log as GitHub shows it
//   npm start -- --debug      # with the debug lines (every ARM request), as with ACTIONS_STEP_DEBUG
//
// AZURE_IMAGE_BUILD_TIME_SCALE sets the emulator's speed (default 0.002: one Azure minute in 0.12 s).
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator } from '../test/emulator/index.js';
import { ensureCertificateAuthority } from '../test/emulator/tls.js';
import { emulatorEnv, runAction } from '../test/integration/runner.js';
import { createResourceGroup } from '../test/integration/target-group.js';

const debug = process.argv.includes('--debug');
const timeScale = Number(process.env.AZURE_IMAGE_BUILD_TIME_SCALE ?? '0.002');
if (!existsSync(resolve('dist/index.js'))) {
  console.error('dist/index.js is missing: run `npm run bundle` first.');
  process.exit(1);
}

const caDir = join(tmpdir(), 'azure-image-build-demo-ca');
await ensureCertificateAuthority(caDir);
const emu = await startEmulator({ timeScale, caDir });
console.log(
  `Emulator: ${emu.endpoint} (time scale ${timeScale}: one Azure minute takes ${(60 * timeScale).toFixed(2)} s)`,
);
try {
  // The target resource group exists before the action runs, as in a real subscription.
  await createResourceGroup(emu, 'rg-golden-images', 'westeurope');
  const before = new Set(emu.control.inventory().map((r) => r.id.toLowerCase()));

  // The repository checkout: one script file, as a user keeps them under scripts/.
  const workspace = mkdtempSync(join(tmpdir(), 'aib-demo-'));
  mkdirSync(join(workspace, 'scripts'));
  writeFileSync(
    join(workspace, 'scripts', 'install.sh'),
    [
      '#!/bin/bash',
      'set -euo pipefail',
      'echo "Installing the platform agent…"',
      'mkdir -p "$HOME/opt/platform-agent"',
      'echo "version=1.4.2" > "$HOME/opt/platform-agent/agent.conf"',
      'echo "done: $(cat "$HOME/opt/platform-agent/agent.conf")"',
      '',
    ].join('\n'),
  );

  // OpenID Connect, as in a workflow with `permissions: id-token: write` (no client secret).
  const { inputs, env } = emulatorEnv(emu);
  const workflowInputs = {
    'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
    scripts: 'scripts/*.sh',
    'inline-script': 'echo "hardening: $(date -u +%F)"',
    'resource-group': 'rg-golden-images',
    'image-name': 'img-ubuntu-2404',
    gallery: 'gal_golden',
    'gallery-image-definition': 'ubuntu-2404',
    'gallery-image-version': '1.0.0',
    'manifest-path': 'image-manifest.json',
  };
  console.log('\n== The workflow step');
  console.log('- uses: ./  # azure-image-build\n  with:');
  for (const [k, v] of Object.entries(workflowInputs)) console.log(`    ${k}: ${JSON.stringify(v)}`);
  console.log('\n== Job log (main step, then post step)');
  const started = performance.now();
  const { main, post } = await runAction({
    workspace,
    echo: 'rendered',
    echoDebug: debug,
    inputs: { ...inputs, ...workflowInputs },
    env,
  });
  const realSeconds = (performance.now() - started) / 1000;

  console.log('\n== Outputs');
  for (const [k, v] of Object.entries(main.outputs)) console.log(`${k}: ${v}`);
  const manifestPath = main.outputs['manifest-path'];
  if (manifestPath && existsSync(manifestPath)) {
    console.log(`\n== Manifest (${manifestPath})`);
    console.log(readFileSync(manifestPath, 'utf8'));
  }

  // Deletion of the temporary group is asynchronous (wait-for-cleanup: false); give it its time.
  for (let i = 0; i < 100 && emu.control.inventory().some((r) => r.provisioningState === 'Deleting'); i++)
    await new Promise((r) => setTimeout(r, 100));
  const left = emu.control.inventory();
  const created = left.filter((r) => !before.has(r.id.toLowerCase()));
  const intended = new Set(
    [main.outputs['managed-image-id'], main.outputs['gallery-image-version-id']].map((id) =>
      id?.toLowerCase(),
    ),
  );
  // Beside the images: the gallery and its image definition, created for the version.
  const temporary = created.filter(
    (r) =>
      !intended.has(r.id.toLowerCase()) &&
      r.type !== 'Microsoft.Compute/galleries' &&
      r.type !== 'Microsoft.Compute/galleries/images',
  );
  console.log('\n== What is left in the subscription');
  for (const r of left) console.log(`${r.type}  ${r.id}`);
  console.log(
    temporary.length === 0
      ? 'No temporary resource is left.'
      : `Temporary resources left:\n${temporary.map((r) => `  ${r.id}`).join('\n')}`,
  );

  const requests = emu.control.requestLog().filter((r) => r.path.startsWith('/subscriptions/'));
  const writes = requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').length;
  console.log(
    `\nMain step exit code ${main.exitCode}, post step exit code ${post.exitCode}; ` +
      `${requests.length} ARM requests (${writes} writes); ${realSeconds.toFixed(1)} s real time.`,
  );
  process.exitCode = main.exitCode === 0 && post.exitCode === 0 && temporary.length === 0 ? 0 : 1;
} finally {
  await emu.stop();
}
