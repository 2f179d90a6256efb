import { randomBytes } from 'node:crypto';
import { getRouterParam, type H3, type H3Event } from 'h3';
import type { AuthorizationLinks, LinkGrant } from '../auth/links.js';
import type { CallbackResult, StartRequest } from '../auth/oauth-service.js';
import { McpgwError } from '../errors/error.js';
import { httpStatusOf } from '../errors/render.js';
import { storeIdentity, type Identity } from '../identity/types.js';
import type { Logger } from '../log.js';
import { errorResponse, jsonResponse } from './respond.js';

/** What the OAuth routes need; implemented by auth/oauth-service.ts. */
export interface OAuthRoutesHost {
  /** gateway.publicUrl: the callback is there, so the browser's cookie must be set there too. */
  readonly publicUrl: string;
  /** Inbound auth is configured: starting needs an identity (the guard's, or a link's ticket). */
  identityRequired(): boolean;
  start(server: string, request: StartRequest): Promise<URL>;
  callback(query: URLSearchParams, browser?: string): Promise<CallbackResult>;
  /** `user`: another identity's authorization (admins, `auth logout --user`). */
  logout(server: string, forgetClient: boolean, identity?: string, user?: string): Promise<boolean>;
  /** A link for `identity` (or, for an admin, `user`) to authorize `server` again (`mcpgw auth login`). */
  loginUrl(server: string, identity: string, user?: string): string;
  /** A single-use link for `identity` (inbound auth only). */
  link(server: string, identity: string, options: { reauthorize: boolean }): string;
  /** What a ticket grants (check), and spending it (redeem); both throw MCPGW_E_OAUTH_LINK. */
  readonly links: Pick<AuthorizationLinks, 'check' | 'redeem'>;
}

/**
 * The browser binding of an authorization (SPEC section 4): a random nonce in an HttpOnly,
 * SameSite=Lax cookie, set where the authorization starts and compared at the callback
 * (auth/oauth-service.ts). Lax: the authorization server's redirect back is a top-level GET
 * from another site, which carries Lax cookies and nothing else does. A browser keeps its
 * nonce across starts, so two authorizations started side by side both finish.
 */
export const BROWSER_COOKIE = 'mcpgw_oauth';
const NONCE = /^[A-Za-z0-9_-]{43}$/;
const COOKIE_MAX_AGE_S = 10 * 60;

/**
 * GET /oauth/start/{server}: starts an authorization (302 to the authorization server) for
 * an identified caller: the guard's identity (bearer, Basic; 'local' without inbound auth),
 * or, with `?ticket=`, a page that names server and identity and asks for a click, which
 * POSTs to the same URL and spends the ticket. GET /oauth/callback: the redirect target, a
 * small page naming the server authorized or what failed (SPEC section 4). POST
 * /oauth/logout/{server} and POST /oauth/link/{server} are for `mcpgw auth`; the guard
 * requires the bearer token there.
 */
export function registerOAuthRoutes(app: H3, host: () => OAuthRoutesHost | undefined, log: Logger): void {
  app.get('/oauth/start/:server', (event: H3Event) => startRoute(event, 'GET', host(), log));
  app.post('/oauth/start/:server', (event: H3Event) => startRoute(event, 'POST', host(), log));
  app.get('/oauth/callback', (event: H3Event) => callbackRoute(event, host()));
  app.post('/oauth/logout/:server', (event: H3Event) =>
    forServer(event, host(), log, async (oauth, server, identity) => ({
      server,
      loggedOut: await oauth.logout(server, event.url.searchParams.get('forgetClient') === 'true', identity, userParam(event)),
    })),
  );
  // `mcpgw auth login` through the daemon: the link to print, which the user's browser opens
  // (the browser must start the authorization itself, to get its cookie).
  app.post('/oauth/link/:server', (event: H3Event) =>
    forServer(event, host(), log, (oauth, server, identity) => ({
      server,
      url: oauth.loginUrl(server, identity ?? 'local', userParam(event)),
    })),
  );
}

function serverParam(event: H3Event): string {
  return decodeURIComponent(getRouterParam(event, 'server') ?? '');
}

/** `?user=NAME` of `mcpgw auth login|logout --user` (SPEC section 10). */
function userParam(event: H3Event): string | undefined {
  return event.url.searchParams.get('user') ?? undefined;
}

function identityName(event: H3Event): string | undefined {
  return (event.context.identity as Identity | undefined)?.name;
}

/** The JSON routes of `mcpgw auth` (logout, link): `answer`'s value, or the error's registered status. */
async function forServer(
  event: H3Event,
  oauth: OAuthRoutesHost | undefined,
  log: Logger,
  answer: (oauth: OAuthRoutesHost, server: string, identity: string | undefined) => unknown,
): Promise<Response> {
  const server = serverParam(event);
  if (!oauth) return errorResponse(unknownServer(server));
  try {
    return jsonResponse(200, await answer(oauth, server, identityName(event)));
  } catch (err) {
    if (!(err instanceof McpgwError)) logUnknown(log, event, err);
    return errorResponse(err);
  }
}

async function startRoute(event: H3Event, method: 'GET' | 'POST', oauth: OAuthRoutesHost | undefined, log: Logger): Promise<Response> {
  const server = serverParam(event);
  if (!oauth) return page(httpStatusOf(unknownServer(server)), 'Not an OAuth server', `No OAuth server is configured as "${server}".`);
  const query = event.url.searchParams;
  const ticket = query.get('ticket');
  try {
    if (ticket !== null) {
      // A caller who shows a credential of another identity (a link forwarded to bob, opened
      // with bob's token) is refused before anything is spent: the link stays alice's.
      const caller = identityName(event);
      if (caller !== undefined && storeIdentity(caller) !== storeIdentity(oauth.links.check(ticket, server).identity))
        throw new McpgwError('MCPGW_E_OAUTH_LINK', 'this authorization link was made for another identity', {
          hint: 'ask for your own: the needs-authorization error of your call, the status page, or mcpgw auth login SERVER',
        });
      // GET only shows what the link is for: a link preview or an agent fetching it spends nothing.
      if (method === 'GET') return confirmPage(oauth, server, oauth.links.check(ticket, server), ticket);
      const grant = oauth.links.redeem(ticket, server);
      return await begin(event, oauth, server, { identity: grant.identity, reauthorize: grant.reauthorize }, 303);
    }
    const identity = identityName(event) ?? (oauth.identityRequired() ? undefined : 'local');
    // The guard refuses this before (bearerTokens); a server of its own (mcpgw auth login) has no guard.
    if (!identity) return page(401, 'Authorization needs a link', 'Open the link mcpgw gave you, or sign in on the status page.');
    const reauthorize = query.get('reauthorize') === '1';
    // The cookie goes to the host the browser asked; the callback comes to publicUrl. Move
    // to publicUrl first (once: behind a proxy that rewrites Host they never agree).
    if (method === 'GET' && !sameHost(event.req.headers.get('host'), oauth.publicUrl) && query.get('hop') !== '1')
      return hopToPublicUrl(oauth, server, identity, reauthorize);
    return await begin(event, oauth, server, { identity, reauthorize }, method === 'GET' ? 302 : 303);
  } catch (err) {
    // The page's status is the error's registered one (404 for an unknown server, 403 for a
    // bad link, 409 for an authorization that would replace a valid one, 502 for the
    // authorization server's failures); an unknown error is opaque, its stack logged.
    if (!(err instanceof McpgwError)) logUnknown(log, event, err);
    const e = err instanceof McpgwError ? err : undefined;
    return page(httpStatusOf(err), 'Authorization could not start', `${e?.message ?? 'internal error'}${e?.hint ? ` (${e.hint})` : ''}`);
  }
}

function hopToPublicUrl(oauth: OAuthRoutesHost, server: string, identity: string, reauthorize: boolean): Response {
  const target = new URL(`${oauth.publicUrl}/oauth/start/${encodeURIComponent(server)}`);
  if (oauth.identityRequired()) target.searchParams.set('ticket', oauth.link(server, identity, { reauthorize }));
  else {
    if (reauthorize) target.searchParams.set('reauthorize', '1');
    target.searchParams.set('hop', '1');
  }
  return new Response(null, { status: 302, headers: { location: target.href, 'cache-control': 'no-store' } });
}

async function callbackRoute(event: H3Event, oauth: OAuthRoutesHost | undefined): Promise<Response> {
  if (!oauth)
    return page(
      httpStatusOf(new McpgwError('MCPGW_E_OAUTH_STATE', 'no OAuth server')),
      'Authorization failed',
      'No OAuth server is configured.',
    );
  // The failure statuses (400, 403, 409, 502) still come from auth/oauth-service.ts's CallbackResult.
  const result = await oauth.callback(event.url.searchParams, browserNonce(event));
  if (result.ok)
    return page(200, `Authorized ${result.server}`, `mcpgw is now authorized for "${result.server}". You can close this window.`);
  return page(result.status, result.server ? `Authorization of ${result.server} failed` : 'Authorization failed', result.message);
}

async function begin(
  event: H3Event,
  oauth: OAuthRoutesHost,
  server: string,
  who: { identity: string; reauthorize: boolean },
  status: 302 | 303,
): Promise<Response> {
  const browser = browserNonce(event) ?? randomBytes(32).toString('base64url');
  const url = await oauth.start(server, { ...who, browser });
  const secure = oauth.publicUrl.startsWith('https:') ? '; Secure' : '';
  return new Response(null, {
    status,
    headers: {
      location: url.href,
      'cache-control': 'no-store',
      'set-cookie': `${BROWSER_COOKIE}=${browser}; Path=/oauth/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure}`,
    },
  });
}

/** The browser's nonce from its mcpgw_oauth cookie, if it has a well-formed one. */
function browserNonce(event: H3Event): string | undefined {
  const header = event.req.headers.get('cookie') ?? '';
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i === -1 || part.slice(0, i).trim() !== BROWSER_COOKIE) continue;
    const value = part.slice(i + 1).trim();
    if (NONCE.test(value)) return value;
  }
  return undefined;
}

function sameHost(hostHeader: string | null, publicUrl: string): boolean {
  if (!hostHeader) return false;
  try {
    const base = new URL(publicUrl);
    return new URL(`${base.protocol}//${hostHeader}`).host === base.host;
  } catch {
    return false;
  }
}

function logUnknown(log: Logger, event: H3Event, err: unknown): void {
  log.error(`request failed: ${(err as Error)?.message ?? String(err)}`, { path: event.url.pathname, stack: (err as Error)?.stack });
}

function unknownServer(server: string): McpgwError {
  return new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `no OAuth server "${server}"`);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The click between a link and the authorization server (SPEC section 10): it names server and identity. */
function confirmPage(oauth: OAuthRoutesHost, server: string, grant: LinkGrant, ticket: string): Response {
  const action = `${oauth.publicUrl}/oauth/start/${encodeURIComponent(server)}?ticket=${encodeURIComponent(ticket)}`;
  const form = `<form method="post" action="${escape(action)}" data-mcpgw-confirm><button type="submit">Continue to the authorization server</button></form>`;
  return page(
    200,
    `Authorize ${server}`,
    `mcpgw will connect to "${server}" for ${grant.identity} with the account you sign in with next.${grant.reauthorize ? ' It replaces the current authorization.' : ''}`,
    form,
  );
}

function page(status: number, title: string, message: string, extra = ''): Response {
  const ok = status < 400;
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} - mcpgw</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem;color:${ok ? '#1a7f37' : '#b42318'}}button{font:inherit;padding:.4rem 1rem;border-radius:.4rem;border:0;background:#1f6feb;color:#fff;cursor:pointer}</style></head>
<body><h1>${escape(title)}</h1><p>${escape(message)}</p>${extra}</body></html>`;
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // No framing: a page of another site must not get a click on "Continue" (clickjacking).
      'x-frame-options': 'DENY',
      // No Referrer-Policy of our own: with no-referrer (or same-origin, for the status page on
      // another host) the form's POST would carry Origin: null, which the guard refuses.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
  });
}
