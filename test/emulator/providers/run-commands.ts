// Run Command, both APIs (facts §4; DOCS-RC = MicrosoftDocs/azure-compute-docs
// articles/virtual-machines/linux/run-command.md and run-command-managed.md):
// - the action API: POST …/virtualMachines/{vm}/runCommand, 202 + Azure-AsyncOperation + Location;
//   the Location answers 200 {"value":[InstanceViewStatus…]} when done (facts §2);
// - managed run commands: PUT/GET/DELETE/list …/virtualMachines/{vm}/runCommands/{name}.
// Scripts run in the VM's guest (../guest/): Linux for real with bash, Windows simulated. A run
// takes the fixed run command overhead (core.ms('runCommandOverhead'): half before the script
// starts, half after it ends) plus the script's own run time on the model clock.
import { ArmError, notFound } from '../errors.js';
import { view, type ArmResource } from '../store.js';
import { appendToBlob, azuriteOf, readBlob } from '../azurite.js';
import {
  afterScript,
  requireRunningGuest,
  requireVm,
  runtimeOf,
  type VmRuntime,
} from './compute-vm-state.js';
import type { Guest, RunScriptResult } from '../guest/index.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, ArmResponse, RouteDef } from '../router.js';

const RC_TYPE = 'Microsoft.Compute/virtualMachines/runCommands';
/** Output and error keep the last 4,096 bytes (facts §4; DOCS-RC "Restrictions"). */
const OUTPUT_LIMIT = 4096;
/** The action API's ceiling: 90 minutes (DOCS-RC "Restrictions"). Also the managed default here (unverified). */
const MAX_RUN_MS = 90 * 60 * 1000;

export function tail(text: string, limit = OUTPUT_LIMIT): string {
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= limit ? text : buf.subarray(buf.length - limit).toString('utf8');
}

export function runCommandRoutes(core: EmulatorCore): RouteDef[] {
  const vmPath = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}';
  const rcPath = `${vmPath}/runCommands/{name}`;
  return [
    // Facts §5: run commands count against UpdateVM.
    {
      method: 'POST',
      path: `${vmPath}/runCommand`,
      computePolicy: 'UpdateVM',
      handler: (req) => actionRunCommand(core, req),
    },
    { method: 'PUT', path: rcPath, computePolicy: 'UpdateVM', handler: (req) => putManaged(core, req) },
    {
      method: 'GET',
      path: rcPath,
      computePolicy: 'LowCostGet',
      handler: (req) => ({ status: 200, body: rcBody(requireRc(core, req), expands(req)) }),
    },
    {
      method: 'GET',
      path: `${vmPath}/runCommands`,
      computePolicy: 'LowCostGet',
      handler: (req) => {
        const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
        return {
          status: 200,
          body: { value: core.store.listChildren(vm.id, RC_TYPE).map((rc) => rcBody(rc, expands(req))) },
        };
      },
    },
    { method: 'DELETE', path: rcPath, computePolicy: 'UpdateVM', handler: (req) => deleteManaged(core, req) },
  ];
}

const expands = (req: ArmRequest): boolean =>
  (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview';

/** Model time until the guest agent answers (after a restart), then the first half of the overhead. */
async function beforeScript(core: EmulatorCore, rt: VmRuntime): Promise<void> {
  await core.clock.sleep(Math.max(0, rt.agentReadyAt - core.clock.now()));
  await core.clock.sleep(core.ms('runCommandOverhead') / 2);
}

/** Linux scripts are real processes: their timeout is in real ms; the Windows guest runs on the model clock. */
function timeoutFor(core: EmulatorCore, guest: Guest, modelMs: number): number {
  return guest.osType === 'Linux' ? Math.max(1, core.clock.toRealMs(modelMs)) : modelMs;
}

function envOf(list: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(list))
    for (const p of list) if (p && typeof p.name === 'string') env[p.name] = String(p.value ?? '');
  return env;
}

// ------------------------------------------------------------------ action API

async function actionRunCommand(core: EmulatorCore, req: ArmRequest): Promise<ArmResponse> {
  const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
  const { rt, guest } = requireRunningGuest(core, vm);
  const body = req.body ?? {};
  const expected = guest.osType === 'Windows' ? 'RunPowerShellScript' : 'RunShellScript';
  if (typeof body.commandId !== 'string' || body.commandId.toLowerCase() !== expected.toLowerCase()) {
    // Only the script commands are emulated; code and text unverified.
    throw new ArmError(
      400,
      'InvalidParameter',
      `The command '${String(body.commandId)}' is not supported for a ${guest.osType} VM by this emulator; use '${expected}'.`,
      undefined,
      'commandId',
    );
  }
  // One at a time (facts §4; MicrosoftDocs/azure-docs#43356 quotes the 409 body).
  if (rt.actionRunBusy) {
    throw new ArmError(
      409,
      'Conflict',
      'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
    );
  }
  rt.actionRunBusy = true;
  const script = Array.isArray(body.script) ? body.script.join('\n') : String(body.script ?? '');
  const execution = (async () => {
    try {
      await beforeScript(core, rt);
      const r = await guest.runScript({
        script,
        timeoutMs: timeoutFor(core, guest, MAX_RUN_MS),
        env: envOf(body.parameters),
      });
      afterScript(core, vm, guest);
      await core.clock.sleep(core.ms('runCommandOverhead') / 2);
      return r;
    } finally {
      rt.actionRunBusy = false;
    }
  })();
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: vm.location!,
    durationMs: core.ms('runCommandOverhead'),
    headers: 'both',
    complete: async () => actionResult(guest, await execution),
  });
  return { status: 202, headers };
}

/** The Location result (facts §4; SPECS VirtualMachineRunCommand.json; azure-cli#14425 for the Linux message). */
function actionResult(guest: Guest, r: RunScriptResult): { value: Record<string, unknown>[] } {
  // A non-zero exit still reports succeeded (facts §4, azure-cli#14425, #19251).
  const out = tail(r.stdout);
  const err = tail(r.stderr);
  if (guest.osType === 'Windows') {
    return {
      value: [
        {
          code: 'ComponentStatus/StdOut/succeeded',
          level: 'Info',
          displayStatus: 'Provisioning succeeded',
          message: out,
        },
        {
          code: 'ComponentStatus/StdErr/succeeded',
          level: 'Info',
          displayStatus: 'Provisioning succeeded',
          message: err,
        },
      ],
    };
  }
  if (r.timedOut) {
    // Text unverified: the handler gives up after 90 minutes.
    return {
      value: [
        {
          code: 'ProvisioningState/failed',
          level: 'Error',
          displayStatus: 'Provisioning failed',
          message: `Enable failed: command timed out\n[stdout]\n${out}\n[stderr]\n${err}`,
        },
      ],
    };
  }
  return {
    value: [
      {
        code: 'ProvisioningState/succeeded',
        level: 'Info',
        displayStatus: 'Provisioning succeeded',
        message: `Enable succeeded: \n[stdout]\n${out}\n[stderr]\n${err}`,
      },
    ],
  };
}

// ------------------------------------------------------------------ managed run commands

const rcIdOf = (vm: ArmResource, name: string): string => `${vm.id}/runCommands/${name}`;
const runKey = (name: string): string => name.toLowerCase();

function requireRc(core: EmulatorCore, req: ArmRequest): ArmResource {
  const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
  const rc = core.store.get(rcIdOf(vm, req.params.name));
  if (!rc) throw notFound(RC_TYPE, `${req.params.vm}/${req.params.name}`, req.params.rg);
  return rc;
}

function rcBody(rc: ArmResource, withInstanceView: boolean): unknown {
  const body = view(rc);
  if (withInstanceView) {
    const x = rc.internal?.exec ?? {};
    const iv: Record<string, unknown> = {
      executionState: x.executionState ?? 'Unknown',
      executionMessage: x.executionMessage ?? '',
    };
    for (const k of ['exitCode', 'output', 'error', 'startTime', 'endTime'] as const)
      if (x[k] !== undefined) iv[k] = x[k];
    iv.statuses = [];
    body.properties = { ...body.properties, instanceView: iv };
  }
  return body;
}

async function putManaged(core: EmulatorCore, req: ArmRequest): Promise<ArmResponse> {
  const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
  const name = req.params.name;
  const body = req.body ?? {};
  const props = body.properties ?? {};
  const location = core.requireLocation(body.location, 'virtualMachines/runCommands');
  const src = props.source ?? {};
  const kinds = ['script', 'scriptUri', 'commandId'].filter(
    (k) => typeof src[k] === 'string' && src[k].length > 0,
  );
  if (kinds.length !== 1) {
    // Code and text unverified.
    throw new ArmError(
      400,
      'InvalidParameter',
      'Exactly one of source.script, source.scriptUri and source.commandId must be specified.',
      undefined,
      'source',
    );
  }
  const { rt, guest } = requireRunningGuest(core, vm);
  const id = rcIdOf(vm, name);
  const existing = core.store.get(id);
  rt.running.get(runKey(name))?.abort();
  // protectedParameters and runAsPassword are write-only: kept internally, never echoed (facts §4).
  const { protectedParameters, runAsPassword: _pw, ...echo } = props;
  const rc: ArmResource = {
    id: existing?.id ?? id,
    name: existing?.name ?? name,
    type: RC_TYPE,
    location,
    ...(body.tags ? { tags: body.tags } : {}),
    properties: {
      ...echo,
      asyncExecution: props.asyncExecution ?? false,
      timeoutInSeconds: props.timeoutInSeconds ?? 0,
      treatFailureAsDeploymentFailure: props.treatFailureAsDeploymentFailure ?? false,
      provisioningState: existing ? 'Updating' : 'Creating',
    },
    internal: { exec: { executionState: 'Pending', executionMessage: '' } },
  };
  core.store.put(rc);
  const ctrl = new AbortController();
  rt.running.set(runKey(name), ctrl);
  const execution = executeManaged(
    core,
    vm,
    rt,
    guest,
    rc,
    { ...envOf(props.parameters), ...envOf(protectedParameters) },
    ctrl,
  );
  const overhead = core.ms('runCommandOverhead');
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: vm.location!,
    // asyncExecution: "provisioning will complete as soon as the script starts" (REST docs).
    durationMs: rc.properties!.asyncExecution ? overhead / 2 : overhead,
    headers: 'azure-async',
    complete: async () => {
      if (!rc.properties!.asyncExecution) await execution;
      const x = rc.internal!.exec;
      if (
        rc.properties!.treatFailureAsDeploymentFailure &&
        !rc.properties!.asyncExecution &&
        x.executionState !== 'Succeeded'
      ) {
        throw extensionError(name, guest, x);
      }
      rc.properties!.provisioningState = 'Succeeded';
      return undefined;
    },
    onFailed: () => {
      rc.properties!.provisioningState = 'Failed';
    },
  });
  // Facts §2 (unverified for runCommands): 201 on create, 200 on update, with Azure-AsyncOperation.
  return { status: existing ? 200 : 201, body: rcBody(rc, false), headers };
}

/**
 * treatFailureAsDeploymentFailure: a failing script fails the PUT's LRO (facts §4; azure-cli#20495:
 * "the RunCommand's ProvisioningState will be set to Failed if Run Command terminates with non-zero
 * exit code"). Code VMExtensionProvisioningError and the "VM has reported a failure when processing
 * extension" frame as the extension handlers send them (fahclient-azure-vm#6, pcs-cli#270); the
 * run command handler's inner text is unverified.
 */
function extensionError(name: string, guest: Guest, x: Record<string, any>): ArmError {
  const handler = guest.osType === 'Windows' ? 'RunCommandHandlerWindows' : 'RunCommandHandlerLinux';
  const what =
    x.executionState === 'TimedOut' ? 'Execution timed out' : `Execution failed with exit code ${x.exitCode}`;
  return new ArmError(
    409,
    'VMExtensionProvisioningError',
    `VM has reported a failure when processing extension '${name}' (publisher 'Microsoft.CPlat.Core' and type '${handler}'). Error message: '${what}\n[stdout]\n${x.output ?? ''}\n[stderr]\n${x.error ?? ''}'. More information on troubleshooting is available at https://aka.ms/vmextensionrunCommandtroubleshoot.`,
  );
}

async function executeManaged(
  core: EmulatorCore,
  vm: ArmResource,
  rt: VmRuntime,
  guest: Guest,
  rc: ArmResource,
  env: Record<string, string>,
  ctrl: AbortController,
): Promise<void> {
  const x = rc.internal!.exec as Record<string, any>;
  const p = rc.properties!;
  try {
    await beforeScript(core, rt);
    if (ctrl.signal.aborted) {
      Object.assign(x, { executionState: 'Canceled', executionMessage: 'Execution was canceled.' });
      return;
    }
    let script = p.source.script as string | undefined;
    if (!script && p.source.scriptUri) {
      script = await readBlob(core, p.source.scriptUri)
        .then((b) => b.toString('utf8'))
        .catch(() => undefined);
      if (script === undefined) {
        // Text unverified: the guest cannot download the script (only the emulator's blob storage is reachable).
        Object.assign(x, {
          executionState: 'Failed',
          executionMessage: `Failed to download the script from '${p.source.scriptUri.split('?')[0]}'.`,
          startTime: core.clock.nowIso(),
          endTime: core.clock.nowIso(),
        });
        return;
      }
    }
    if (!script) {
      Object.assign(x, {
        executionState: 'Failed',
        executionMessage: `Built-in command '${p.source.commandId}' is not emulated.`,
        startTime: core.clock.nowIso(),
        endTime: core.clock.nowIso(),
      });
      return;
    }
    Object.assign(x, { executionState: 'Running', startTime: core.clock.nowIso() });
    const timeoutModelMs = p.timeoutInSeconds > 0 ? p.timeoutInSeconds * 1000 : MAX_RUN_MS;
    const r = await guest
      .runScript({
        script,
        timeoutMs: timeoutFor(core, guest, timeoutModelMs),
        env,
        runAsUser: p.runAsUser,
        signal: ctrl.signal,
      })
      .catch((e: unknown) => e as Error);
    if (r instanceof Error) {
      // The guest went away under the script (powered off, deallocated): text unverified.
      Object.assign(x, {
        executionState: 'Failed',
        executionMessage: `The VM stopped during execution: ${r.message}`,
        endTime: core.clock.nowIso(),
      });
      return;
    }
    // executionMessage texts are unverified; the states are the documented ones (facts §4).
    const state = r.canceled
      ? 'Canceled'
      : r.timedOut
        ? 'TimedOut'
        : r.exitCode === 0
          ? 'Succeeded'
          : 'Failed';
    const message =
      state === 'Succeeded'
        ? ''
        : state === 'Canceled'
          ? 'Execution was canceled.'
          : state === 'TimedOut'
            ? `Execution timed out after ${p.timeoutInSeconds || MAX_RUN_MS / 1000} seconds.`
            : `Execution completed with exit code ${r.exitCode}.`;
    Object.assign(x, {
      executionState: state,
      executionMessage: message,
      exitCode: r.exitCode ?? -1,
      output: tail(r.stdout),
      error: tail(r.stderr),
      endTime: core.clock.nowIso(),
    });
    const uploadErrors = [
      await upload(core, p.outputBlobUri, p.outputBlobManagedIdentity, r.stdout),
      await upload(core, p.errorBlobUri, p.errorBlobManagedIdentity, r.stderr),
    ].filter(Boolean);
    if (uploadErrors.length > 0)
      x.executionMessage = [x.executionMessage, ...uploadErrors].filter(Boolean).join(' ');
    afterScript(core, vm, guest);
    await core.clock.sleep(core.ms('runCommandOverhead') / 2);
  } finally {
    if (rt.running.get(runKey(rc.name)) === ctrl) rt.running.delete(runKey(rc.name));
  }
}

/**
 * outputBlobUri / errorBlobUri: the full stream as an append blob (facts §4). The VM reaches the blob
 * with a SAS URI, or with a managed identity (outputBlobManagedIdentity), as the REST docs require;
 * the emulator writes with the account key in the identity case. Returns an error text or ''.
 */
async function upload(
  core: EmulatorCore,
  uri: string | undefined,
  identity: unknown,
  text: string,
): Promise<string> {
  if (!uri) return '';
  const info = await azuriteOf(core);
  const sas = /[?&]sig=/.test(uri);
  // Only the emulator's storage is reachable; without SAS or identity the upload is refused (texts unverified).
  if (!uri.startsWith(info.blobEndpoint + '/'))
    return `Failed to upload to '${uri.split('?')[0]}': the storage account is not reachable.`;
  if (!sas && identity === undefined)
    return `Failed to upload to '${uri}': AuthorizationPermissionMismatch (use a SAS URI or a managed identity).`;
  try {
    await appendToBlob(core, uri, text, !sas);
    return '';
  } catch (e) {
    return `Failed to upload to '${uri.split('?')[0]}': ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

async function deleteManaged(core: EmulatorCore, req: ArmRequest): Promise<ArmResponse> {
  const vm = requireVm(core, req.params.sub, req.params.rg, req.params.vm);
  const rc = core.store.get(rcIdOf(vm, req.params.name));
  if (!rc) return { status: 204 };
  // Deleting a managed run command kills its running script (facts §4).
  runtimeOf(core, vm.id).running.get(runKey(rc.name))?.abort();
  rc.properties!.provisioningState = 'Deleting';
  const headers = core.lro.start({
    req,
    provider: 'Microsoft.Compute',
    location: vm.location!,
    durationMs: core.ms('runCommandOverhead') / 2,
    headers: 'both',
    complete: () => {
      core.store.delete(rc.id);
      return undefined;
    },
  });
  return { status: 202, headers };
}
