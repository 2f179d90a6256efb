import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  TRACEPARENT_META_KEY,
  type ClientCapabilities,
  type LoggingLevel,
  type RequestId,
} from '@modelcontextprotocol/client';
import { codeInfo } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';
import type { ModernRequest, ModernServer } from '../gateway/modern.js';
import { SUPPORTED_VERSIONS } from '../gateway/protocol.js';
import { isInternal, modernStatus, wireError } from '../gateway/wire-error.js';
import type { Identity } from '../identity/types.js';
import type { Logger } from '../log.js';
import { decodeHeaderValue } from '../upstream/headers.js';
import { header } from './request-checks.js';
import { ModernAnswer } from './modern-answer.js';
import { classifyModern } from './modern-classify.js';
import { checkParamHeaders, type ToolLookup } from './param-headers.js';

/**
 * The HTTP side of a 2026-07-28 request (SPEC section 9, transports/streamable-http): the
 * era classification and envelope checks of the SDK (`classifyInboundRequest`, behind the
 * fast path of http/modern-classify.ts), then what the
 * revision asks of a server that reads the body (the supported-version gate, the
 * MCP-Protocol-Version / Mcp-Method / Mcp-Name headers and SEP-2243 Mcp-Param-* headers),
 * each refusal with its code and status; then the answer, JSON unless a notification for
 * the request comes first (then SSE, without event ids: the revision has no resumption).
 */

export interface ModernHost {
  readonly server: ModernServer;
  readonly log: Logger;
  /** The exposed tools of a profile, for the Mcp-Param-* checks. */
  readonly tools: ToolLookup;
  readonly keepAliveMs: number;
  /** How long an answer is held for JSON before it becomes a stream with keep-alives. */
  readonly holdMs: number;
}

/** Methods whose `params.name` (or `uri`) the Mcp-Name header mirrors. */
const NAMED: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
const MODERN = new Set(['2026-07-28']);

type Classify = typeof import('@modelcontextprotocol/server').classifyInboundRequest;
let classifier: Promise<Classify> | undefined;
/** The server package is loaded on the first 2026-07-28 request: a 2025-era deployment never pays for it. */
function classify(): Promise<Classify> {
  return (classifier ??= import('@modelcontextprotocol/server').then((m) => m.classifyInboundRequest));
}

/** Whether a POST claims the 2026-07-28 era: an envelope in the body, or a modern version header. */
export function claimsModern(req: IncomingMessage, body: unknown): boolean {
  const first = Array.isArray(body) ? body[0] : body;
  const meta = (first as { params?: { _meta?: Record<string, unknown> } } | null | undefined)?.params?._meta;
  if (meta && typeof meta === 'object' && meta[PROTOCOL_VERSION_META_KEY] !== undefined) return true;
  const version = header(req, 'mcp-protocol-version');
  return version !== undefined && version >= '2026-07-28';
}

function refuse(
  res: ServerResponse,
  id: RequestId | null,
  err: McpgwError | { code: number; message: string; data?: unknown },
  status: number,
): void {
  const error = err instanceof McpgwError ? wireError(err, 'modern') : err;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error }));
}

function mismatch(message: string): McpgwError {
  return new McpgwError('MCPGW_E_MCP_HEADER_MISMATCH', `Header mismatch: ${message}`);
}

/** The standard headers of a modern request (SEP-2243): present, and equal to the body. */
function checkStandardHeaders(req: IncomingMessage, method: string, params: Record<string, unknown>): McpgwError | undefined {
  if (header(req, 'mcp-protocol-version') === undefined) return mismatch('the MCP-Protocol-Version header is required');
  if (header(req, 'mcp-method') === undefined) return mismatch('the Mcp-Method header is required');
  const field = NAMED[method];
  if (!field) return undefined;
  const raw = header(req, 'mcp-name');
  if (raw === undefined) return mismatch(`the Mcp-Name header is required for ${method}`);
  const value = decodeHeaderValue(raw);
  if (value === undefined) return mismatch('the Mcp-Name header is not valid Base64 in its =?base64?...?= form');
  if (value !== String(params[field] ?? ''))
    return mismatch(`Mcp-Name header value '${value}' does not match body value '${String(params[field] ?? '')}'`);
  return undefined;
}

export async function serveModern(
  host: ModernHost,
  req: IncomingMessage,
  res: ServerResponse,
  profile: string,
  body: unknown,
  identity: Identity,
): Promise<void> {
  const inbound = {
    httpMethod: 'POST',
    protocolVersionHeader: header(req, 'mcp-protocol-version'),
    mcpMethodHeader: header(req, 'mcp-method'),
    mcpNameHeader: header(req, 'mcp-name'),
    body,
  };
  const outcome = classifyModern(inbound, await classify());
  const id = ((body as { id?: RequestId } | null)?.id ?? null) as RequestId | null;
  if (outcome.kind === 'reject')
    return refuse(res, id, { code: outcome.code, message: outcome.message, data: outcome.data }, outcome.httpStatus);
  if (outcome.kind === 'legacy')
    return refuse(res, id, mismatch('the request is not a 2026-07-28 request'), codeInfo('MCPGW_E_MCP_HEADER_MISMATCH').http);
  if (outcome.messageKind === 'notification') {
    res.writeHead(202).end();
    return;
  }
  const message = outcome.message;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  const version = String(meta[PROTOCOL_VERSION_META_KEY]);
  if (!MODERN.has(version)) {
    const err = new McpgwError('MCPGW_E_MCP_VERSION', 'Unsupported protocol version', {
      details: { supported: [...SUPPORTED_VERSIONS], requested: version },
    });
    return refuse(res, message.id, err, codeInfo(err.code).http);
  }
  const refusal =
    checkStandardHeaders(req, message.method, params) ?? checkParamHeaders(req, message.method, params, host.tools(profile, identity.name));
  if (refusal) return refuse(res, message.id, refusal, codeInfo(refusal.code).http);
  const out = new ModernAnswer(res, message.id, host.keepAliveMs, host.holdMs);
  const request: ModernRequest = {
    profile,
    identity,
    id: message.id,
    method: message.method,
    params,
    clientCapabilities: (meta[CLIENT_CAPABILITIES_META_KEY] ?? {}) as ClientCapabilities,
    logLevel: meta[LOG_LEVEL_META_KEY] as LoggingLevel | undefined,
    traceparent: (meta[TRACEPARENT_META_KEY] as string | undefined) ?? header(req, 'traceparent'),
    exchange: out,
  };
  if (request.method === 'subscriptions/listen') return listen(host, res, request, out);
  await answer(host, request, out);
}

async function answer(host: ModernHost, request: ModernRequest, out: ModernAnswer): Promise<void> {
  try {
    out.finish({ result: await host.server.handle(request) }, 200);
  } catch (err) {
    if (out.aborted) return out.end();
    if (isInternal(err))
      host.log.error(`request failed: ${(err as Error)?.message}`, { method: request.method, stack: (err as Error)?.stack });
    const error = wireError(err, 'modern');
    out.finish({ error }, modernStatus(err, error));
  }
}

/** subscriptions/listen: an SSE stream until the client closes it, or the gateway ends it with a result. */
async function listen(host: ModernHost, res: ServerResponse, request: ModernRequest, out: ModernAnswer): Promise<void> {
  out.stream();
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  try {
    const result = await host.server.listen(request, { send: (method, params) => out.event({ jsonrpc: '2.0', method, params }), closed });
    if (result) out.event({ jsonrpc: '2.0', id: request.id, result });
  } catch (err) {
    out.event({ jsonrpc: '2.0', id: request.id, error: wireError(err, 'modern') });
  } finally {
    out.end();
  }
}
