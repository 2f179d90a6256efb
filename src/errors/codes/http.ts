/** The HTTP surface: the guard, the MCP endpoint's transport rules. */
import { type CodeInfo } from './info.js';

export const HTTP = {
  MCPGW_E_HTTP_TOO_MANY_SESSIONS: {
    exit: 1,
    http: 503,
    jsonrpc: -32000,
    doc: 'A new 2025-era session would pass gateway.maxSessions or maxSessionsPerProfile and none is idle enough to close; retry after Retry-After.',
  },
  MCPGW_E_HTTP_HOST: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: 'A request came with a Host header that is not loopback, the listen host, the publicUrl host or in allowedHosts.',
  },
  MCPGW_E_HTTP_ORIGIN: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: 'A browser request came from an Origin that is not loopback, the publicUrl origin or in allowedOrigins.',
  },
  MCPGW_E_HTTP_UNAUTHORIZED: {
    exit: 1,
    http: 401,
    jsonrpc: -32600,
    doc: 'gateway.auth.bearerTokens is set and the request has no valid Authorization header.',
  },
  MCPGW_E_HTTP_INSUFFICIENT_SCOPE: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: 'An OIDC access token lacks a scope of gateway.auth.oidc.scopes (WWW-Authenticate: error="insufficient_scope").',
  },
  MCPGW_E_HTTP_FORBIDDEN: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: "The caller's identity is outside the profile's access list (profiles.NAME.access).",
  },
  MCPGW_E_OIDC_UNAVAILABLE: {
    exit: 1,
    http: 503,
    jsonrpc: -32603,
    doc: "The gateway cannot check OIDC access tokens: the issuer's metadata or keys (jwks_uri) cannot be fetched.",
  },
  MCPGW_E_HTTP_PROFILE: { exit: 1, http: 404, jsonrpc: -32600, doc: 'The URL names a profile that does not exist.' },
  MCPGW_E_HTTP_BODY_TOO_LARGE: { exit: 1, http: 413, jsonrpc: -32600, doc: 'A request body is over 4 MB.' },
  MCPGW_E_HTTP_PARSE: { exit: 1, http: 400, jsonrpc: -32700, doc: 'A request body is not valid JSON, or not JSON-RPC messages.' },
  MCPGW_E_HTTP_NOT_FOUND: { exit: 1, http: 404, jsonrpc: -32600, doc: 'No route of the HTTP surface has this path.' },
  // The MCP endpoint's refusals (Streamable HTTP, MCP 2025-11-25 "Transports"): the statuses,
  // JSON-RPC codes and messages of the SDK's server transport, which clients and the conformance
  // suite expect.
  MCPGW_E_HTTP_NOT_ACCEPTABLE: {
    exit: 1,
    http: 406,
    jsonrpc: -32000,
    doc: 'The Accept header lacks application/json and text/event-stream (POST) or text/event-stream (GET).',
  },
  MCPGW_E_HTTP_MEDIA_TYPE: {
    exit: 1,
    http: 415,
    jsonrpc: -32000,
    doc: 'A POST to the MCP endpoint is not Content-Type: application/json.',
  },
  MCPGW_E_HTTP_BATCH: { exit: 1, http: 400, jsonrpc: -32600, doc: 'A JSON-RPC batch has more than 100 messages.' },
  MCPGW_E_HTTP_NO_SESSION: {
    exit: 1,
    http: 400,
    jsonrpc: -32000,
    doc: 'A request without an Mcp-Session-Id header that is not an initialize POST.',
  },
  MCPGW_E_HTTP_SESSION_NOT_FOUND: {
    exit: 1,
    http: 404,
    jsonrpc: -32001,
    doc: 'The Mcp-Session-Id names no open session of this profile (closed, timed out, or the daemon restarted).',
  },
  MCPGW_E_HTTP_SESSION_INVALID: {
    exit: 1,
    http: 404,
    jsonrpc: -32001,
    doc: 'The Mcp-Session-Id is not one the gateway issued: truncated, altered or made up (a sealed id opens only intact).',
  },
  MCPGW_E_HTTP_SESSION_KEY: {
    exit: 1,
    http: 404,
    jsonrpc: -32001,
    doc: 'The Mcp-Session-Id was sealed with a session key this gateway has neither as gateway.sessionKey nor in previousSessionKeys.',
  },
  MCPGW_E_HTTP_SESSION_EXPIRED: {
    exit: 1,
    http: 404,
    jsonrpc: -32001,
    doc: 'The Mcp-Session-Id is older than gateway.sessionMaxAge; it is refused on every replica.',
  },
  MCPGW_E_HTTP_INITIALIZE: {
    exit: 1,
    http: 400,
    jsonrpc: -32600,
    doc: 'An initialize request is malformed, not alone in its POST, or sent on a session that is already initialized.',
  },
  MCPGW_E_HTTP_METHOD: { exit: 1, http: 405, jsonrpc: -32000, doc: 'The MCP endpoint answers GET, POST and DELETE only.' },
  MCPGW_E_HTTP_PROTOCOL_VERSION: {
    exit: 1,
    http: 400,
    jsonrpc: -32000,
    doc: 'The MCP-Protocol-Version header names a version mcpgw does not support.',
  },
  MCPGW_E_HTTP_LAST_EVENT_ID: {
    exit: 1,
    http: 400,
    jsonrpc: -32000,
    doc: 'A GET with a Last-Event-ID that is not an event of this session, or no longer kept.',
  },
  MCPGW_E_HTTP_STREAM_CONFLICT: {
    exit: 1,
    http: 409,
    jsonrpc: -32000,
    doc: 'A second GET stream for a session that already has one open.',
  },
} as const satisfies Record<string, CodeInfo>;
