// A small interpreter for the subset of Windows PowerShell 5.1 that build scripts use, for the
// emulator's simulated Windows guest. It is NOT PowerShell: README.md lists what it understands.
// What a statement does to the machine (files, services, sysprep, restarts) is delegated to PsHost.

export class PsDate {
  constructor(readonly ms: number) {}
  toString(): string {
    return new Date(this.ms).toISOString();
  }
}

export interface PsObject {
  kind: 'object';
  props: Record<string, PsValue>;
  /** How the object prints. */
  text?: string;
}

export type PsValue = string | number | boolean | null | PsDate | PsObject | PsValue[];

/** What the interpreter needs from the machine it runs on. Paths are Windows paths, as written. */
export interface PsHost {
  now(): number;
  /** Waits until the model clock reaches `until` or `shouldStop()` turns true. */
  waitUntil(until: number, shouldStop: () => boolean): Promise<void>;
  env(name: string): string | undefined;
  fileExists(path: string): Promise<'file' | 'directory' | undefined>;
  readFile(path: string): Promise<string>;
  writeFile(path: string, content: string, append: boolean): Promise<void>;
  makeDirectory(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  service(name: string): { Name: string; Status: string } | undefined;
  /** The values of a registry key, or undefined when the key is not simulated. */
  registryKey(key: string): Record<string, PsValue> | undefined;
  processRunning(name: string): boolean;
  /** A native program; returns its exit code, or undefined when it is not simulated. */
  runNative(program: string, args: string[], wait: boolean): Promise<number | undefined>;
  /** Restart-Computer / shutdown /r: the script stops here. */
  restartComputer(): void;
  /** Stop-Computer / shutdown /s. */
  stopComputer(): void;
}

export interface PsRunOptions {
  deadline: number;
  signal?: AbortSignal;
  vars?: Record<string, PsValue>;
}

export interface PsRunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  timedOut: boolean;
  canceled: boolean;
}

class ExitSignal {
  constructor(readonly code: number) {}
}
class ThrowSignal {
  constructor(readonly message: string) {}
}
class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}
class StopSignal {
  constructor(readonly reason: 'timeout' | 'cancel' | 'restart') {}
}

const KEYWORDS_WITH_BLOCKS = new Set([
  'if',
  'while',
  'foreach',
  'for',
  'do',
  'try',
  'function',
  'switch',
  'filter',
]);
const CONTINUATIONS = /^(else|elseif|catch|finally)\b/i;
const SWITCHES = new Set([
  'force',
  'recurse',
  'wait',
  'nonewline',
  'raw',
  'passthru',
  'nonewwindow',
  'append',
  'whatif',
]);

/** Splits a script into statements: by newline or `;` outside quotes, brackets and comments. */
export function splitStatements(src: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let i = 0;
  const push = (): void => {
    const t = cur.trim();
    if (t) out.push(t);
    cur = '';
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '<' && src[i + 1] === '#') {
      const end = src.indexOf('#>', i + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = skipString(src, i);
      cur += src.slice(i, end);
      i = end;
      continue;
    }
    if (c === '`' && src[i + 1] === '\n') {
      cur += ' ';
      i += 2;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') depth = Math.max(0, depth - 1);
    if (depth === 0 && (c === '\n' || c === ';' || c === '\r')) {
      if (c === '\n' && /\|\s*$/.test(cur)) {
        cur += ' ';
      } else {
        push();
      }
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  push();
  // Join `else`/`catch`/... and Allman-style `{` lines to the statement they continue.
  const joined: string[] = [];
  for (const s of out) {
    const prev = joined[joined.length - 1];
    if (
      prev !== undefined &&
      (CONTINUATIONS.test(s) || (s.startsWith('{') && startsBlock(prev) && !prev.endsWith('}')))
    ) {
      joined[joined.length - 1] = `${prev} ${s}`;
    } else {
      joined.push(s);
    }
  }
  return joined;
}

function startsBlock(s: string): boolean {
  return KEYWORDS_WITH_BLOCKS.has(firstWord(s).toLowerCase()) || CONTINUATIONS.test(s);
}

function firstWord(s: string): string {
  return /^[A-Za-z][\w-]*/.exec(s)?.[0] ?? '';
}

function skipString(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length) {
    if (q === '"' && s[j] === '`') {
      j += 2;
      continue;
    }
    if (s[j] === q) {
      if (s[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return s.length;
}

/** From s[i] (an opening bracket), returns the inner text and the index after the closing one. */
function readBalanced(s: string, i: number): [string, number] {
  const open = s[i];
  const close = open === '(' ? ')' : open === '{' ? '}' : ']';
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j];
    if (c === "'" || c === '"') {
      j = skipString(s, j);
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        if (c !== close) break;
        return [s.slice(i + 1, j), j + 1];
      }
    }
    j++;
  }
  throw new ThrowSignal(`Missing closing '${close}' in statement block or type definition.`);
}

function skipWs(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

/** Splits at top-level occurrences of a separator char (outside quotes and brackets). */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      i = skipString(s, i) - 1;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') depth--;
    if (depth === 0 && c === sep) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

/** Splits a command line into words at top-level whitespace. */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = skipString(s, i);
      cur += s.slice(i, end);
      i = end - 1;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') depth--;
    if (depth === 0 && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

export function formatValue(v: PsValue): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.flatMap(formatValue);
  if (typeof v === 'boolean') return [v ? 'True' : 'False'];
  if (v instanceof PsDate) return [v.toString()];
  if (typeof v === 'object') {
    return [
      v.text ??
        `@{${Object.entries(v.props)
          .map(([k, x]) => `${k}=${formatValue(x).join(' ')}`)
          .join('; ')}}`,
    ];
  }
  return [String(v)];
}

function toText(v: PsValue): string {
  return formatValue(v).join(' ');
}

function truthy(v: PsValue): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0 && (v.length > 1 || truthy(v[0]));
  return true;
}

function getProp(v: PsValue, name: string): PsValue {
  const n = name.toLowerCase();
  if (v === null) return n === 'count' || n === 'length' ? 0 : null;
  if (Array.isArray(v)) {
    if (n === 'count' || n === 'length') return v.length;
    return v.map((x) => getProp(x, name));
  }
  if (typeof v === 'string' && n === 'length') return v.length;
  if (v instanceof PsDate) return n === 'ticks' ? v.ms : null;
  if (typeof v === 'object') {
    const key = Object.keys(v.props).find((k) => k.toLowerCase() === n);
    return key === undefined ? null : v.props[key];
  }
  return null;
}

function callMethod(v: PsValue, name: string, args: PsValue[]): PsValue {
  const n = name.toLowerCase();
  const a0 = args[0];
  if (v instanceof PsDate) {
    const units: Record<string, number> = {
      addmilliseconds: 1,
      addseconds: 1000,
      addminutes: 60_000,
      addhours: 3_600_000,
      adddays: 86_400_000,
    };
    if (n in units) return new PsDate(v.ms + Number(a0) * units[n]);
  }
  if (typeof v === 'string') {
    if (n === 'trim') return v.trim();
    if (n === 'toupper') return v.toUpperCase();
    if (n === 'tolower') return v.toLowerCase();
    if (n === 'contains') return v.includes(toText(a0 ?? ''));
    if (n === 'startswith') return v.startsWith(toText(a0 ?? ''));
    if (n === 'endswith') return v.endsWith(toText(a0 ?? ''));
    if (n === 'tostring') return v;
  }
  if (n === 'tostring') return toText(v);
  return null;
}

function compare(op: string, l: PsValue, r: PsValue): boolean {
  const o = op.toLowerCase().replace(/^-c?/, '').replace(/^i/, '');
  if (Array.isArray(l) && o !== 'contains' && o !== 'notcontains') return l.some((x) => compare(op, x, r));
  const num = (x: PsValue): number => (x instanceof PsDate ? x.ms : Number(x));
  const numeric = typeof l === 'number' || l instanceof PsDate;
  const ls = toText(l).toLowerCase();
  const rs = toText(r).toLowerCase();
  switch (o) {
    case 'eq':
      return numeric
        ? num(l) === num(r)
        : typeof l === 'boolean'
          ? l === truthy(r)
          : l === null
            ? r === null
            : ls === rs;
    case 'ne':
      return !compare('-eq', l, r);
    case 'gt':
      return numeric ? num(l) > num(r) : ls > rs;
    case 'ge':
      return numeric ? num(l) >= num(r) : ls >= rs;
    case 'lt':
      return numeric ? num(l) < num(r) : ls < rs;
    case 'le':
      return numeric ? num(l) <= num(r) : ls <= rs;
    case 'like':
      return wildcard(rs).test(ls);
    case 'notlike':
      return !wildcard(rs).test(ls);
    case 'match':
      return new RegExp(toText(r), 'i').test(toText(l));
    case 'notmatch':
      return !new RegExp(toText(r), 'i').test(toText(l));
    case 'contains':
      return (Array.isArray(l) ? l : [l]).some((x) => compare('-eq', x, r));
    case 'notcontains':
      return !compare('-contains', l, r);
    default:
      throw new ThrowSignal(`Unexpected token '${op}' in expression or statement.`);
  }
}

function wildcard(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

const COMPARISON = /^-(c|i)?(eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains)$/i;

type Tok =
  | { t: 'value'; raw: string }
  | { t: 'op'; v: string }
  | { t: 'group'; inner: string; sub: boolean }
  | { t: 'member'; name: string; args?: string }
  | { t: 'cast'; type: string };

type Sink = (v: PsValue) => void;

/** One script run. */
export class PsInterpreter {
  private vars = new Map<string, PsValue>();
  private functions = new Map<string, string>();
  private stdout: string[] = [];
  private stderr: string[] = [];
  /** Set when expr() met something it does not parse. */
  private unparsed = false;

  constructor(
    private readonly host: PsHost,
    private readonly opts: PsRunOptions,
  ) {
    this.setVar('ErrorActionPreference', 'Continue');
    this.setVar('LASTEXITCODE', 0);
    for (const [k, v] of Object.entries(opts.vars ?? {})) this.setVar(k, v);
  }

  async run(script: string): Promise<PsRunResult> {
    let exitCode: number | null = 0;
    let timedOut = false;
    let canceled = false;
    try {
      await this.block(script, (v) => this.print(v));
    } catch (e) {
      if (e instanceof ExitSignal) exitCode = e.code;
      else if (e instanceof ThrowSignal) {
        this.stderr.push(e.message);
        exitCode = 1;
      } else if (e instanceof StopSignal) {
        if (e.reason === 'timeout') timedOut = true;
        if (e.reason === 'cancel') canceled = true;
        exitCode = e.reason === 'restart' ? 0 : null;
      } else if (e instanceof LoopSignal) {
        exitCode = 0; // break/continue outside a loop ends the script, as in PowerShell
      } else throw e;
    }
    const join = (a: string[]): string => (a.length ? `${a.join('\n')}\n` : '');
    return { stdout: join(this.stdout), stderr: join(this.stderr), exitCode, timedOut, canceled };
  }

  // ------------------------------------------------------------ statements

  private print(v: PsValue): void {
    this.stdout.push(...formatValue(v));
  }

  private check(): void {
    if (this.opts.signal?.aborted) throw new StopSignal('cancel');
    if (this.host.now() >= this.opts.deadline) throw new StopSignal('timeout');
  }

  private async block(src: string, sink: Sink): Promise<void> {
    for (const stmt of splitStatements(src)) {
      this.check();
      await this.statement(stmt, sink);
    }
  }

  private async statement(stmt: string, sink: Sink): Promise<void> {
    const kw = firstWord(stmt).toLowerCase();
    switch (kw) {
      case 'if':
        return this.ifStatement(stmt, sink);
      case 'while':
        return this.whileStatement(stmt, sink);
      case 'foreach':
        return this.foreachStatement(stmt, sink);
      case 'try':
        return this.tryStatement(stmt, sink);
      case 'function':
        return this.functionStatement(stmt);
      case 'for':
      case 'do':
      case 'switch':
      case 'filter':
        return this.simulated(stmt);
      case 'exit': {
        const rest = stmt.slice(4).trim();
        throw new ExitSignal(rest ? Number(toText(await this.expr(rest))) || 0 : 0);
      }
      case 'throw': {
        const rest = stmt.slice(5).trim();
        throw new ThrowSignal(rest ? toText(await this.expr(rest)) : 'ScriptHalted');
      }
      case 'break':
        throw new LoopSignal('break');
      case 'continue':
        throw new LoopSignal('continue');
      case 'return':
        throw new ExitSignal(0);
    }
    const assign = /^\$([\w:]+)\s*(\+=|-=|=)(?!=)\s*([\s\S]+)$/.exec(stmt);
    if (assign) {
      const [, name, op, rhs] = assign;
      let value = await this.group(rhs);
      if (op !== '=') {
        const cur = this.getVar(name);
        value = op === '+=' ? add(cur, value) : Number(cur) - Number(value);
      }
      if (/^env:/i.test(name)) this.setVar(name, toText(value));
      else this.setVar(name, value);
      return;
    }
    if (/^\$[\w:]+(\.\w+)+\s*=(?!=)/.test(stmt)) return this.simulated(stmt); // property assignment
    const pipeline = splitTop(stmt, '|');
    if (pipeline.length > 1) return this.pipeline(stmt, pipeline, sink);
    const redirect = splitRedirect(stmt);
    if (redirect) {
      const { body, stream, op, target } = redirect;
      const collected: PsValue[] = [];
      await this.statement(body, stream === '2' ? sink : (v) => collected.push(v));
      const text = collected
        .flatMap(formatValue)
        .map((l) => `${l}\r\n`)
        .join('');
      await this.host.writeFile(toText(await this.argValue(target)), text, op === '>>');
      return;
    }
    const value = await this.commandOrExpr(stmt);
    if (value !== undefined) sink(value);
  }

  private async pipeline(stmt: string, parts: string[], sink: Sink): Promise<void> {
    const last = parts[parts.length - 1];
    const name = firstWord(last).toLowerCase();
    const supported = ['out-null', 'out-file', 'set-content', 'add-content', 'write-output', 'write-host'];
    if (parts.length !== 2 || !supported.includes(name)) return this.simulated(stmt);
    const collected: PsValue[] = [];
    await this.statement(parts[0], (v) => collected.push(v));
    if (name === 'out-null') return;
    if (name === 'write-output') return collected.forEach(sink);
    if (name === 'write-host') return collected.forEach((v) => this.print(v));
    const { named, positional } = await this.params(words(last).slice(1));
    const target = toText(named.filepath ?? named.path ?? positional[0] ?? null);
    const text = collected
      .flatMap(formatValue)
      .map((l) => `${l}\r\n`)
      .join('');
    await this.host.writeFile(target, text, name === 'add-content' || named.append === true);
  }

  private async ifStatement(stmt: string, sink: Sink): Promise<void> {
    let i = skipWs(stmt, 2);
    let first = true;
    while (i < stmt.length) {
      let cond: string | undefined;
      if (!first) {
        const rest = stmt.slice(i);
        const m = /^(elseif|else)\b/i.exec(rest);
        if (!m) throw new ThrowSignal(`Unexpected token in statement: ${rest}`);
        i = skipWs(stmt, i + m[0].length);
        if (m[1].toLowerCase() === 'else') {
          const [body] = readBalanced(stmt, i);
          return this.block(body, sink);
        }
      }
      [cond, i] = readBalanced(stmt, i);
      i = skipWs(stmt, i);
      const [body, next] = readBalanced(stmt, i);
      i = skipWs(stmt, next);
      if (truthy(await this.group(cond))) return this.block(body, sink);
      first = false;
    }
  }

  private async whileStatement(stmt: string, sink: Sink): Promise<void> {
    const [cond, i] = readBalanced(stmt, skipWs(stmt, 5));
    const [body] = readBalanced(stmt, skipWs(stmt, i));
    while (truthy(await this.group(cond))) {
      this.check();
      if (!(await this.loopBody(body, sink))) break;
      await new Promise((r) => setImmediate(r));
    }
  }

  private async foreachStatement(stmt: string, sink: Sink): Promise<void> {
    const [head, i] = readBalanced(stmt, skipWs(stmt, 7));
    const [body] = readBalanced(stmt, skipWs(stmt, i));
    const m = /^\s*\$(\w+)\s+in\s+([\s\S]+)$/i.exec(head);
    if (!m) return this.simulated(stmt);
    const items = await this.group(m[2]);
    for (const item of Array.isArray(items) ? items : items === null ? [] : [items]) {
      this.check();
      this.setVar(m[1], item);
      if (!(await this.loopBody(body, sink))) break;
    }
  }

  /** Runs a loop body; false when it hit `break`. */
  private async loopBody(body: string, sink: Sink): Promise<boolean> {
    try {
      await this.block(body, sink);
      return true;
    } catch (e) {
      if (e instanceof LoopSignal) return e.kind === 'continue';
      throw e;
    }
  }

  private async tryStatement(stmt: string, sink: Sink): Promise<void> {
    const [body, start] = readBalanced(stmt, skipWs(stmt, 3));
    let i = start;
    let catchBody: string | undefined;
    let finallyBody: string | undefined;
    for (;;) {
      i = skipWs(stmt, i);
      const m = /^(catch|finally)\b\s*(\[[^\]]*\]\s*)?/i.exec(stmt.slice(i));
      if (!m) break;
      const [blk, next] = readBalanced(stmt, i + m[0].length);
      if (m[1].toLowerCase() === 'catch') catchBody = blk;
      else finallyBody = blk;
      i = next;
    }
    try {
      await this.block(body, sink);
    } catch (e) {
      if (!(e instanceof ThrowSignal) || catchBody === undefined) throw e;
      const err: PsObject = {
        kind: 'object',
        props: { Exception: { kind: 'object', props: { Message: e.message }, text: e.message } },
        text: e.message,
      };
      this.setVar('_', err);
      this.setVar('PSItem', err);
      await this.block(catchBody, sink);
    } finally {
      if (finallyBody !== undefined) await this.block(finallyBody, sink);
    }
  }

  private functionStatement(stmt: string): void {
    const m = /^function\s+([\w-]+)\s*/i.exec(stmt);
    if (!m) return this.simulated(stmt);
    const [body] = readBalanced(stmt, m[0].length);
    this.functions.set(m[1].toLowerCase(), body);
  }

  private simulated(stmt: string): void {
    this.stdout.push(`[simulated] ${stmt.split('\n')[0].trim()}`);
  }

  // ------------------------------------------------------------ commands

  /** A statement that is a command or an expression: returns what it emits (undefined: nothing). */
  private async commandOrExpr(stmt: string): Promise<PsValue | undefined> {
    const w = words(stmt);
    const head = w[0] ?? '';
    if (head === '&' || head === '.') {
      const program = toText(await this.argValue(w[1] ?? ''));
      return this.native(program, w.slice(2), stmt);
    }
    if (/^[$'"(\d[@]/.test(head)) {
      this.unparsed = false;
      const v = await this.expr(stmt);
      if (this.unparsed) {
        this.simulated(stmt);
        return undefined;
      }
      return /^\[void\]/i.test(stmt) ? undefined : v;
    }
    return this.command(head, w.slice(1), stmt);
  }

  private async params(args: string[]): Promise<{ named: Record<string, PsValue>; positional: PsValue[] }> {
    const named: Record<string, PsValue> = {};
    const positional: PsValue[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const m = /^-([A-Za-z][\w]*)(:(.*))?$/.exec(a);
      if (m) {
        const key = m[1].toLowerCase();
        if (m[2] !== undefined) named[key] = await this.argValue(m[3]);
        else if (SWITCHES.has(key) || i + 1 >= args.length || /^-[A-Za-z]/.test(args[i + 1]))
          named[key] = true;
        else named[key] = await this.argList(args[++i]);
      } else {
        positional.push(await this.argList(a));
      }
    }
    return { named, positional };
  }

  /** An argument that may be a comma list (a,b,c). */
  private async argList(a: string): Promise<PsValue> {
    const items = splitTop(a, ',');
    if (items.length === 1) return this.argValue(a);
    return Promise.all(items.map((x) => this.argValue(x)));
  }

  /** Argument mode: bare words are strings; `$env:X\path` is an expandable string. */
  private async argValue(a: string): Promise<PsValue> {
    if (/^[$'"(@[]/.test(a) || /^-?\d+(\.\d+)?$/.test(a)) {
      if (/^\$[\w:]+[\\/.]/.test(a) && !/^\$[\w:]+(\.\w+(\([^)]*\))?)+$/.test(a)) return this.expand(a);
      return this.expr(a);
    }
    return this.expand(a);
  }

  private errorAction(named: Record<string, PsValue>): string {
    return toText(named.erroraction ?? this.getVar('ErrorActionPreference') ?? 'Continue').toLowerCase();
  }

  /** A non-terminating error: honours -ErrorAction and $ErrorActionPreference. */
  private writeError(message: string, named: Record<string, PsValue>): void {
    const action = this.errorAction(named);
    if (action === 'silentlycontinue' || action === 'ignore') return;
    if (action === 'stop') throw new ThrowSignal(message);
    this.stderr.push(message);
  }

  private async command(name: string, args: string[], stmt: string): Promise<PsValue | undefined> {
    const lname = name.toLowerCase();
    const fn = this.functions.get(lname);
    if (fn !== undefined) {
      const collected: PsValue[] = [];
      await this.block(fn, (v) => collected.push(v));
      return collected.length ? collected : undefined;
    }
    const { named, positional } = await this.params(args);
    const path = async (): Promise<string> =>
      toText(named.path ?? named.literalpath ?? named.filepath ?? positional[0] ?? null);
    switch (lname) {
      case 'write-output':
      case 'echo':
      case 'write': {
        const vals = named.inputobject !== undefined ? [named.inputobject] : positional;
        return vals.length === 1 ? vals[0] : vals;
      }
      case 'write-host':
        this.stdout.push(
          [...(named.object !== undefined ? [named.object] : []), ...positional].map(toText).join(' '),
        );
        return undefined;
      case 'write-warning':
        this.stdout.push(`WARNING: ${toText(named.message ?? positional[0] ?? '')}`);
        return undefined;
      case 'write-verbose':
      case 'write-debug':
      case 'write-information':
        return undefined;
      case 'write-error':
        this.writeError(toText(named.message ?? positional[0] ?? ''), named);
        return undefined;
      case 'start-sleep': {
        let ms: number;
        if (named.milliseconds !== undefined || named.m !== undefined)
          ms = Number(named.milliseconds ?? named.m);
        else ms = Number(named.seconds ?? named.s ?? positional[0] ?? 0) * 1000;
        await this.host.waitUntil(this.host.now() + ms, () => this.shouldStop());
        this.check();
        return undefined;
      }
      case 'get-date':
        return named.format !== undefined
          ? new Date(this.host.now()).toISOString()
          : new PsDate(this.host.now());
      case 'test-path': {
        const kind = await this.host.fileExists(await path());
        const want = toText(named.pathtype ?? 'any').toLowerCase();
        return want === 'leaf'
          ? kind === 'file'
          : want === 'container'
            ? kind === 'directory'
            : kind !== undefined;
      }
      case 'new-item': {
        let p = await path();
        if (named.name !== undefined) p = `${p.replace(/[\\/]+$/, '')}\\${toText(named.name)}`;
        const exists = await this.host.fileExists(p);
        if (exists && named.force !== true) {
          this.writeError(`New-Item : An item with the specified name ${p} already exists.`, named);
          return undefined;
        }
        if (toText(named.itemtype ?? 'file').toLowerCase() === 'directory') await this.host.makeDirectory(p);
        else await this.host.writeFile(p, named.value !== undefined ? toText(named.value) : '', false);
        return undefined;
      }
      case 'set-content':
      case 'add-content':
      case 'out-file': {
        const value = named.value ?? named.inputobject ?? positional[1] ?? '';
        const text = formatValue(value)
          .map((l) => `${l}\r\n`)
          .join('');
        await this.host.writeFile(await path(), text, lname === 'add-content' || named.append === true);
        return undefined;
      }
      case 'get-content': {
        const p = await path();
        if ((await this.host.fileExists(p)) !== 'file') {
          this.writeError(`Get-Content : Cannot find path '${p}' because it does not exist.`, named);
          return undefined;
        }
        const text = await this.host.readFile(p);
        if (named.raw === true) return text;
        let all = text.split(/\r?\n/);
        if (all[all.length - 1] === '') all.pop();
        if (named.tail !== undefined) all = all.slice(-Number(named.tail));
        if (named.totalcount !== undefined || named.head !== undefined)
          all = all.slice(0, Number(named.totalcount ?? named.head));
        return all.length === 1 ? all[0] : all;
      }
      case 'remove-item': {
        const p = await path();
        if (!(await this.host.fileExists(p))) {
          this.writeError(`Remove-Item : Cannot find path '${p}' because it does not exist.`, named);
          return undefined;
        }
        await this.host.remove(p);
        return undefined;
      }
      case 'get-service': {
        const n = toText(named.name ?? positional[0] ?? '');
        const svc = this.host.service(n);
        if (!svc) {
          this.writeError(`Get-Service : Cannot find any service with service name '${n}'.`, named);
          return null;
        }
        return { kind: 'object', props: { ...svc }, text: `${svc.Status} ${svc.Name}` };
      }
      case 'get-process': {
        const n = toText(named.name ?? positional[0] ?? '');
        if (!this.host.processRunning(n)) {
          this.writeError(
            `Get-Process : Cannot find a process with the name "${n}". Verify the process name and call the cmdlet again.`,
            named,
          );
          return null;
        }
        return { kind: 'object', props: { Name: n, ProcessName: n }, text: n };
      }
      case 'get-itemproperty': {
        const key = await path();
        const values = this.host.registryKey(key);
        if (!values) {
          this.simulated(stmt);
          return null;
        }
        const prop = named.name !== undefined ? toText(named.name) : undefined;
        if (prop === undefined) return { kind: 'object', props: values };
        const found = Object.keys(values).find((k) => k.toLowerCase() === prop.toLowerCase());
        if (found === undefined) {
          this.writeError(`Get-ItemProperty : Property ${prop} does not exist at path ${key}.`, named);
          return null;
        }
        return { kind: 'object', props: { [found]: values[found] } };
      }
      case 'restart-computer':
        this.host.restartComputer();
        throw new StopSignal('restart');
      case 'stop-computer':
        this.host.stopComputer();
        throw new StopSignal('restart');
      case 'start-process': {
        const program = toText(named.filepath ?? positional[0] ?? '');
        const list = named.argumentlist ?? positional[1] ?? [];
        const argv = (Array.isArray(list) ? list : [list])
          .map(toText)
          .flatMap((a) => a.split(/\s+/))
          .filter(Boolean);
        const code = await this.host.runNative(program, argv, named.wait === true);
        if (code === undefined) this.simulated(stmt);
        return undefined;
      }
    }
    if (
      /\.(exe|cmd|bat|com)$/i.test(name) ||
      /^(cmd|shutdown|sysprep|powershell|pwsh|reg|sc|net|dism|msiexec)$/i.test(name)
    ) {
      return this.native(name, args, stmt);
    }
    if (/^[A-Za-z]+-[A-Za-z]+$/.test(name) || /^[A-Za-z][\w.]*$/.test(name)) {
      this.simulated(stmt);
      return undefined;
    }
    return this.expr(stmt);
  }

  private async native(program: string, rawArgs: string[], stmt: string): Promise<undefined> {
    const args = await Promise.all(rawArgs.map(async (a) => toText(await this.argValue(a))));
    const base = program
      .split(/[\\/]/)
      .pop()!
      .toLowerCase()
      .replace(/\.exe$/, '');
    if (base === 'cmd' && /^\/c$/i.test(args[0] ?? '') && /^exit$/i.test(args[1] ?? '')) {
      this.setVar('LASTEXITCODE', Number(args[2] ?? 0));
      return undefined;
    }
    if (base === 'shutdown' && args.some((a) => /^[/-]r$/i.test(a))) {
      this.host.restartComputer();
      throw new StopSignal('restart');
    }
    if (base === 'shutdown' && args.some((a) => /^[/-]s$/i.test(a))) {
      this.host.stopComputer();
      throw new StopSignal('restart');
    }
    // GUI-subsystem programs (sysprep) are not waited for by `&`; the host decides.
    const code = await this.host.runNative(program, args, false);
    if (code === undefined) {
      this.simulated(stmt);
      this.setVar('LASTEXITCODE', 0);
    } else {
      this.setVar('LASTEXITCODE', code);
    }
    return undefined;
  }

  private shouldStop(): boolean {
    return !!this.opts.signal?.aborted || this.host.now() >= this.opts.deadline;
  }

  // ------------------------------------------------------------ variables and expressions

  private getVar(name: string): PsValue {
    const n = name.toLowerCase();
    if (n.startsWith('env:')) return this.host.env(name.slice(4)) ?? null;
    if (n === 'true') return true;
    if (n === 'false') return false;
    if (n === 'null') return null;
    return this.vars.get(n) ?? null;
  }

  private setVar(name: string, v: PsValue): void {
    this.vars.set(name.toLowerCase(), v);
  }

  /** Expands `$var`, `$env:X`, `${x}` and `$(...)` in a double-quoted string body (or a bare word). */
  private async expand(s: string): Promise<string> {
    if (/^'[\s\S]*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
    const body = /^"[\s\S]*"$/.test(s) ? s.slice(1, -1) : s;
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '`' && i + 1 < body.length) {
        const e = body[++i];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e;
        continue;
      }
      if (c === '"' && body[i + 1] === '"') {
        out += '"';
        i++;
        continue;
      }
      if (c === '$' && body[i + 1] === '(') {
        const [inner, next] = readBalanced(body, i + 1);
        out += toText(await this.expr(inner));
        i = next - 1;
        continue;
      }
      if (c === '$' && body[i + 1] === '{') {
        const [inner, next] = readBalanced(body, i + 1);
        out += toText(this.getVar(inner));
        i = next - 1;
        continue;
      }
      const m = c === '$' ? /^\$((env:)?[A-Za-z_][\w]*)/.exec(body.slice(i)) : null;
      if (m) {
        out += toText(this.getVar(m[1]));
        i += m[0].length - 1;
        continue;
      }
      out += c;
    }
    return out;
  }

  private tokenize(s: string): Tok[] {
    const toks: Tok[] = [];
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === "'" || c === '"') {
        const end = skipString(s, i);
        toks.push({ t: 'value', raw: s.slice(i, end) });
        i = end;
        continue;
      }
      if (c === '$' && s[i + 1] === '(') {
        const [inner, next] = readBalanced(s, i + 1);
        toks.push({ t: 'group', inner, sub: true });
        i = next;
        continue;
      }
      if (c === '@' && s[i + 1] === '(') {
        const [inner, next] = readBalanced(s, i + 1);
        toks.push({ t: 'group', inner, sub: true });
        i = next;
        continue;
      }
      if (c === '(') {
        const [inner, next] = readBalanced(s, i);
        toks.push({ t: 'group', inner, sub: false });
        i = next;
        continue;
      }
      if (c === '[') {
        const [inner, next] = readBalanced(s, i);
        if (s.slice(next, next + 2) === '::') {
          const m = /^::\w+(\([^)]*\))?/.exec(s.slice(next));
          toks.push({ t: 'value', raw: s.slice(i, next + (m?.[0].length ?? 2)) });
          i = next + (m?.[0].length ?? 2);
        } else {
          toks.push({ t: 'cast', type: inner.toLowerCase() });
          i = next;
        }
        continue;
      }
      if (c === '.' && /[A-Za-z_]/.test(s[i + 1] ?? '') && toks.length && toks[toks.length - 1].t !== 'op') {
        const m = /^\.(\w+)/.exec(s.slice(i))!;
        i += m[0].length;
        if (s[i] === '(') {
          const [inner, next] = readBalanced(s, i);
          toks.push({ t: 'member', name: m[1], args: inner });
          i = next;
        } else toks.push({ t: 'member', name: m[1] });
        continue;
      }
      const op = /^(-[A-Za-z]+|!|,|\+|-|\*|\/)/.exec(s.slice(i));
      if (
        op &&
        !(
          op[0] === '-' &&
          /\d/.test(s[i + 1] ?? '') &&
          (toks.length === 0 || toks[toks.length - 1].t === 'op')
        )
      ) {
        toks.push({ t: 'op', v: op[0].toLowerCase() });
        i += op[0].length;
        continue;
      }
      const m = /^(-?\d+(\.\d+)?|\$\{[^}]*\}|\$[\w:?]+|[^\s,()[\]]+)/.exec(s.slice(i))!;
      toks.push({ t: 'value', raw: m[0] });
      i += m[0].length;
    }
    return toks;
  }

  /** Evaluates an expression (operators: -and -or -not ! comparisons + - * / , casts, members). */
  async expr(src: string): Promise<PsValue> {
    const toks = this.tokenize(src.trim());
    let pos = 0;
    let suppressed = 0; // > 0 while parsing the right side of a short-circuited -and / -or
    const peek = (): Tok | undefined => toks[pos];
    const isOp = (v: string | RegExp): boolean => {
      const t = peek();
      return t?.t === 'op' && (typeof v === 'string' ? t.v === v : v.test(t.v));
    };
    const logical = async (): Promise<PsValue> => {
      let l = await comparison();
      while (isOp(/^-(and|or|xor)$/)) {
        const op = (toks[pos++] as { v: string }).v;
        const skip = (op === '-and' && !truthy(l)) || (op === '-or' && truthy(l));
        if (skip) suppressed++;
        const r = await comparison();
        if (skip) suppressed--;
        l =
          op === '-and'
            ? truthy(l) && truthy(r)
            : op === '-or'
              ? truthy(l) || truthy(r)
              : truthy(l) !== truthy(r);
      }
      return l;
    };
    const comparison = async (): Promise<PsValue> => {
      let l = await additive();
      while (isOp(COMPARISON)) {
        const op = (toks[pos++] as { v: string }).v;
        l = compare(op, l, await additive());
      }
      return l;
    };
    const additive = async (): Promise<PsValue> => {
      let l = await comma();
      while (isOp(/^[-+*/]$/)) {
        const op = (toks[pos++] as { v: string }).v;
        const r = await comma();
        if (op === '+') l = add(l, r);
        else if (op === '-') l = Number(l) - Number(r);
        else if (op === '*') l = Number(l) * Number(r);
        else l = Number(l) / Number(r);
      }
      return l;
    };
    const comma = async (): Promise<PsValue> => {
      const first = await unary();
      if (!isOp(',')) return first;
      const list: PsValue[] = [first];
      while (isOp(',')) {
        pos++;
        list.push(await unary());
      }
      return list;
    };
    const unary = async (): Promise<PsValue> => {
      if (isOp('-not') || isOp('!')) {
        pos++;
        return !truthy(await unary());
      }
      if (isOp('-')) {
        pos++;
        return -Number(await unary());
      }
      const t = peek();
      if (t?.t === 'cast') {
        pos++;
        const v = await unary();
        if (t.type === 'bool') return truthy(v);
        if (t.type === 'int' || t.type === 'int32' || t.type === 'long' || t.type === 'double')
          return Number(toText(v));
        if (t.type === 'string') return toText(v);
        if (t.type === 'void') return null;
        return v;
      }
      return postfix();
    };
    const postfix = async (): Promise<PsValue> => {
      let v = await primary();
      while (peek()?.t === 'member') {
        const m = toks[pos++] as { name: string; args?: string };
        if (m.args === undefined) v = getProp(v, m.name);
        else {
          const args = m.args.trim() ? splitTop(m.args, ',') : [];
          v = callMethod(v, m.name, await Promise.all(args.map((a) => this.expr(a))));
        }
      }
      return v;
    };
    const primary = async (): Promise<PsValue> => {
      const t = toks[pos++];
      if (!t) return null;
      if (t.t === 'group') return suppressed > 0 ? null : this.group(t.inner);
      if (t.t === 'value') {
        const raw = t.raw;
        if (raw.startsWith("'") || raw.startsWith('"')) return this.expand(raw);
        if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
        if (raw.startsWith('${')) return this.getVar(raw.slice(2, -1));
        if (raw.startsWith('$')) return this.getVar(raw.slice(1));
        return raw;
      }
      if (t.t === 'op') return t.v;
      return null;
    };
    const v = await logical();
    if (pos < toks.length || toks.some((t) => t.t === 'value' && /^\[.*::/.test(t.raw))) {
      // Something we do not parse: keep the raw text (assignments of it store the text).
      this.unparsed = true;
      return src.trim();
    }
    return v;
  }

  /** `( ... )` / `$( ... )`: a command (its emitted values) or an expression. */
  private async group(inner: string): Promise<PsValue> {
    const stmts = splitStatements(inner);
    const collected: PsValue[] = [];
    for (const s of stmts) {
      const head = words(s)[0] ?? '';
      if (/^[A-Za-z][\w-]*$/.test(head) && !/^(true|false|null)$/i.test(head)) {
        await this.statement(s, (v) => collected.push(v));
      } else {
        const v = stmts.length === 1 ? await this.expr(s) : ((await this.commandOrExpr(s)) ?? null);
        if (stmts.length === 1) return v;
        collected.push(v);
      }
    }
    const flat = collected.flatMap((v) => (Array.isArray(v) ? v : [v]));
    return flat.length === 0 ? null : flat.length === 1 ? flat[0] : flat;
  }
}

/** `cmd > file`, `cmd >> file`, `cmd 2> file` at top level (outside quotes and brackets). */
function splitRedirect(
  stmt: string,
): { body: string; stream: string; op: string; target: string } | undefined {
  let depth = 0;
  for (let i = 0; i < stmt.length; i++) {
    const c = stmt[i];
    if (c === "'" || c === '"') {
      i = skipString(stmt, i) - 1;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') depth--;
    if (depth !== 0 || c !== '>') continue;
    const op = stmt[i + 1] === '>' ? '>>' : '>';
    const stream = /\d/.test(stmt[i - 1] ?? '') && /\s/.test(stmt[i - 2] ?? '') ? stmt[i - 1] : '';
    const body = stmt.slice(0, stream ? i - 1 : i).trim();
    const target = stmt.slice(i + op.length).trim();
    if (!body || !target || /\s/.test(target) || target.startsWith('&')) return undefined;
    return { body, stream, op, target };
  }
  return undefined;
}

function add(l: PsValue, r: PsValue): PsValue {
  if (typeof l === 'number') return l + Number(r);
  if (Array.isArray(l)) return [...l, ...(Array.isArray(r) ? r : [r])];
  if (l instanceof PsDate) return new PsDate(l.ms + Number(r));
  return toText(l) + toText(r);
}
