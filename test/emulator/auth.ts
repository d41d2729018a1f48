// Identity for the emulator: an Entra-like token endpoint (client secret and
// client assertion, the two flows @azure/identity's ClientSecretCredential and
// ClientAssertionCredential use), a GitHub-like OIDC token endpoint (the
// ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN contract that
// @actions/core getIDToken calls), bearer token checks and role assignments.
// Sources: facts §1 (workload identity federation, audience api://AzureADTokenExchange,
// {authority}/{tenant}/oauth2/v2.0/token); AADSTS codes as quoted in
// packer-plugin-azure#456 (AADSTS700024) and learn.microsoft.com entra/identity-platform/reference-error-codes;
// AuthorizationFailed message as ARM returns it (learn.microsoft.com
// azure-resource-manager/troubleshooting/error-codes, "AuthorizationFailed").
import { createSign, createVerify, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { ArmError } from './errors.js';
import type { ModelClock } from './clock.js';

export interface RoleAssignment {
  // RBAC actions with * wildcards, such as '*', 'Microsoft.Compute/*' or '*/read'.
  actions: string[];
  notActions?: string[];
  /** Scope: /subscriptions/{s}, a resource group, or a resource ID. */
  scope: string;
}

export interface FederatedCredential {
  issuer: string;
  /** Exact subject, or a pattern with * wildcards, e.g. repo:octo/app:* */
  subject: string;
  audience: string;
}

export interface Principal {
  clientId: string;
  objectId: string;
  tenantId: string;
  clientSecret?: string;
  federatedCredentials: FederatedCredential[];
  roleAssignments: RoleAssignment[];
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

interface IssuedToken {
  principal: Principal;
  expiresAt: number;
}

export interface AuthOptions {
  /**
   * REAL seconds an access token lives (Entra: 60–90 min). Not scaled: the SDK's token
   * cache renews a token within a real-time window before its expiry (2 minutes in
   * core-rest-pipeline's bearer policy, 5 in MSAL), so a scaled lifetime of a few real
   * seconds would make every ARM request fetch a new token.
   */
  tokenLifetimeSeconds: number;
  /** Model seconds a GitHub OIDC token lives (GitHub: about 5 minutes). */
  oidcTokenLifetimeSeconds: number;
  /** Subject put in GitHub OIDC tokens. */
  oidcSubject: string;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

export class AuthService {
  readonly principals = new Map<string, Principal>();
  private readonly tokens = new Map<string, IssuedToken>();
  readonly oidcRequestToken = randomBytes(24).toString('hex');
  private readonly githubKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Counts for tests and the benchmark. */
  readonly counters = { tokensIssued: 0, oidcTokensIssued: 0 };

  constructor(
    private readonly clock: ModelClock,
    readonly options: AuthOptions,
  ) {}

  addPrincipal(p: Principal): Principal {
    this.principals.set(p.clientId.toLowerCase(), p);
    return p;
  }

  /** GitHub's OIDC endpoint: a signed JWT for the requested audience. */
  issueGithubIdToken(requestToken: string | undefined, audience: string | null): string {
    if (requestToken !== this.oidcRequestToken)
      throw new ArmError(401, 'Unauthorized', 'Bad ACTIONS_ID_TOKEN_REQUEST_TOKEN.');
    const now = Math.floor(this.clock.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: 'emulator-github' };
    const claims = {
      iss: GITHUB_ISSUER,
      aud: audience ?? TOKEN_EXCHANGE_AUDIENCE,
      sub: this.options.oidcSubject,
      iat: now,
      nbf: now - 5,
      exp: now + this.options.oidcTokenLifetimeSeconds,
      jti: randomUUID(),
    };
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(unsigned).sign(this.githubKeys.privateKey);
    this.counters.oidcTokensIssued++;
    return `${unsigned}.${b64url(sig)}`;
  }

  /**
   * The Entra token endpoint (client credentials grant). Returns the OAuth JSON
   * body and status; errors use Entra's shape {error, error_description, error_codes}.
   */
  token(tenantId: string, form: URLSearchParams): { status: number; body: Record<string, unknown> } {
    const fail = (status: number, error: string, code: number, text: string) => ({
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${this.clock.nowIso()}`,
        error_codes: [code],
        timestamp: this.clock.nowIso(),
      },
    });
    if (form.get('grant_type') !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id') ?? '';
    const principal = this.principals.get(clientId.toLowerCase());
    if (!principal || principal.tenantId !== tenantId) {
      return fail(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`,
      );
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!principal.clientSecret || secret !== principal.clientSecret) {
        return fail(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
      }
    } else if (assertion !== null) {
      const problem = this.checkAssertion(principal, assertion);
      if (problem) return fail(400, 'invalid_client', problem.code, problem.text);
    } else {
      return fail(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const accessToken = this.issueAccessToken(principal);
    const expiresIn = this.options.tokenLifetimeSeconds;
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: accessToken,
      },
    };
  }

  private checkAssertion(principal: Principal, jwt: string): { code: number; text: string } | undefined {
    const parts = jwt.split('.');
    if (parts.length !== 3) return { code: 50027, text: 'JWT token is invalid or malformed.' };
    const ok = createVerify('RSA-SHA256')
      .update(`${parts[0]}.${parts[1]}`)
      .verify(this.githubKeys.publicKey, Buffer.from(parts[2], 'base64url'));
    if (!ok) return { code: 50012, text: 'Client assertion failed signature validation.' };
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, any>;
    const now = Math.floor(this.clock.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp < now) {
      return {
        code: 700024,
        text: `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${new Date(claims.nbf * 1000).toISOString()}, expiry time of assertion ${new Date(claims.exp * 1000).toISOString()}.`,
      };
    }
    const match = principal.federatedCredentials.find(
      (f) =>
        f.issuer === claims.iss && wildcard(f.subject).test(String(claims.sub)) && f.audience === claims.aud,
    );
    if (!match) {
      return {
        code: 70021,
        text: `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims.iss}'. Assertion Subject: '${claims.sub}'. Assertion Audience: '${claims.aud}'.`,
      };
    }
    return undefined;
  }

  /** A JWT-shaped access token (unsigned payload is informative only; the emulator looks it up). */
  issueAccessToken(principal: Principal): string {
    const expiresAt = Date.now() + this.options.tokenLifetimeSeconds * 1000;
    const payload = {
      aud: 'https://management.azure.com/',
      tid: principal.tenantId,
      appid: principal.clientId,
      oid: principal.objectId,
      exp: Math.floor(expiresAt / 1000),
      jti: randomUUID(),
    };
    const token = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.${b64url(randomBytes(16))}`;
    this.tokens.set(token, { principal, expiresAt });
    this.counters.tokensIssued++;
    return token;
  }

  /** ARM's bearer check: 401 with ARM's codes when the header is missing, unknown or expired. */
  authenticate(authorization: string | undefined): Principal {
    if (!authorization)
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
      );
    const m = /^Bearer\s+(.+)$/i.exec(authorization);
    if (!m)
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
      );
    const issued = this.tokens.get(m[1]);
    if (!issued) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    if (issued.expiresAt <= Date.now()) {
      throw new ArmError(
        401,
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${new Date(issued.expiresAt).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
      );
    }
    return issued.principal;
  }

  /** RBAC: is `action` allowed on `scope` (a path) for the principal? 403 AuthorizationFailed otherwise. */
  authorize(principal: Principal, action: string, scope: string): void {
    const s = scope.toLowerCase();
    const allowed = principal.roleAssignments.some((ra) => {
      const rs = ra.scope.toLowerCase().replace(/\/$/, '');
      if (!(s === rs || s.startsWith(rs + '/'))) return false;
      if (!ra.actions.some((a) => wildcard(a).test(action))) return false;
      return !(ra.notActions ?? []).some((a) => wildcard(a).test(action));
    });
    if (!allowed) {
      throw new ArmError(
        403,
        'AuthorizationFailed',
        `The client '${principal.clientId}' with object id '${principal.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
  }
}
