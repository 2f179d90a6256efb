/**
 * Every error and finding code of mcpgw, in one registry: how it maps to a process exit
 * status, an HTTP status and a JSON-RPC error code, and the line docs/errors.md documents.
 * A code is stable once released: tools and users match on it.
 */
export interface CodeInfo {
  /** Exit status of a command that fails with this code. */
  readonly exit: number;
  /** HTTP status when this code ends an HTTP request. */
  readonly http: number;
  /** JSON-RPC error code when this code ends an MCP request. */
  readonly jsonrpc: number;
  /** One line for docs/errors.md: what causes it. */
  readonly doc: string;
}

const config = (doc: string): CodeInfo => ({ exit: 1, http: 500, jsonrpc: -32603, doc });

export const CODES = {
  MCPGW_E_USAGE: { exit: 2, http: 400, jsonrpc: -32602, doc: 'The command line is wrong: unknown option, missing argument.' },
  MCPGW_E_INTERNAL: { exit: 1, http: 500, jsonrpc: -32603, doc: 'A bug in mcpgw; the log has the stack trace.' },

  MCPGW_E_CONFIG_READ: config('The config file cannot be read: missing, a folder, unreadable, too large, or not text.'),
  MCPGW_E_CONFIG_EMPTY: config('The config file is empty.'),
  MCPGW_E_CONFIG_PARSE: config('The config file is not valid YAML: indentation, tabs, duplicate keys, unclosed quotes.'),
  MCPGW_E_CONFIG_SCHEMA: config('A value does not fit the schema: unknown key, wrong type, bad name or duration, missing key.'),
  MCPGW_E_CONFIG_TEMPLATE: config('A template ($<env:...>, $<file:...>) is malformed.'),
  MCPGW_E_CONFIG_ENV: config('A $<env:NAME> template names a variable that is unset or empty.'),
  MCPGW_E_CONFIG_FILE: config('A $<file:PATH> template names a file that cannot be read.'),
  MCPGW_E_CONFIG_REFERENCE: config('A profile names a server that does not exist.'),
  MCPGW_E_CONFIG_SERVER_KIND: config('A server has both command and url, or neither, or keys of the other kind.'),
  MCPGW_E_CONFIG_URL: config('A URL is not an absolute http(s) URL, or uses plain http where https is required.'),
  MCPGW_E_CONFIG_NAME: config('A server or profile name contains "__", which separates prefixes from tool names.'),
  MCPGW_E_CONFIG_COLLISION: config('Two members of a profile would expose tools under the same prefix.'),
  MCPGW_E_CONFIG_INSECURE: config('A non-loopback listen address without gateway.auth.bearerTokens.'),
  MCPGW_W_CONFIG_ENV_DISABLED: config('A template of a disabled server (or one checked with --no-secrets) cannot be resolved yet.'),
  MCPGW_W_CONFIG_UNUSED_SERVER: config('A server is enabled but no profile lists it.'),

  MCPGW_E_SERVER_UNAVAILABLE: { exit: 1, http: 503, jsonrpc: -32010, doc: 'A call names a server that is not ready (starting, restarting, error, stopped).' },
  MCPGW_E_SERVER_NEEDS_AUTH: { exit: 1, http: 401, jsonrpc: -32011, doc: 'A call names an OAuth server that is not authorized yet; data.authorizationUrl is the link to open.' },
  MCPGW_E_SERVER_TIMEOUT: { exit: 1, http: 504, jsonrpc: -32001, doc: 'A server did not finish starting and initializing within timeouts.connect.' },
  MCPGW_E_SESSION_ATTRIBUTION: { exit: 1, http: 500, jsonrpc: -32603, doc: 'A shared upstream sent a sampling/elicitation/roots request while several client sessions (or none) had calls in flight to it.' },
  MCPGW_E_HTTP_HOST: { exit: 1, http: 403, jsonrpc: -32600, doc: 'A request came with a Host header that is not loopback, the listen host, the publicUrl host or in allowedHosts.' },
  MCPGW_E_HTTP_ORIGIN: { exit: 1, http: 403, jsonrpc: -32600, doc: 'A browser request came from an Origin that is not loopback, the publicUrl origin or in allowedOrigins.' },
  MCPGW_E_HTTP_UNAUTHORIZED: { exit: 1, http: 401, jsonrpc: -32600, doc: 'gateway.auth.bearerTokens is set and the request has no valid Authorization header.' },
  MCPGW_E_HTTP_PROFILE: { exit: 1, http: 404, jsonrpc: -32600, doc: 'The URL names a profile that does not exist.' },
  MCPGW_E_HTTP_BODY_TOO_LARGE: { exit: 1, http: 413, jsonrpc: -32600, doc: 'A request body is over 4 MB.' },
  MCPGW_E_HTTP_PARSE: { exit: 1, http: 400, jsonrpc: -32700, doc: 'A request body is not valid JSON.' },
  MCPGW_E_LISTEN: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The daemon cannot listen on gateway.listen: the port is taken or the address is not on this machine.' },
  MCPGW_E_KEY_MISSING: { exit: 1, http: 500, jsonrpc: -32603, doc: 'OAuth is used but no encryption key is set: OAUTH_ENCRYPTION_KEY, OAUTH_ENCRYPTION_KEY_FILE or $CREDENTIALS_DIRECTORY/oauth-encryption-key.' },
  MCPGW_E_KEY_UNREADABLE: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The file named by OAUTH_ENCRYPTION_KEY_FILE (or the systemd credential oauth-encryption-key) cannot be read.' },
  MCPGW_E_KEY_SHORT: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The OAuth encryption key is shorter than 32 characters (or empty).' },
  MCPGW_E_STORE_DECRYPT: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The token store was written with another encryption key; it is left untouched until the key is restored or the file is moved away.' },
  MCPGW_E_STORE_CORRUPT: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The token store is damaged or was modified: not JSON, not an mcpgw store, or its ciphertext fails authentication.' },
  MCPGW_E_STORE_VERSION: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The token store was written in a format version this mcpgw does not know (by a newer mcpgw).' },
  MCPGW_E_STORE_LOCKED: { exit: 1, http: 500, jsonrpc: -32603, doc: 'Another live mcpgw process holds the token store lock (<dataDir>/oauth-store.lock).' },
  MCPGW_E_STORE_IO: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The data dir or the token store cannot be read or written: permissions, full disk, a file where a folder should be.' },
  MCPGW_W_STORE_PERMISSIONS: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The token store is readable by other users (not 0600), or its data dir is (not 0700).' },
  MCPGW_E_OAUTH_DISCOVERY: { exit: 1, http: 502, jsonrpc: -32603, doc: 'OAuth discovery failed: no protected-resource or authorization-server metadata, or metadata for another resource.' },
  MCPGW_E_OAUTH_NO_PKCE: { exit: 1, http: 502, jsonrpc: -32603, doc: 'The authorization server does not list S256 in code_challenge_methods_supported; MCP requires PKCE S256.' },
  MCPGW_E_OAUTH_INSECURE: { exit: 1, http: 502, jsonrpc: -32603, doc: 'An MCP, metadata or authorization-server URL uses plain http beyond loopback without auth.allowInsecureHttp.' },
  MCPGW_E_OAUTH_REGISTRATION: { exit: 1, http: 502, jsonrpc: -32603, doc: 'No client: no clientId configured, no usable Client ID Metadata Document, and dynamic registration is absent or failed.' },
  MCPGW_E_OAUTH_TOKEN: { exit: 1, http: 502, jsonrpc: -32603, doc: 'The token endpoint refused the code exchange or the refresh (invalid_grant: authorize again).' },
  MCPGW_E_OAUTH_UNKNOWN_SERVER: { exit: 1, http: 404, jsonrpc: -32602, doc: 'An OAuth command or link names a server that is not an enabled OAuth server.' },
  MCPGW_E_OAUTH_SCOPE: { exit: 1, http: 502, jsonrpc: -32603, doc: 'The server refused 3 tokens in a row with 403 insufficient_scope (the first authorization and 2 step-ups); set auth.scopes.' },
  MCPGW_E_OAUTH_DENIED: { exit: 1, http: 403, jsonrpc: -32603, doc: 'The user or the authorization server denied the authorization (access_denied), or login timed out.' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function codeInfo(code: Code): CodeInfo {
  return CODES[code];
}
