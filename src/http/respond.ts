import type { ServerResponse } from 'node:http';
import { toHttpError, toJsonRpcResponse, httpStatusOf } from '../errors/render.js';

/**
 * Every HTTP answer with an error leaves through these: web Responses for the h3 routes
 * (http/app.ts, http/oauth-routes.ts), node:http writes for the MCP endpoint. The status and
 * the body come from the error's registered code (errors/render.ts); nothing here picks one.
 */

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The plain error body of the non-MCP paths; unknown errors are opaque (500, "internal error"). */
export function errorResponse(err: unknown, headers: Record<string, string> = {}): Response {
  const { status, body } = toHttpError(err);
  return jsonResponse(status, body, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The plain error body, on node:http. */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const { status, body } = toHttpError(err);
  sendJson(res, status, body, headers);
}

/** A JSON-RPC error body (for the MCP endpoint, whose clients parse JSON-RPC), with the code's status. */
export function sendJsonRpcError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, httpStatusOf(err), toJsonRpcResponse(err), headers);
}
