import { H3, getRouterParam, type H3Event } from 'h3';
import type { GatewaySpec } from '../config/types.js';
import type { Logger } from '../log.js';
import { checkBearer, checkHost, checkOrigin } from './guard.js';
import { McpEndpoint, type McpHost } from './mcp.js';
import { renderStatusPage } from './page.js';
import { errorResponse, jsonResponse, jsonRpcErrorResponse } from './respond.js';

/** What the HTTP surface needs of the daemon; narrow on purpose (http/ knows no upstream). */
export interface AppHost extends McpHost {
  /** The live gateway settings (bearer tokens, allowed hosts and origins apply on reload). */
  settings(): GatewaySpec;
  status(): unknown;
  /** Servers still starting; empty when ready. */
  waiting(): string[];
  /** Extra routes (OAuth, status page) registered by other modules. */
  readonly extraRoutes?: (app: H3) => void;
}

const OPEN_PATHS = new Set(['/healthz', '/readyz']);
const CORS_ALLOW_HEADERS = 'content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id';

/**
 * The one listener's routes (SPEC section 4). Every request passes Host and Origin checks
 * (except the health probes), then bearer auth where the path needs it.
 */
export function createApp(host: AppHost, log: Logger): { app: H3; mcp: McpEndpoint } {
  const mcp = new McpEndpoint(host, log);
  const app = new H3({
    onError: (error, event) => {
      if ((error as { status?: number }).status === 404) return errorResponse(404, 'MCPGW_E_HTTP_PROFILE', `no route for ${event.url.pathname}`);
      log.error(`request failed: ${error.message}`, { path: event.url.pathname, stack: error.cause instanceof Error ? error.cause.stack : error.stack });
      return jsonResponse(500, { error: { code: 'MCPGW_E_INTERNAL', message: 'internal error' } });
    },
  });

  app.use((event: H3Event) => {
    const path = event.url.pathname;
    if (OPEN_PATHS.has(path)) return;
    const gw = host.settings();
    const req = event.req;
    const origin = req.headers.get('origin');
    const denied = checkHost(req.headers.get('host'), gw) ?? checkOrigin(origin, gw);
    if (denied) return errorResponse(denied.status, denied.code, denied.message);
    const cors = origin && gw.allowedOrigins.includes(origin)
      ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'mcp-session-id', vary: 'origin' }
      : undefined;
    if (req.method === 'OPTIONS' && cors) {
      return new Response(null, {
        status: 204,
        headers: { ...cors, 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': CORS_ALLOW_HEADERS, 'access-control-max-age': '600' },
      });
    }
    if (cors) for (const [k, v] of Object.entries(cors)) event.res.headers.set(k, v);
    // The OAuth redirect target and start links are opened by a browser without our token;
    // logout changes state, so it needs the token like /status.
    if (path.startsWith('/oauth/') && !path.startsWith('/oauth/logout/')) return;
    const browserPath = path === '/' || path === '/status';
    const unauthorized = checkBearer(req.headers.get('authorization'), gw, browserPath);
    if (unauthorized) {
      const challenge = browserPath ? 'Basic realm="mcpgw", Bearer realm="mcpgw"' : 'Bearer realm="mcpgw"';
      return path.startsWith('/mcp')
        ? jsonRpcErrorResponse(401, -32600, unauthorized.message, { code: unauthorized.code }, { 'www-authenticate': challenge })
        : errorResponse(401, unauthorized.code, unauthorized.message, undefined, { 'www-authenticate': challenge });
    }
  });

  app.get('/healthz', () => jsonResponse(200, { status: 'ok' }));
  app.get('/readyz', () => {
    const waiting = host.waiting();
    return jsonResponse(waiting.length === 0 ? 200 : 503, { status: waiting.length === 0 ? 'ready' : 'starting', waiting });
  });
  app.get('/status', () => jsonResponse(200, host.status()));
  app.get('/', () => new Response(renderStatusPage(host.status() as Parameters<typeof renderStatusPage>[0]), {
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
  }));
  const mcpRoute = (event: H3Event) => {
    const profile = getRouterParam(event, 'profile') ?? 'default';
    return withCors(mcp.handle(event.req as unknown as Request, decodeURIComponent(profile)), event);
  };
  app.all('/mcp', mcpRoute);
  app.all('/mcp/:profile', mcpRoute);
  host.extraRoutes?.(app);
  return { app, mcp };
}

/** The MCP transport builds its own Response; copy the CORS headers set by the guard onto it. */
async function withCors(pending: Promise<Response>, event: H3Event): Promise<Response> {
  const response = await pending;
  const origin = event.res.headers.get('access-control-allow-origin');
  if (origin) {
    response.headers.set('access-control-allow-origin', origin);
    response.headers.set('access-control-expose-headers', 'mcp-session-id');
  }
  return response;
}
