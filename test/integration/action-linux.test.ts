// The bundled action (dist/index.js) run as the GitHub runner runs it — INPUT_* variables, the
// GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, main then post — against the emulator, with
// real bash scripts. Every case ends with the emulator's inventory showing only the intended images.
// Cases run one after another on one emulator: the inventory and the request log are subscription-wide.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ResourceManagementClient } from '@azure/arm-resources';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { emulatorEnv, runAction, type RunOptions, type StepResult } from './runner.js';
import { createResourceGroup } from './target-group.js';

const TIME_SCALE = 0.003;
const TARGET_GROUP = 'rg-images';
let emu: EmulatorHandle;
let rm: ResourceManagementClient;
/** Resource IDs (lowercase) meant to stay: the target group, then the images and galleries builds made. */
let intended: Set<string>;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: TIME_SCALE });
  rm = await createResourceGroup(emu, TARGET_GROUP, 'eastus');
  intended = new Set(emu.control.inventory().map((r) => r.id.toLowerCase()));
});
afterAll(() => emu?.stop());

/** A repository checkout holding the given files (path -> content). */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aib-action-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const SCRIPTS = {
  'scripts/01-packages.sh':
    '#!/bin/bash\nset -euo pipefail\necho "installing packages"\necho "packages ok"\n',
  'scripts/02-config.sh': '#!/bin/bash\nset -euo pipefail\necho "writing config"\n',
};

/** Runs main then post with OpenID Connect against the emulator; `auth: 'secret'` uses client-secret. */
function build(
  inputs: Record<string, string>,
  opts: { files?: Record<string, string>; auth?: 'oidc' | 'secret'; kill?: RunOptions['kill'] } = {},
): Promise<{ main: StepResult; post: StepResult }> {
  const env = emulatorEnv(emu);
  return runAction({
    workspace: workspace(opts.files ?? SCRIPTS),
    inputs: {
      ...env.inputs,
      ...(opts.auth === 'secret' ? { 'client-secret': emu.clientSecret } : {}),
      'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
      scripts: 'scripts/*.sh',
      'resource-group': TARGET_GROUP,
      ...inputs,
    },
    env: { ...env.env, AZURE_IMAGE_BUILD_TIME_SCALE: String(TIME_SCALE) },
    kill: opts.kill,
  });
}

/** Waits for asynchronous deletions (the temporary group) to finish; then what is left beside the intended. */
async function leftovers(): Promise<string[]> {
  return (await emu.control.settledInventory())
    .filter((r) => !intended.has(r.id.toLowerCase()))
    .map((r) => `${r.type} ${r.id}`);
}

/** Marks resources as meant to stay (outputs of a build, a gallery and definition the user asked for). */
function keep(...ids: (string | undefined)[]): void {
  for (const id of ids) if (id) intended.add(id.toLowerCase());
}

/** The lines of a log group (debug lines left out, as the job log shows it without debug logging). */
function groupLines(stdout: string, name: string): string[] | undefined {
  const lines = stdout.split('\n');
  const start = lines.indexOf(`::group::${name}`);
  if (start < 0) return undefined;
  const end = lines.indexOf('::endgroup::', start);
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => !l.startsWith('::debug::'));
}

/** The secret values the log must never show, and every value the action asked the runner to mask. */
function masksOf(step: StepResult): string[] {
  return [...step.stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1]).filter(Boolean);
}

/** No secret anywhere a user or a later step can read it: log (outside ::add-mask::), state, outputs, summary. */
function expectNoSecrets(run: { main: StepResult; post: StepResult }, secrets: string[]): void {
  for (const step of [run.main, run.post]) {
    const visible = [
      step.stdout.replace(/^::add-mask::.*$/gm, ''),
      step.stderr,
      JSON.stringify(step.state),
      JSON.stringify(step.outputs),
      step.summary,
    ].join('\n');
    for (const secret of secrets) expect(visible).not.toContain(secret);
  }
}

/** The `::error::` message of a failed step (workflow-command escaping undone). */
function errorOf(step: StepResult): string {
  const m = /^::error::(.*)$/m.exec(step.stdout);
  return (m?.[1] ?? '').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

const secretInputs = () => [emu.clientSecret, emulatorEnv(emu).env.ACTIONS_ID_TOKEN_REQUEST_TOKEN];

test('a Linux build: outputs, manifest, job summary, script output in groups, nothing temporary left', async () => {
  const run = await build({
    'inline-script': 'echo "inline done"',
    'image-name': 'img-ubuntu',
    gallery: 'gal_images',
    'gallery-image-definition': 'ubuntu-2404',
    'gallery-image-version': '1.0.0',
  });
  const { main, post } = run;
  expect(main.exitCode).toBe(0);
  expect(post.exitCode).toBe(0);

  const o = main.outputs;
  const sub = `/subscriptions/${emu.subscriptionId}/resourceGroups/${TARGET_GROUP}/providers/Microsoft.Compute`;
  expect(o['managed-image-id']).toBe(`${sub}/images/img-ubuntu`);
  expect(o['gallery-image-version-id']).toBe(`${sub}/galleries/gal_images/images/ubuntu-2404/versions/1.0.0`);
  expect(o['image-id']).toBe(o['gallery-image-version-id']);
  expect(o['gallery-image-version']).toBe('1.0.0');
  expect(o['source-image']).toMatch(/^Canonical:ubuntu-24_04-lts:server:\d+\.\d+\.\d+$/);

  // The manifest: artifacts, the exact source, scripts with exit codes, phase durations, provenance.
  expect(existsSync(o['manifest-path'])).toBe(true);
  const manifest = JSON.parse(readFileSync(o['manifest-path'], 'utf8'));
  expect(manifest).toMatchObject({
    schemaVersion: 1,
    source: {
      requested: 'Canonical:ubuntu-24_04-lts:server:latest',
      exact: o['source-image'],
      osType: 'Linux',
      hyperVGeneration: 'V2',
    },
    artifacts: {
      managedImageId: o['managed-image-id'],
      galleryImageVersionId: o['gallery-image-version-id'],
      galleryImageVersion: '1.0.0',
    },
    location: 'eastus',
    scripts: [
      { name: 'scripts/01-packages.sh', exitCode: 0 },
      { name: 'scripts/02-config.sh', exitCode: 0 },
      { name: 'inline', exitCode: 0 },
    ],
    provenance: {
      repository: 'octo-org/golden-images',
      commit: '0123456789abcdef0123456789abcdef01234567',
      runUrl: 'https://github.com/octo-org/golden-images/actions/runs/4242',
    },
  });
  const phases = (manifest.phases as { phase: string; seconds: number }[]).map((p) => p.phase);
  expect(phases).toEqual(expect.arrayContaining(['create-vm', 'customize', 'generalize', 'managed-image']));
  expect(manifest.totalSeconds).toBeGreaterThan(0);

  // The job summary names what was built, from what, and the phases.
  expect(main.summary).toContain('Azure image build');
  expect(main.summary).toContain(o['gallery-image-version-id']);
  expect(main.summary).toContain(o['source-image']);
  expect(main.summary).toContain('customize');

  // Each phase in a log group, each script in its own.
  expect([...main.stdout.matchAll(/^::group::(.*)$/gm)].map((m) => m[1])).toEqual([
    'Base image, targets and build network',
    'Build VM',
    'Script scripts/01-packages.sh',
    'Script scripts/02-config.sh',
    'Script inline',
    'Generalize',
    'Capture',
    'Cleanup',
  ]);
  expect(groupLines(main.stdout, 'Script scripts/01-packages.sh')).toEqual([
    'installing packages',
    'packages ok',
    expect.stringMatching(/^scripts\/01-packages\.sh: Succeeded, exit code 0/),
  ]);
  expect(groupLines(main.stdout, 'Script inline')?.[0]).toBe('inline done');

  // Secrets: the client secret was not used; the admin password was masked before use and never shown.
  const masks = masksOf(main).filter((m) => m.length >= 24);
  expect(masks.length).toBeGreaterThan(0);
  expectNoSecrets(run, [...masks, ...secretInputs()]);

  keep(o['managed-image-id'], o['gallery-image-version-id']);
  expect(await leftovers()).toEqual([
    `Microsoft.Compute/galleries ${sub}/galleries/gal_images`,
    `Microsoft.Compute/galleries/images ${sub}/galleries/gal_images/images/ubuntu-2404`,
  ]);
  keep(`${sub}/galleries/gal_images`, `${sub}/galleries/gal_images/images/ubuntu-2404`);
});

test('a failing script fails the build with its exit code; the message is free of Azure; nothing left', async () => {
  const run = await build(
    { 'image-name': 'img-fail' },
    {
      auth: 'secret',
      files: {
        ...SCRIPTS,
        'scripts/03-broken.sh': '#!/bin/bash\necho "about to fail"\necho "no such package" >&2\nexit 7\n',
      },
    },
  );
  const { main, post } = run;
  expect(main.exitCode).toBe(1);
  const error = errorOf(main);
  expect(error).toContain("Phase 'customize' failed");
  expect(error).toContain("script 'scripts/03-broken.sh' exited with code 7");
  expect(error).toContain('no such package');
  expect(error).not.toMatch(/correlation id|RestError|long-running operation|statusCode/i);
  expect(main.outputs['image-id'] ?? '').toBe('');
  expect(main.summary).toContain('Azure image build failed');
  expect(post.exitCode).toBe(0);
  expectNoSecrets(run, [...masksOf(main), ...secretInputs()]);
  expect(await leftovers()).toEqual([]);
});

test('an Azure failure names the phase, the Azure error code and the correlation id; nothing left', async () => {
  emu.control.injectFault({
    method: 'PUT',
    path: /\/virtualMachines\/[^/]+$/,
    effect: {
      type: 'error',
      status: 409,
      code: 'OperationNotAllowed',
      message:
        'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota.',
    },
  });
  try {
    const run = await build({ 'image-name': 'img-quota' });
    expect(run.main.exitCode).toBe(1);
    const error = errorOf(run.main);
    expect(error).toMatch(
      /^Phase 'create-vm' failed: OperationNotAllowed: Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota\. \(correlation id: [0-9a-f-]{36}\)/,
    );
    expect(run.post.exitCode).toBe(0);
    expectNoSecrets(run, [...masksOf(run.main), ...secretInputs()]);
  } finally {
    emu.control.clearFaults();
  }
  expect(await leftovers()).toEqual([]);
});

test('a cancelled job (SIGINT to main mid-build): main stops, main and post clean up, nothing left', async () => {
  const run = await build(
    { 'image-name': 'img-cancel', gallery: 'gal_cancel', 'gallery-image-definition': 'ubuntu' },
    { kill: { signal: 'SIGINT', whenStdoutMatches: /^::group::Script scripts\/01-packages\.sh$/m } },
  );
  expect(run.main.exitCode).toBe(1);
  expect(run.main.stdout).toContain('Received SIGINT');
  expect(errorOf(run.main)).toContain('cancelled');
  expect(run.main.outputs['image-id'] ?? '').toBe('');
  expect(run.post.exitCode).toBe(0);
  // The gallery and its definition (asked for) may have been made before the cancellation; no version.
  const gallery = `/subscriptions/${emu.subscriptionId}/resourceGroups/${TARGET_GROUP}/providers/Microsoft.Compute/galleries/gal_cancel`;
  keep(gallery, `${gallery}/images/ubuntu`);
  expect(await leftovers()).toEqual([]);
});

test('a killed main (SIGKILL mid-build): the post step deletes what main created, from the ledger', async () => {
  const run = await build(
    { 'image-name': 'img-killed' },
    { kill: { signal: 'SIGKILL', whenStdoutMatches: /^::group::Script scripts\/02-config\.sh$/m } },
  );
  expect(run.main.signal).toBe('SIGKILL');
  const ledger = JSON.parse(run.main.state.ledger) as { id: string; kind: string }[];
  expect(ledger.map((e) => e.kind)).toEqual(expect.arrayContaining(['resourceGroup', 'virtualMachine']));
  // Main never reached its own cleanup: the build group was still there when post started.
  expect(run.post.stdout).toMatch(/Cleaning up \d+ resource\(s\)/);
  expect(run.post.exitCode).toBe(0);
  expect(await leftovers()).toEqual([]);
});

test('keep-resources-on-failure keeps the resources and prints how to delete them', async () => {
  const run = await build(
    { 'image-name': 'img-kept', 'keep-resources-on-failure': 'true' },
    { files: { 'scripts/01-broken.sh': '#!/bin/bash\nexit 3\n' } },
  );
  expect(run.main.exitCode).toBe(1);
  expect(errorOf(run.main)).toContain('exited with code 3');
  const warning = /^::warning::(keep-resources-on-failure.*)$/m.exec(run.main.stdout)?.[1] ?? '';
  const command = /az group delete -n (aib-[0-9a-f]+-build) --yes --no-wait/.exec(warning);
  expect(command).not.toBeNull();
  expect(run.post.exitCode).toBe(0);
  const left = await leftovers();
  expect(left).toEqual(
    expect.arrayContaining([
      expect.stringMatching(new RegExp(`^Microsoft.Resources/resourceGroups .*/${command![1]}$`)),
      expect.stringMatching(/^Microsoft.Compute\/virtualMachines /),
    ]),
  );
  // The printed command, done through the SDK, leaves nothing.
  await rm.resourceGroups.delete(command![1]);
  expect(await leftovers()).toEqual([]);
});

test.each([
  ['script-timeout-minutes', 'ten', /Input 'script-timeout-minutes' is 'ten': .*Use a whole number/],
  ['vm-size', 'D2s v5', /Input 'vm-size' is 'D2s v5'.*Standard_/s],
  ['gallery-image-version', '1.0', /Input 'gallery-image-version' is '1\.0'.*Major\.Minor\.Patch/is],
])('a bad input %s=%s fails before any Azure write, naming input, value and fix', async (name, value, re) => {
  emu.control.clearRequestLog();
  const run = await build({
    'image-name': 'img-bad',
    gallery: 'gal_bad',
    'gallery-image-definition': 'ubuntu',
    'gallery-image-version': '1.0.0',
    [name]: value,
  });
  expect(run.main.exitCode).toBe(1);
  expect(errorOf(run.main)).toMatch(re);
  expect(run.post.stdout).toContain('Nothing to clean up');
  const writes = emu.control
    .requestLog()
    .filter((r) => r.path.startsWith('/subscriptions/') && r.method !== 'GET' && r.method !== 'HEAD');
  expect(writes).toEqual([]);
  expect(await leftovers()).toEqual([]);
});

test('sign-in: the GitHub ID token request comes first, and one ID token serves every Azure client', async () => {
  emu.control.clearRequestLog();
  const { main, post } = await build({ 'image-name': 'img-sign-in' });
  expect([main.exitCode, post.exitCode]).toEqual([0, 0]);
  keep(main.outputs['managed-image-id']);
  const log = emu.control.requestLog().sort((a, b) => a.at - b.at);
  const firstArm = log.findIndex((r) => r.path.startsWith('/subscriptions/'));
  expect(log[0].kind).toBe('oidc');
  // Before the first ARM request: one ID token, Entra's metadata and one token exchange.
  expect(log.slice(0, firstArm).map((r) => r.kind)).toEqual(['oidc', 'auth', 'auth']);
  expect(await leftovers()).toEqual([]);
});
