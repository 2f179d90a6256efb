import { timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../config/checks.js';
import type { GatewaySpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';

/**
 * The checks every request passes before anything else (SPEC section 4, security): Host
 * and Origin against DNS rebinding and cross-site calls, then the inbound bearer tokens.
 * Pure functions of the request headers and the live gateway settings.
 */

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
    allowed = {
      hosts: new Set([bare(gw.listen.host), bare(publicUrl.hostname), ...gw.allowedHosts.map(bare)]),
      publicOrigin: publicUrl.origin,
    };
    allowedBySettings.set(gw, allowed);
  }
  return allowed;
}

export function checkHost(hostHeader: string | null, gw: GatewaySpec): McpgwError | undefined {
  if (!hostHeader) return new McpgwError('MCPGW_E_HTTP_HOST', 'missing Host header');
  const host = bare(hostnameOf(hostHeader));
  if (isLoopbackHost(host) || allowedFor(gw).hosts.has(host)) return undefined;
  return new McpgwError('MCPGW_E_HTTP_HOST', `Host "${host}" is not allowed; add it to gateway.allowedHosts if this is intended`);
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

export function checkOrigin(origin: string | null, gw: GatewaySpec): McpgwError | undefined {
  if (origin === null) return undefined;
  if (origin !== 'null' && (isLoopbackOrigin(origin) || origin === allowedFor(gw).publicOrigin || gw.allowedOrigins.includes(origin)))
    return undefined;
  return new McpgwError('MCPGW_E_HTTP_ORIGIN', `Origin "${origin}" is not allowed; add it to gateway.allowedOrigins if this is intended`);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Bearer <token>; with allowBasic also Basic auth with the token as password (browsers). */
export function checkBearer(authorization: string | null, gw: GatewaySpec, allowBasic: boolean): McpgwError | undefined {
  if (gw.bearerTokens.length === 0) return undefined;
  const fail = (): McpgwError =>
    new McpgwError(
      'MCPGW_E_HTTP_UNAUTHORIZED',
      'missing or invalid Authorization: send "Authorization: Bearer <token>" with a token from gateway.auth.bearerTokens',
    );
  if (!authorization) return fail();
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  let presented: string | undefined;
  if (scheme?.toLowerCase() === 'bearer') presented = value;
  else if (allowBasic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    presented = decoded.slice(decoded.indexOf(':') + 1);
  }
  if (presented === undefined) return fail();
  let ok = false;
  // Compare with every token, so the time taken does not say which one nearly matched.
  for (const token of gw.bearerTokens) ok = sameSecret(presented, token) || ok;
  return ok ? undefined : fail();
}

/** What the guard needs of a request; header values as the server received them. */
export interface RequestFacts {
  readonly path: string;
  readonly method: string;
  readonly host: string | null;
  readonly origin: string | null;
  readonly authorization: string | null;
}

export type Admission =
  /** Go on; with `cors` headers to add to the answer when the Origin is in allowedOrigins. */
  | { readonly kind: 'pass'; readonly cors?: Readonly<Record<string, string>> }
  /** A CORS preflight of an allowed origin: answer 204 with these headers. */
  | { readonly kind: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  /**
   * Refused with MCPGW_E_HTTP_HOST or MCPGW_E_HTTP_ORIGIN (403) or MCPGW_E_HTTP_UNAUTHORIZED
   * (401): the status comes from the registry. `challenge` is the WWW-Authenticate of a 401.
   */
  | { readonly kind: 'deny'; readonly failure: McpgwError; readonly challenge?: string };

const OPEN_PATHS = new Set(['/healthz', '/readyz']);
const PASS: Admission = { kind: 'pass' };
const CORS_ALLOW_HEADERS = 'content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id';

/**
 * The guard of every path, in SPEC section 4's order: Host and Origin (except the health
 * probes), the CORS preflight, then bearer auth where the path needs it. One decision for
 * both listeners' shapes: http/app.ts (h3) and http/listener.ts (the MCP paths on node:http).
 */
export function admit(req: RequestFacts, gw: GatewaySpec): Admission {
  const path = req.path;
  if (OPEN_PATHS.has(path)) return PASS;
  const denied = checkHost(req.host, gw) ?? checkOrigin(req.origin, gw);
  if (denied) return { kind: 'deny', failure: denied };
  const origin = req.origin;
  const cors =
    origin && gw.allowedOrigins.includes(origin)
      ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'mcp-session-id', vary: 'origin' }
      : undefined;
  if (req.method === 'OPTIONS' && cors) {
    return {
      kind: 'preflight',
      headers: {
        ...cors,
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': '600',
      },
    };
  }
  // The OAuth redirect target and start links are opened by a browser without our token;
  // logout changes state, so it needs the token like /status.
  if (path.startsWith('/oauth/') && !path.startsWith('/oauth/logout/')) return cors ? { kind: 'pass', cors } : PASS;
  const browserPath = path === '/' || path === '/status';
  const unauthorized = checkBearer(req.authorization, gw, browserPath);
  if (unauthorized)
    return {
      kind: 'deny',
      failure: unauthorized,
      challenge: browserPath ? 'Basic realm="mcpgw", Bearer realm="mcpgw"' : 'Bearer realm="mcpgw"',
    };
  return cors ? { kind: 'pass', cors } : PASS;
}
