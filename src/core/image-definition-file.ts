// Image definition files: one YAML file describes one image (base image, scripts, target,
// regions, VM settings). This module reads such a file, validates it against
// schema/image-definition.schema.json and turns it into the flat action inputs it stands for,
// as strings exactly as the action would receive them from `with:`. The adapter merges them
// under the explicit inputs (explicit inputs win), so the rest of the action parses one kind
// of input only.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import schema from '../../schema/image-definition.schema.json' with { type: 'json' };

/** The file as the schema describes it (after validation). */
interface ImageDefinition {
  'base-image': string | { publisher: string; offer: string; sku: string; version?: string };
  source?: {
    'os-type'?: string;
    'hyper-v-generation'?: string;
    'os-state'?: string;
    'storage-account-id'?: string;
  };
  location?: string;
  scripts?: (string | { path: string; 'restart-after'?: boolean })[];
  'inline-script'?: string;
  'script-timeout-minutes'?: number;
  'windows-update'?: boolean;
  generalize?: boolean;
  'generalize-timeout-minutes'?: number;
  'accept-marketplace-terms'?: boolean;
  vm?: {
    size?: string;
    'os-disk-size-gb'?: number;
    spot?: boolean;
    'data-disks'?: number[];
    'security-type'?: string;
  };
  target: {
    'image-name'?: string;
    'resource-group': string;
    gallery?: GalleryDefinition;
  };
  build?: {
    'resource-group'?: string;
    'subnet-id'?: string;
    'keep-resources-on-failure'?: boolean;
    'wait-for-cleanup'?: boolean;
  };
  tags?: Record<string, string>;
}

interface GalleryDefinition {
  name: string;
  'resource-group'?: string;
  'image-definition': string;
  version?: string;
  publisher?: string;
  offer?: string;
  sku?: string;
  'target-regions'?: (string | { name: string; replicas?: number; 'disk-encryption-set'?: string })[];
  'storage-account-type'?: string;
  'exclude-from-latest'?: boolean;
  'end-of-life-date'?: string;
  'replication-mode'?: string;
  'disk-encryption-sets'?: Record<string, string>;
  'replication-timeout-minutes'?: number;
  'publish-build-region-first'?: boolean;
  'overwrite-version'?: boolean;
}

export interface ReadImageDefinitionOptions {
  /**
   * Script paths are returned relative to this directory when they lie inside it, else absolute.
   * Default: GITHUB_WORKSPACE, else the current directory (the action resolves relative
   * `scripts` against the workspace).
   */
  workspace?: string;
}

/** Thrown for an unreadable or invalid file; `problems` holds one line per problem. */
export class ImageDefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.join('\n'));
    this.name = 'ImageDefinitionError';
  }
}

// Compiled on first use, not at import: compiling the schema (and Ajv's meta-schema) takes ~0.3 s of
// CPU, which every run of the action paid before its first request even without a definition file.
let validator: ValidateFunction | undefined;
const validatorOf = (): ValidateFunction =>
  (validator ??= new Ajv({ allErrors: true, verbose: true, strict: true }).compile(schema));

/**
 * Reads one image definition file and returns the action inputs it stands for, keyed by
 * input name (`base-image`, `scripts`, `gallery-image-definition`, ...). Only the fields
 * present in the file appear. Throws an ImageDefinitionError naming the file, the field and
 * the fix when the file cannot be read or breaks the schema.
 */
export function readImageDefinitionFile(
  file: string,
  options: ReadImageDefinitionOptions = {},
): Record<string, string> {
  const workspace = path.resolve(options.workspace ?? process.env.GITHUB_WORKSPACE ?? process.cwd());
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ImageDefinitionError(file, [
      `${file}: cannot read the image definition file (${reason}); check the path given to the config input (relative to the workspace ${workspace})`,
    ]);
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ImageDefinitionError(
      file,
      doc.errors.map((e) => {
        const at = e.pos ? ` (line ${lines.linePos(e.pos[0]).line})` : '';
        return `${file}${at}: not valid YAML: ${e.message.split('\n')[0]}; fix the syntax at that line`;
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ImageDefinitionError(file, [
      `${file}: an image definition must be a map of fields (base-image, scripts, target, ...), got ${describe(data)}; see schema/image-definition.schema.json`,
    ]);
  }
  const validate = validatorOf();
  if (!validate(data)) {
    const where = new Locator(doc, lines, text);
    throw new ImageDefinitionError(file, explain(validate.errors ?? [], where, file));
  }
  const def = data as unknown as ImageDefinition;
  const problems: string[] = [];
  if (def.target['image-name'] === undefined && def.target.gallery === undefined) {
    problems.push(
      `${file}: field 'target' names no output: add 'target.image-name' (a managed image), 'target.gallery' (a gallery version), or both`,
    );
  }
  const inputs = toInputs(def, path.dirname(path.resolve(file)), workspace, file, problems);
  if (problems.length > 0) throw new ImageDefinitionError(file, problems);
  return inputs;
}

function toInputs(
  def: ImageDefinition,
  dir: string,
  workspace: string,
  file: string,
  problems: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (name: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) out[name] = String(value);
  };

  const base = def['base-image'];
  set(
    'base-image',
    typeof base === 'string'
      ? base
      : `${base.publisher}:${base.offer}:${base.sku}:${base.version ?? 'latest'}`,
  );
  set('source-os-type', def.source?.['os-type']);
  set('source-hyper-v-generation', def.source?.['hyper-v-generation']);
  set('source-os-state', def.source?.['os-state']);
  set('source-storage-account-id', def.source?.['storage-account-id']);
  set('location', def.location);

  if (def.scripts !== undefined) {
    const scripts: string[] = [];
    const restartAfter: string[] = [];
    def.scripts.forEach((entry, i) => {
      const given = typeof entry === 'string' ? entry : entry.path;
      const resolved = resolveScript(given, dir, workspace);
      const field = typeof entry === 'string' ? `scripts[${i}]` : `scripts[${i}].path`;
      const glob = /[*?[\]{}]/.test(given);
      if (glob && typeof entry !== 'string' && entry['restart-after'] === true) {
        problems.push(
          `${file}: field 'scripts[${i}].restart-after' is set on the glob '${given}'; name one script file in 'path' to restart after it`,
        );
      }
      if (!glob && !existsSync(path.resolve(dir, given))) {
        problems.push(
          `${file}: field '${field}' names '${given}', which does not exist (looked for ${path.resolve(dir, given)}); script paths are relative to the file's directory ${displayDir(dir, workspace)}`,
        );
      }
      scripts.push(resolved);
      if (typeof entry !== 'string' && entry['restart-after'] === true) restartAfter.push(resolved);
    });
    set('scripts', scripts.join('\n'));
    if (restartAfter.length > 0) set('restart-after', restartAfter.join('\n'));
  }
  set('inline-script', def['inline-script']);
  set('script-timeout-minutes', def['script-timeout-minutes']);
  set('windows-update', def['windows-update']);
  set('generalize', def.generalize);
  set('generalize-timeout-minutes', def['generalize-timeout-minutes']);
  set('accept-marketplace-terms', def['accept-marketplace-terms']);

  set('vm-size', def.vm?.size);
  set('os-disk-size-gb', def.vm?.['os-disk-size-gb']);
  set('spot', def.vm?.spot);
  if (def.vm?.['data-disks'] !== undefined) set('data-disks', def.vm['data-disks'].join('\n'));
  set('security-type', def.vm?.['security-type']);

  set('image-name', def.target['image-name']);
  set('resource-group', def.target['resource-group']);
  const gallery = def.target.gallery;
  if (gallery !== undefined) {
    set('gallery', gallery.name);
    set('gallery-resource-group', gallery['resource-group']);
    set('gallery-image-definition', gallery['image-definition']);
    set('gallery-image-version', gallery.version);
    set('gallery-image-publisher', gallery.publisher);
    set('gallery-image-offer', gallery.offer);
    set('gallery-image-sku', gallery.sku);
    const encryption = new Map(Object.entries(gallery['disk-encryption-sets'] ?? {}));
    if (gallery['target-regions'] !== undefined) {
      const regions = gallery['target-regions'].map((entry, i) => {
        if (typeof entry === 'string') return entry;
        const des = entry['disk-encryption-set'];
        if (des !== undefined) {
          const other = encryption.get(entry.name);
          if (other !== undefined && other !== des) {
            problems.push(
              `${file}: field 'target.gallery.target-regions[${i}].disk-encryption-set' differs from 'target.gallery.disk-encryption-sets.${entry.name}'; name the disk encryption set for ${entry.name} in one place only`,
            );
          }
          encryption.set(entry.name, des);
        }
        // The target-regions input takes `region` or `region=replicas`.
        return entry.replicas !== undefined ? `${entry.name}=${entry.replicas}` : entry.name;
      });
      set('target-regions', regions.join(', '));
    }
    set('storage-account-type', gallery['storage-account-type']);
    set('exclude-from-latest', gallery['exclude-from-latest']);
    set('end-of-life-date', gallery['end-of-life-date']);
    set('replication-mode', gallery['replication-mode']);
    if (encryption.size > 0) set('disk-encryption-sets', keyValueLines(encryption));
    set('replication-timeout-minutes', gallery['replication-timeout-minutes']);
    set('publish-build-region-first', gallery['publish-build-region-first']);
    set('overwrite-version', gallery['overwrite-version']);
  }

  set('build-resource-group', def.build?.['resource-group']);
  set('subnet-id', def.build?.['subnet-id']);
  set('keep-resources-on-failure', def.build?.['keep-resources-on-failure']);
  set('wait-for-cleanup', def.build?.['wait-for-cleanup']);
  if (def.tags !== undefined && Object.keys(def.tags).length > 0) {
    set('tags', keyValueLines(new Map(Object.entries(def.tags))));
  }
  return out;
}

function displayDir(dir: string, workspace: string): string {
  const relative = path.relative(workspace, dir);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative;
}

function keyValueLines(map: Map<string, string>): string {
  return [...map].map(([k, v]) => `${k}=${v}`).join('\n');
}

/** A script path relative to the definition file -> relative to the workspace (or absolute outside it). */
function resolveScript(given: string, dir: string, workspace: string): string {
  const absolute = path.resolve(dir, given);
  const relative = path.relative(workspace, absolute);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  return (inside ? relative : absolute).split(path.sep).join('/');
}

// ---------------------------------------------------------------------------------------------
// Error messages: one line per problem, naming the file, the field (dotted path), the line and
// the fix. Ajv's raw errors are grouped so that a value that matches neither form of a `oneOf`
// is explained by the form it was evidently meant to be.

type SchemaNode = {
  description?: string;
  examples?: unknown[];
  properties?: Record<string, unknown>;
  enum?: unknown[];
  pattern?: string;
  oneOf?: SchemaNode[];
  type?: string;
};

/** Finds line numbers of fields in the parsed document. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  line(segments: (string | number)[], key?: string): number | undefined {
    const node = segments.length === 0 ? this.doc.contents : this.doc.getIn(segments, true);
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      const range = isScalar(pair?.key) ? pair.key.range : undefined;
      if (range) return this.lines.linePos(range[0]).line;
    }
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }

  /** The value as written in the file (so 22.10 stays 22.10, not 22.1). */
  source(segments: (string | number)[]): string | undefined {
    const node = this.doc.getIn(segments, true);
    return isScalar(node) && node.range ? this.text.slice(node.range[0], node.range[1]) : undefined;
  }
}

function segmentsOf(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(segments: (string | number)[]): string {
  return segments.reduce<string>(
    (acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`),
    '',
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `'${value}'`;
  return `${String(value)} (a ${typeof value})`;
}

function explain(errors: ErrorObject[], where: Locator, file: string): string[] {
  // A oneOf failure comes with the errors of every branch. Keep the branch whose type matches
  // the data (a string for the short form, a map for the long one); drop the others.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    if (e.keyword === 'oneOf') return false;
    if (!oneOfPaths.has(e.instancePath) || e.keyword !== 'type') return true;
    return false;
  });
  for (const e of errors.filter((x) => x.keyword === 'oneOf')) {
    const deeper = kept.some(
      (k) => k.instancePath === e.instancePath || k.instancePath.startsWith(`${e.instancePath}/`),
    );
    if (!deeper) kept.push(e);
  }

  const messages = new Map<string, number>();
  for (const e of kept) {
    const segments = segmentsOf(e.instancePath);
    const parent = (e.parentSchema ?? {}) as SchemaNode;
    let fieldSegments = segments;
    let text: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        fieldSegments = [...segments, key];
        const known = Object.keys(parent.properties ?? {});
        const near = closest(key, known);
        text = `is not a known field${near ? `; did you mean '${near}'?` : ''} (known fields${segments.length ? ` of '${dotted(segments)}'` : ''}: ${known.join(', ')})`;
        break;
      }
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        fieldSegments = [...segments, missing];
        const sub = parent.properties?.[missing] as SchemaNode | undefined;
        text = `is missing: add it${sub?.description ? ` (${firstSentence(sub.description)})` : ''}`;
        break;
      }
      case 'type':
        text = typeMessage((e.params as { type: string }).type, e.data, where.source(segments));
        if (parent.pattern !== undefined) text += `; ${hint(parent)}`;
        break;
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const near = allowed.find((a) => a.toLowerCase() === String(e.data).toLowerCase());
        text = `must be one of ${allowed.join(', ')}, got ${describe(e.data)}${near ? `; write '${near}'` : ''}`;
        break;
      }
      case 'pattern':
      case 'minLength':
      case 'maxLength':
        if (e.propertyName !== undefined) {
          fieldSegments = [...segments, e.propertyName];
          text = `is not a valid key: ${hint(parent)}`;
        } else if (e.keyword === 'minLength') {
          text = 'must not be empty';
        } else if (e.keyword === 'maxLength') {
          text = `must be at most ${(e.params as { limit: number }).limit} characters long`;
        } else {
          text = `has an invalid value ${describe(e.data)}: ${hint(parent)}`;
        }
        break;
      case 'propertyNames':
        continue; // explained by the pattern error that comes with it
      case 'minimum':
      case 'maximum': {
        const limit = (e.params as { limit: number }).limit;
        text = `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${limit}, got ${String(e.data)}`;
        break;
      }
      case 'oneOf':
        text = `must be ${(parent.oneOf ?? []).map((b) => article(b.type ?? 'value')).join(' or ')}, got ${describe(e.data)}${parent.description ? `: ${firstSentence(parent.description)}` : ''}`;
        break;
      default:
        text = `${e.message ?? 'is invalid'}`;
    }
    const line =
      e.keyword === 'additionalProperties' || e.keyword === 'required' || e.propertyName !== undefined
        ? where.line(
            segments,
            e.keyword === 'required' ? undefined : String(fieldSegments[fieldSegments.length - 1]),
          )
        : where.line(segments);
    const at = line !== undefined ? ` (line ${line})` : '';
    const field = dotted(fieldSegments) || '(top level)';
    messages.set(`${file}${at}: field '${field}' ${text}`, line ?? 0);
  }
  return [...messages].sort((a, b) => a[1] - b[1]).map(([message]) => message);
}

function typeMessage(expected: string, data: unknown, written: string | undefined): string {
  const got =
    written !== undefined && typeof data !== 'string' ? `${written} (a ${typeof data})` : describe(data);
  switch (expected) {
    case 'boolean':
      return `must be a boolean (true or false), got ${got}`;
    case 'integer':
      return `must be a whole number, got ${got}`;
    case 'string':
      return typeof data === 'number' || typeof data === 'boolean'
        ? `must be text, got ${got}: quote it ('${written ?? String(data)}') so YAML keeps it as text`
        : `must be text, got ${got}`;
    case 'array':
      return `must be a list (one '- item' per line), got ${got}`;
    case 'object':
      return `must be a map (one 'key: value' per line), got ${got}`;
    default:
      return `must be of type ${expected}, got ${got}`;
  }
}

function hint(schemaNode: SchemaNode): string {
  const example = schemaNode.examples?.[0];
  return `${schemaNode.description ?? 'see schema/image-definition.schema.json'}${example !== undefined ? ` For example '${String(example)}'.` : ''}`;
}

function firstSentence(text: string): string {
  return text.split(/(?<=\.)\s/)[0].replace(/\.$/, '');
}

function article(type: string): string {
  return type === 'object' ? 'a map' : type === 'array' ? 'a list' : type === 'string' ? 'text' : `a ${type}`;
}

/** The known name nearest to a misspelt one (edit distance at most 2), if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
