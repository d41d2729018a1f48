// The emulated guests (test/emulator/guest) and the action's guest scripts (src/core/guest-scripts.ts)
// run through them. No emulator: pure guest behaviour.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  IMAGE_STATE,
  RESTART_MARKER,
  linuxDeprovisionScript,
  parseImageState,
  parseSysprepStatus,
  parseWindowsUpdate,
  restartRequestFragment,
  scriptRequestsRestart,
  windowsImageStateScript,
  windowsSysprepScript,
  windowsUpdateScript,
} from '../../src/core/guest-scripts.js';
import {
  createGuest,
  LinuxGuest,
  restoreGuest,
  WindowsGuest,
  type WindowsGuestOptions,
} from '../emulator/guest/index.js';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'guest-test-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
const vmDir = (): string => path.join(root, `vm${++n}`);

/** A model clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('Linux guest: real bash in a sandbox', () => {
  test('stdout, stderr and the exit code come back; cwd and HOME are the sandbox home', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({
      script: 'echo out; echo err >&2; pwd; echo "$HOME"; exit 3',
      timeoutMs: 10_000,
    });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe(`out\n${g.home}\n${g.home}\n`);
    expect(r.stderr).toBe('err\n');
    expect(r.timedOut).toBe(false);
    expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt);
  });

  test('a failing command under set -e fails the script', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({ script: 'set -e\nfalse\necho never', timeoutMs: 10_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
  });

  test('the environment is clean apart from env and runAsUser', async () => {
    process.env.GUEST_TEST_SECRET = 'do-not-leak';
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({
      script: 'echo "[$GUEST_TEST_SECRET][$MY_PARAM][$USER]"',
      timeoutMs: 10_000,
      env: { MY_PARAM: 'v1' },
      runAsUser: 'builder',
    });
    delete process.env.GUEST_TEST_SECRET;
    expect(r.stdout).toBe('[][v1][builder]\n');
  });

  test('a timeout kills the whole process group, background children included', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({
      script: '(sleep 30; echo child-survived > "$HOME/child") &\necho started\nsleep 30',
      timeoutMs: 300,
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe('started\n');
    const ps = await g.runScript({ script: 'ps -eo args | grep -c "[s]leep 30" || true', timeoutMs: 10_000 });
    expect(ps.stdout.trim()).toBe('0');
  });

  test('an abort signal cancels a running script', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const ac = new AbortController();
    const p = g.runScript({ script: 'echo go; sleep 30', timeoutMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    const r = await p;
    expect(r.canceled).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  test('files persist across scripts (the sandbox is the disk)', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    await g.runScript({ script: 'mkdir -p app && echo v1 > app/version', timeoutMs: 10_000 });
    const r = await g.runScript({ script: 'cat app/version', timeoutMs: 10_000 });
    expect(r.stdout).toBe('v1\n');
  });

  test('sudo runs its command', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({
      script: 'sudo -E -u root sh -c "echo as-root; exit 4"',
      timeoutMs: 10_000,
    });
    expect(r.stdout).toBe('as-root\n');
    expect(r.exitCode).toBe(4);
  });

  test('waagent -deprovision without -force asks and, with no answer, does nothing', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({ script: 'waagent -deprovision+user', timeoutMs: 10_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('Do you want to proceed (y/n)');
    expect(g.deprovisioned).toBe(false);
  });

  test('waagent -force -deprovision records the mode', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    const r = await g.runScript({ script: 'sudo waagent -force -deprovision', timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(g.deprovisioned).toBe(true);
    expect(g.deprovisionMode).toBe('deprovision');
  });

  test("the action's deprovision script deprovisions (waagent -force -deprovision+user)", async () => {
    const g = await LinuxGuest.create({ dir: vmDir(), adminUsername: 'builder' });
    const r = await g.runScript({ script: linuxDeprovisionScript(), timeoutMs: 10_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('WARNING! builder account and entire home directory will be deleted.');
    expect(g.deprovisioned).toBe(true);
    expect(g.deprovisionMode).toBe('deprovision+user');
  });

  test('snapshot round trip carries files and the deprovision flag; provisioning clears the flag', async () => {
    const g = await LinuxGuest.create({ dir: vmDir() });
    await g.runScript({ script: 'echo baked > baked.txt', timeoutMs: 10_000 });
    const plain = path.join(root, 'img-plain');
    await g.snapshot(plain);
    await g.runScript({ script: linuxDeprovisionScript(), timeoutMs: 10_000 });
    const sealed = path.join(root, 'img-sealed');
    await g.snapshot(sealed);

    const fromPlain = await restoreGuest('Linux', plain, { dir: vmDir() });
    expect(fromPlain.deprovisioned).toBe(false);
    const fromSealed = await restoreGuest('Linux', sealed, { dir: vmDir() });
    expect(fromSealed.deprovisioned).toBe(true);
    const r = await fromSealed.runScript({ script: 'cat baked.txt', timeoutMs: 10_000 });
    expect(r.stdout).toBe('baked\n');
    await fromSealed.markProvisioned();
    expect(fromSealed.deprovisioned).toBe(false);
    await expect(restoreGuest('Windows', sealed, { dir: vmDir() })).rejects.toThrow(
      /not a Windows guest snapshot/,
    );
  });
});

describe('Windows guest: simulated PowerShell', () => {
  const win = async (opts: Partial<WindowsGuestOptions> = {}): Promise<WindowsGuest> =>
    (await createGuest('Windows', { dir: vmDir(), pollMs: 1, ...opts })) as WindowsGuest;
  const run = (g: WindowsGuest, script: string, timeoutMs = 60_000) => g.runScript({ script, timeoutMs });

  test('output cmdlets, comments, exit codes', async () => {
    const g = await win();
    const r = await run(
      g,
      [
        '# a comment',
        '<# a block',
        'comment #>',
        'Write-Output "one"; Write-Host two',
        "echo 'three'",
        '$name = "world"',
        'Write-Output "hello $name and $env:SystemRoot"',
        "Write-Error 'bad thing'",
        'exit 7',
        'Write-Output never',
      ].join('\n'),
    );
    expect(r.stdout).toBe('one\ntwo\nthree\nhello world and C:\\Windows\n');
    expect(r.stderr).toBe('bad thing\n');
    expect(r.exitCode).toBe(7);
  });

  test('throw ends the script with exit code 1 and the message on stderr; try/catch catches it', async () => {
    const g = await win();
    const thrown = await run(g, 'Write-Output before\nthrow "it broke"\nWrite-Output after');
    expect(thrown).toMatchObject({ stdout: 'before\n', stderr: 'it broke\n', exitCode: 1 });
    const caught = await run(
      g,
      'try { throw "inner" } catch { Write-Output "caught: $($_.Exception.Message)" } finally { Write-Output fin }',
    );
    expect(caught).toMatchObject({ stdout: 'caught: inner\nfin\n', exitCode: 0 });
  });

  test("$ErrorActionPreference = 'Stop' makes Write-Error terminating", async () => {
    const g = await win();
    const r = await run(g, "$ErrorActionPreference = 'Stop'\nWrite-Error 'fatal'\nWrite-Output after");
    expect(r).toMatchObject({ stdout: '', stderr: 'fatal\n', exitCode: 1 });
  });

  test('$LASTEXITCODE follows native commands; the script itself exits 0 unless it says otherwise', async () => {
    const g = await win();
    const ignored = await run(g, 'cmd /c exit 5\nWrite-Output "last=$LASTEXITCODE"');
    expect(ignored).toMatchObject({ stdout: 'last=5\n', exitCode: 0 });
    const propagated = await run(
      g,
      'cmd.exe /c exit 5\nif ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }\nWrite-Output never',
    );
    expect(propagated.exitCode).toBe(5);
  });

  test('files: New-Item, Set-Content, Add-Content, Test-Path, Get-Content, Remove-Item, redirection; they persist', async () => {
    const g = await win();
    const r1 = await run(
      g,
      [
        "New-Item -ItemType Directory -Path 'C:\\BuildArtifacts' -Force",
        "Set-Content -Path 'C:\\BuildArtifacts\\a.txt' -Value 'first'",
        "Add-Content -Path 'C:\\BuildArtifacts\\a.txt' -Value 'second'",
        "'third' | Add-Content -Path C:\\BuildArtifacts\\a.txt",
        'echo fourth >> C:\\BuildArtifacts\\a.txt',
        'Test-Path C:\\buildartifacts\\A.TXT',
        "Test-Path 'C:\\nope'",
      ].join('\n'),
    );
    expect(r1).toMatchObject({ stdout: 'True\nFalse\n', stderr: '', exitCode: 0 });
    const r2 = await run(
      g,
      "Get-Content -Path 'C:\\BuildArtifacts\\a.txt'\nGet-Content C:\\BuildArtifacts\\a.txt -Tail 1",
    );
    expect(r2.stdout).toBe('first\nsecond\nthird\nfourth\nfourth\n');
    const r3 = await run(
      g,
      "Remove-Item -Path 'C:\\BuildArtifacts' -Recurse -Force\nTest-Path C:\\BuildArtifacts\nRemove-Item C:\\BuildArtifacts",
    );
    expect(r3.stdout).toBe('False\n');
    expect(r3.stderr).toContain("Cannot find path 'C:\\BuildArtifacts' because it does not exist.");
    expect(r3.exitCode).toBe(0);
  });

  test('if / elseif / else, while with break, foreach', async () => {
    const g = await win();
    const r = await run(
      g,
      [
        '$i = 0',
        'while ($true) { $i += 1; if ($i -ge 3) { break } }',
        'if ($i -eq 1) { Write-Output one } elseif ($i -eq 3) { Write-Output three } else { Write-Output other }',
        "foreach ($x in 'a', 'b') { Write-Output \"item $x\" }",
        "if ('abc' -like 'a*' -and -not ($i -lt 2)) { Write-Output like }",
      ].join('\n'),
    );
    expect(r.stdout).toBe('three\nitem a\nitem b\nlike\n');
  });

  test('Start-Sleep waits on the model clock; a timeout stops the script', async () => {
    let t = 0;
    const g = await win({ now: () => (t += 50) }); // each look at the clock moves it 50 ms
    const r = await run(g, 'Write-Output start\nStart-Sleep -Seconds 3600\nWrite-Output after', 10_000);
    expect(r).toMatchObject({ stdout: 'start\n', timedOut: true, exitCode: null });
    const loop = await run(g, 'while ($true) { Start-Sleep -s 1 }', 5_000);
    expect(loop.timedOut).toBe(true);
  });

  test('unknown commands print [simulated] and the script continues', async () => {
    const g = await win();
    const r = await run(
      g,
      'Install-WindowsFeature -Name Web-Server\nchoco install git -y\nWrite-Output done',
    );
    expect(r.stdout).toBe(
      '[simulated] Install-WindowsFeature -Name Web-Server\n[simulated] choco install git -y\ndone\n',
    );
    expect(r.exitCode).toBe(0);
  });

  test('Restart-Computer sets restartRequested and ends the script; restart() brings the agent back later', async () => {
    const clock = manualClock();
    const g = await win({ now: clock.now, agentStartDelayMs: 30_000 });
    const r = await run(g, 'Write-Output installing\nRestart-Computer -Force\nWrite-Output never');
    expect(r).toMatchObject({ stdout: 'installing\n', exitCode: 0 });
    expect(g.restartRequested).toBe(true);
    await g.restart();
    expect(g.restartRequested).toBe(false);
    expect(g.service('RdAgent')?.Status).toBe('Stopped');
    clock.advance(30_000);
    expect(g.service('WindowsAzureGuestAgent')?.Status).toBe('Running');
  });

  test('the restart marker line is what scriptRequestsRestart looks for', async () => {
    const g = await win();
    const r = await run(g, `Write-Output 'installing'\n${restartRequestFragment('powershell')}`);
    expect(scriptRequestsRestart(r.stdout)).toBe(true);
    expect(scriptRequestsRestart(`x ${RESTART_MARKER}`)).toBe(false);
    expect(scriptRequestsRestart('all good\n')).toBe(false);
  });

  test('the ImageState query prints the current state', async () => {
    const g = await win();
    const r = await run(
      g,
      "(Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State' -Name ImageState).ImageState",
    );
    expect(r.stdout).toBe('IMAGE_STATE_COMPLETE\n');
  });
});

describe("the action's Windows scripts through the simulated guest", () => {
  const setup = async (opts: Partial<WindowsGuestOptions> = {}, { virtualTime = false } = {}) => {
    const clock = manualClock();
    const g = (await createGuest('Windows', {
      dir: vmDir(),
      now: clock.now,
      pollMs: 1,
      sysprepDurationMs: 120_000,
      ...(virtualTime ? { advanceClock: clock.advance } : {}),
      ...opts,
    })) as WindowsGuest;
    const poll = async () =>
      parseSysprepStatus(
        (await g.runScript({ script: windowsImageStateScript(), timeoutMs: 60_000 })).stdout,
      );
    return { g, clock, poll };
  };

  test('sysprep: waits for the agent, removes the leftover unattend.xml, reaches GENERALIZE_RESEAL_TO_OOBE', async () => {
    const { g, clock, poll } = await setup();
    expect(await g.fileExists('C:\\Windows\\Panther\\unattend.xml')).toBe('file');
    const start = await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    expect(start.stderr).toBe('');
    expect(start.exitCode).toBe(0);
    expect(start.stdout).toContain(
      '>>> Removing the leftover answer file C:\\Windows\\Panther\\unattend.xml',
    );
    expect(start.stdout).toContain('>>> Sysprep started.');
    expect(await g.fileExists('C:\\Windows\\Panther\\unattend.xml')).toBeUndefined();

    const first = await poll();
    expect(first).toMatchObject({
      imageState: IMAGE_STATE.UNDEPLOYABLE,
      sysprepRunning: true,
      verdict: 'running',
    });
    clock.advance(120_000);
    const last = await poll();
    expect(last).toMatchObject({
      imageState: IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE,
      verdict: 'done',
      errors: [],
    });
    expect(g.deprovisioned).toBe(true);
    expect(g.poweredOff).toBe(false); // /quit: the VM stays up for the action to deallocate

    const again = await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    expect(again.stdout).toContain('already generalized');
  });

  test('sysprep waits for the guest agent after a restart', async () => {
    const { g, clock } = await setup({ agentStartDelayMs: 40_000 });
    await g.restart();
    const p = g.runScript({ script: windowsSysprepScript(), timeoutMs: 600_000 });
    await new Promise((r) => setTimeout(r, 30));
    expect(g.sysprepRunning).toBe(false);
    clock.advance(40_000);
    const r = await p;
    expect(r.exitCode).toBe(0);
    expect(g.sysprepRunning).toBe(true);
  });

  test('sysprep fails fast when the agent never comes up', async () => {
    const { g, clock } = await setup({ agent: 'down' });
    const p = g.runScript({ script: windowsSysprepScript({ agentWaitSeconds: 60 }), timeoutMs: 600_000 });
    const tick = setInterval(() => clock.advance(5_000), 2);
    const r = await p;
    clearInterval(tick);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('The guest agent service RdAgent is not running after 60 seconds');
    expect(g.sysprepRunning).toBe(false);
  });

  test("sysprep 'hang' never reaches GENERALIZE_RESEAL_TO_OOBE", async () => {
    const { g, clock, poll } = await setup({ sysprep: 'hang' });
    await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    clock.advance(24 * 3_600_000);
    const s = await poll();
    expect(s).toMatchObject({
      imageState: IMAGE_STATE.UNDEPLOYABLE,
      sysprepRunning: true,
      verdict: 'running',
    });
    expect(g.deprovisioned).toBe(false);
  });

  test("sysprep 'fail' exits short of generalizing; the status carries setuperr.log", async () => {
    const { g, clock, poll } = await setup({ sysprep: 'fail' });
    await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    clock.advance(120_000);
    const s = await poll();
    expect(s.verdict).toBe('failed');
    expect(s.imageState).toBe(IMAGE_STATE.UNDEPLOYABLE);
    expect(s.errors.join('\n')).toMatch(
      /SYSPRP .* was installed for a user, but not provisioned for all users/,
    );
  });

  // The ImageState script waits in the guest (a bounded loop, as AIB's default sysprep command does).
  // Its Start-Sleep moves the manual clock (virtual time: setup's advanceClock), so the model time it
  // waits does not depend on how fast this machine runs it.
  const waitFor = async (g: WindowsGuest, clock: { now: () => number }, waitSeconds: number) => {
    const from = clock.now();
    const r = await g.runScript({ script: windowsImageStateScript({ waitSeconds }), timeoutMs: 3_600_000 });
    return { status: parseSysprepStatus(r.stdout), waitedMs: clock.now() - from };
  };

  test('the ImageState wait returns within a few seconds of the end of sysprep', async () => {
    const { g, clock } = await setup({}, { virtualTime: true });
    await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    const { status, waitedMs } = await waitFor(g, clock, 600);
    expect(status).toMatchObject({ imageState: IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE, verdict: 'done' });
    expect(waitedMs).toBeGreaterThanOrEqual(120_000);
    expect(waitedMs).toBeLessThan(120_000 + 10_000);
  });

  test("the ImageState wait ends at its deadline while sysprep 'hang' runs", async () => {
    const { g, clock } = await setup({ sysprep: 'hang' }, { virtualTime: true });
    await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    const { status, waitedMs } = await waitFor(g, clock, 30);
    expect(status).toMatchObject({
      imageState: IMAGE_STATE.UNDEPLOYABLE,
      sysprepRunning: true,
      verdict: 'running',
    });
    expect(waitedMs).toBeGreaterThanOrEqual(30_000);
    expect(waitedMs).toBeLessThan(30_000 + 10_000);
  });

  test("the ImageState wait returns as soon as sysprep 'fail' exits, with setuperr.log", async () => {
    const { g, clock } = await setup({ sysprep: 'fail' }, { virtualTime: true });
    await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    const { status, waitedMs } = await waitFor(g, clock, 600);
    expect(status.verdict).toBe('failed');
    expect(status.errors.join('\n')).toMatch(/SYSPRP /);
    expect(waitedMs).toBeLessThan(120_000 + 10_000);
  });

  test('sysprep with /shutdown powers the VM off and calls onShutdown', async () => {
    const { g, clock } = await setup();
    let calls = 0;
    g.onShutdown(() => calls++);
    await g.runScript({
      script: '& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /generalize /oobe /shutdown /quiet',
      timeoutMs: 60_000,
    });
    clock.advance(120_000);
    for (let i = 0; i < 100 && calls === 0; i++) await new Promise((r) => setTimeout(r, 2));
    expect(calls).toBe(1);
    expect(g.poweredOff).toBe(true);
    await expect(g.runScript({ script: 'Write-Output x', timeoutMs: 1000 })).rejects.toThrow(/powered off/);
  });

  test('a sysprepped guest snapshot gives a deprovisioned guest; a plain one does not', async () => {
    const { g, clock } = await setup();
    await g.runScript({ script: 'Set-Content -Path C:\\app.txt -Value baked', timeoutMs: 60_000 });
    const plain = path.join(root, 'win-plain');
    await g.snapshot(plain);
    await g.runScript({ script: windowsSysprepScript(), timeoutMs: 60_000 });
    clock.advance(120_000);
    const sealed = path.join(root, 'win-sealed');
    await g.snapshot(sealed);
    g.dispose();
    expect((await restoreGuest('Windows', plain, { dir: vmDir() })).deprovisioned).toBe(false);
    const vm = (await restoreGuest('Windows', sealed, { dir: vmDir() })) as WindowsGuest;
    expect(vm.deprovisioned).toBe(true);
    await vm.markProvisioned();
    expect(vm.deprovisioned).toBe(false);
    expect(vm.imageState).toBe(IMAGE_STATE.COMPLETE);
    expect((await vm.runScript({ script: 'Get-Content C:\\app.txt', timeoutMs: 60_000 })).stdout).toBe(
      'baked\n',
    );
  });

  test("Azure Image Builder's documented default sysprep script runs to completion in the simulation", async () => {
    let t = 0;
    const g = (await createGuest('Windows', {
      dir: vmDir(),
      now: () => (t += 1000),
      pollMs: 1,
      sysprepDurationMs: 20_000,
    })) as WindowsGuest;
    // AIB-GEN (image-builder-json.md, "Default Sysprep command"), abridged to its polling structure.
    const aib = [
      "while ((Get-Service RdAgent).Status -ne 'Running') { Start-Sleep -s 5 }",
      "while ((Get-Service WindowsAzureTelemetryService) -and ((Get-Service WindowsAzureTelemetryService).Status -ne 'Running')) { Start-Sleep -s 5 }",
      'if (Test-Path $Env:SystemRoot\\Panther\\unattend.xml) {',
      '  Remove-Item $Env:SystemRoot\\Panther\\unattend.xml -Force',
      '}',
      '& $Env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /quit',
      'while($true) {',
      '  $imageState = (Get-ItemProperty HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State).ImageState',
      '  Write-Output $imageState',
      "  if ($imageState -eq 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE') { break }",
      '  Start-Sleep -s 5',
      '}',
    ].join('\n');
    const r = await g.runScript({ script: aib, timeoutMs: 600_000 });
    expect(r.exitCode).toBe(0);
    // The telemetry service no longer exists on current agents: PowerShell reports it once (short-circuit -and).
    expect(r.stderr).toBe(
      "Get-Service : Cannot find any service with service name 'WindowsAzureTelemetryService'.\n",
    );
    expect(parseImageState(`ImageState: ${r.stdout.trim().split('\n').pop()}`)).toBe(
      IMAGE_STATE.GENERALIZE_RESEAL_TO_OOBE,
    );
    expect(g.deprovisioned).toBe(true);
    g.dispose();
  });

  test('Windows Update rounds: updates and a restart request, then none', async () => {
    const { g } = await setup({ windowsUpdates: [2, 0] });
    const first = parseWindowsUpdate(
      (await g.runScript({ script: windowsUpdateScript(), timeoutMs: 60_000 })).stdout,
    );
    expect(first).toEqual({ updatesFound: 2, resultCode: 2, rebootRequired: true });
    const second = parseWindowsUpdate(
      (await g.runScript({ script: windowsUpdateScript(), timeoutMs: 60_000 })).stdout,
    );
    expect(second).toEqual({ updatesFound: 0, rebootRequired: false });
  });
});

describe('parsers', () => {
  test('parseImageState takes the last state line and ignores noise', () => {
    expect(
      parseImageState('ImageState: IMAGE_STATE_COMPLETE\r\nImageState: IMAGE_STATE_UNDEPLOYABLE\r\n'),
    ).toBe('IMAGE_STATE_UNDEPLOYABLE');
    expect(parseImageState('nothing here')).toBeUndefined();
    expect(parseImageState('ImageState: \n')).toBeUndefined();
  });

  test('parseSysprepStatus verdicts', () => {
    expect(parseSysprepStatus('').verdict).toBe('unknown');
    expect(parseSysprepStatus('ImageState: IMAGE_STATE_COMPLETE\nSysprepRunning: False\n').verdict).toBe(
      'failed',
    );
    expect(
      parseSysprepStatus('ImageState: IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\nSysprepRunning: False\n')
        .verdict,
    ).toBe('done');
  });

  test('the Linux script is bounded to waagent and the documented flags', () => {
    expect(linuxDeprovisionScript()).toContain(
      '"$WAAGENT" -force -deprovision+user && export HISTSIZE=0 && sync',
    );
    expect(windowsSysprepScript()).toContain('Sysprep.exe /oobe /generalize /quiet /quit /mode:vm');
  });
});
