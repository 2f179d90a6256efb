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
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function codeInfo(code: Code): CodeInfo {
  return CODES[code];
}
