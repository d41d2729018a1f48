// Stands in for the `jsonwebtoken` package in dist/ (mapped by `paths` in tsconfig.json, which ncc
// applies when it bundles). @azure/msal-node imports it at its top level for one call, jwt.sign() in
// ClientAssertion.createJwt(), which signs a client assertion with a certificate's private key. The
// action signs in with a GitHub OIDC token, a client secret or the Azure CLI, never a certificate, so
// that call cannot happen; with a token or a secret msal-node passes the assertion on as it is.
// Bundled, jsonwebtoken and its dependencies (semver, jws, lodash.*) are about 50 kB and, evaluated at
// start-up (semver ranges checked against the Node version), about 14 ms before the first request
// (npm run bench).

function sign(): never {
  throw new Error(
    'jsonwebtoken is not bundled with azure-image-build (see src/bundle/jsonwebtoken-stub.ts): ' +
      'certificate credentials are not supported; use OIDC, a client secret or the Azure CLI.',
  );
}

export default { sign };
export { sign };
