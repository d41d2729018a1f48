// Live state of the emulated VMs that does not belong in the ARM document: the guest OS (one
// sandbox per VM under core.config.dataDir), when its agent is ready, which run commands are
// executing. Shared by compute-vm.ts (the VM API) and run-commands.ts.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createGuest, restoreGuest, WindowsGuest, type Guest, type GuestOptions } from '../guest/index.js';
import { ArmError, notFound } from '../errors.js';
import type { ArmResource } from '../store.js';
import type { EmulatorCore } from '../core.js';

export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export interface VmRuntime {
  vmId: string;
  guest?: Guest;
  /** Model time at which the guest agent answers (after a create, start or restart). */
  agentReadyAt: number;
  /** The action run command (one at a time per VM, facts §4). */
  actionRunBusy: boolean;
  /** Executing managed run commands by lower-cased name: abort kills the script. */
  running: Map<string, AbortController>;
}

const runtimes = (core: EmulatorCore): Map<string, VmRuntime> =>
  core.stateOf('compute.vms', () => new Map<string, VmRuntime>());

export function runtimeOf(core: EmulatorCore, vmId: string): VmRuntime {
  const key = vmId.toLowerCase();
  const map = runtimes(core);
  let rt = map.get(key);
  if (!rt) {
    rt = { vmId, agentReadyAt: core.clock.now(), actionRunBusy: false, running: new Map() };
    map.set(key, rt);
  }
  return rt;
}

/** Stops a VM's scripts and timers and forgets it; removes its disk directory when asked. */
export function disposeRuntime(core: EmulatorCore, vmId: string, removeDisk: boolean): void {
  const key = vmId.toLowerCase();
  const rt = runtimes(core).get(key);
  if (rt) {
    for (const c of rt.running.values()) c.abort();
    rt.guest?.dispose();
    runtimes(core).delete(key);
  }
  if (removeDisk) rmSync(guestDirOf(core, vmId), { recursive: true, force: true });
}

/** Every VM runtime under an id prefix (a resource group being deleted). */
export function runtimesUnder(core: EmulatorCore, prefix: string): VmRuntime[] {
  const p = prefix.toLowerCase() + '/';
  return [...runtimes(core).values()].filter((r) => r.vmId.toLowerCase().startsWith(p));
}

/** The VM's disk directory: its guest sandbox. */
export function guestDirOf(core: EmulatorCore, vmId: string): string {
  const safe = vmId
    .toLowerCase()
    .replace(/^\/subscriptions\/[^/]+\/resourcegroups\//, '')
    .replace(/[^a-z0-9._-]+/g, '_');
  return path.join(core.config.dataDir, 'guests', safe);
}

/** Options every new guest gets (tests change them, e.g. a Windows sysprep that hangs). */
export function guestDefaults(core: EmulatorCore): Partial<GuestOptions> {
  return core.stateOf('compute.guestDefaults', () => ({}) as Partial<GuestOptions>);
}

/**
 * Boots the VM's guest: a fresh one, or the captured disk of a custom image. The Windows guest runs
 * on the model clock; its agent delay is modelled here (agentReadyAt), so the guest's own is 0.
 */
export async function bootGuest(
  core: EmulatorCore,
  vm: ArmResource,
  diskDir: string | undefined,
): Promise<Guest> {
  const rt = runtimeOf(core, vm.id);
  const opts: GuestOptions = {
    dir: guestDirOf(core, vm.id),
    adminUsername: vm.properties?.osProfile?.adminUsername,
    computerName: vm.properties?.osProfile?.computerName ?? vm.name,
    now: () => core.clock.now(),
    sysprepDurationMs: core.ms('sysprep'),
    agentStartDelayMs: 0,
    ...guestDefaults(core),
  };
  const osType = vm.internal?.osType ?? 'Linux';
  rmSync(opts.dir, { recursive: true, force: true });
  const guest = diskDir ? await restoreGuest(osType, diskDir, opts) : await createGuest(osType, opts);
  if (guest instanceof WindowsGuest) {
    // sysprep … /shutdown (or Stop-Computer) powers the VM off: PowerState/stopped, not deallocated.
    guest.onShutdown(() => {
      const current = core.store.get(vm.id);
      if (current?.internal) current.internal.powerState = 'stopped';
    });
  }
  rt.guest = guest;
  return guest;
}

/** The running guest of a VM, or 409 when the VM is not running (action and managed run commands). */
export function requireRunningGuest(core: EmulatorCore, vm: ArmResource): { rt: VmRuntime; guest: Guest } {
  const rt = runtimeOf(core, vm.id);
  const state: PowerState | undefined = vm.internal?.powerState;
  // 409 OperationNotAllowed "The operation requires the VM to be running (or set to run)."
  // (MicrosoftDocs/azure-docs#32404; nakamacchi/AzureCAF.LandingZones.Demo#4 quotes the body).
  if (
    !rt.guest ||
    vm.properties?.provisioningState === 'Creating' ||
    (state !== 'running' && state !== 'starting')
  ) {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      'The operation requires the VM to be running (or set to run).',
    );
  }
  return { rt, guest: rt.guest };
}

/** After a script: a Windows guest that asked for a restart reboots; the agent is back after core.ms('restart'). */
export function afterScript(core: EmulatorCore, vm: ArmResource, guest: Guest): void {
  if (!(guest instanceof WindowsGuest) || !guest.restartRequested) return;
  guest.restartRequested = false;
  const rt = runtimeOf(core, vm.id);
  rt.agentReadyAt = core.clock.now() + core.ms('restart');
  if (vm.internal) vm.internal.powerState = 'starting';
  void core.clock.sleep(core.ms('restart')).then(async () => {
    if (rt.guest !== guest) return;
    await guest.restart();
    const current = core.store.get(vm.id);
    if (current?.internal?.powerState === 'starting') current.internal.powerState = 'running';
  });
}

export function vmIdOf(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function requireVm(core: EmulatorCore, sub: string, rg: string, name: string): ArmResource {
  core.requireGroup(sub, rg, false);
  const vm = core.store.get(vmIdOf(sub, rg, name));
  if (!vm) throw notFound('Microsoft.Compute/virtualMachines', name, rg);
  return vm;
}
