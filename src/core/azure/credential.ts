// The Entra credential for the chosen auth mode (facts §1).
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AzureCliCredential, ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import type { BuildSettings, Host } from '../types.js';

const PUBLIC_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
]);

/**
 * Instance discovery asks login.microsoftonline.com about the authority; a custom authority host (the
 * emulator, a private cloud) is unknown there, so discovery is disabled for it.
 */
export function isCustomAuthorityHost(authorityHost: string): boolean {
  try {
    return !PUBLIC_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return true;
  }
}

export function createCredential(settings: BuildSettings, host: Host): TokenCredential {
  const { auth, cloud } = settings;
  const common = {
    authorityHost: cloud.authorityHost,
    ...(isCustomAuthorityHost(cloud.authorityHost) ? { disableInstanceDiscovery: true } : {}),
  };
  switch (auth.kind) {
    case 'oidc': {
      const getIdToken = host.getIdToken?.bind(host);
      if (!getIdToken) {
        throw new Error(
          'OIDC authentication needs an ID token from the CI system, and this host cannot provide one.',
        );
      }
      // The callback runs whenever Entra needs a new assertion, so a build that outlives one GitHub
      // token (they last minutes; builds take longer) gets a fresh one (packer-plugin-azure#456).
      return new ClientAssertionCredential(
        auth.tenantId,
        auth.clientId,
        () => getIdToken(auth.audience),
        common,
      );
    }
    case 'clientSecret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, common);
    case 'azureCli':
      return new AzureCliCredential();
  }
}

/**
 * Starts getting a token for `scope` at once (e.g. while the rest of the action loads) and returns a
 * credential that waits for that first request before answering: the SDK clients then get the token
 * from the credential's cache instead of sending a second request alongside. A failure of the early
 * request is not reported here; the clients' own request reports it, with its context.
 */
export function warmCredential(credential: TokenCredential, scope: string): TokenCredential {
  // enableCae: what the SDK's bearer token policy asks for (@azure/core-rest-pipeline), and
  // @azure/identity caches CAE and non-CAE tokens apart.
  let first: Promise<AccessToken | null> | undefined = credential
    .getToken(scope, { enableCae: true })
    .catch(() => null);
  return {
    async getToken(scopes, options) {
      if (first) {
        await first;
        first = undefined;
      }
      return credential.getToken(scopes, options);
    },
  };
}
