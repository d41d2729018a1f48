// The live suite: the bundled action against REAL Azure. It runs only when
// credentials are present (AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID and
// either AZURE_CLIENT_SECRET or the GitHub OIDC variables ACTIONS_ID_TOKEN_REQUEST_URL /
// ACTIONS_ID_TOKEN_REQUEST_TOKEN) plus AZURE_LIVE_RESOURCE_GROUP (an existing group
// the principal may write to); otherwise it is skipped. `.github/workflows/live-azure.yml`
// runs it with `npm run test:live`. It builds a small Ubuntu image to a managed image,
// checks the image exists and that the temporary resource group is gone, then deletes
// the image.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import { runAction } from '../integration/runner.js';

const env = process.env;
const live = Boolean(
  env.AZURE_SUBSCRIPTION_ID &&
  env.AZURE_TENANT_ID &&
  env.AZURE_CLIENT_ID &&
  env.AZURE_LIVE_RESOURCE_GROUP &&
  (env.AZURE_CLIENT_SECRET || env.ACTIONS_ID_TOKEN_REQUEST_URL),
);
const describeLive = live ? describe : describe.skip;

function credential(): TokenCredential {
  if (env.AZURE_CLIENT_SECRET)
    return new ClientSecretCredential(env.AZURE_TENANT_ID!, env.AZURE_CLIENT_ID!, env.AZURE_CLIENT_SECRET);
  return new ClientAssertionCredential(env.AZURE_TENANT_ID!, env.AZURE_CLIENT_ID!, () =>
    core.getIDToken('api://AzureADTokenExchange'),
  );
}

describeLive('live Azure', () => {
  test(
    'a Linux build to a managed image leaves the image and nothing else',
    async () => {
      const rg = env.AZURE_LIVE_RESOURCE_GROUP!;
      const imageName = `aib-live-${Date.now()}`;
      const workspace = mkdtempSync(join(tmpdir(), 'aib-live-'));
      writeFileSync(join(workspace, 'hello.sh'), '#!/bin/bash\nset -e\necho "hello from $(hostname)"\n');
      const { main, post } = await runAction({
        workspace,
        echo: true,
        inputs: {
          'subscription-id': env.AZURE_SUBSCRIPTION_ID!,
          'tenant-id': env.AZURE_TENANT_ID!,
          'client-id': env.AZURE_CLIENT_ID!,
          ...(env.AZURE_CLIENT_SECRET ? { 'client-secret': env.AZURE_CLIENT_SECRET } : {}),
          'base-image': env.AZURE_LIVE_BASE_IMAGE ?? 'Canonical:ubuntu-24_04-lts:server:latest',
          scripts: 'hello.sh',
          'resource-group': rg,
          'image-name': imageName,
          'vm-size': env.AZURE_LIVE_VM_SIZE ?? 'Standard_D2s_v5',
          'wait-for-cleanup': 'true',
        },
        env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('ACTIONS_'))) as Record<
          string,
          string
        >,
      });
      expect(main.exitCode).toBe(0);
      expect(post.exitCode).toBe(0);
      const cred = credential();
      const compute = new ComputeManagementClient(cred, env.AZURE_SUBSCRIPTION_ID!);
      const image = await compute.images.get(rg, imageName);
      expect(image.id?.toLowerCase()).toBe(main.outputs['managed-image-id'].toLowerCase());
      // Every resource group the build created (from the ledger it kept in the step state) is gone.
      const ledger = JSON.parse(main.state.ledger ?? '[]') as { id: string; kind: string }[];
      const groups = ledger.filter((e) => e.kind === 'resourceGroup').map((e) => e.id.split('/')[4]);
      expect(groups.length).toBeGreaterThan(0);
      const resources = new ResourceManagementClient(cred, env.AZURE_SUBSCRIPTION_ID!);
      for (const g of groups)
        expect(await resources.resourceGroups.checkExistence(g)).toMatchObject({ body: false });
      await compute.images.delete(rg, imageName);
    },
    60 * 60_000,
  );
});
