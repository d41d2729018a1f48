import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { renderInputs, syncReadme } from '../../scripts/readme-tables.js';
import { INPUT_DEFAULTS } from '../../src/core/settings.js';

const root = resolve(import.meta.dirname, '../..');
const actionYml = readFileSync(resolve(root, 'action.yml'), 'utf8');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
const action = parse(actionYml) as {
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
};

describe('README inputs and outputs tables', () => {
  it('match action.yml (run `npx tsx scripts/readme-tables.ts` to regenerate)', async () => {
    expect(await syncReadme(readme, actionYml)).toBe(readme);
  });

  it('list every input and output of action.yml', () => {
    for (const name of Object.keys(action.inputs))
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
    for (const name of Object.keys(action.outputs))
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });

  it('detects a difference', async () => {
    const changed = actionYml.replace('default: Standard_D2s_v5', 'default: Standard_D4s_v5');
    expect(changed).not.toBe(actionYml);
    expect(await syncReadme(readme, changed)).not.toBe(readme);
  });

  it('escapes pipes and folds line breaks in cells', () => {
    const table = renderInputs({ inputs: { x: { description: 'a | b\nc', required: true, default: 'd' } } });
    expect(table.split('\n')[2]).toBe('| `x` | a \\| b c | yes | `d` |');
  });
});

describe('action.yml inputs', () => {
  it('have a description and an explicit required flag', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, typeof input.description]).toEqual([name, 'string']);
      expect([name, typeof input.required]).toEqual([name, 'boolean']);
    }
  });

  it('declare exactly the defaults the settings parser applies', () => {
    const declared = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, input]) => input.default !== undefined)
        .map(([name, input]) => [name, String(input.default)]),
    );
    expect(declared).toEqual(INPUT_DEFAULTS);
  });

  it('run on node24 with a post step that always runs', () => {
    expect(parse(actionYml).runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/index.js',
      'post-if': 'always()',
    });
  });
});
