// The @azure/identity credentials (facts §1), evaluated only when createCredential (credential.ts)
// first imports this module.
import type { TokenCredential } from '@azure/core-auth';
import { AzureCliCredential, ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import type { BuildSettings } from '../types.js';

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

/** `idToken`: with OIDC, where the client assertion comes from (oidcIdToken in credential.ts). */
export function identityCredential(
  settings: Pick<BuildSettings, 'auth' | 'cloud'>,
  idToken: (() => Promise<string>) | undefined,
): TokenCredential {
  const { auth, cloud } = settings;
  const common = {
    authorityHost: cloud.authorityHost,
    ...(isCustomAuthorityHost(cloud.authorityHost) ? { disableInstanceDiscovery: true } : {}),
  };
  switch (auth.kind) {
    case 'oidc':
      if (!idToken) throw new Error('OIDC authentication needs an ID token source.');
      // The callback runs whenever Entra needs a new assertion, so a build that outlives one GitHub
      // token (they last minutes; builds take longer) gets a fresh one (packer-plugin-azure#456).
      return new ClientAssertionCredential(auth.tenantId, auth.clientId, idToken, common);
    case 'clientSecret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, common);
    case 'azureCli':
      return new AzureCliCredential();
  }
}
