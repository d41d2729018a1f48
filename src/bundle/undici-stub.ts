// Stands in for the `undici` package in dist/ (mapped by `paths` in tsconfig.json, which ncc applies
// when it bundles). @actions/http-client, which @actions/core uses for its OIDC request, imports
// undici's ProxyAgent at its top level for one method, HttpClient.getAgentDispatcher(), that only
// callers of fetch() use. Neither @actions/core nor this action calls it: http-client's own requests
// go through Node's https agent (with `tunnel` behind a proxy), and the Azure SDK's through
// @azure/core-rest-pipeline. Bundled, undici adds about 440 kB to dist/index.js and, evaluated at
// start-up, about 80 ms before the action's first request (npm run bench). Upstream:
// actions/toolkit#1621 (the bundle-size regression) and actions/toolkit#1800 (lazy loading, open).

export class ProxyAgent {
  constructor() {
    throw new Error(
      "undici's ProxyAgent is not bundled with azure-image-build (see src/bundle/undici-stub.ts): " +
        'HttpClient.getAgentDispatcher() is not available in this action.',
    );
  }
}
