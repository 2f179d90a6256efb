import type { Code } from '../errors/codes.js';

/** Every HTTP error leaves through these two, so the body shapes stay consistent. */

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A JSON-RPC error body (for the MCP endpoint, whose clients parse JSON-RPC). */
export function jsonRpcErrorResponse(status: number, code: number, message: string, data?: { code: Code; hint?: string }, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { jsonrpc: '2.0', id: null, error: { code, message, ...(data ? { data } : {}) } }, headers);
}

/** A plain error body for the non-MCP paths. */
export function errorResponse(status: number, code: Code, message: string, hint?: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { error: { code, message, ...(hint ? { hint } : {}) } }, headers);
}
