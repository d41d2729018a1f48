// `npm test`: every check, in order, on a fresh checkout.
//   1. typecheck (tsc --noEmit over src/, test/, scripts/)
//   2. lint (eslint) and format check (prettier)
//   3. jest: unit tests, emulator tests, integration tests of the bundled dist/, the
//      dist-is-current check, workflow checks (actionlint) and the README sync check
// It ends with one plain summary line, "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const npx = (args: string[]) => spawnSync('npx', args, { stdio: 'inherit' }).status ?? 1;
const failures: string[] = [];

console.log('== typecheck (tsc --noEmit)');
if (npx(['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) failures.push('typecheck');

console.log('== lint (eslint)');
if (npx(['eslint', '.']) !== 0) failures.push('lint');

console.log('== format check (prettier)');
if (npx(['prettier', '--check', '--log-level', 'warn', '.']) !== 0) failures.push('format');

console.log('== jest');
const report = join(mkdtempSync(join(tmpdir(), 'aib-jest-')), 'report.json');
const jest = spawnSync(
  'npx',
  ['tsx', 'scripts/jest.ts', '--json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numRuntimeErrorTestSuites: number;
  };
  passed = r.numPassedTests;
  failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped = r.numPendingTests + r.numTodoTests;
} catch {
  failures.push('jest (no report)');
}
if (jest.status !== 0) failures.push('jest');
failed += failures.filter((f) => !f.startsWith('jest')).length;
if (failures.length > 0) console.log(`failed checks: ${[...new Set(failures)].join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length === 0 ? 0 : 1);
