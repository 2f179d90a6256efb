import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { toNodeHandler } from 'h3';
import type { Logger } from '../log.js';
import { createApp, type AppHost } from './app.js';
import { admit } from './guard.js';
import { McpEndpoint, type McpEndpointOptions } from './mcp.js';
import { sendError, sendJsonRpcError } from './respond.js';

/**
 * The one listener's request handler (SPEC section 4). `/mcp` and `/mcp/{profile}` are served
 * on node:http directly: every tool call goes through them, and h3's conversion of each
 * request and answer to web Request/Response objects (and a stream per body) was a large
 * part of the gateway's CPU per call (docs/performance.md). They pass the same guard as the
 * h3 routes (Host, Origin, CORS, bearer). Everything else is h3's (http/app.ts).
 */
export function createListener(
  host: AppHost,
  log: Logger,
  options: McpEndpointOptions = {},
): { listener: RequestListener; mcp: McpEndpoint } {
  const mcp = new McpEndpoint(host, options);
  const app = toNodeHandler(createApp(host, log));
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const profile = mcpProfile(path);
    if (profile === undefined) {
      void app(req, res);
      return;
    }
    serveMcp(req, res, path, profile).catch((err: Error) => {
      // A client that went away mid-request is not a fault of ours.
      if (req.destroyed && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      log.error(`request failed: ${err.message}`, { path, stack: err.stack });
      // Opaque to the client (an unknown error is a bug); the stack is in the log.
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  };
  const serveMcp = async (req: IncomingMessage, res: ServerResponse, path: string, profile: string): Promise<void> => {
    const headers = req.headers;
    const verdict = await admit(
      {
        path,
        method: req.method ?? 'GET',
        host: headers.host ?? null,
        origin: headers.origin ?? null,
        authorization: headers.authorization ?? null,
      },
      host.settings(),
    );
    if (verdict.kind === 'preflight') {
      res.writeHead(204, verdict.headers).end();
      return;
    }
    if (verdict.kind === 'deny') {
      // A refused credential is an audit event; a request without one is a client's first
      // step of signing in (it reads the challenge), not an attempt.
      if (verdict.presented) host.audit?.({ profile, outcome: 'denied', errorCode: verdict.failure.code });
      // A client of the MCP endpoint parses JSON-RPC: the 401 is one; Host/Origin refusals
      // keep the plain error body of every other path.
      const challenge: Record<string, string> = verdict.challenge ? { 'www-authenticate': verdict.challenge } : {};
      if (verdict.failure.code === 'MCPGW_E_HTTP_HOST' || verdict.failure.code === 'MCPGW_E_HTTP_ORIGIN') sendError(res, verdict.failure);
      else sendJsonRpcError(res, verdict.failure, challenge);
      return;
    }
    if (verdict.cors) for (const name in verdict.cors) res.setHeader(name, verdict.cors[name]!);
    await mcp.handle(req, res, profile, verdict.identity!);
  };
  return { listener, mcp };
}

/** The profile of an MCP endpoint path (`/mcp` is `default`), or undefined for any other path. */
function mcpProfile(path: string): string | undefined {
  if (path === '/mcp') return 'default';
  if (!path.startsWith('/mcp/') || path.length === 5 || path.indexOf('/', 5) !== -1) return undefined;
  try {
    return decodeURIComponent(path.slice(5));
  } catch {
    return undefined;
  }
}
