import type { IncomingMessage } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { kindOf } from './message.js';

/**
 * The checks of the Streamable HTTP transport (MCP 2025-11-25, "Transports"), with the
 * messages of the SDK's server transport that they replace; each refusal is a registered
 * code whose HTTP status and JSON-RPC code (errors/codes.ts) are the SDK's, so clients and the
 * conformance suite see the same answers as before.
 */

/** The messages of a POST that passed the checks. */
export interface PostBody {
  readonly messages: readonly JSONRPCMessage[];
  /** Ids of the requests among them, in order: what the POST's answer must carry. */
  readonly requestIds: readonly RequestId[];
  /** The body was a JSON array: its answer is an array too. */
  readonly batch: boolean;
  /** An initialize request among them (it must then be the only message). */
  readonly initialize?: JSONRPCMessage;
}

/** The SDK's limit on one JSON-RPC batch. */
const MAX_BATCH = 100;

/** The protocol version a client gives no header for (the SDK's default). */
const DEFAULT_PROTOCOL_VERSION = '2025-03-26';

export function header(req: IncomingMessage, name: string): string | undefined {
  return req.headers[name] as string | undefined;
}

/** Accept, Content-Type, batch size, and each message's JSON-RPC shape. */
export function checkPost(req: IncomingMessage, body: unknown): PostBody | McpgwError {
  const accept = header(req, 'accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
    return new McpgwError('MCPGW_E_HTTP_NOT_ACCEPTABLE', 'Not Acceptable: Client must accept both application/json and text/event-stream');
  }
  if (!isJsonContentType(header(req, 'content-type'))) {
    return new McpgwError('MCPGW_E_HTTP_MEDIA_TYPE', 'Unsupported Media Type: Content-Type must be application/json');
  }
  const batch = Array.isArray(body);
  const messages = (batch ? body : [body]) as JSONRPCMessage[];
  if (messages.length > MAX_BATCH)
    return new McpgwError('MCPGW_E_HTTP_BATCH', `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`);
  const requestIds: RequestId[] = [];
  let initialize: JSONRPCMessage | undefined;
  for (const message of messages) {
    const kind = kindOf(message);
    if (kind === undefined) return new McpgwError('MCPGW_E_HTTP_PARSE', 'Parse error: Invalid JSON-RPC message');
    if (kind !== 'request') continue;
    requestIds.push((message as { id: RequestId }).id);
    if ((message as { method: string }).method === 'initialize') initialize = message;
  }
  return { messages, requestIds, batch, initialize };
}

/** A present MCP-Protocol-Version must be one the SDK (hence our Server) supports; absent means the default. */
export function checkProtocolVersion(req: IncomingMessage): McpgwError | undefined {
  const version = header(req, 'mcp-protocol-version');
  if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
  return new McpgwError(
    'MCPGW_E_HTTP_PROTOCOL_VERSION',
    `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
  );
}

export function protocolVersionOf(req: IncomingMessage): string {
  return header(req, 'mcp-protocol-version') ?? DEFAULT_PROTOCOL_VERSION;
}

/** `application/json` with any parameters (charset); the media type, never a substring of the header. */
function isJsonContentType(value: string | undefined): boolean {
  if (value === 'application/json') return true;
  return value !== undefined && !value.includes(',') && value.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}
