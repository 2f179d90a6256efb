import { ProtocolError, ResourceNotFoundError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { toJsonRpcError } from '../errors/render.js';
import { McpgwError } from '../errors/error.js';
import type { Era } from '../upstream/types.js';

/**
 * The JSON-RPC error a client gets for a failed request (STYLE: errors). An upstream's own
 * error passes through unchanged (code, message, data), except that "resource not found"
 * takes the code of the client's revision (-32002 before 2026-07-28, -32602 from it); our
 * own errors come from the registry; anything else is an opaque internal error.
 */
export interface WireError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

const NOT_FOUND_CODE: Record<Era, number> = { legacy: -32002, modern: -32602 };

export function wireError(err: unknown, era: Era): WireError {
  if (err instanceof ResourceNotFoundError) return { code: NOT_FOUND_CODE[era], message: err.message, data: err.data };
  if (err instanceof ProtocolError) return { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) };
  if (err instanceof McpgwError) {
    const rendered = toJsonRpcError(err);
    return err.code === 'MCPGW_E_MCP_RESOURCE_NOT_FOUND' ? { ...rendered, code: NOT_FOUND_CODE[era] } : rendered;
  }
  if (err instanceof SdkError) {
    if (err.code === SdkErrorCode.RequestTimeout) return { code: -32001, message: 'Request timed out' };
    if (err.code === SdkErrorCode.ConnectionClosed) return { code: -32000, message: 'Connection closed' };
  }
  return { code: -32603, message: 'internal error' };
}

/** Whether an error is a fault of ours worth a log line with its stack (the client sees it opaque). */
export function isInternal(err: unknown): boolean {
  return !(err instanceof ProtocolError || err instanceof McpgwError || err instanceof SdkError);
}
