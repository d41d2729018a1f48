// Expands the `scripts` input: newline-separated file paths or glob patterns relative to a base
// directory (the repository checkout). Patterns run in the order given; one pattern's matches run in
// sorted order (by path, code-point order, the same on every OS); a file matched again by a later
// pattern keeps its first place, so `setup.sh` then `*.sh` runs setup first and the rest once.
// A pattern that matches nothing is an error: a renamed script must not silently drop out of a build.
//
// Glob syntax: `*` (any characters but /), `?` (one character), `[abc]`, `[a-z]`, `[!a]` (a
// character class), `**` (any number of directories). Names that start with a dot are matched only
// by a pattern segment that starts with a dot, and `**` does not descend into them.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { settingsErrors } from './errors.js';

const MAGIC = /[*?[]/;

function segmentRegExp(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function kind(path: string): 'file' | 'dir' | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function walk(dir: string, segments: string[], index: number, out: Set<string>): void {
  if (index === segments.length) {
    if (kind(dir) === 'file') out.add(dir);
    return;
  }
  const segment = segments[index];
  if (segment === '**') {
    walk(dir, segments, index + 1, out);
    for (const name of entries(dir)) {
      const child = join(dir, name);
      if (!name.startsWith('.') && kind(child) === 'dir') walk(child, segments, index, out);
    }
    return;
  }
  if (!MAGIC.test(segment)) {
    walk(join(dir, segment), segments, index + 1, out);
    return;
  }
  const re = segmentRegExp(segment);
  for (const name of entries(dir)) {
    if (name.startsWith('.') && !segment.startsWith('.')) continue;
    if (re.test(name)) walk(join(dir, name), segments, index + 1, out);
  }
}

/** The files one pattern matches, as absolute paths, sorted. */
export function expandPattern(pattern: string, base: string): string[] {
  const absolute = isAbsolute(pattern);
  const root = absolute ? resolve(pattern.match(/^([A-Za-z]:)?[\\/]/)?.[0] ?? '/') : base;
  const rest = absolute ? pattern.slice(root.length) : pattern;
  const separators = sep === '\\' ? /[\\/]+/ : /\/+/;
  const segments = rest.split(separators).filter((s) => s !== '' && s !== '.');
  const out = new Set<string>();
  walk(root, segments, 0, out);
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ScriptFile {
  /** Path relative to the base directory, with forward slashes (absolute when outside it). */
  name: string;
  path: string;
  /** The `scripts` entry (path or pattern) that matched this file first. */
  pattern: string;
  content: string;
}

/** Expands every pattern in order and reads each file (UTF-8, a leading byte-order mark removed). */
export function loadScriptFiles(patterns: string[], base: string): ScriptFile[] {
  const seen = new Set<string>();
  const files: ScriptFile[] = [];
  for (const pattern of patterns) {
    const matches = expandPattern(pattern, base);
    if (matches.length === 0) throw settingsErrors.scriptPatternNoMatch(pattern, base);
    for (const path of matches) {
      if (seen.has(path)) continue;
      seen.add(path);
      const rel = relative(base, path);
      const name = rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
      let content: string;
      try {
        content = readFileSync(path, 'utf8');
      } catch (error) {
        throw settingsErrors.scriptUnreadable(name, (error as Error).message);
      }
      files.push({ name, path, pattern, content: content.replace(/^\uFEFF/, '') });
    }
  }
  return files;
}
