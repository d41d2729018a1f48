// The build the least-privilege custom role (docs/custom-role.json) is derived from and tested with: the
// bundled action, signing in with OpenID Connect as a principal of its own, a Marketplace base image with a
// purchase plan (terms accepted by the action), a managed image and a gallery version in a target group
// that exists, a temporary build group and network. Every RBAC check the emulator makes (the request's
// own action and linked `join` actions, see test/emulator/router.ts rbacActionFor) is recorded.
// Used by test/integration/custom-role.test.ts and scripts/custom-role.ts.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EmulatorHandle } from '../emulator/index.js';
import { emulatorEnv, runAction, type StepResult } from './runner.js';

export const ROLE_FILE = 'docs/custom-role.json';
export const TARGET_GROUP = 'rg-images';

/**
 * Actions Azure checks that the emulator does not (none known now: the emulator checks the VM's
 * `Microsoft.Network/networkInterfaces/join/action` and source-image reads itself, test/emulator/docs/compute.md).
 */
export const BEYOND_EMULATOR: string[] = [];

/** The fault of the failing build: the gallery version fails after the managed image was requested. */
export const GALLERY_FAULT = {
  method: 'PUT',
  path: /\/galleries\/[^/]+\/images\/[^/]+\/versions\/[^/]+$/,
  effect: { type: 'asyncFailure', code: 'InternalExecutionError', message: 'Replication failed (injected).' },
} as const;

export interface CustomRole {
  Name: string;
  IsCustom: boolean;
  Description: string;
  Actions: string[];
  NotActions: string[];
  DataActions: string[];
  NotDataActions: string[];
  AssignableScopes: string[];
}

/** Records every RBAC action the emulator checks from now on (sorted, unique, by calling `stop`). */
export function recordRbacActions(emu: EmulatorHandle): { actions: () => string[]; stop: () => void } {
  const auth = emu.control.core.auth;
  const original = auth.authorize.bind(auth);
  const seen = new Set<string>();
  auth.authorize = (principal, action, scope) => {
    seen.add(action);
    original(principal, action, scope);
  };
  return { actions: () => [...seen].sort(), stop: () => void (auth.authorize = original) };
}

/** Runs the full build (main, then post) as a new principal holding exactly `actions` on the subscription. */
export async function buildWithActions(
  emu: EmulatorHandle,
  actions: string[],
  version: string,
): Promise<{ main: StepResult; post: StepResult }> {
  const clientId = randomUUID();
  emu.control.addPrincipal({
    clientId,
    roleAssignments: [{ actions, scope: `/subscriptions/${emu.subscriptionId}` }],
  });
  const workspace = mkdtempSync(join(tmpdir(), 'aib-role-'));
  mkdirSync(join(workspace, 'scripts'));
  writeFileSync(join(workspace, 'scripts', 'setup.sh'), '#!/bin/bash\nset -euo pipefail\necho configured\n');
  const env = emulatorEnv(emu);
  return runAction({
    workspace,
    inputs: {
      ...env.inputs,
      'client-id': clientId,
      'base-image': 'resf:rockylinux-x86_64:9-base:latest',
      'accept-marketplace-terms': 'true',
      scripts: 'scripts/setup.sh',
      'resource-group': TARGET_GROUP,
      'image-name': `rocky-${version}`,
      gallery: 'gal_role',
      'gallery-image-definition': 'rocky-9',
      'gallery-image-version': version,
    },
    env: env.env,
  });
}

/**
 * The two builds the role covers, as a principal holding `actions`: one that succeeds, and one whose
 * gallery version fails, so cleanup also deletes outputs (the managed image, the failed version).
 */
export async function roleBuilds(
  emu: EmulatorHandle,
  actions: string[],
): Promise<{
  success: { main: StepResult; post: StepResult };
  failure: { main: StepResult; post: StepResult };
  used: string[];
}> {
  const recorder = recordRbacActions(emu);
  try {
    const success = await buildWithActions(emu, actions, '1.0.0');
    emu.control.injectFault({ ...GALLERY_FAULT, effect: { ...GALLERY_FAULT.effect } });
    const failure = await buildWithActions(emu, actions, '1.0.1');
    return { success, failure, used: recorder.actions() };
  } finally {
    emu.control.clearFaults();
    recorder.stop();
  }
}

/** The role document for a set of actions. */
export function customRole(actions: string[]): CustomRole {
  return {
    Name: 'Azure Image Builder (GitHub Action)',
    IsCustom: true,
    Description:
      'Least privilege for azure-image-build: a temporary resource group, network and VM, run commands, ' +
      'Marketplace terms, managed images and Azure Compute Gallery versions. Assign at the subscription ' +
      '(the action creates and deletes a temporary resource group).',
    Actions: actions,
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: ['/subscriptions/00000000-0000-0000-0000-000000000000'],
  };
}
