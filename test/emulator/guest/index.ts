// The emulated guest operating system of a VM: createGuest() for a new VM, restoreGuest() for a VM
// created from a captured image (the snapshot a Guest wrote with snapshot()).
import { LinuxGuest, type LinuxGuestOptions } from './linux-guest.js';
import type { Guest, GuestOsType } from './types.js';
import { WindowsGuest, type WindowsGuestOptions } from './windows-guest.js';

export { LinuxGuest, WindowsGuest };
export type { LinuxGuestOptions, WindowsGuestOptions };
export type { SysprepBehaviour } from './windows-guest.js';
export type { Guest, GuestOsType, RunScriptRequest, RunScriptResult } from './types.js';

/** Options for either OS; each guest reads the ones it knows. */
export type GuestOptions = LinuxGuestOptions & WindowsGuestOptions;

export async function createGuest(osType: GuestOsType, opts: GuestOptions): Promise<Guest> {
  return osType === 'Windows' ? WindowsGuest.create(opts) : LinuxGuest.create(opts);
}

export async function restoreGuest(
  osType: GuestOsType,
  snapshotDir: string,
  opts: GuestOptions,
): Promise<Guest> {
  return osType === 'Windows'
    ? WindowsGuest.fromSnapshot(snapshotDir, opts)
    : LinuxGuest.fromSnapshot(snapshotDir, opts);
}
