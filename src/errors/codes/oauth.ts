/** OAuth: discovery, registration, authorization, tokens, and doctor's findings about them. */
import { type CodeInfo, doctor } from './info.js';

export const OAUTH = {
  MCPGW_E_CLIENT_TIMEOUT: {
    exit: 1,
    http: 504,
    jsonrpc: -32001,
    doc: 'A client did not answer a sampling, elicitation or roots request of a server within 30 minutes; the server gets this error.',
  },
  MCPGW_E_OAUTH_DISCOVERY: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'OAuth discovery failed: no protected-resource or authorization-server metadata, or metadata for another resource.',
  },
  MCPGW_E_OAUTH_NO_PKCE: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'The authorization server does not list S256 in code_challenge_methods_supported; MCP requires PKCE S256.',
  },
  MCPGW_E_OAUTH_INSECURE: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'An MCP, metadata or authorization-server URL uses plain http beyond loopback without auth.allowInsecureHttp.',
  },
  MCPGW_E_OAUTH_REGISTRATION: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'No client: no clientId configured, no usable Client ID Metadata Document, and dynamic registration is absent or failed.',
  },
  MCPGW_E_OAUTH_TOKEN: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'The token endpoint refused the code exchange or the refresh (invalid_grant: authorize again).',
  },
  MCPGW_E_OAUTH_UNKNOWN_SERVER: {
    exit: 1,
    http: 404,
    jsonrpc: -32602,
    doc: 'An OAuth command or link names a server that is not an enabled OAuth server.',
  },
  MCPGW_E_OAUTH_SCOPE: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'The server refused 3 tokens in a row with 403 insufficient_scope (the first authorization and 2 step-ups); set auth.scopes.',
  },
  MCPGW_E_OAUTH_STATE: {
    exit: 1,
    http: 400,
    jsonrpc: -32600,
    doc: 'The OAuth callback came with a state nothing waits for: unknown, already used or expired, or no OAuth server is configured.',
  },
  MCPGW_E_OAUTH_DENIED: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: 'The user or the authorization server denied the authorization (access_denied), or login timed out.',
  },
  MCPGW_E_OAUTH_FORBIDDEN: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: "A non-admin asked to authorize or revoke what other identities use: a tokens: shared server, another user's authorization, or the client registration (SPEC section 10).",
  },
  MCPGW_E_OAUTH_LINK: {
    exit: 1,
    http: 403,
    jsonrpc: -32600,
    doc: 'An authorization link (/oauth/start/{server}?ticket=...) is forged, expired, already used, or for another server.',
  },
  MCPGW_E_OAUTH_BROWSER: {
    exit: 1,
    http: 400,
    jsonrpc: -32600,
    doc: 'The OAuth callback came from a browser that did not start that authorization (no or another mcpgw_oauth cookie).',
  },
  MCPGW_E_OAUTH_REPLACE: {
    exit: 1,
    http: 409,
    jsonrpc: -32600,
    doc: 'An authorization would replace a still valid one that nobody asked to replace; the current tokens are kept.',
  },
  MCPGW_W_CALLBACK_URL: doctor(
    'publicUrl does not lead to the listener (another port), or the OAuth redirect URI is plain http beyond loopback.',
  ),
  MCPGW_I_OAUTH_OK: doctor('OAuth discovery works: metadata found, PKCE S256 advertised, a way to get a client exists.'),
  MCPGW_W_OAUTH_FALLBACK: doctor('The server publishes no OAuth metadata; the 2025-03-26 default endpoints are assumed.'),
  MCPGW_I_OAUTH_TOKEN_VALID: doctor("A token is stored for the server's current url and is valid."),
  MCPGW_I_OAUTH_REFRESHABLE: doctor('The access token expired, but a refresh token is stored: the gateway refreshes it on next use.'),
  MCPGW_W_OAUTH_TOKEN_EXPIRING: doctor('The access token expires within the hour and there is no refresh token.'),
  MCPGW_E_OAUTH_NOT_AUTHORIZED: doctor(
    'No token is stored for the OAuth server (or it was issued for another URL): it needs authorization.',
  ),
  MCPGW_E_OAUTH_EXPIRED: doctor('The access token expired and there is no refresh token.'),
  MCPGW_E_OAUTH_TOKEN_REJECTED: doctor(
    'The server refused the stored, unexpired access token (revoked, another resource, or missing scopes).',
  ),
} as const satisfies Record<string, CodeInfo>;
