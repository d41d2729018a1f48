// Run Command through the real @azure/arm-compute client: managed run commands (instanceView, exit
// codes, stderr, timeouts, treatFailureAsDeploymentFailure, output blobs in Azurite, delete kills the
// script, protectedParameters) and the action API (result shape, one at a time), on a Linux guest
// that really runs bash and on the simulated Windows guest (restarts, sysprep shutting the VM down).
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  BlobServiceClient,
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { VirtualMachineRunCommand } from '@azure/arm-compute';
import { azuriteOf } from '../emulator/azurite.js';
import { guestDirOf } from '../emulator/providers/compute-vm-state.js';
import { poll, powerState, startVmFixture, type VmFixture } from './vm.fixtures.js';

let f: VmFixture;
const RG = 'rg-rc';
const LINUX = 'vm-linux';
const WINDOWS = 'vm-win';

beforeAll(async () => {
  f = await startVmFixture(RG);
  await f.createVm(LINUX, f.linuxVm(await f.nic('nic-linux')));
  await f.createVm(
    WINDOWS,
    f.linuxVm(await f.nic('nic-win'), {
      storageProfile: {
        imageReference: {
          publisher: 'MicrosoftWindowsServer',
          offer: 'WindowsServer',
          sku: '2022-datacenter-g2',
          version: 'latest',
        },
      },
      osProfile: {
        computerName: 'winbuild',
        adminUsername: 'builder',
        adminPassword: 'N0t-a-real-Passw0rd!',
      },
    }),
  );
}, 60000);
afterAll(() => f.emu.stop());

const rejects = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { statusCode?: number; code?: string; message: string }) => e,
  );
const managed = (vm: string, name: string, body: Omit<VirtualMachineRunCommand, 'location'>) =>
  f.compute.virtualMachineRunCommands.createOrUpdate(RG, vm, name, { location: 'westeurope', ...body }, poll);
const view = (vm: string, name: string) =>
  f.compute.virtualMachineRunCommands.getByVirtualMachine(RG, vm, name, { expand: 'instanceView' });

test('a Linux script really runs: exit code 3 and stderr show in instanceView; the PUT itself succeeds', async () => {
  const rc = await managed(LINUX, 'exit3', {
    source: {
      script: 'echo "hello $GREETING"\necho "token=$TOKEN" > "$HOME/token.txt"\necho oops >&2\nexit 3',
    },
    parameters: [{ name: 'GREETING', value: 'world' }],
    protectedParameters: [{ name: 'TOKEN', value: 's3cret' }],
  });
  expect(rc.provisioningState).toBe('Succeeded');
  expect(rc.protectedParameters).toBeUndefined();
  const iv = (await view(LINUX, 'exit3')).instanceView!;
  expect(iv).toMatchObject({
    executionState: 'Failed',
    exitCode: 3,
    output: 'hello world\n',
    error: 'oops\n',
  });
  expect(iv.startTime).toBeInstanceOf(Date);
  expect(iv.endTime!.getTime()).toBeGreaterThanOrEqual(iv.startTime!.getTime());
  // The protected parameter reached the script and is nowhere in what ARM returns.
  expect(JSON.stringify(await view(LINUX, 'exit3'))).not.toContain('s3cret');
  const names: string[] = [];
  for await (const r of f.compute.virtualMachineRunCommands.listByVirtualMachine(RG, LINUX))
    names.push(r.name!);
  expect(names).toContain('exit3');
});

test('treatFailureAsDeploymentFailure turns a failing script into a failed operation', async () => {
  const err = await rejects(
    managed(LINUX, 'strict', {
      source: { script: 'echo bad >&2; exit 5' },
      treatFailureAsDeploymentFailure: true,
    }),
  );
  expect(err?.message).toContain('VMExtensionProvisioningError');
  expect(err?.message).toContain('exit code 5');
  const rc = await view(LINUX, 'strict');
  expect(rc.provisioningState).toBe('Failed');
  expect(rc.instanceView).toMatchObject({ executionState: 'Failed', exitCode: 5 });
});

test('a script that outlives timeoutInSeconds is killed: TimedOut', async () => {
  // 120 model seconds at time scale 0.002 is 0.24 s of real time; the script sleeps 20 s.
  await managed(LINUX, 'slow', {
    source: { script: 'echo started; sleep 20; echo never' },
    timeoutInSeconds: 120,
  });
  const iv = (await view(LINUX, 'slow')).instanceView!;
  expect(iv.executionState).toBe('TimedOut');
  expect(iv.output).toBe('started\n');
});

test('output and error go to append blobs in Azurite in full; instanceView keeps the last 4,096 bytes', async () => {
  const az = await azuriteOf(f.emu.control.core);
  const service = BlobServiceClient.fromConnectionString(az.connectionString);
  const container = service.getContainerClient('runcommand-logs');
  await container.createIfNotExists();
  const out = container.getBlobClient('big-output.txt');
  const sas = generateBlobSASQueryParameters(
    {
      containerName: 'runcommand-logs',
      blobName: 'big-output.txt',
      permissions: BlobSASPermissions.parse('racw'),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(az.accountName, az.accountKey),
  ).toString();
  await managed(LINUX, 'big', {
    source: { script: 'for i in $(seq 1 2000); do echo "line $i"; done\necho "warning" >&2' },
    outputBlobUri: `${out.url}?${sas}`,
    errorBlobUri: `${container.url}/big-error.txt`,
    errorBlobManagedIdentity: {},
  });
  const full = (await out.downloadToBuffer()).toString('utf8');
  expect(full.split('\n').filter(Boolean)).toHaveLength(2000);
  expect((await out.getProperties()).blobType).toBe('AppendBlob');
  expect((await container.getBlobClient('big-error.txt').downloadToBuffer()).toString('utf8')).toBe(
    'warning\n',
  );
  const iv = (await view(LINUX, 'big')).instanceView!;
  expect(Buffer.byteLength(iv.output!)).toBe(4096);
  expect(full.endsWith(iv.output!)).toBe(true);
});

test('deleting a managed run command kills its running script', async () => {
  const marker = path.join(guestDirOf(f.emu.control.core, f.vmId(LINUX)), 'home', 'finished');
  await managed(LINUX, 'doomed', {
    source: { script: 'sleep 2; touch "$HOME/finished"' },
    asyncExecution: true,
  });
  expect((await view(LINUX, 'doomed')).instanceView?.executionState).toMatch(/Pending|Running/);
  await f.compute.virtualMachineRunCommands.delete(RG, LINUX, 'doomed', poll);
  await new Promise((r) => setTimeout(r, 2500));
  expect(existsSync(marker)).toBe(false);
  expect(await rejects(view(LINUX, 'doomed'))).toMatchObject({ statusCode: 404 });
});

test('action API: one status with [stdout]/[stderr], succeeded even for exit 3; a second call while one runs gets 409', async () => {
  const result = await f.compute.virtualMachines.runCommand(
    RG,
    LINUX,
    { commandId: 'RunShellScript', script: ['echo hi', 'echo warn >&2', 'exit 3'] },
    poll,
  );
  expect(result.value).toEqual([
    expect.objectContaining({
      code: 'ProvisioningState/succeeded',
      level: 'Info',
      message: 'Enable succeeded: \n[stdout]\nhi\n\n[stderr]\nwarn\n',
    }),
  ]);
  const first = f.compute.virtualMachines.runCommand(
    RG,
    LINUX,
    { commandId: 'RunShellScript', script: ['sleep 1'] },
    poll,
  );
  await first.submitted();
  const second = await rejects(
    f.compute.virtualMachines.runCommand(RG, LINUX, { commandId: 'RunShellScript', script: ['true'] }, poll),
  );
  expect(second).toMatchObject({
    statusCode: 409,
    code: 'Conflict',
    message:
      'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
  });
  await first;
});

test('Windows: two StdOut/StdErr statuses; Restart-Computer restarts the VM; sysprep /shutdown leaves it stopped', async () => {
  const result = await f.compute.virtualMachines.runCommand(
    RG,
    WINDOWS,
    { commandId: 'RunPowerShellScript', script: ['Write-Output "hello from $env:COMPUTERNAME"'] },
    poll,
  );
  expect(result.value?.map((s) => s.code)).toEqual([
    'ComponentStatus/StdOut/succeeded',
    'ComponentStatus/StdErr/succeeded',
  ]);
  expect(result.value?.[0].message).toContain('hello from WINBUILD');
  await managed(WINDOWS, 'reboot', { source: { script: 'Restart-Computer -Force' } });
  expect(await powerState(f, WINDOWS)).toBe('PowerState/starting');
  // The next run command waits for the agent to come back, then runs.
  const after = await managed(WINDOWS, 'after-reboot', { source: { script: 'Write-Output back' } });
  expect(after.provisioningState).toBe('Succeeded');
  expect(await powerState(f, WINDOWS)).toBe('PowerState/running');
  await managed(WINDOWS, 'sysprep', {
    source: {
      script: '& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /shutdown',
    },
  });
  // Sysprep takes core.ms('sysprep') of model time, then powers the VM off: stopped, not deallocated.
  await new Promise((r) =>
    setTimeout(r, f.emu.control.core.clock.toRealMs(f.emu.control.core.ms('sysprep')) + 200),
  );
  expect(await powerState(f, WINDOWS)).toBe('PowerState/stopped');
  await f.compute.virtualMachines.generalize(RG, WINDOWS);
});
