import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { GatewaySpec, OidcSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { discoverIssuer } from './issuer.js';
import { userNamed } from './tokens.js';
import { TokenRefusal } from './refusal.js';
import type { Identity } from './types.js';

export { TokenRefusal } from './refusal.js';

/**
 * JWT access tokens of gateway.auth.oidc (SPEC section 10, MCP authorization): the issuer's
 * metadata is discovered once (RFC 8414 / OIDC discovery, its `issuer` checked), its keys come
 * from `jwks_uri` through jose (cached, refetched on an unknown key id), and each token is
 * checked for signature, `iss`, `aud` (the endpoint's resource URL), expiry and scopes.
 */

/** After a failed discovery, the next request tries again only after this long. */
const RETRY_MS = 30_000;

export class OidcVerifier {
  private jwks?: JWTVerifyGetKey;
  private discovering?: Promise<JWTVerifyGetKey>;
  private failedAt = 0;
  private failure?: McpgwError;

  constructor(readonly spec: OidcSpec) {}

  /** The issuer's key set, discovered on first use. Throws MCPGW_E_OIDC_UNAVAILABLE. */
  keys(): Promise<JWTVerifyGetKey> {
    if (this.jwks) return Promise.resolve(this.jwks);
    if (this.failure && Date.now() - this.failedAt < RETRY_MS) return Promise.reject(this.failure);
    this.discovering ??= discoverKeys(this.spec)
      .then((jwks) => (this.jwks = jwks))
      .catch((err: McpgwError) => {
        this.failure = err;
        this.failedAt = Date.now();
        throw err;
      })
      .finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  /**
   * The identity of a token whose audience is `audience` (an MCP endpoint's resource URL), or
   * any resource URL of this gateway when `audience` is the gateway's publicUrl (/status, /).
   */
  async verify(token: string, audience: string, gw: GatewaySpec): Promise<Identity | TokenRefusal> {
    let jwks: JWTVerifyGetKey;
    try {
      jwks = await this.keys();
    } catch (err) {
      return new TokenRefusal(err as McpgwError, undefined);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: this.spec.issuer }));
    } catch (err) {
      return refusalOf(err);
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
    const fits = (a: string) => a === audience || (audience === gw.publicUrl && a.startsWith(`${gw.publicUrl}/mcp`));
    if (!aud.some(fits))
      return invalid(
        `the access token is for another resource: this endpoint accepts ${audience === gw.publicUrl ? `${gw.publicUrl}/mcp...` : audience}`,
      );
    const missing = this.spec.scopes.filter((s) => !scopesOf(payload).has(s));
    if (missing.length > 0)
      return new TokenRefusal(
        new McpgwError(
          'MCPGW_E_HTTP_INSUFFICIENT_SCOPE',
          `the access token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(' ')}`,
        ),
        'insufficient_scope',
      );
    const name = payload[this.spec.userClaim];
    if (typeof name !== 'string' || name === '' || name.length > 256)
      return invalid(`the access token has no ${this.spec.userClaim} claim naming the user`);
    const named = userNamed(gw, name);
    const groups = new Set([...groupsOf(this.spec.groupsClaim ? payload[this.spec.groupsClaim] : undefined), ...(named?.groups ?? [])]);
    return Object.freeze({ name, groups: [...groups], admin: named?.admin ?? false, via: 'oidc' as const });
  }
}

async function discoverKeys(spec: OidcSpec): Promise<JWTVerifyGetKey> {
  const found = await discoverIssuer(spec.issuer);
  if (found.kind !== 'ok') throw unavailable(found.message);
  return createRemoteJWKSet(new URL(found.jwksUri));
}

function unavailable(message: string): McpgwError {
  return new McpgwError('MCPGW_E_OIDC_UNAVAILABLE', message, {
    hint: 'check gateway.auth.oidc.issuer and that it is reachable (mcpgw doctor)',
  });
}

function invalid(message: string): TokenRefusal {
  return new TokenRefusal(new McpgwError('MCPGW_E_HTTP_UNAUTHORIZED', message), 'invalid_token');
}

function refusalOf(err: unknown): TokenRefusal {
  if (err instanceof joseErrors.JWTExpired) return invalid('the access token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return invalid('the access token was issued by another issuer than gateway.auth.oidc.issuer');
    return invalid(`the access token's ${err.claim} claim is not valid (${err.reason})`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey)
    return invalid("the access token's signature does not verify with the issuer's keys");
  if (err instanceof joseErrors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message)))
    return new TokenRefusal(unavailable(`the issuer's keys cannot be fetched: ${(err as Error).message}`), undefined);
  return invalid('the access token is not a valid JWT of the issuer');
}

function scopesOf(payload: JWTPayload): Set<string> {
  const raw = payload.scope ?? payload.scp;
  if (Array.isArray(raw)) return new Set(raw.map(String));
  return new Set(typeof raw === 'string' ? raw.split(' ').filter(Boolean) : []);
}

function groupsOf(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === 'string');
  return typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : [];
}

const verifiers = new Map<string, OidcVerifier>();

/** One verifier per oidc settings (kept across reloads that do not change them). */
export function verifierFor(spec: OidcSpec): OidcVerifier {
  const key = JSON.stringify(spec);
  let verifier = verifiers.get(key);
  if (!verifier) {
    verifiers.clear();
    verifier = new OidcVerifier(spec);
    verifiers.set(key, verifier);
  }
  return verifier;
}
