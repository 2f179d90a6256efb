/** Reaching and calling an upstream server (`retry` says whether backoff may help). */
import { type CodeInfo, doctor } from './info.js';

export const UPSTREAM = {
  MCPGW_E_UPSTREAM_CLOSED: {
    exit: 1,
    http: 502,
    jsonrpc: -32000,
    doc: 'The connection to a server closed while a call was in flight (it crashed or restarted); the call is not retried for you.',
  },
  MCPGW_E_UPSTREAM_COMMAND: doctor("A stdio server's command is not on PATH, does not exist, or is not executable."),
  MCPGW_I_UPSTREAM_OK: doctor('The server started or answered, and completed the MCP initialize handshake.'),
  MCPGW_E_UPSTREAM_EXITED: { ...doctor('A stdio server exited (or was killed) before answering initialize.'), retry: true },
  MCPGW_E_UPSTREAM_LINE_TOO_LONG: {
    ...doctor('A stdio server wrote a line of over 32 MiB on stdout (one JSON-RPC message); the gateway stopped it and restarts it.'),
    retry: true,
  },
  MCPGW_E_UPSTREAM_INITIALIZE: doctor('The server answered, but the MCP initialize handshake or the first lists failed.'),
  MCPGW_E_UPSTREAM_REFUSED: { ...doctor("Connection refused: nothing listens at the url's host and port."), retry: true },
  MCPGW_E_UPSTREAM_DNS: { ...doctor("The url's host name does not resolve."), retry: true },
  MCPGW_E_UPSTREAM_UNREACHABLE: {
    ...doctor('The server did not answer in time, or the connection failed otherwise (reset, unreachable network).'),
    retry: true,
  },
  MCPGW_E_UPSTREAM_TLS: doctor(
    'The TLS handshake failed: no TLS on that port, an untrusted or self-signed certificate, another host name, expired.',
  ),
  MCPGW_E_UPSTREAM_AUTH_REQUIRED: doctor('The server answers 401/403 and the config sets no auth for it.'),
  MCPGW_E_UPSTREAM_API_KEY: doctor('The server answers 401/403 to the configured API key.'),
  MCPGW_E_UPSTREAM_NOT_FOUND: doctor('The server answers 404/405: no MCP endpoint at this URL (path or transport).'),
  MCPGW_E_UPSTREAM_SERVER_ERROR: { ...doctor('The server answers with an HTTP 5xx error.'), retry: true },
  MCPGW_E_UPSTREAM_HTTP_STATUS: doctor('The server answers initialize with an unexpected HTTP status (not 2xx, 401/403, 404/405 or 5xx).'),
  MCPGW_E_UPSTREAM_PROTOCOL: doctor(
    'The server does not speak the pinned protocol revision (servers.NAME.protocol), or no revision both sides support.',
  ),
  MCPGW_E_UPSTREAM_TIMEOUT: {
    exit: 1,
    http: 504,
    jsonrpc: -32001,
    doc: 'A server did not answer a call within timeouts.call (reset by progress, 30 minutes at most); the server was told to cancel it.',
  },
} as const satisfies Record<string, CodeInfo>;
