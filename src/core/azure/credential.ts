// The Entra credential for the chosen auth mode (facts §1).
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ModelClock } from '../clock.js';
import type { BuildSettings, Host } from '../types.js';

/**
 * With OIDC: GitHub's ID token for the configured audience, through the host, reused while fresh
 * (reuseIdToken). Undefined for the other auth kinds.
 */
export function oidcIdToken(
  settings: Pick<BuildSettings, 'auth' | 'timeScale'>,
  host: Pick<Host, 'getIdToken'>,
): (() => Promise<string>) | undefined {
  const { auth } = settings;
  if (auth.kind !== 'oidc') return undefined;
  const getIdToken = host.getIdToken?.bind(host);
  if (!getIdToken) {
    throw new Error(
      'OIDC authentication needs an ID token from the CI system, and this host cannot provide one.',
    );
  }
  return reuseIdToken(() => getIdToken(auth.audience), new ModelClock(settings.timeScale));
}

/**
 * The credential for the chosen auth mode. @azure/identity (with MSAL) is evaluated here, on the first
 * call (identity-credential.ts, a dynamic import kept in the entry chunk): the main step asks GitHub for
 * its ID token before it calls this, so its first request does not wait for the SDK. `idToken` is the
 * OIDC token source to use (default: a new one).
 */
export function createCredential(
  settings: Pick<BuildSettings, 'auth' | 'cloud' | 'timeScale'>,
  host: Pick<Host, 'getIdToken'>,
  idToken = oidcIdToken(settings, host),
): TokenCredential {
  const loaded = import(/* webpackMode: "eager" */ './identity-credential.js').then((m) =>
    m.identityCredential(settings, idToken),
  );
  // Reported by getToken, where the caller awaits it; not an unhandled rejection in the meantime.
  loaded.catch(() => undefined);
  return {
    async getToken(scopes, options) {
      return (await loaded).getToken(scopes, options);
    },
  };
}

/** An ID token is reused while more than this much of its lifetime is left (model time). */
export const ID_TOKEN_MARGIN_MS = 60_000;

/**
 * Fetches an ID token once and hands out the same one while more than ID_TOKEN_MARGIN_MS of its
 * lifetime is left; concurrent callers share one request. msal-node asks for the client assertion on
 * every getToken call, before it looks in its token cache (ConfidentialClientApplication.
 * acquireTokenByClientCredential), twice when it goes to Entra: without this, every SDK client's
 * first request waited for its own round trip to GitHub. A token whose lifetime cannot be read
 * (not a JWT with iat and exp) is not reused. The lifetime comes from the token's own claims
 * (exp - iat, the issuer's clock) and its age from `clock` (the model clock: against the emulator
 * its time runs faster than real time).
 */
export function reuseIdToken(fetchToken: () => Promise<string>, clock: ModelClock): () => Promise<string> {
  let current: { token: Promise<string>; fetchedAt: number; lifetimeMs: number } | undefined;
  return () => {
    const now = clock.nowModelMs();
    if (current && now - current.fetchedAt < current.lifetimeMs - ID_TOKEN_MARGIN_MS) return current.token;
    const entry = { token: fetchToken(), fetchedAt: now, lifetimeMs: Infinity };
    current = entry;
    entry.token.then(
      (token) => {
        entry.lifetimeMs = jwtLifetimeMs(token) ?? 0;
      },
      () => {
        if (current === entry) current = undefined;
      },
    );
    return entry.token;
  };
}

/** exp - iat of a JWT, in milliseconds; undefined when the token does not say. */
export function jwtLifetimeMs(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iat?: unknown;
      exp?: unknown;
    };
    if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return undefined;
    return (payload.exp - payload.iat) * 1000;
  } catch {
    return undefined;
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
