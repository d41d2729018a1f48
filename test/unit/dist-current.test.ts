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

// Where two versions of a file part, with a little of each around that point, so that a
// failure on a machine nobody can log into (CI) says what changed, not only that something did.
function firstDifference(file: string, committed: Buffer, fresh: Buffer): string {
  let at = 0;
  while (at < committed.length && at < fresh.length && committed[at] === fresh[at]) at++;
  const line = committed.subarray(0, at).toString('utf8').split('\n').length;
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 120), at + 120).toString('utf8'));
  return [
    `dist/${file}: committed ${committed.length} bytes, fresh bundle ${fresh.length} bytes; first difference at byte ${at} (line ${line})`,
    `  committed: ${around(committed)}`,
    `  fresh:     ${around(fresh)}`,
  ].join('\n');
}

test('dist/ matches a fresh bundle of src/ (run `npm run bundle` and commit dist/)', () => {
  const out = mkdtempSync(join(tmpdir(), 'aib-dist-'));
  // The same command as `npm run bundle`, with the output redirected.
  const bundle = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
    .scripts.bundle;
  const args = bundle.split(/\s+/);
  const o = args.indexOf('-o');
  if (args[0] !== 'ncc' || o < 0 || args[o + 1] !== 'dist')
    throw new Error(`unexpected bundle script: ${bundle}`);
  // ncc's webpack cache (~/.cache/ncc, keyed by the entry's path) outlives checkouts: a cache left
  // by an older commit at the same path gives other module ids for the same sources. Without it,
  // the bundle depends on the sources and the lockfile only.
  expect(args).toContain('--no-cache');
  args[o + 1] = out;
  execFileSync('npx', args, { stdio: 'pipe' });
  expect(list('dist')).toEqual(list(out));
  const stale = list(out).flatMap((f) => {
    const fresh = readFileSync(join(out, f));
    const committed = readFileSync(join('dist', f));
    return fresh.equals(committed) ? [] : [firstDifference(f, committed, fresh)];
  });
  if (stale.length > 0)
    throw new Error(
      `dist/ is stale: run \`npm run bundle\` and commit dist/ (fresh bundle kept in ${out}).\n${stale.join('\n')}`,
    );
}, 240_000);
