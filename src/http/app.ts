import { H3, type H3Event } from 'h3';
import type { StatusJson } from '../api/status-json.js';
import type { GatewaySpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { endpointOfMetadataPath, protectedResourceMetadata } from '../identity/resource.js';
import type { Identity } from '../identity/types.js';
import type { Logger } from '../log.js';
import { admit } from './guard.js';
import type { McpHost } from './mcp.js';
import { renderStatusPage } from './page.js';
import { errorResponse, jsonResponse } from './respond.js';

/** What the HTTP surface needs of the daemon; narrow on purpose (http/ knows no upstream). */
export interface AppHost extends McpHost {
  /** The live gateway settings (bearer tokens, allowed hosts and origins apply on reload). */
  settings(): GatewaySpec;
  /** /status; with the caller's identity, only the profiles it may use and links bound to it. */
  status(identity?: Identity): StatusJson;
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

  app.use(async (event: H3Event) => {
    const headers = event.req.headers;
    const verdict = await admit(
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
  app.get('/status', (event) => jsonResponse(200, host.status(event.context.identity as Identity | undefined)));
  app.get(
    '/',
    (event) =>
      new Response(renderStatusPage(host.status(event.context.identity as Identity | undefined)), {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'x-frame-options': 'DENY',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        },
      }),
  );
  registerResourceMetadata(app, host);
  await host.extraRoutes?.(app);
  return app;
}

/**
 * RFC 9728 metadata of each MCP endpoint (gateway.auth.oidc): public, a client reads it from
 * the 401's resource_metadata before it signs in.
 */
function registerResourceMetadata(app: H3, host: AppHost): void {
  app.get('/.well-known/oauth-protected-resource/**', (event) => {
    const gw = host.settings();
    const endpoint = gw.oidc ? endpointOfMetadataPath(gw, event.url.pathname) : undefined;
    const profile = endpoint === '/mcp' ? 'default' : endpoint ? decodeURIComponent(endpoint.slice(5)) : undefined;
    if (!endpoint || !profile || !host.hasProfile(profile))
      return errorResponse(new McpgwError('MCPGW_E_HTTP_NOT_FOUND', `no protected resource metadata at ${event.url.pathname}`));
    return jsonResponse(200, protectedResourceMetadata(gw, endpoint));
  });
}
