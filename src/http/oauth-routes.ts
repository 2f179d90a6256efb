import { getRouterParam, type H3, type H3Event } from 'h3';
import type { CallbackResult } from '../auth/oauth-service.js';
import { McpgwError } from '../errors/error.js';
import { httpStatusOf } from '../errors/render.js';
import type { Logger } from '../log.js';
import { errorResponse, jsonResponse } from './respond.js';

/** What the OAuth routes need; implemented by auth/oauth-service.ts. */
export interface OAuthRoutesHost {
  start(server: string): Promise<URL>;
  callback(query: URLSearchParams): Promise<CallbackResult>;
  logout(server: string, forgetClient: boolean): Promise<boolean>;
}

/**
 * GET /oauth/start/{server}: 302 to the authorization server. GET /oauth/callback: the
 * redirect target, a small page naming the server authorized or what failed (SPEC section 4).
 * POST /oauth/logout/{server} is for `mcpgw auth logout`; app.ts requires the bearer token there.
 */
export function registerOAuthRoutes(app: H3, host: () => OAuthRoutesHost | undefined, log: Logger): void {
  app.get('/oauth/start/:server', async (event: H3Event) => {
    const server = decodeURIComponent(getRouterParam(event, 'server') ?? '');
    const oauth = host();
    if (!oauth) return page(httpStatusOf(unknownServer(server)), 'Not an OAuth server', `No OAuth server is configured as "${server}".`);
    try {
      const url = await oauth.start(server);
      return new Response(null, { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } });
    } catch (err) {
      // The page's status is the error's registered one (404 for an unknown server, 502 for
      // the authorization server's failures); an unknown error is opaque, its stack logged.
      if (!(err instanceof McpgwError)) logUnknown(log, event, err);
      const e = err instanceof McpgwError ? err : undefined;
      return page(httpStatusOf(err), 'Authorization could not start', `${e?.message ?? 'internal error'}${e?.hint ? ` (${e.hint})` : ''}`);
    }
  });
  app.get('/oauth/callback', async (event: H3Event) => {
    const oauth = host();
    if (!oauth)
      return page(
        httpStatusOf(new McpgwError('MCPGW_E_OAUTH_STATE', 'no OAuth server')),
        'Authorization failed',
        'No OAuth server is configured.',
      );
    // The failure statuses (400, 403, 502) still come from auth/oauth-service.ts's CallbackResult.
    const result = await oauth.callback(event.url.searchParams);
    if (result.ok)
      return page(200, `Authorized ${result.server}`, `mcpgw is now authorized for "${result.server}". You can close this window.`);
    return page(result.status, result.server ? `Authorization of ${result.server} failed` : 'Authorization failed', result.message);
  });
  app.post('/oauth/logout/:server', async (event: H3Event) => {
    const server = decodeURIComponent(getRouterParam(event, 'server') ?? '');
    const oauth = host();
    if (!oauth) return errorResponse(unknownServer(server));
    const forgetClient = event.url.searchParams.get('forgetClient') === 'true';
    try {
      return jsonResponse(200, { server, loggedOut: await oauth.logout(server, forgetClient) });
    } catch (err) {
      if (!(err instanceof McpgwError)) logUnknown(log, event, err);
      return errorResponse(err);
    }
  });
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

function page(status: number, title: string, message: string): Response {
  const ok = status < 400;
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} - mcpgw</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem;color:${ok ? '#1a7f37' : '#b42318'}}</style></head>
<body><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>`;
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}
