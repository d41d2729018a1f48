// Windows through the bundled action: PowerShell scripts as managed run commands with real exit codes,
// a restart between scripts (asked by a script's marker line and by `restart-after`) waiting for the
// guest agent, Windows Update rounds, sysprep polled to IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE, and the
// two ways sysprep goes wrong: a hang (bounded by generalize-timeout-minutes) and a failure (at once).
import { guestDefaults } from '../emulator/providers/compute-vm.js';
import { failureOf, IMAGES_GROUP, startHarness, type Harness } from './images-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.files({
    'windows/01-install.ps1': [
      "Write-Output 'installing the feature'",
      "New-Item -Path 'C:\\build\\installed.txt' -ItemType File -Value 'yes' -Force | Out-Null",
      '# the feature needs a restart before the next script',
      "Write-Output '##azure-image-build[restart]'",
    ].join('\n'),
    'windows/02-configure.ps1': [
      "if (-not (Test-Path -Path 'C:\\build\\installed.txt')) { throw 'the install script did not run' }",
      "Write-Output 'configured after the restart'",
    ].join('\n'),
    'windows/03-native-fails.ps1': ["Write-Output 'calling a tool that fails'", 'cmd /c exit 5'].join('\n'),
  });
});
afterAll(() => h?.stop());
afterEach(() => {
  for (const k of Object.keys(guestDefaults(h.emu.control.core)))
    delete (guestDefaults(h.emu.control.core) as Record<string, unknown>)[k];
});

const windows = (over: Record<string, string>) => ({
  'base-image': 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:latest',
  'resource-group': IMAGES_GROUP,
  ...over,
});

test('a Windows build restarts between scripts, runs Windows Update and sysprep, and leaves nothing temporary', async () => {
  Object.assign(guestDefaults(h.emu.control.core), { windowsUpdates: [2, 0] });
  const { main, post } = await h.run(
    windows({
      scripts: 'windows/01-install.ps1\nwindows/02-configure.ps1',
      'inline-script': "Write-Output 'inline step'",
      'restart-after': 'windows/02-configure.ps1',
      'windows-update': 'true',
      'image-name': 'win-restart',
    }),
  );
  expect(failureOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  const log = main.stdout;
  // The script's marker and restart-after each restart the VM, and the build waits for the agent.
  expect(log).toContain('Restarting the build VM after windows/01-install.ps1');
  expect(log).toContain('Restarting the build VM after windows/02-configure.ps1');
  expect(log.match(/The build VM is back, its agent Ready/g)).toHaveLength(3); // two scripts + one update round
  expect(log).toContain('configured after the restart');
  expect(log).toContain('Restarting the build VM after Windows Update round 1');
  expect(log).toMatch(/Windows Update, round 2/);
  // Sysprep: agent services, the leftover unattend file, the documented command, ImageState polled to the end.
  expect(log).toContain('Removing the leftover answer file C:\\Windows\\Panther\\unattend.xml');
  expect(log).toContain('Starting sysprep /oobe /generalize /quiet /quit /mode:vm');
  expect(log).toContain('ImageState: IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
  const image = await h.compute.images.get(IMAGES_GROUP, 'win-restart');
  expect(image.storageProfile?.osDisk?.osType).toBe('Windows');
  expect(image.storageProfile?.osDisk?.osState).toBe('Generalized');
  expect(main.outputs['image-id']).toBe(image.id);
  expect(post.exitCode).toBe(0);
  expect(await h.settle()).toEqual([]);
});

test("a native command's exit code fails a PowerShell script, and the build with it", async () => {
  const { main } = await h.run(
    windows({ scripts: 'windows/03-native-fails.ps1', 'image-name': 'win-native' }),
  );
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toMatch(/ScriptFailed: script 'windows\/03-native-fails.ps1' exited with code 5/);
  await expect(h.compute.images.get(IMAGES_GROUP, 'win-native')).rejects.toMatchObject({ statusCode: 404 });
  expect(await h.settle()).toEqual([]);
});

test('a sysprep that hangs fails after generalize-timeout-minutes, naming the last ImageState', async () => {
  Object.assign(guestDefaults(h.emu.control.core), { sysprep: 'hang' });
  const { main, post } = await h.run(
    windows({
      'inline-script': "Write-Output 'ok'",
      'image-name': 'win-hang',
      'generalize-timeout-minutes': '10',
    }),
  );
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toMatch(
    /Phase 'sysprep' failed: SysprepTimedOut: sysprep did not reach IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE within 10 minutes; last ImageState: IMAGE_STATE_UNDEPLOYABLE/,
  );
  expect(main.stdout).toContain('ImageState: IMAGE_STATE_UNDEPLOYABLE (sysprep running)');
  expect(post.exitCode).toBe(0);
  await expect(h.compute.images.get(IMAGES_GROUP, 'win-hang')).rejects.toMatchObject({ statusCode: 404 });
  expect(await h.settle()).toEqual([]);
});

test('a sysprep that stops without generalizing fails at once with setuperr.log', async () => {
  Object.assign(guestDefaults(h.emu.control.core), { sysprep: 'fail' });
  const { main } = await h.run(
    windows({
      'inline-script': "Write-Output 'ok'",
      'image-name': 'win-fail',
      'generalize-timeout-minutes': '60',
    }),
  );
  expect(main.exitCode).toBe(1);
  expect(failureOf(main)).toMatch(
    /SysprepFailed: sysprep stopped without generalizing; last ImageState: IMAGE_STATE_UNDEPLOYABLE/,
  );
  expect(main.stdout).toMatch(/SYSPRP/);
  expect(await h.settle()).toEqual([]);
});
