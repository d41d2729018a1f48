// Checks the wiring of the workflows under .github/workflows by parsing them: workflow inputs reach
// the action's inputs of the same name, the action's outputs reach the workflow's outputs, scripts
// get expressions only through env:, permissions are explicit, and third-party actions are pinned.
//
// Where the pinned SHAs come from (search tool, find_string over public workflow files, each seen in
// many repositories with the same version comment):
//   actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8          # v5.0.0
//   actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020        # v4.4.0
//   actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02   # v4.6.2
//   actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
//   azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5               # v2.3.0
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

type Dict = Record<string, unknown>;
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Dict;
  env?: Dict;
}
interface Job {
  uses?: string;
  with?: Dict;
  secrets?: Dict | string;
  steps?: Step[];
  permissions?: Dict | string;
  outputs?: Record<string, string>;
}
interface Workflow {
  on: Dict;
  permissions?: Dict | string;
  jobs: Record<string, Job>;
}

const root = process.cwd();
const dir = path.join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string): string => readFileSync(path.join(dir, file), 'utf8');
const load = (file: string): Workflow => parse(text(file)) as Workflow;

const actionPath = path.join(root, 'action.yml');
const action = existsSync(actionPath)
  ? (parse(readFileSync(actionPath, 'utf8')) as { inputs: Dict; outputs: Dict })
  : undefined;
/** Skips (with the reason in the test name) while another helper has not yet written action.yml. */
const withAction = action ? it : it.skip;
const actionNote = action ? '' : ' (SKIPPED: action.yml is absent)';

const callConfig = (
  wf: Workflow,
): { inputs: Dict; outputs: Record<string, { value: string }>; secrets: Dict } => {
  const call = (wf.on.workflow_call ?? {}) as Dict;
  return {
    inputs: (call.inputs ?? {}) as Dict,
    outputs: (call.outputs ?? {}) as Record<string, { value: string }>,
    secrets: (call.secrets ?? {}) as Dict,
  };
};

const build = load('build-image.yml');
const buildJob = build.jobs.build;
const actionStep = buildJob.steps!.find((s) => s.id === 'build')!;
/** Inputs of build-image.yml that configure the workflow itself rather than the action. */
const WORKFLOW_ONLY_INPUTS = ['runs-on', 'artifact-name', 'timeout-minutes'];
/** Action inputs build-image.yml deliberately does not offer, and why. */
const NOT_OFFERED: Record<string, string> = {
  'client-secret': 'the reusable workflow signs in with OIDC only',
  audience: 'derived from environment; private clouds call the action directly',
  'arm-endpoint': 'private clouds and the emulator call the action directly',
  'authority-host': 'private clouds and the emulator call the action directly',
  'manifest-path': 'the manifest is uploaded as an artifact (manifest-artifact output)',
};

describe('every workflow', () => {
  it('finds the workflows', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        'build-image.yml',
        'ci.yml',
        'example-deploy.yml',
        'example-matrix.yml',
        'live-azure.yml',
        'release-image.yml',
      ]),
    );
  });

  it.each(files)('%s: no ${{ }} expression inside a run: script (values go through env:)', (file) => {
    const wf = load(file);
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.run === undefined) continue;
        expect({ job: name, run: step.run, expression: /\$\{\{/.test(step.run) }).toMatchObject({
          expression: false,
        });
      }
    }
    expect(text(file)).not.toMatch(/run:.*\$\{\{\s*(inputs|github\.event)\./);
  });

  it.each(files)('%s: permissions are explicit for the workflow or for every job', (file) => {
    const wf = load(file);
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect({ job: name, permissions: job.permissions ?? wf.permissions }).toEqual({
        job: name,
        permissions: expect.anything(),
      });
    }
  });

  it.each(files)(
    '%s: every third-party action is pinned to a full commit SHA with a version comment',
    (file) => {
      const uses = text(file)
        .split('\n')
        .map((l) => /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .filter((m) => !m[1].startsWith('./'));
      for (const [, ref, rest] of uses) {
        expect({ ref, pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref), comment: rest.trim() }).toEqual({
          ref,
          pinned: true,
          comment: expect.stringMatching(/^# v\d+(\.\d+)*$/),
        });
      }
    },
  );

  it.each(files)('%s: jobs that call build-image.yml grant id-token: write and contents: read', (file) => {
    const wf = load(file);
    for (const job of Object.values(wf.jobs).filter(
      (j) => j.uses === './.github/workflows/build-image.yml',
    )) {
      expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
      const { inputs, secrets } = callConfig(build);
      for (const key of Object.keys(job.with ?? {})) expect(Object.keys(inputs)).toContain(key);
      if (typeof job.secrets === 'object') {
        for (const key of Object.keys(job.secrets)) expect(Object.keys(secrets)).toContain(key);
      }
    }
  });
});

describe('build-image.yml', () => {
  const { inputs, outputs } = callConfig(build);
  const actionInputs = Object.keys(inputs).filter((n) => !WORKFLOW_ONLY_INPUTS.includes(n));

  it('is a reusable workflow whose build job signs in with OIDC and reads the repository only', () => {
    expect(Object.keys(build.on)).toEqual(['workflow_call']);
    expect(build.permissions).toEqual({});
    expect(buildJob.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  });

  it('runs the action checked out at the commit of this workflow', () => {
    const steps = buildJob.steps!;
    const checkout = steps.find((s) => s.with?.path === '.azure-image-build')!;
    expect(checkout.with).toMatchObject({
      repository: '${{ steps.self.outputs.repository }}',
      ref: '${{ steps.self.outputs.sha }}',
    });
    expect(actionStep.uses).toBe('./.azure-image-build');
    expect(steps.indexOf(checkout)).toBeLessThan(steps.indexOf(actionStep));
    expect(steps.find((s) => s.id === 'self')!.run).toContain('job_workflow_sha');
  });

  it('passes every typed input to the action input of the same name', () => {
    const passed = actionStep.with ?? {};
    for (const name of actionInputs) {
      expect({ name, value: passed[name] }).toEqual({
        name,
        value: expect.stringMatching(
          new RegExp(`^\\$\\{\\{ inputs\\.${name}( \\|\\| secrets\\.[A-Z_]+)? \\}\\}$`),
        ),
      });
    }
    expect(Object.keys(passed).sort()).toEqual([...actionInputs].sort());
  });

  withAction(`passes only inputs that action.yml declares, and offers all of them${actionNote}`, () => {
    const declared = Object.keys(action!.inputs);
    for (const key of Object.keys(actionStep.with ?? {}))
      expect({ key, declared: declared.includes(key) }).toEqual({ key, declared: true });
    const missing = declared.filter((n) => !actionInputs.includes(n) && !(n in NOT_OFFERED));
    expect(missing).toEqual([]);
  });

  withAction(`wires every action output: step -> job output -> workflow output${actionNote}`, () => {
    const promised = Object.keys(action!.outputs).filter((n) => n !== 'manifest-path');
    for (const name of promised) {
      expect(outputs[name]?.value).toBe(`\${{ jobs.build.outputs.${name} }}`);
      expect(buildJob.outputs?.[name]).toBe(`\${{ steps.build.outputs.${name} }}`);
    }
  });

  it('uploads the manifest named by the action output and names the artifact in an output', () => {
    const upload = buildJob.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({
      name: '${{ inputs.artifact-name }}',
      path: '${{ steps.build.outputs.manifest-path }}',
    });
    expect(outputs['manifest-artifact'].value).toBe('${{ jobs.build.outputs.manifest-artifact }}');
  });

  it('writes a job summary', () => {
    expect(buildJob.steps!.some((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))).toBe(true);
  });
});

describe('release-image.yml', () => {
  const wf = load('release-image.yml');

  it('runs on published releases, v* tags, and as a reusable workflow', () => {
    expect(wf.on.release).toEqual({ types: ['published'] });
    expect(wf.on.push).toEqual({ tags: ['v*'] });
    expect(wf.on.workflow_call).toBeDefined();
  });

  it('names the gallery version after the tag', () => {
    const publish = wf.jobs.publish;
    expect(publish.uses).toBe('./.github/workflows/build-image.yml');
    expect(publish.with?.['gallery-image-version']).toBe('${{ needs.version.outputs.version }}');
    expect(wf.jobs.version.outputs?.version).toBe('${{ steps.version.outputs.version }}');
  });

  it('promises only outputs that build-image.yml has', () => {
    const { outputs } = callConfig(wf);
    const buildOutputs = Object.keys(callConfig(build).outputs);
    for (const [name, o] of Object.entries(outputs)) {
      expect(o.value).toBe(`\${{ jobs.publish.outputs.${name} }}`);
      expect(buildOutputs).toContain(name);
    }
  });
});

describe('example-matrix.yml', () => {
  const wf = load('example-matrix.yml');

  it('builds one job per file under images/ and names each manifest artifact after its image', () => {
    const images = readdirSync(path.join(root, 'images'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => f.replace(/\.yml$/, ''));
    const job = wf.jobs.build as Job & { strategy: { matrix: { image: string[] } } };
    expect([...job.strategy.matrix.image].sort()).toEqual(images.sort());
    expect(job.with).toMatchObject({
      config: 'images/${{ matrix.image }}.yml',
      'artifact-name': 'manifest-${{ matrix.image }}',
    });
  });

  it('gathers the manifests into one JSON output for later jobs', () => {
    const gather = wf.jobs.gather;
    const download = gather.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with?.pattern).toBe('manifest-*');
    expect(gather.outputs?.images).toBe('${{ steps.gather.outputs.images }}');
    expect(JSON.stringify(wf.jobs.use)).toContain('fromJSON(needs.gather.outputs.images)');
  });
});

describe('example-deploy.yml and ci.yml', () => {
  it('deploys from the image-id output of build-image.yml with azure/login', () => {
    const wf = load('example-deploy.yml');
    const deploy = wf.jobs.deploy as Job & { env: Dict };
    expect(deploy.env.IMAGE_ID).toContain('needs.build.outputs.image-id');
    expect(deploy.steps!.some((s) => s.uses?.startsWith('azure/login@'))).toBe(true);
    expect(deploy.steps!.some((s) => s.run?.includes('az vm create'))).toBe(true);
  });

  withAction(`ci.yml runs the action with uses: ./ and only declared inputs${actionNote}`, () => {
    const ci = load('ci.yml');
    const step = Object.values(ci.jobs)
      .flatMap((j) => j.steps ?? [])
      .find((s) => s.uses === './')!;
    expect(step).toBeDefined();
    for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action!.inputs)).toContain(key);
    expect(step.env?.NODE_EXTRA_CA_CERTS).toBeDefined();
  });

  it('ci.yml signs the action in with OIDC against the emulator, in a job the runner gives no ID token URL of its own', () => {
    const ci = load('ci.yml');
    const job = Object.values(ci.jobs).find((j) => (j.steps ?? []).some((s) => s.uses === './'))!;
    const step = job.steps!.find((s) => s.uses === './')!;
    expect(step.with?.['client-secret']).toBeUndefined();
    expect(step.env?.ACTIONS_ID_TOKEN_REQUEST_URL).toContain('steps.emulator.outputs.oidcRequestUrl');
    expect(step.env?.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toContain('steps.emulator.outputs.oidcRequestToken');
    // With id-token: write the runner would set its own ACTIONS_ID_TOKEN_REQUEST_* over the step's.
    const grantsIdToken = (p: Dict | string | undefined) =>
      typeof p === 'string' ? p === 'write-all' : p?.['id-token'] === 'write';
    expect(grantsIdToken(ci.permissions) || grantsIdToken(job.permissions)).toBe(false);
  });

  it('ci.yml checks that dist/ is current', () => {
    expect(text('ci.yml')).toMatch(/npm run bundle[\s\S]*git diff --exit-code[^\n]*dist\//);
  });
});
