// Every key this action keeps in the step state (GITHUB_STATE), in one place, with typed accessors.
// Main writes; the post step (a separate process) reads. No secret is ever stored here: the settings
// are kept redacted and the client secret is read again from the input in the post step.

import * as core from '@actions/core';
import type { BuildSettings, LedgerEntry } from '../core/types.js';

const Key = {
  /** Set by the first (main) run of the bundle; its presence makes the next run the post step. */
  IsPost: 'isPost',
  /** JSON LedgerEntry[]: every resource main asked Azure for, written before each request. */
  Ledger: 'ledger',
  /** JSON BuildSettings without secrets or script contents (see redactSettings). */
  Settings: 'settings',
  /** 'succeeded' once main has finished; anything else means failed, cancelled or killed. */
  Outcome: 'outcome',
} as const;

export const isPost = (): boolean => core.getState(Key.IsPost) === 'true';
export const markPost = (): void => core.saveState(Key.IsPost, 'true');

export const saveLedger = (entries: LedgerEntry[]): void =>
  core.saveState(Key.Ledger, JSON.stringify(entries));

/** True once main has saved a ledger (even an empty one, after its own cleanup). */
export const ledgerSaved = (): boolean => core.getState(Key.Ledger) !== '';

export function readLedger(): LedgerEntry[] {
  const raw = core.getState(Key.Ledger);
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error(`state '${Key.Ledger}' is not a list`);
  return parsed as LedgerEntry[];
}

export const saveSettings = (redacted: BuildSettings): void =>
  core.saveState(Key.Settings, JSON.stringify(redacted));

export function readSettings(): BuildSettings | undefined {
  const raw = core.getState(Key.Settings);
  return raw ? (JSON.parse(raw) as BuildSettings) : undefined;
}

export const markSucceeded = (): void => core.saveState(Key.Outcome, 'succeeded');
export const mainSucceeded = (): boolean => core.getState(Key.Outcome) === 'succeeded';
