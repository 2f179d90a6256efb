import { H3, type H3Event } from 'h3';
import type { StatusJson } from '../api/status-json.js';
import type { GatewaySpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { admit } from './guard.js';
import type { McpHost } from './mcp.js';
import { renderStatusPage } from './page.js';
import { errorResponse, jsonResponse } from './respond.js';

/** What the HTTP surface needs of the daemon; narrow on purpose (http/ knows no upstream). */
export interface AppHost extends McpHost {
  /** The live gateway settings (bearer tokens, allowed hosts and origins apply on reload). */
  settings(): GatewaySpec;
  status(): StatusJson;
  /** The Prometheus exposition (observe/metrics.ts); undefined when gateway.metrics.enabled is false. */
  metrics?(): Promise<{ contentType: string; text: string }> | undefined;
  /** Servers still starting; empty when ready. */
  waiting(): string[];
  /** Extra routes (OAuth) registered by other modules, which may load them first. */
  readonly extraRoutes?: (app: H3) => void | Promise<void>;
}

/**
 * Every route of the one listener except the MCP endpoint (SPEC section 4), which
 * http/listener.ts serves on node:http directly (with GET /healthz and /readyz; the routes
 * here answer their other methods as before). Every request passes the guard first. Loaded
 * on the first request for one of these routes (listener.ts).
 */
export async function createApp(host: AppHost, log: Logger): Promise<H3> {
  const app = new H3({
    onError: (error, event) => {
      if ((error as { status?: number }).status === 404)
        return errorResponse(new McpgwError('MCPGW_E_HTTP_NOT_FOUND', `no route for ${event.url.pathname}`));
      log.error(`request failed: ${error.message}`, {
        path: event.url.pathname,
        stack: error.cause instanceof Error ? error.cause.stack : error.stack,
      });
      // What h3 hands here is its own HTTPError wrapping the cause: opaque to the client.
      return errorResponse(error.cause instanceof McpgwError ? error.cause : error);
    },
  });

  app.use((event: H3Event) => {
    const headers = event.req.headers;
    const verdict = admit(
      {
        path: event.url.pathname,
        method: event.req.method,
        host: headers.get('host'),
        origin: headers.get('origin'),
        authorization: headers.get('authorization'),
        ticket: event.url.searchParams.has('ticket'),
        requestHeaders: headers.get('access-control-request-headers'),
      },
      host.settings(),
    );
    if (verdict.kind === 'preflight') return new Response(null, { status: 204, headers: verdict.headers });
    if (verdict.kind === 'deny') return errorResponse(verdict.failure, verdict.challenge ? { 'www-authenticate': verdict.challenge } : {});
    if (verdict.cors) for (const [k, v] of Object.entries(verdict.cors)) event.res.headers.set(k, v);
    // Who the caller is, for the routes that act on it (http/oauth-routes.ts).
    if (verdict.identity) event.context.identity = verdict.identity;
  });

  app.get('/healthz', () => jsonResponse(200, { status: 'ok' }));
  app.get('/readyz', () => {
    const waiting = host.waiting();
    return jsonResponse(waiting.length === 0 ? 200 : 503, { status: waiting.length === 0 ? 'ready' : 'starting', waiting });
  });
  app.get('/status', () => jsonResponse(200, host.status()));
  app.get(
    '/',
    () =>
      new Response(renderStatusPage(host.status()), {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'x-frame-options': 'DENY',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        },
      }),
  );
  await host.extraRoutes?.(app);
  return app;
}
