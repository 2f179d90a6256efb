import type { OidcSpec } from '../config/types.js';
import { discoverIssuer, type FetchFn, type IssuerDiscovery } from '../identity/issuer.js';
import type { DoctorContext } from './context.js';
import { classifyNetworkError } from './http-probe.js';
import type { CheckResult } from './types.js';

/**
 * gateway.auth.oidc, live (issue 15 item 6): the issuer is discovered the way the daemon does
 * it (identity/issuer.ts), so a finding here is a refusal there, then its jwks_uri must
 * answer with a JWK set. Without both, every OIDC token gets 401 (MCPGW_E_OIDC_UNAVAILABLE
 * in the daemon). Only public metadata and public keys are fetched: nothing to leak.
 */
export async function checkOidc(ctx: DoctorContext): Promise<CheckResult[]> {
  const oidc = ctx.model?.gateway.oidc;
  if (!oidc) return [];
  const timed: FetchFn = (url, init) => {
    const timeout = AbortSignal.timeout(ctx.remaining());
    return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  const found = await discoverIssuer(oidc.issuer, timed);
  if (found.kind !== 'ok') return [issuerProblem(ctx, oidc, found)];
  const keys = await fetchKeys(ctx, found.jwksUri);
  if (typeof keys === 'string')
    return [
      {
        code: 'MCPGW_E_OIDC_JWKS',
        severity: 'error',
        message: `the issuer's keys cannot be had: ${keys}, so no access token can be checked`,
        hint: `the provider must serve its public keys at jwks_uri (status 200, JSON {"keys": [...]}, no redirect); check ${found.jwksUri} from this machine`,
        ...where(ctx),
      },
    ];
  return [
    {
      code: 'MCPGW_I_OIDC_OK',
      severity: 'info',
      message: `the identity provider ${oidc.issuer} answers: its metadata names it as issuer, ${keys} key${keys === 1 ? '' : 's'} at ${found.jwksUri}`,
    },
  ];
}

function where(ctx: DoctorContext) {
  return ctx.at(['gateway', 'auth', 'oidc', 'issuer']);
}

function issuerProblem(ctx: DoctorContext, oidc: OidcSpec, found: Exclude<IssuerDiscovery, { kind: 'ok' }>): CheckResult {
  const base = { severity: 'error' as const, ...where(ctx) };
  const wellKnown = 'the daemon reads <issuer>/.well-known/oauth-authorization-server or openid-configuration';
  switch (found.kind) {
    case 'failed': {
      const why = classifyNetworkError(found.cause, ctx.timeoutMs).detail;
      return {
        ...base,
        code: 'MCPGW_E_OIDC_ISSUER',
        message: `the issuer ${oidc.issuer} cannot be discovered: ${why}`,
        hint: `check gateway.auth.oidc.issuer and that this machine reaches it (${wellKnown})`,
      };
    }
    case 'none':
      return {
        ...base,
        code: 'MCPGW_E_OIDC_ISSUER',
        message: `${oidc.issuer} publishes no OAuth or OpenID metadata: it is not the issuer URL`,
        hint: `set gateway.auth.oidc.issuer to the issuer your provider names (Keycloak: https://HOST/realms/REALM); ${wellKnown}`,
      };
    case 'mismatch':
      return { ...base, code: 'MCPGW_E_OIDC_ISSUER', ...mismatch(oidc.issuer, found.received) };
    case 'no-jwks':
      return {
        ...base,
        code: 'MCPGW_E_OIDC_JWKS',
        message: `the metadata of ${oidc.issuer} has no jwks_uri, so no access token can be checked`,
        hint: 'use a provider (or its setting) that publishes signing keys for JWT access tokens',
      };
  }
}

function mismatch(issuer: string, received: string | undefined): { message: string; hint: string } {
  // Quoted: the value comes from the provider, and a quoted string is what YAML takes as is.
  const named = JSON.stringify(received ?? null);
  const message = `the metadata at ${issuer} names another issuer, ${named}: the daemon does not trust such metadata, so every token is refused`;
  // The loader strips a trailing slash from the issuer, so this one cannot be written to match.
  if (received === `${issuer}/`)
    return { message, hint: 'mcpgw removes the trailing slash of gateway.auth.oidc.issuer; this provider is not supported yet' };
  return { message, hint: received ? `set gateway.auth.oidc.issuer: ${named}` : 'give the provider an issuer in its metadata' };
}

/**
 * The key count of jwks_uri, or why it is unusable. As jose in the daemon wants it: status
 * 200 without following a redirect, JSON with a `keys` list of objects.
 */
async function fetchKeys(ctx: DoctorContext, url: string): Promise<number | string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(ctx.remaining()),
    });
  } catch (err) {
    return `${url}: ${classifyNetworkError(err, ctx.timeoutMs).detail}`;
  }
  const text = await response.text().catch(() => '');
  if (response.status !== 200) return `${url} answers HTTP ${response.status}`;
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown } | null)?.keys;
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || !keys.every((k) => k !== null && typeof k === 'object')) return `${url} does not answer a JWK set`;
  if (keys.length === 0) return `${url} answers an empty JWK set`;
  return keys.length;
}
