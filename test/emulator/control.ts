// Test control: fault injection, the request log and the resource inventory, so a
// test can make Azure fail the way it does and prove what was called and that
// nothing was left behind.
import { ArmError } from './errors.js';
import type { RequestKind } from './router.js';

export type FaultEffect =
  /** Answer with this error instead of handling the request. */
  | { type: 'error'; status: number; code: string; message?: string; retryAfterSeconds?: number }
  /** Handle the request, but the long-running operation it starts fails (status Failed with this error). */
  | { type: 'asyncFailure'; code: string; message?: string }
  /** Destroy the connection without an answer. */
  | { type: 'reset' }
  /** Handle the request after this many model seconds. */
  | { type: 'delay'; seconds: number };

export interface FaultSpec {
  method?: string;
  /** Matched against the path (no query): a RegExp, or a case-insensitive substring. */
  path: string | RegExp;
  /** The first matching call that fails (1-based). Default 1. */
  nth?: number;
  /** How many matching calls fail from the nth on. Default 1. */
  times?: number;
  effect: FaultEffect;
}

interface ActiveFault extends FaultSpec {
  seen: number;
  fired: number;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  status: number;
  kind: RequestKind | 'auth' | 'oidc' | 'control' | 'unknown';
  /** Model time (epoch ms) the request arrived. */
  at: number;
  /** Model milliseconds the emulator took to answer. */
  modelMs: number;
  errorCode?: string;
  fault?: FaultEffect['type'];
}

export class Control {
  private readonly faults: ActiveFault[] = [];
  private readonly log: RequestLogEntry[] = [];
  private seq = 0;

  injectFault(spec: FaultSpec): void {
    this.faults.push({ ...spec, seen: 0, fired: 0 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The effect to apply to this request, if a fault matches. */
  takeFault(method: string, path: string): FaultEffect | undefined {
    for (const f of this.faults) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      const hit =
        typeof f.path === 'string' ? path.toLowerCase().includes(f.path.toLowerCase()) : f.path.test(path);
      if (!hit) continue;
      f.seen++;
      const nth = f.nth ?? 1;
      const times = f.times ?? 1;
      if (f.seen >= nth && f.fired < times) {
        f.fired++;
        return f.effect;
      }
    }
    return undefined;
  }

  record(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.log.push({ seq: ++this.seq, ...entry });
  }

  requestLog(): RequestLogEntry[] {
    return [...this.log];
  }

  clearLog(): void {
    this.log.length = 0;
  }
}

export function faultError(
  effect: Extract<FaultEffect, { type: 'error' | 'asyncFailure' }>,
  status = 500,
): ArmError {
  const headers: Record<string, string> = {};
  if (effect.type === 'error' && effect.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(effect.retryAfterSeconds);
  return new ArmError(
    effect.type === 'error' ? effect.status : status,
    effect.code,
    effect.message ?? `Injected fault: ${effect.code}.`,
    undefined,
    undefined,
    headers,
  );
}
