/** Protocol-level faults of a client request (SPEC sections 5 and 9). */
import { type CodeInfo } from './info.js';

export const MCP = {
  MCPGW_E_SESSION_ATTRIBUTION: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'A shared upstream sent a sampling/elicitation/roots request while several client sessions (or none) had calls in flight to it.',
  },
  // Protocol-level faults of a client request (SPEC sections 5 and 9): the JSON-RPC code is the
  // MCP spec's. Those marked modern: 'status' end a 2026-07-28 request with their HTTP status;
  // the others ride in the JSON-RPC answer (on HTTP 200), like every 2025-era error.
  MCPGW_E_MCP_UNKNOWN_NAME: {
    exit: 1,
    http: 400,
    jsonrpc: -32602,
    doc: 'A tools/call, prompts/get or completion names a tool or prompt the profile does not expose.',
  },
  MCPGW_E_MCP_RESOURCE_NOT_FOUND: {
    exit: 1,
    http: 404,
    jsonrpc: -32002,
    jsonrpcModern: -32602,
    doc: 'A resources/read names a URI no member of the profile serves (-32002; -32602 for 2026-07-28 clients).',
  },
  MCPGW_E_MCP_INVALID_PARAMS: {
    exit: 1,
    http: 400,
    jsonrpc: -32602,
    doc: 'A request has params the gateway cannot route (a completion without a ref, a forged or expired requestState).',
  },
  MCPGW_E_MCP_METHOD_NOT_FOUND: {
    exit: 1,
    modern: 'status',
    http: 404,
    jsonrpc: -32601,
    doc: "The method does not exist in the client's protocol revision (2026-07-28 removed ping, logging/setLevel, resources/subscribe, initialize).",
  },
  MCPGW_E_MCP_CLIENT_CAPABILITY: {
    exit: 1,
    http: 400,
    jsonrpc: -32601,
    doc: 'A server asked the client for sampling, elicitation or roots, and the client does not support it.',
  },
  MCPGW_E_MCP_META: {
    exit: 1,
    modern: 'status',
    http: 400,
    jsonrpc: -32602,
    doc: 'A 2026-07-28 request has no valid _meta envelope (io.modelcontextprotocol/protocolVersion and clientCapabilities).',
  },
  MCPGW_E_MCP_VERSION: {
    exit: 1,
    modern: 'status',
    http: 400,
    jsonrpc: -32022,
    doc: 'A request names a protocol version the gateway does not support; data.supported lists those it does.',
  },
  MCPGW_E_MCP_HEADER_MISMATCH: {
    exit: 1,
    modern: 'status',
    http: 400,
    jsonrpc: -32020,
    doc: 'A 2026-07-28 request lacks MCP-Protocol-Version, Mcp-Method or Mcp-Name (or an Mcp-Param-* header), or they disagree with the body.',
  },
  MCPGW_E_MCP_MISSING_CAPABILITY: {
    exit: 1,
    modern: 'status',
    http: 400,
    jsonrpc: -32021,
    doc: 'A 2026-07-28 request needs a client capability it did not declare in _meta (data.requiredCapabilities).',
  },
  MCPGW_E_MCP_DUPLICATE_ID: {
    exit: 1,
    http: 400,
    jsonrpc: -32600,
    doc: 'A client sent a request whose id is already in use by another of its requests in flight (or twice in one batch).',
  },
  MCPGW_E_SESSION_CLOSED: {
    exit: 1,
    http: 404,
    jsonrpc: -32000,
    doc: 'The client session closed (DELETE, idle timeout, removed profile) while a request of it was still in flight.',
  },
} as const satisfies Record<string, CodeInfo>;
