/** doctor's findings about servers, secrets, exposed names and team mode (SPEC section 10). */
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
  MCPGW_E_SERVER_NEEDS_AUTH_URL: {
    exit: 1,
    http: 401,
    jsonrpc: -32042,
    doc: 'MCPGW_E_SERVER_NEEDS_AUTH for a client that takes URL-mode elicitations: URLElicitationRequired, the link in data.elicitations[0].url.',
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
  MCPGW_E_OIDC_ISSUER: doctor(
    'gateway.auth.oidc.issuer cannot be discovered: unreachable, no OAuth or OpenID metadata, or metadata naming another issuer.',
  ),
  MCPGW_E_OIDC_JWKS: doctor(
    "The issuer's metadata has no jwks_uri, or jwks_uri does not answer with a JWK set: no access token can be checked.",
  ),
  MCPGW_I_OIDC_OK: doctor('The identity provider answers: its metadata names the configured issuer and its jwks_uri serves keys.'),
  MCPGW_W_OIDC_AUDIENCE: doctor(
    'oidc is configured without gateway.publicUrl on a listener beyond loopback: the audience tokens must carry is likely not the URL clients use.',
  ),
  MCPGW_I_OIDC_AUDIENCE: doctor('The resource URLs that OIDC access tokens must carry as aud (one per MCP endpoint).'),
  MCPGW_W_PROFILE_UNREACHABLE: doctor("A profile's access list names no user or group that any identity can have: every caller gets 403."),
  MCPGW_I_PROFILE_OIDC_ONLY: doctor('Only OIDC users can use a profile: its access list matches no user of gateway.auth.users.'),
  MCPGW_W_PERUSER_ONE_IDENTITY: doctor(
    'An OAuth server has auth.tokens perUser, but without gateway.auth.users or oidc there is one identity: it works as shared.',
  ),
} as const satisfies Record<string, CodeInfo>;
