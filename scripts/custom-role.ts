// Derives docs/custom-role.json, the least-privilege custom role: runs the builds of
// test/integration/role-build.ts (one succeeding, one failing at the gallery version so cleanup deletes
// outputs too) against the emulator with every action allowed, records each RBAC action the emulator
// checked, adds the few Azure checks the emulator does not (BEYOND_EMULATOR), and writes them as an
// Azure custom role definition. Needs a current dist/.
//
//   npx tsx scripts/custom-role.ts
//
// test/integration/custom-role.test.ts proves the role is enough and that each build needs all of it.
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { startEmulator } from '../test/emulator/index.js';
import {
  BEYOND_EMULATOR,
  customRole,
  GALLERY_FAULT,
  roleBuilds,
  ROLE_FILE,
  TARGET_GROUP,
} from '../test/integration/role-build.js';
import { createResourceGroup } from '../test/integration/target-group.js';

const emu = await startEmulator({ timeScale: 0.002 });
try {
  await createResourceGroup(emu, TARGET_GROUP, 'eastus');
  const { success, failure, used } = await roleBuilds(emu, ['*']);
  if (success.main.exitCode !== 0 || success.post.exitCode !== 0) {
    console.error(
      success.main.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error::'))
        .join('\n'),
    );
    throw new Error(`the build failed (main ${success.main.exitCode}, post ${success.post.exitCode})`);
  }
  if (!failure.main.stdout.includes(GALLERY_FAULT.effect.code))
    throw new Error('the failing build did not fail with the injected gallery fault');
  const actions = [...new Set([...used, ...BEYOND_EMULATOR])].sort();
  const text = JSON.stringify(customRole(actions), null, 2);
  writeFileSync(ROLE_FILE, await format(text, { ...(await resolveConfig(ROLE_FILE)), filepath: ROLE_FILE }));
  console.log(`${ROLE_FILE}: ${actions.length} actions\n${actions.join('\n')}`);
} finally {
  await emu.stop();
}
