/** The config file: reading, parsing, schema, templates, and the checks after them. */
import { type CodeInfo, config, doctor } from './info.js';

export const CONFIG = {
  MCPGW_E_CONFIG_TOKEN_HASH: config('A token of gateway.auth.users starts with "sha256:" but is not followed by 64 lowercase hex digits.'),
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
  // mcpgw doctor (SPEC section 6). Its findings also use the codes above (config, key, store,
  // OAuth discovery, MCPGW_E_SERVER_TIMEOUT, MCPGW_E_LISTEN). MCPGW_I_ codes are passed checks.
  MCPGW_I_CONFIG_OK: doctor('The config file loads: YAML, schema, templates and references are valid.'),
  MCPGW_W_INSECURE_NETWORK: doctor('The gateway is reachable beyond loopback without bearer tokens, or over plain http.'),
  MCPGW_W_INSECURE_HTTP: doctor('A server is reached over plain http beyond loopback, or has auth.allowInsecureHttp: true.'),
} as const satisfies Record<string, CodeInfo>;
