// dist/ is committed (GitHub runs it as is) and must be what `npm run bundle`
// makes from the sources of this commit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const list = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

test('dist/ matches a fresh bundle of src/ (run `npm run bundle` and commit dist/)', () => {
  const out = mkdtempSync(join(tmpdir(), 'aib-dist-'));
  // The same command as `npm run bundle`, with the output redirected.
  const bundle = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
    .scripts.bundle;
  const args = bundle.split(/\s+/);
  const o = args.indexOf('-o');
  if (args[0] !== 'ncc' || o < 0 || args[o + 1] !== 'dist')
    throw new Error(`unexpected bundle script: ${bundle}`);
  args[o + 1] = out;
  execFileSync('npx', args, { stdio: 'pipe' });
  expect(list('dist')).toEqual(list(out));
  for (const f of list(out)) {
    const fresh = readFileSync(join(out, f));
    const committed = readFileSync(join('dist', f));
    if (!fresh.equals(committed))
      throw new Error(`dist/${f} is stale: run \`npm run bundle\` and commit dist/.`);
  }
}, 240_000);
