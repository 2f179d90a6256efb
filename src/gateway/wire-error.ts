import { ProtocolError, ResourceNotFoundError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { codeInfo, type Code } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';
import { toJsonRpcError } from '../errors/render.js';
import type { Era } from '../upstream/types.js';

/**
 * The JSON-RPC error a client gets for a failed request (STYLE: errors). An upstream's own
 * error passes through unchanged (code, message, data), except that "resource not found"
 * takes the code of the client's revision; our own errors come from the registry, in the
 * client's revision; anything else is an opaque internal error.
 */
export interface WireError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** The JSON-RPC code of a registered code in a client's revision. */
export function jsonRpcCode(code: Code, era: Era): number {
  const info = codeInfo(code);
  return era === 'modern' ? (info.jsonrpcModern ?? info.jsonrpc) : info.jsonrpc;
}

/** The SDK's own failures of a call, as ours (its message says nothing a client can use). */
const SDK_CODES: Partial<Record<SdkErrorCode, Code>> = {
  [SdkErrorCode.RequestTimeout]: 'MCPGW_E_UPSTREAM_TIMEOUT',
  [SdkErrorCode.ConnectionClosed]: 'MCPGW_E_UPSTREAM_CLOSED',
};

export function wireError(err: unknown, era: Era): WireError {
  if (err instanceof ResourceNotFoundError)
    return { code: jsonRpcCode('MCPGW_E_MCP_RESOURCE_NOT_FOUND', era), message: err.message, data: err.data };
  if (err instanceof ProtocolError) return { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) };
  if (err instanceof McpgwError) return { ...toJsonRpcError(err), code: jsonRpcCode(err.code, era) };
  const sdk = err instanceof SdkError ? SDK_CODES[err.code] : undefined;
  if (sdk) return toJsonRpcError(new McpgwError(sdk, err instanceof Error ? err.message : String(err)));
  return toJsonRpcError(err);
}

/** Whether an error is a fault of ours worth a log line with its stack (the client sees it opaque). */
export function isInternal(err: unknown): boolean {
  return !(err instanceof ProtocolError || err instanceof McpgwError || err instanceof SdkError);
}

/**
 * The HTTP status of a failed 2026-07-28 request: the revision's own refusals have theirs;
 * the errors of a call ride on 200, but a missing client capability is always 400 (the spec
 * ties that status to the error itself, whoever raised it).
 */
export function modernStatus(err: unknown, wire: WireError): number {
  if (err instanceof McpgwError && codeInfo(err.code).modern === 'status') return codeInfo(err.code).http;
  return wire.code === codeInfo('MCPGW_E_MCP_MISSING_CAPABILITY').jsonrpc ? codeInfo('MCPGW_E_MCP_MISSING_CAPABILITY').http : 200;
}
