import { discover, type Discovered, type FetchLike } from '../auth/discovery.js';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { DoctorContext } from './context.js';
import { probeServer } from './probe.js';
import { at } from './where.js';
import type { CheckResult } from './types.js';

/**
 * OAuth servers: discovery as the gateway does it (auth/discovery.ts: protected-resource and
 * authorization-server metadata, PKCE S256, plain-http rules), whether a client can be had
 * (without registering one), and the stored token's state. Nothing here starts an
 * authorization or writes the token store.
 */

/** Under this much time left, a token that cannot be refreshed is worth a warning. */
const EXPIRING_MS = 60 * 60_000;

export async function checkDiscovery(ctx: DoctorContext, spec: ServerSpec): Promise<CheckResult[]> {
  if (spec.auth.type !== 'oauth' || spec.transport.kind !== 'http') return [];
  const probe = await probeServer(ctx, spec);
  // Unreachable: the connect check says why; discovery would only fail the same way.
  if (!probe.reachable) return [];
  const timed: FetchLike = (url, init) => {
    const timeout = AbortSignal.timeout(ctx.remaining());
    return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  let d: Discovered;
  try {
    d = await discover(spec.transport.url, {
      resourceMetadataUrl: probe.challenge?.resourceMetadataUrl,
      fetch: timed,
      allowInsecureHttp: spec.auth.allowInsecureHttp,
    });
  } catch (err) {
    const e =
      err instanceof McpgwError ? err : new McpgwError('MCPGW_E_OAUTH_DISCOVERY', `OAuth discovery failed: ${(err as Error).message}`);
    return [{ ...e.toFinding(), ...at(ctx, spec.name, 'url') }];
  }
  const results: CheckResult[] = [];
  const as = d.asMetadata;
  if (d.fallback) {
    results.push({
      code: 'MCPGW_W_OAUTH_FALLBACK',
      severity: 'warning',
      message: `the server publishes no OAuth metadata; the 2025-03-26 default endpoints at ${new URL(d.authorizationServer).origin} are assumed`,
      hint: "nothing to change if login works; otherwise the server's OAuth support is incomplete (ask its operator for RFC 9728 / RFC 8414 metadata)",
    });
  }
  let client: string;
  if (spec.auth.clientId) client = 'the pre-registered client (auth.clientId)';
  else if (as.client_id_metadata_document_supported === true && ctx.model?.gateway.clientMetadataUrl)
    client = 'a Client ID Metadata Document (gateway.oauth.clientMetadataUrl)';
  else if (typeof as.registration_endpoint === 'string') client = 'dynamic registration';
  else {
    const cimd = as.client_id_metadata_document_supported === true;
    results.push({
      code: 'MCPGW_E_OAUTH_REGISTRATION',
      severity: 'error',
      message: `no way to get a client at ${as.issuer}: no dynamic registration, no auth.clientId${cimd ? ', no gateway.oauth.clientMetadataUrl' : ''}`,
      hint: cimd
        ? 'host the output of "mcpgw auth client-metadata" over https and set gateway.oauth.clientMetadataUrl, or register a client and set auth.clientId'
        : `register a client with the provider (redirect URI: ${ctx.model?.gateway.publicUrl}/oauth/callback) and set servers.${spec.name}.auth.clientId`,
      ...at(ctx, spec.name, 'auth'),
    });
    return results;
  }
  results.push({
    code: 'MCPGW_I_OAUTH_OK',
    severity: 'info',
    message: `OAuth discovery: authorization server ${as.issuer}, PKCE S256, client by ${client}`,
  });
  return results;
}

/** The stored token, from the store's summaries (no token is read for this). */
export async function checkToken(ctx: DoctorContext, spec: ServerSpec): Promise<CheckResult[]> {
  if (spec.auth.type !== 'oauth' || spec.transport.kind !== 'http') return [];
  // Without a key or a readable store the gateway checks report the cause.
  if (!ctx.key().key) return [];
  const health = await ctx.store();
  if (!health?.entries || health.problem) return [];
  const entry = health.entries.find((e) => e.server === spec.name);
  const login = `run: mcpgw auth login ${spec.name} (or, while the daemon runs, open ${ctx.model!.gateway.publicUrl}/oauth/start/${encodeURIComponent(spec.name)})`;
  const where = at(ctx, spec.name, 'auth');
  const problem = (code: CheckResult['code'], message: string, hint = login): CheckResult => ({
    code,
    severity: 'error',
    message,
    hint,
    ...where,
  });
  if (!entry?.hasAccessToken) return [problem('MCPGW_E_OAUTH_NOT_AUTHORIZED', 'needs authorization: no token is stored yet')];
  if (entry.serverUrl !== spec.transport.url) {
    return [
      problem(
        'MCPGW_E_OAUTH_NOT_AUTHORIZED',
        `needs authorization: the stored token was issued for ${entry.serverUrl}, not the current url`,
      ),
    ];
  }
  const now = Date.now();
  const refresh = entry.hasRefreshToken;
  if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
    if (!refresh) {
      return [
        problem(
          'MCPGW_E_OAUTH_EXPIRED',
          `the access token expired ${ago(now - entry.expiresAt)} ago (${iso(entry.expiresAt)}) and there is no refresh token`,
        ),
      ];
    }
    const message = `the access token expired ${ago(now - entry.expiresAt)} ago; the gateway refreshes it with the stored refresh token on next use`;
    return [{ code: 'MCPGW_I_OAUTH_REFRESHABLE', severity: 'info', message }];
  }
  if (entry.expiresAt !== undefined && !refresh && entry.expiresAt - now < EXPIRING_MS) {
    return [
      {
        ...problem(
          'MCPGW_W_OAUTH_TOKEN_EXPIRING',
          `the access token expires in ${ago(entry.expiresAt - now)} and cannot be refreshed (no refresh token)`,
        ),
        severity: 'warning',
        hint: `authorize again when it does: mcpgw auth login ${spec.name}`,
      },
    ];
  }
  const until = entry.expiresAt === undefined ? 'with no expiry given' : `until ${iso(entry.expiresAt)}`;
  const message = `authorized: the access token is valid ${until}${refresh ? ' (refresh token stored)' : ''}`;
  return [{ code: 'MCPGW_I_OAUTH_TOKEN_VALID', severity: 'info', message }];
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 3 min, 2 h 5 min, 3 days. */
export function ago(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.round(h / 24)} days`;
}
