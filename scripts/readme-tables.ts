// Renders the Inputs and Outputs tables of README.md from action.yml, between the markers
// <!-- inputs:start --> / <!-- inputs:end --> and <!-- outputs:start --> / <!-- outputs:end -->.
// `npx tsx scripts/readme-tables.ts` rewrites README.md; test/unit/readme-sync.test.ts fails when
// the README and action.yml differ.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

interface ActionInput {
  description?: string;
  required?: boolean | string;
  default?: string | number | boolean;
}

interface ActionMetadata {
  inputs?: Record<string, ActionInput>;
  outputs?: Record<string, { description?: string }>;
}

/** Markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

export function renderInputs(action: ActionMetadata): string {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const required = input.required === true || input.required === 'true' ? 'yes' : 'no';
    const defaultValue =
      input.default === undefined || input.default === '' ? '' : `\`${cell(String(input.default))}\``;
    return `| \`${name}\` | ${cell(input.description ?? '')} | ${required} | ${defaultValue} |`;
  });
  return ['| Name | Description | Required | Default |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderOutputs(action: ActionMetadata): string {
  const rows = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`,
  );
  return ['| Name | Description |', '| --- | --- |', ...rows].join('\n');
}

function replaceRegion(readme: string, region: string, content: string): string {
  const start = `<!-- ${region}:start -->`;
  const end = `<!-- ${region}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`README.md has no ${start} … ${end} region`);
  return `${readme.slice(0, from + start.length)}\n\n${content}\n\n${readme.slice(to)}`;
}

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The README with both regions rendered from the action metadata text, formatted by prettier with the
 * project's settings (so `prettier --check` and this script agree on the bytes).
 */
export async function syncReadme(readme: string, actionYml: string): Promise<string> {
  const action = parse(actionYml) as ActionMetadata;
  const text = replaceRegion(
    replaceRegion(readme, 'inputs', renderInputs(action)),
    'outputs',
    renderOutputs(action),
  );
  const options = await resolveConfig(resolve(ROOT, 'README.md'));
  return format(text, { ...options, parser: 'markdown' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const readmePath = resolve(ROOT, 'README.md');
  const before = readFileSync(readmePath, 'utf8');
  const after = await syncReadme(before, readFileSync(resolve(ROOT, 'action.yml'), 'utf8'));
  if (after !== before) writeFileSync(readmePath, after);
  console.log(
    after === before ? 'README.md tables are up to date' : 'README.md tables rewritten from action.yml',
  );
}
