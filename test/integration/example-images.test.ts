// Every example image definition under images/ builds against the emulator through the
// bundled action, read with the `config` input exactly as the OS-matrix workflow passes it.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { emulatorEnv, runAction } from './runner.js';
import { createResourceGroup } from './target-group.js';

const files = readdirSync('images')
  .filter((f) => f.endsWith('.yml'))
  .sort();
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.002 });
  await createResourceGroup(emu, 'rg-images', 'eastus');
});
afterAll(() => emu.stop());

test('the examples cover Ubuntu 22.04 and 24.04, Debian 12, Windows Server 2022 and 2025', () => {
  expect(files).toEqual([
    'debian-12.yml',
    'ubuntu-22.04.yml',
    'ubuntu-24.04.yml',
    'windows-2022.yml',
    'windows-2025.yml',
  ]);
});

test.each(files)(
  'images/%s builds and leaves only its image',
  async (file) => {
    const { inputs, env } = emulatorEnv(emu);
    const { main, post } = await runAction({
      workspace: resolve('.'),
      inputs: {
        ...inputs,
        config: `images/${file}`,
        'manifest-path': resolve(tmpdir(), `aib-example-${file}.json`),
      },
      env,
    });
    expect({ exit: main.exitCode, stderr: main.stderr, tail: main.stdout.slice(-1500) }).toMatchObject({
      exit: 0,
    });
    expect(post.exitCode).toBe(0);
    expect(main.outputs['image-id']).toMatch(
      /^\/subscriptions\/.+\/resourceGroups\/rg-images\/providers\/Microsoft\.Compute\//i,
    );
    expect(main.outputs['source-image']).not.toMatch(/latest/);
    // Only outputs remain: no group, VM, disk, NIC or network of the build.
    // The post step returns once Azure has accepted the group's deletion; let it run out.
    const left = (await emu.control.settledInventory()).filter(
      (r) => !/\/resourceGroups\/rg-images(\/|$)/i.test(r.id),
    );
    expect(left).toEqual([]);
    const inTarget = emu.control.inventory().filter((r) => /\/resourceGroups\/rg-images\//i.test(r.id));
    expect(inTarget.every((r) => /Microsoft\.Compute\/(galleries|images)/i.test(r.type))).toBe(true);
  },
  180_000,
);
