// dist/ leaves out two packages its dependencies import but the action never calls
// (src/bundle/*-stub.ts, mapped in tsconfig.json): undici (@actions/http-client's ProxyAgent) and
// jsonwebtoken (@azure/msal-node's certificate assertions). The integration tests sign in through
// dist/ with OIDC and with a client secret, so the paths the action does use are proven there.
import { readFileSync } from 'node:fs';
import { ProxyAgent } from '../../src/bundle/undici-stub.js';
import jwt from '../../src/bundle/jsonwebtoken-stub.js';

const bundle = readFileSync('dist/index.js', 'utf8');

test('dist/index.js holds the stubs, not undici or jsonwebtoken', () => {
  // Error codes that only undici defines (lib/core/errors.js), a message only jsonwebtoken has.
  expect(bundle).not.toMatch(/UND_ERR_(CONNECT_TIMEOUT|HEADERS_TIMEOUT|SOCKET)/);
  expect(bundle).not.toContain('should be a number of seconds or string representing a timespan');
  expect(bundle).toContain('ProxyAgent is not bundled with azure-image-build');
  expect(bundle).toContain('jsonwebtoken is not bundled with azure-image-build');
});

test('each stub says what is missing when something calls it', () => {
  expect(() => new ProxyAgent()).toThrow(/ProxyAgent is not bundled .*getAgentDispatcher/);
  expect(() => jwt.sign()).toThrow(/certificate credentials are not supported/);
});
