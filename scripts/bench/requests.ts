// Request accounting for the benchmark: what the emulator saw, split the way ARM's throttling does
// (facts §5: reads and writes are separate budgets; deletes have their own counter). Polls of
// long-running operations are GETs (they spend the read budget) but are counted apart, since the
// poll schedule is what the action controls. Entra ID and GitHub OIDC calls are not ARM requests:
// they are reported beside the figures, not in them.

/** The request log entry fields the benchmark needs (test/emulator/control.ts RequestLogEntry). */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  kind: string;
  /** Model time (epoch ms) the request arrived. */
  at: number;
}

export interface RequestCounts {
  /** GET/HEAD of resources (not LRO status). */
  reads: number;
  /** PUT/PATCH and POST actions (ARM charges actions to the write budget). */
  writes: number;
  /** The POST actions among `writes` (deallocate, generalize, runCommand…). */
  actions: number;
  deletes: number;
  /** GETs of a long-running operation's Azure-AsyncOperation / Location URL. */
  polls: number;
  /** reads + writes + deletes + polls. */
  total: number;
  /** Answers 429 among them. */
  throttled: number;
  /** Entra ID token and metadata requests (not ARM). */
  auth: number;
  /** GitHub OIDC token requests (not ARM). */
  oidc: number;
}

export type RequestClass = 'read' | 'write' | 'action' | 'delete' | 'poll' | 'auth' | 'oidc' | 'other';

/** The class of one logged request; the emulator's own `kind` decides, the method is the fallback. */
export function classifyRequest(r: Pick<LoggedRequest, 'method' | 'path' | 'kind'>): RequestClass {
  switch (r.kind) {
    case 'read':
    case 'write':
    case 'action':
    case 'delete':
    case 'poll':
    case 'auth':
    case 'oidc':
      return r.kind;
    case 'control':
      return 'other';
  }
  if (!r.path.toLowerCase().startsWith('/subscriptions/')) return 'other';
  const m = r.method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'read';
  if (m === 'DELETE') return 'delete';
  if (m === 'POST') return 'action';
  return 'write';
}

export function countRequests(entries: readonly LoggedRequest[]): RequestCounts {
  const c: RequestCounts = {
    reads: 0,
    writes: 0,
    actions: 0,
    deletes: 0,
    polls: 0,
    total: 0,
    throttled: 0,
    auth: 0,
    oidc: 0,
  };
  for (const e of entries) {
    const k = classifyRequest(e);
    if (k === 'other') continue;
    if (k === 'auth') c.auth++;
    else if (k === 'oidc') c.oidc++;
    else {
      if (k === 'read') c.reads++;
      else if (k === 'poll') c.polls++;
      else if (k === 'delete') c.deletes++;
      else {
        c.writes++;
        if (k === 'action') c.actions++;
      }
      c.total++;
      if (e.status === 429) c.throttled++;
    }
  }
  return c;
}

/** Entries that are ARM requests (what the subscription's budgets are charged for). */
export function armRequests<T extends LoggedRequest>(entries: readonly T[]): T[] {
  return entries.filter((e) => !['auth', 'oidc', 'other'].includes(classifyRequest(e)));
}
