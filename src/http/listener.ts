import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import type { AppHost } from './app.js';
import type { Identity } from '../identity/types.js';
import { admit } from './guard.js';
import { McpEndpoint, type McpEndpointOptions } from './mcp.js';
import { sendError, sendJson, sendJsonRpcError } from './respond.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The one listener's request handler (SPEC section 4). `/mcp` and `/mcp/{profile}` are served
 * on node:http directly: every tool call goes through them, and h3's conversion of each
 * request and answer to web Request/Response objects (and a stream per body) was a large
 * part of the gateway's CPU per call (docs/performance.md). So are `GET /healthz` and
 * `/readyz`, which supervisors poll from the first milliseconds. They pass the same guard as
 * the h3 routes (Host, Origin, CORS, bearer). Everything else is h3's (http/app.ts), loaded
 * on the first request for it: a daemon nobody opens the status page of never loads h3
 * (issue 18: start time and idle memory).
 */
export function createListener(
  host: AppHost,
  log: Logger,
  options: McpEndpointOptions = {},
): { listener: RequestListener; mcp: McpEndpoint } {
  const mcp = new McpEndpoint(host, options);
  let app: Promise<NodeHandler> | undefined;
  const loadApp = async (): Promise<NodeHandler> => {
    const [{ toNodeHandler }, { createApp }] = await Promise.all([import('h3'), import('./app.js')]);
    return toNodeHandler(await createApp(host, log));
  };
  const toApp = (req: IncomingMessage, res: ServerResponse) =>
    (app ??= loadApp()).then(
      (handle) => handle(req, res),
      (err: Error) => {
        log.error(`request failed: ${err.message}`, { path: req.url, stack: err.stack });
        if (!res.headersSent) sendError(res, err);
      },
    );
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const profile = mcpProfile(path);
    if (profile === undefined) {
      if (req.method === 'GET' && (path === '/healthz' || path === '/readyz')) return void probe(host, req, res, path, query);
      if (req.method === 'GET' && path === '/metrics') return void scrape(host, req, res, log);
      void toApp(req, res);
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
    const admitted = await guarded(host, req, res, path, profile);
    if (admitted) await mcp.handle(req, res, profile, admitted.identity!);
  };
  return { listener, mcp };
}

/**
 * The guard (guard.ts) on node:http: the caller (undefined on open paths) when the request may
 * go on, its CORS headers set; else the preflight or refusal is written and the answer is
 * undefined. `mcpProfile`: the request is the MCP endpoint's, whose clients parse JSON-RPC, so
 * its refusals are JSON-RPC errors (Host and Origin refusals keep the plain error body of
 * every other path), and a refused credential is an audit event there.
 */
async function guarded(
  host: AppHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  mcpProfile?: string,
  ticket = false,
): Promise<{ identity?: Identity } | undefined> {
  const headers = req.headers;
  const verdict = await admit(
    {
      path,
      method: req.method ?? 'GET',
      host: headers.host ?? null,
      origin: headers.origin ?? null,
      authorization: headers.authorization ?? null,
      requestHeaders: headers['access-control-request-headers'] ?? null,
      ...(ticket ? { ticket } : {}),
    },
    host.settings(),
  );
  if (verdict.kind === 'preflight') {
    res.writeHead(204, verdict.headers).end();
    return undefined;
  }
  if (verdict.kind === 'deny') {
    // A request without a credential is a client's first step of signing in (it reads the
    // challenge), not an attempt.
    if (mcpProfile !== undefined && verdict.presented)
      host.audit?.({ profile: mcpProfile, outcome: 'denied', errorCode: verdict.failure.code });
    const challenge: Record<string, string> = verdict.challenge ? { 'www-authenticate': verdict.challenge } : {};
    const plain =
      mcpProfile === undefined || verdict.failure.code === 'MCPGW_E_HTTP_HOST' || verdict.failure.code === 'MCPGW_E_HTTP_ORIGIN';
    if (plain) sendError(res, verdict.failure, challenge);
    else sendJsonRpcError(res, verdict.failure, challenge);
    return undefined;
  }
  if (verdict.cors) for (const name in verdict.cors) res.setHeader(name, verdict.cors[name]!);
  return verdict;
}

/** GET /healthz and /readyz: the same answers as the h3 routes gave. */
async function probe(host: AppHost, req: IncomingMessage, res: ServerResponse, path: string, query: number): Promise<void> {
  const url = req.url ?? '/';
  const ticket = query !== -1 && new URLSearchParams(url.slice(query + 1)).has('ticket');
  if (!(await guarded(host, req, res, path, undefined, ticket))) return;
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  const waiting = host.waiting();
  sendJson(res, waiting.length === 0 ? 200 : 503, { status: waiting.length === 0 ? 'ready' : 'starting', waiting });
}

/** GET /metrics on node:http (a scrape every few seconds need not load h3); 404 when metrics are off. */
async function scrape(host: AppHost, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  if (!(await guarded(host, req, res, '/metrics'))) return;
  const exposition = host.metrics?.();
  if (!exposition)
    return sendError(res, new McpgwError('MCPGW_E_HTTP_NOT_FOUND', 'no route for /metrics (gateway.metrics.enabled is false)'));
  try {
    const { contentType, text } = await exposition;
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(text);
  } catch (err) {
    log.error(`metrics failed: ${(err as Error).message}`, { stack: (err as Error).stack });
    if (!res.headersSent) sendError(res, err as Error);
  }
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
