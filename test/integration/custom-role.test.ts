// The least-privilege custom role (docs/custom-role.json) is exactly what a full build needs: a principal
// holding only its actions builds (managed image + gallery version from a Marketplace image with a plan)
// and leaves nothing behind; every action in it is used; without one of them the build fails with an
// AuthorizationFailed error naming that action, and still cleans up.
import { readFileSync } from 'node:fs';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import {
  BEYOND_EMULATOR,
  buildWithActions,
  GALLERY_FAULT,
  roleBuilds,
  ROLE_FILE,
  TARGET_GROUP,
  type CustomRole,
} from './role-build.js';
import { createResourceGroup } from './target-group.js';

let emu: EmulatorHandle;
const role = JSON.parse(readFileSync(ROLE_FILE, 'utf8')) as CustomRole;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.003 });
  await createResourceGroup(emu, TARGET_GROUP, 'eastus');
});
afterAll(() => emu?.stop());

/** Temporary resources left (anything but the target group, images and gallery objects). */
async function temporaryLeft(): Promise<string[]> {
  return (await emu.control.settledInventory())
    .filter((r) => !r.id.toLowerCase().includes(`/resourcegroups/${TARGET_GROUP}`))
    .map((r) => r.id);
}

const errorOf = (stdout: string): string =>
  (/^::error::(.*)$/m.exec(stdout)?.[1] ?? '').replace(/%0A/g, '\n').replace(/%25/g, '%');

test('the role is a valid custom role definition with explicit actions only', () => {
  expect(role.IsCustom).toBe(true);
  expect(role.Actions.length).toBeGreaterThan(10);
  for (const action of role.Actions)
    expect(action).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/(read|write|delete|action)$/);
  expect(role.Actions).toEqual([...new Set(role.Actions)].sort());
  expect(role.DataActions).toEqual([]);
});

test('a principal with exactly the role builds, and cleans up after a failure; every action is used', async () => {
  const { success, failure, used } = await roleBuilds(emu, role.Actions);
  expect(errorOf(success.main.stdout)).toBe('');
  expect(success.main.exitCode).toBe(0);
  expect(success.post.exitCode).toBe(0);
  expect(success.main.outputs['gallery-image-version-id']).toMatch(/\/versions\/1\.0\.0$/);
  expect(success.main.outputs['source-image']).toMatch(/^resf:rockylinux-x86_64:9-base:\d/);
  expect(success.main.stdout).toContain('Accepting the Marketplace terms');

  // The failing build fails for the injected reason only, and its cleanup (outputs too) is allowed.
  expect(errorOf(failure.main.stdout)).toContain(
    `${GALLERY_FAULT.effect.code}: ${GALLERY_FAULT.effect.message}`,
  );
  for (const step of [failure.main, failure.post])
    expect(step.stdout).not.toMatch(/Could not delete|AuthorizationFailed/);
  expect(failure.post.exitCode).toBe(0);

  // Least privilege: nothing in the role goes unused (else regenerate it: npx tsx scripts/custom-role.ts).
  expect([...new Set([...used, ...BEYOND_EMULATOR])].sort()).toEqual(role.Actions);
  expect(await temporaryLeft()).toEqual([]);
  expect(emu.control.inventory().map((r) => r.id)).not.toContainEqual(
    expect.stringMatching(/\/versions\/1\.0\.1$/),
  );
});

test('without one action of the role the build fails with AuthorizationFailed naming it, and cleans up', async () => {
  const missing = 'Microsoft.Compute/virtualMachines/runCommands/write';
  expect(role.Actions).toContain(missing);
  const { main, post } = await buildWithActions(
    emu,
    role.Actions.filter((a) => a !== missing),
    '1.0.2',
  );
  expect(main.exitCode).toBe(1);
  const error = errorOf(main.stdout);
  expect(error).toMatch(/^Phase 'customize' failed: AuthorizationFailed: /);
  expect(error).toContain(`does not have authorization to perform action '${missing}'`);
  expect(error).toMatch(/correlation id: [0-9a-f-]{36}/);
  expect(post.exitCode).toBe(0);
  expect(await temporaryLeft()).toEqual([]);
});
