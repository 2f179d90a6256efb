import { timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../config/checks.js';
import type { GatewaySpec } from '../config/types.js';

/**
 * The checks every request passes before anything else (SPEC section 4, security): Host
 * and Origin against DNS rebinding and cross-site calls, then the inbound bearer tokens.
 * Pure functions of the request headers and the live gateway settings.
 */

export type GuardFailure = { readonly status: 401 | 403; readonly code: 'MCPGW_E_HTTP_HOST' | 'MCPGW_E_HTTP_ORIGIN' | 'MCPGW_E_HTTP_UNAUTHORIZED'; readonly message: string };

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

function bare(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Per settings object (a new one per accepted config): the allowed hosts and origins. */
const allowedBySettings = new WeakMap<GatewaySpec, { hosts: Set<string>; publicOrigin: string }>();
function allowedFor(gw: GatewaySpec): { hosts: Set<string>; publicOrigin: string } {
  let allowed = allowedBySettings.get(gw);
  if (!allowed) {
    const publicUrl = new URL(gw.publicUrl);
    allowed = { hosts: new Set([bare(gw.listen.host), bare(publicUrl.hostname), ...gw.allowedHosts.map(bare)]), publicOrigin: publicUrl.origin };
    allowedBySettings.set(gw, allowed);
  }
  return allowed;
}

export function checkHost(hostHeader: string | null, gw: GatewaySpec): GuardFailure | undefined {
  if (!hostHeader) return { status: 403, code: 'MCPGW_E_HTTP_HOST', message: 'missing Host header' };
  const host = bare(hostnameOf(hostHeader));
  if (isLoopbackHost(host) || allowedFor(gw).hosts.has(host)) return undefined;
  return { status: 403, code: 'MCPGW_E_HTTP_HOST', message: `Host "${host}" is not allowed; add it to gateway.allowedHosts if this is intended` };
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

export function checkOrigin(origin: string | null, gw: GatewaySpec): GuardFailure | undefined {
  if (origin === null) return undefined;
  if (origin !== 'null' && (isLoopbackOrigin(origin) || origin === allowedFor(gw).publicOrigin || gw.allowedOrigins.includes(origin))) return undefined;
  return { status: 403, code: 'MCPGW_E_HTTP_ORIGIN', message: `Origin "${origin}" is not allowed; add it to gateway.allowedOrigins if this is intended` };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Bearer <token>; with allowBasic also Basic auth with the token as password (browsers). */
export function checkBearer(authorization: string | null, gw: GatewaySpec, allowBasic: boolean): GuardFailure | undefined {
  if (gw.bearerTokens.length === 0) return undefined;
  const fail: GuardFailure = { status: 401, code: 'MCPGW_E_HTTP_UNAUTHORIZED', message: 'missing or invalid Authorization: send "Authorization: Bearer <token>" with a token from gateway.auth.bearerTokens' };
  if (!authorization) return fail;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  let presented: string | undefined;
  if (scheme?.toLowerCase() === 'bearer') presented = value;
  else if (allowBasic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    presented = decoded.slice(decoded.indexOf(':') + 1);
  }
  if (presented === undefined) return fail;
  let ok = false;
  // Compare with every token, so the time taken does not say which one nearly matched.
  for (const token of gw.bearerTokens) ok = sameSecret(presented, token) || ok;
  return ok ? undefined : fail;
}
