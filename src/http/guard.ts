import { isLoopbackHost } from '../config/checks.js';
import type { GatewaySpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { TokenRefusal } from '../identity/refusal.js';
import { bearerChallenge, resourceUrl } from '../identity/resource.js';
import { inboundAuth, matchToken } from '../identity/tokens.js';
import { LOCAL, OWNER, type Identity } from '../identity/types.js';

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

function presentedToken(authorization: string | null, allowBasic: boolean): { token: string; bearer: boolean } | undefined {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return { token: value, bearer: true };
  if (allowBasic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return { token: decoded.slice(decoded.indexOf(':') + 1), bearer: false };
  }
  return undefined;
}

/**
 * Who the caller is by a static credential (SPEC sections 4 and 10): `owner` for one of
 * gateway.auth.bearerTokens, the user of a gateway.auth.users token (Bearer <token>; with
 * allowBasic also Basic auth with the token as password, for browsers), `local` when no
 * inbound auth is configured (whoever reaches the port), undefined otherwise.
 */
export function identify(authorization: string | null, gw: GatewaySpec, allowBasic: boolean): Identity | undefined {
  if (!inboundAuth(gw)) return LOCAL;
  const presented = presentedToken(authorization, allowBasic);
  return presented ? matchToken(presented.token, gw) : undefined;
}

/** Like identify, and OIDC access tokens for `audience` (a resource URL, or publicUrl for any of them). */
export async function identifyCaller(
  authorization: string | null,
  gw: GatewaySpec,
  allowBasic: boolean,
  audience: string,
): Promise<Identity | TokenRefusal | undefined> {
  if (!inboundAuth(gw)) return LOCAL;
  const presented = presentedToken(authorization, allowBasic);
  if (!presented) return undefined;
  const known = matchToken(presented.token, gw);
  if (known || !gw.oidc || !presented.bearer || presented.token.split('.').length !== 3) return known;
  // jose and the issuer's discovery load with the first JWT (README: Loading on demand).
  const { verifierFor } = await (oidc ??= import('../identity/oidc.js'));
  return verifierFor(gw.oidc).verify(presented.token, audience, gw);
}

let oidc: Promise<typeof import('../identity/oidc.js')> | undefined;

function unauthorized(gw: GatewaySpec, why?: string): McpgwError {
  const how = gw.oidc
    ? 'sign in at the identity provider (gateway.auth.oidc) or send a token of gateway.auth.users or bearerTokens'
    : 'send "Authorization: Bearer <token>" with a token from gateway.auth.bearerTokens or gateway.auth.users';
  return new McpgwError('MCPGW_E_HTTP_UNAUTHORIZED', why ? `${why}; ${how}` : `missing or invalid Authorization: ${how}`);
}

/** What the guard needs of a request; header values as the server received them. */
export interface RequestFacts {
  readonly path: string;
  readonly method: string;
  readonly host: string | null;
  readonly origin: string | null;
  readonly authorization: string | null;
  /** The query has an authorization link's `ticket` (checked by the route: http/oauth-routes.ts). */
  readonly ticket?: boolean;
  /** A preflight's Access-Control-Request-Headers. */
  readonly requestHeaders?: string | null;
}

export type Admission =
  /**
   * Go on; with `cors` headers to add to the answer when the Origin is in allowedOrigins, and
   * the caller's `identity` where the path needs one (absent on open paths and on /oauth/start
   * with a ticket, which the route checks).
   */
  | { readonly kind: 'pass'; readonly cors?: Readonly<Record<string, string>>; readonly identity?: Identity }
  /** A CORS preflight of an allowed origin: answer 204 with these headers. */
  | { readonly kind: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  /**
   * Refused with MCPGW_E_HTTP_HOST or MCPGW_E_HTTP_ORIGIN (403), MCPGW_E_HTTP_UNAUTHORIZED
   * (401), MCPGW_E_HTTP_INSUFFICIENT_SCOPE (403) or MCPGW_E_OIDC_UNAVAILABLE (503): the status
   * comes from the registry. `challenge` is the WWW-Authenticate; `presented`: the request
   * carried a credential (that was refused), for the audit log.
   */
  | { readonly kind: 'deny'; readonly failure: McpgwError; readonly challenge?: string; readonly presented?: boolean };

const OPEN_PATHS = new Set(['/healthz', '/readyz']);
const PASS: Admission = { kind: 'pass' };
const PASS_OWNER: Admission = { kind: 'pass', identity: OWNER };
const PASS_LOCAL: Admission = { kind: 'pass', identity: LOCAL };
const BROWSER_CHALLENGE = 'Basic realm="mcpgw", Bearer realm="mcpgw"';
const CORS_ALLOW_HEADERS =
  'content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id, mcp-method, mcp-name, traceparent, tracestate';

/**
 * A 2026-07-28 client sends a tool's x-mcp-header parameters as Mcp-Param-* headers, whose
 * names no fixed list can hold: the ones a preflight asks for are allowed by name.
 */
function allowHeaders(requested: string | null | undefined): string {
  const params = (requested ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => /^mcp-param-[a-z0-9_-]+$/.test(h));
  return params.length === 0 ? CORS_ALLOW_HEADERS : `${CORS_ALLOW_HEADERS}, ${[...new Set(params)].join(', ')}`;
}

/**
 * The guard of every path, in SPEC section 4's order: Host and Origin (except the health
 * probes), the CORS preflight, then the caller's identity where the path needs one. One
 * decision for both listeners' shapes: http/app.ts (h3) and http/listener.ts (the MCP paths).
 */
export async function admit(req: RequestFacts, gw: GatewaySpec): Promise<Admission> {
  const path = req.path;
  if (OPEN_PATHS.has(path) || (path === '/metrics' && !gw.metrics.auth)) return PASS;
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
        'access-control-allow-headers': allowHeaders(req.requestHeaders),
        'access-control-max-age': '600',
      },
    };
  }
  const pass = (identity?: Identity): Admission => {
    if (cors) return identity ? { kind: 'pass', cors, identity } : { kind: 'pass', cors };
    // Constants for the common answers: this runs for every MCP request.
    return identity === OWNER ? PASS_OWNER : identity === LOCAL ? PASS_LOCAL : identity ? { kind: 'pass', identity } : PASS;
  };
  // The OAuth redirect target: the authorization server sends the browser there, without our
  // token; the state and the browser's cookie are its proof (auth/oauth-service.ts). The
  // protected resource metadata is public (RFC 9728): a client reads it before it signs in.
  if (path === '/oauth/callback' || path.startsWith('/.well-known/oauth-protected-resource')) return pass();
  const mcp = path === '/mcp' || path.startsWith('/mcp/');
  // Starting an authorization needs the caller's identity (SPEC section 4): anyone who could
  // start one could attach their own upstream account to the gateway. A browser proves it
  // with Basic auth (as on the status page) or brings a link minted for an identified caller.
  // The refusal names no server.
  const browser = path === '/' || path === '/status' || path.startsWith('/oauth/start/');
  const found = await identifyCaller(req.authorization, gw, browser, mcp ? resourceUrl(gw, path) : gw.publicUrl);
  if (found && !(found instanceof TokenRefusal)) return pass(found);
  if (!found && path.startsWith('/oauth/start/') && req.ticket) return pass();
  const presented = req.authorization !== null;
  if (found instanceof TokenRefusal) {
    const challenge =
      mcp && found.oauthError ? bearerChallenge(gw, path, { code: found.oauthError, description: found.error.message }) : undefined;
    return { kind: 'deny', failure: found.error, presented, ...(challenge ? { challenge } : {}) };
  }
  const failure = unauthorized(gw, presented ? 'the credential matches no user or token' : undefined);
  return {
    kind: 'deny',
    failure,
    presented,
    challenge: mcp
      ? bearerChallenge(gw, path, presented && gw.oidc ? { code: 'invalid_token', description: failure.message } : undefined)
      : browser
        ? BROWSER_CHALLENGE
        : 'Bearer realm="mcpgw"',
  };
}
