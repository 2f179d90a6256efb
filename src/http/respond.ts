import type { ServerResponse } from 'node:http';
import type { Code } from '../errors/codes.js';

/**
 * Every HTTP error leaves through these, so the body shapes stay consistent: web Responses
 * for the h3 routes (http/app.ts, http/oauth.ts), node:http writes for the MCP endpoint.
 */

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A plain error body for the non-MCP paths. */
export function errorResponse(status: number, code: Code, message: string, hint?: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { error: { code, message, ...(hint ? { hint } : {}) } }, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A JSON-RPC error body (for the MCP endpoint, whose clients parse JSON-RPC). */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  data?: { code: Code; hint?: string },
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', id: null, error: { code, message, ...(data ? { data } : {}) } }, headers);
}
