// Shared by the test/integration/gallery-*.test.ts suites: the bundled action (dist/index.js, main then
// post, as the GitHub runner runs it) publishing to an Azure Compute Gallery on an in-process emulator,
// SDK clients to set up and read the gallery, and the request-log and leftover checks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import type { RequestLogEntry } from '../emulator/control.js';
import { emulatorEnv, runAction, type RunOptions, type StepResult } from './runner.js';

/** The group holding the gallery; everything outside it is temporary. */
export const GALLERY_GROUP = 'images';
export const BASE_IMAGE = 'Canonical:ubuntu-24_04-lts:server:latest';

export interface GalleryRun {
  main: StepResult;
  post: StepResult;
  /** ARM requests of both steps (auth and test-control traffic excluded). */
  requests: RequestLogEntry[];
}

export interface GalleryHarness {
  emu: EmulatorHandle;
  compute: ComputeManagementClient;
  rm: ResourceManagementClient;
  /** Runs main then post: a gallery build of `gallery`/`ubuntu` in eastus from Ubuntu 24.04, with `inputs` on top. */
  run(
    inputs: Record<string, string>,
    env?: Record<string, string>,
    kill?: RunOptions['kill'],
  ): Promise<GalleryRun>;
  /** Waits for accepted deletions to finish; returns every resource outside the gallery group. */
  leftovers(): Promise<string[]>;
  /** The versions of a definition with their provisioning states, e.g. ['1.0.0 Succeeded']. */
  versions(definition?: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startGalleryHarness(timeScale = 0.003): Promise<GalleryHarness> {
  const emu = await startEmulator({ timeScale });
  const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  const rm = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  await rm.resourceGroups.createOrUpdate(GALLERY_GROUP, { location: 'eastus' });
  const compute = new ComputeManagementClient(cred, emu.subscriptionId, { endpoint: emu.endpoint });
  const workspace = mkdtempSync(join(tmpdir(), 'aib-gallery-ws-'));
  writeFileSync(join(workspace, 'setup.sh'), '#!/bin/bash\nset -e\necho "configuring the image"\n');
  return {
    emu,
    compute,
    rm,
    async run(inputs, env = {}, kill) {
      const e = emulatorEnv(emu);
      emu.control.clearRequestLog();
      const { main, post } = await runAction({
        workspace,
        inputs: {
          ...e.inputs,
          'base-image': BASE_IMAGE,
          location: 'eastus',
          scripts: 'setup.sh',
          'resource-group': GALLERY_GROUP,
          gallery: 'gal',
          'gallery-image-definition': 'ubuntu',
          ...inputs,
        },
        env: { ...e.env, ...env },
        kill,
      });
      const requests = emu.control.requestLog().filter((r) => !['auth', 'oidc', 'control'].includes(r.kind));
      return { main, post, requests };
    },
    async leftovers() {
      // The post step returns once Azure accepted the group deletion; it finishes on the emulator's clock.
      return (await emu.control.settledInventory())
        .filter((r) => !new RegExp(`/resourceGroups/${GALLERY_GROUP}(/|$)`, 'i').test(r.id))
        .map((r) => `${r.type} ${r.id}`);
    },
    async versions(definition = 'ubuntu') {
      const out: string[] = [];
      for await (const v of compute.galleryImageVersions.listByGalleryImage(GALLERY_GROUP, 'gal', definition))
        out.push(`${v.name} ${v.provisioningState}`);
      return out.sort();
    },
    stop: () => emu.stop(),
  };
}

/** One harness per test file: started before its tests, stopped after them. */
export function useGalleryHarness(timeScale?: number): () => GalleryHarness {
  let h: GalleryHarness | undefined;
  beforeAll(async () => {
    h = await startGalleryHarness(timeScale);
  });
  afterAll(() => h?.stop());
  return () => h!;
}

/** The `::error::` message of a failed step, workflow-command escaping undone. */
export function errorOf(step: StepResult): string {
  const m = /^::error::(.*)$/m.exec(step.stdout);
  return (m?.[1] ?? '').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** True when the requests include a VM creation. */
export const createdVm = (requests: RequestLogEntry[]): boolean =>
  requests.some((r) => r.method === 'PUT' && /\/virtualMachines\/[^/]+$/i.test(r.path));
