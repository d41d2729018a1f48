// dist/ leaves undici out (src/bundle/undici-stub.ts): the stub stands in for it, and the action's
// own OIDC request, made by @actions/core through @actions/http-client, never reaches it (the
// integration tests sign in with OIDC through dist/).
import { readFileSync } from 'node:fs';
import { ProxyAgent } from '../../src/bundle/undici-stub.js';

test('dist/index.js holds the stub, not undici', () => {
  const bundle = readFileSync('dist/index.js', 'utf8');
  // Error codes that only undici defines (lib/core/errors.js).
  expect(bundle).not.toMatch(/UND_ERR_(CONNECT_TIMEOUT|HEADERS_TIMEOUT|SOCKET)/);
  expect(bundle).toContain('not bundled with azure-image-build');
});

test('the stub says what is missing when something constructs it', () => {
  expect(() => new ProxyAgent()).toThrow(/ProxyAgent is not bundled .*getAgentDispatcher/);
});
