// The benchmark's request accounting: ARM requests split the way ARM budgets them, identity calls apart.
import {
  armRequests,
  classifyRequest,
  countRequests,
  type LoggedRequest,
} from '../../scripts/bench/requests.js';

const sub = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute';
const req = (method: string, path: string, kind: string, status = 200): LoggedRequest => ({
  method,
  path,
  kind,
  status,
  at: 0,
});

describe('classifyRequest', () => {
  it('takes the emulator kind when it has one', () => {
    expect(classifyRequest(req('GET', `${sub}/locations/x/operations/1`, 'poll'))).toBe('poll');
    expect(classifyRequest(req('POST', '/tenant/oauth2/v2.0/token', 'auth'))).toBe('auth');
    expect(classifyRequest(req('GET', '/_github/idtoken', 'oidc'))).toBe('oidc');
    expect(classifyRequest(req('GET', '/_emulator/inventory', 'control'))).toBe('other');
  });

  it('falls back to the method for ARM paths and ignores everything else', () => {
    expect(classifyRequest(req('HEAD', `${sub}/images/i`, 'unknown'))).toBe('read');
    expect(classifyRequest(req('PATCH', `${sub}/images/i`, 'unknown'))).toBe('write');
    expect(classifyRequest(req('POST', `${sub}/virtualMachines/v/deallocate`, 'unknown'))).toBe('action');
    expect(classifyRequest(req('DELETE', `${sub}/images/i`, 'unknown'))).toBe('delete');
    expect(classifyRequest(req('GET', '/favicon.ico', 'unknown'))).toBe('other');
  });
});

describe('countRequests', () => {
  const log = [
    req('POST', '/t/oauth2/v2.0/token', 'auth'),
    req('GET', '/_github/idtoken', 'oidc'),
    req('GET', `${sub}/images/i`, 'read', 404),
    req('PUT', `${sub}/images/i`, 'write', 201),
    req('GET', `${sub}/locations/x/operations/1`, 'poll'),
    req('GET', `${sub}/locations/x/operations/1`, 'poll', 429),
    req('POST', `${sub}/virtualMachines/v/generalize`, 'action'),
    req('DELETE', '/subscriptions/s/resourcegroups/tmp', 'delete', 202),
    req('GET', '/_emulator/health', 'control'),
  ];

  it('splits ARM requests into reads, writes (actions included), deletes and polls; identity apart', () => {
    expect(countRequests(log)).toEqual({
      reads: 1,
      writes: 2,
      actions: 1,
      deletes: 1,
      polls: 2,
      total: 6,
      throttled: 1,
      auth: 1,
      oidc: 1,
    });
  });

  it('armRequests keeps exactly the counted ones', () => {
    expect(armRequests(log)).toHaveLength(6);
  });
});
