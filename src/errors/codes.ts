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
  /** For failures to reach an upstream: whether retrying later (with backoff) may succeed. */
  readonly retry?: boolean;
  /**
   * How a 2026-07-28 request that fails with this code is answered (SPEC section 9): `status`,
   * with the HTTP status above (the revision's own refusals: 400, 404); otherwise the JSON-RPC
   * error rides in the answer on HTTP 200, as every error of a call does.
   */
  readonly modern?: 'status';
  /** The JSON-RPC code a 2026-07-28 client gets, where the revision changed it. */
  readonly jsonrpcModern?: number;
}

const config = (doc: string): CodeInfo => ({ exit: 1, http: 500, jsonrpc: -32603, doc });
/** doctor findings: the exit status follows severity (1 when any finding is an error). */
const doctor = (doc: string): CodeInfo => ({ exit: 1, http: 500, jsonrpc: -32603, doc });

export const CODES = {
  MCPGW_E_USAGE: { exit: 2, http: 400, jsonrpc: -32602, doc: 'The command line is wrong: unknown option, missing argument.' },
  MCPGW_E_INTERNAL: { exit: 1, http: 500, jsonrpc: -32603, doc: 'A bug in mcpgw; the log has the stack trace.' },
  MCPGW_E_DAEMON_TOKEN: {
    exit: 1,
    http: 401,
    jsonrpc: -32600,
    doc: 'The running daemon refused the bearer token an auth command sent it (or the command sent none).',
  },
  MCPGW_E_DAEMON_RESPONSE: {
    exit: 1,
    http: 502,
    jsonrpc: -32603,
    doc: 'The running daemon answered an auth command with an error, or with something that is not its JSON.',
  },

  MCPGW_E_CONFIG_INVALID: config('The config file has errors, so run, auth or connect cannot go on; the findings above it say where.'),
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

  // mcpgw import (issue 19): reading the clients' files, merging into gateway.yaml.
  MCPGW_E_IMPORT_READ: config('A client file to import is missing, a folder, unreadable, too big, or not UTF-8 text.'),
  MCPGW_E_IMPORT_EMPTY: config('A client file to import is empty.'),
  MCPGW_E_IMPORT_PARSE: config('A client file to import is not valid JSON (JSONC for VS Code) or TOML (Codex).'),
  MCPGW_E_IMPORT_FORMAT: config('A server entry of a client file has the wrong shape: not an object, no command or url, args not a list.'),
  MCPGW_E_IMPORT_CONFIG: config('gateway.yaml is invalid before the import; nothing is imported into it until it is fixed.'),
  MCPGW_E_IMPORT_RESULT: config('The merged gateway.yaml would not validate (a bug in mcpgw import); nothing was written.'),
  MCPGW_E_IMPORT_WRITE: config(
    'gateway.yaml or the env file cannot be written, or gateway.yaml changed during the import; the old file is intact.',
  ),
  MCPGW_E_IMPORT_DECLINED: config('The import was not confirmed at the prompt; nothing was written.'),
  MCPGW_W_IMPORT_SKIPPED: config('A server of a client file uses a transport mcpgw does not speak (WebSocket); it was not imported.'),
  MCPGW_W_IMPORT_DUPLICATE: config('A client file defines a server name twice in one object; the last definition is imported.'),
  MCPGW_W_IMPORT_IGNORED: config('Keys of a server entry have no mcpgw equivalent (envFile, trust, autoApprove, ...) and were left out.'),
  MCPGW_W_IMPORT_PLACEHOLDER: config(
    'A ${...} placeholder of a client is kept as text, or ${workspaceFolder} of a user-level file became the current folder.',
  ),
  MCPGW_W_IMPORT_URL_SECRET: config('A server url holds a secret; it became a variable, but urls are shown in the log and /status.'),

  // mcpgw connect (issue 19): the relay's token, and --install/--uninstall CLIENT.
  MCPGW_E_CONNECT_TOKEN: config(
    'The daemon wants a bearer token that connect cannot read from the config: an unset variable, a sha256: hash, named users.',
  ),
  MCPGW_E_INSTALL_PROFILE: config('connect --install names a profile that gateway.yaml does not have.'),
  MCPGW_E_INSTALL_CONFLICT: config(
    "A client's file holds an mcpgw entry (or a servers table) in a form connect --install cannot edit safely.",
  ),
  MCPGW_E_INSTALL_STASH: config(
    'The record connect --install keeps of its changes (<dataDir>/connect-install/CLIENT.json) cannot be read.',
  ),
  MCPGW_E_INSTALL_WRITE: config(
    "A client's file, its backup or the install record cannot be written, or the file changed meanwhile; the old file is intact.",
  ),

  MCPGW_E_SERVER_UNAVAILABLE: {
    exit: 1,
    http: 503,
    jsonrpc: -32010,
    doc: 'A call names a server that is not ready (starting, restarting, error, stopped).',
  },
  MCPGW_E_SERVER_NEEDS_AUTH: {
    exit: 1,
    http: 401,
    jsonrpc: -32011,
    doc: 'A call names an OAuth server that is not authorized yet; data.authorizationUrl is the link to open.',
  },
  MCPGW_E_SERVER_TIMEOUT: {
    exit: 1,
    http: 504,
    jsonrpc: -32001,
    doc: 'A server did not finish starting and initializing within timeouts.connect.',
    retry: true,
  },
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
  MCPGW_E_CLIENT_TIMEOUT: {
    exit: 1,
    http: 504,
    jsonrpc: -32001,
    doc: 'A client did not answer a sampling, elicitation or roots request of a server within 30 minutes; the server gets this error.',
  },
  MCPGW_E_UPSTREAM_CLOSED: {
    exit: 1,
    http: 502,
    jsonrpc: -32000,
    doc: 'The connection to a server closed while a call was in flight (it crashed or restarted); the call is not retried for you.',
  },
  MCPGW_E_SESSION_CLOSED: {
    exit: 1,
    http: 404,
    jsonrpc: -32000,
    doc: 'The client session closed (DELETE, idle timeout, removed profile) while a request of it was still in flight.',
  },
  MCPGW_E_DAEMON_DOWN: {
    exit: 1,
    http: 503,
    jsonrpc: -32012,
    doc: 'mcpgw connect cannot reach the daemon: it is not running, or is restarting; requests fail at once until it is back.',
  },
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
  MCPGW_E_LISTEN: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The daemon cannot listen on gateway.listen: the port is taken or the address is not on this machine.',
  },
  MCPGW_E_KEY_MISSING: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'OAuth is used but no encryption key is set: OAUTH_ENCRYPTION_KEY, OAUTH_ENCRYPTION_KEY_FILE or $CREDENTIALS_DIRECTORY/oauth-encryption-key.',
  },
  MCPGW_E_KEY_UNREADABLE: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The file named by OAUTH_ENCRYPTION_KEY_FILE (or the systemd credential oauth-encryption-key) cannot be read.',
  },
  MCPGW_E_KEY_SHORT: { exit: 1, http: 500, jsonrpc: -32603, doc: 'The OAuth encryption key is shorter than 32 characters (or empty).' },
  MCPGW_E_STORE_DECRYPT: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store was written with another encryption key; it is left untouched until the key is restored or the file is moved away.',
  },
  MCPGW_E_STORE_CORRUPT: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store is damaged or was modified: not JSON, not an mcpgw store, or its ciphertext fails authentication.',
  },
  MCPGW_E_STORE_VERSION: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store was written in a format version this mcpgw does not know (by a newer mcpgw).',
  },
  MCPGW_E_STORE_LOCKED: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'Another live mcpgw process holds the token store lock (<dataDir>/oauth-store.lock).',
  },
  MCPGW_E_STORE_IO: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The data dir or the token store cannot be read or written: permissions, full disk, a file where a folder should be.',
  },
  MCPGW_E_STORE_UNSAVED: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'New tokens could not be written to the token store; they are kept in memory and the write is retried.',
  },
  MCPGW_W_ENV_SECRETS: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: "OAUTH_ENCRYPTION_KEY or a MCPGW_* variable could not be removed from the daemon's /proc/PID/environ.",
  },
  MCPGW_W_STORE_PERMISSIONS: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The token store is readable by other users (not 0600), or its data dir is (not 0700).',
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

  // mcpgw doctor (SPEC section 6). Its findings also use the codes above (config, key, store,
  // OAuth discovery, MCPGW_E_SERVER_TIMEOUT, MCPGW_E_LISTEN). MCPGW_I_ codes are passed checks.
  MCPGW_I_CONFIG_OK: doctor('The config file loads: YAML, schema, templates and references are valid.'),
  MCPGW_I_DAEMON_RUNNING: doctor('A daemon answers at the configured address; doctor shows its live view.'),
  MCPGW_I_DAEMON_STOPPED: doctor('No daemon answers at the configured address (and the port is free for one).'),
  MCPGW_I_DAEMON_SERVER: doctor('The running daemon reports this server ready (or still starting).'),
  MCPGW_W_DAEMON_SERVER: doctor('The running daemon reports this server in error, restarting or needing authorization.'),
  MCPGW_W_DAEMON_STATUS: doctor('A daemon answers /healthz but its /status cannot be read (a bearer token is needed).'),
  MCPGW_W_DAEMON_OTHER_CONFIG: doctor('The daemon at the configured address runs another config file.'),
  MCPGW_W_DAEMON_RELOAD_FAILED: doctor('The daemon rejected the last change to the config file and still serves the previous one.'),
  MCPGW_W_DAEMON_RESTART_NEEDED: doctor('listen, publicUrl or dataDir changed while the daemon ran; they apply after a restart.'),
  MCPGW_I_KEY_OK: doctor('The OAuth encryption key is set and long enough.'),
  MCPGW_I_STORE_OK: doctor('The token store is readable, decryptable and private (or not created yet, in a writable place).'),
  MCPGW_W_DATADIR_IN_GIT: doctor('The data dir (token store) is inside a git work tree and not ignored.'),
  MCPGW_W_INSECURE_NETWORK: doctor('The gateway is reachable beyond loopback without bearer tokens, or over plain http.'),
  MCPGW_W_INSECURE_HTTP: doctor('A server is reached over plain http beyond loopback, or has auth.allowInsecureHttp: true.'),
  MCPGW_W_LITERAL_SECRET: doctor(
    'A secret (bearer token, API key, client secret, secret header or env) is written literally in the config.',
  ),
  MCPGW_W_CALLBACK_URL: doctor(
    'publicUrl does not lead to the listener (another port), or the OAuth redirect URI is plain http beyond loopback.',
  ),
  MCPGW_I_OFFLINE: doctor('doctor ran with --offline: live checks were skipped.'),
  MCPGW_I_SERVER_DISABLED: doctor('The server has enabled: false and was not checked.'),
  MCPGW_I_COMMAND_FOUND: doctor("The stdio server's command was found (--offline: not started)."),
  MCPGW_E_UPSTREAM_COMMAND: doctor("A stdio server's command is not on PATH, does not exist, or is not executable."),
  MCPGW_W_ARGS_SECRET: doctor("A stdio server's args hold a secret, visible to every local user in ps."),
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
  MCPGW_W_ZERO_TOOLS: doctor('The server exposes no tools: it offers nothing, or the tools filter removes all of them.'),
  MCPGW_W_LONG_NAME: doctor('Exposed tool names are over 64 characters or contain ".", which some clients reject.'),
  MCPGW_W_NAME_DROPPED: doctor('Exposed tool names are over 128 characters and are dropped.'),
  MCPGW_W_TOOL_COLLISION: doctor('Two members of a profile expose the same name; the one listed later loses it.'),
  MCPGW_E_UPSTREAM_PROTOCOL: doctor(
    'The server does not speak the pinned protocol revision (servers.NAME.protocol), or no revision both sides support.',
  ),
  MCPGW_E_UPSTREAM_TIMEOUT: {
    exit: 1,
    http: 504,
    jsonrpc: -32001,
    doc: 'A server did not answer a call within timeouts.call (reset by progress, 30 minutes at most); the server was told to cancel it.',
  },
  MCPGW_W_DOCTOR_TIMEOUT: doctor('A doctor check did not finish within its time limit.'),
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function codeInfo(code: Code): CodeInfo {
  return CODES[code];
}
