/** doctor's findings about servers, secrets and exposed names. */
import { type CodeInfo, doctor } from './info.js';

export const DOCTOR = {
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
  MCPGW_W_LITERAL_SECRET: doctor(
    'A secret (bearer token, API key, client secret, secret header or env) is written literally in the config.',
  ),
  MCPGW_I_OFFLINE: doctor('doctor ran with --offline: live checks were skipped.'),
  MCPGW_I_SERVER_DISABLED: doctor('The server has enabled: false and was not checked.'),
  MCPGW_I_COMMAND_FOUND: doctor("The stdio server's command was found (--offline: not started)."),
  MCPGW_W_ARGS_SECRET: doctor("A stdio server's args hold a secret, visible to every local user in ps."),
  MCPGW_W_ZERO_TOOLS: doctor('The server exposes no tools: it offers nothing, or the tools filter removes all of them.'),
  MCPGW_W_LONG_NAME: doctor('Exposed tool names are over 64 characters or contain ".", which some clients reject.'),
  MCPGW_W_NAME_DROPPED: doctor('Exposed tool names are over 128 characters and are dropped.'),
  MCPGW_W_TOOL_COLLISION: doctor('Two members of a profile expose the same name; the one listed later loses it.'),
  MCPGW_W_DOCTOR_TIMEOUT: doctor('A doctor check did not finish within its time limit.'),
} as const satisfies Record<string, CodeInfo>;
