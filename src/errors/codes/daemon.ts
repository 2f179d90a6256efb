/** The running daemon as the CLI sees it (auth, doctor, connect), and its own start. */
import { type CodeInfo, doctor } from './info.js';

export const DAEMON = {
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
  MCPGW_E_DAEMON_DOWN: {
    exit: 1,
    http: 503,
    jsonrpc: -32012,
    doc: 'mcpgw connect cannot reach the daemon: it is not running, or is restarting; requests fail at once until it is back.',
  },
  MCPGW_E_LISTEN: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: 'The daemon cannot listen on gateway.listen: the port is taken or the address is not on this machine.',
  },
  MCPGW_W_ENV_SECRETS: {
    exit: 1,
    http: 500,
    jsonrpc: -32603,
    doc: "OAUTH_ENCRYPTION_KEY or a MCPGW_* variable could not be removed from the daemon's /proc/PID/environ.",
  },
  MCPGW_I_DAEMON_RUNNING: doctor('A daemon answers at the configured address; doctor shows its live view.'),
  MCPGW_I_DAEMON_STOPPED: doctor('No daemon answers at the configured address (and the port is free for one).'),
  MCPGW_I_DAEMON_SERVER: doctor('The running daemon reports this server ready (or still starting).'),
  MCPGW_W_DAEMON_SERVER: doctor('The running daemon reports this server in error, restarting or needing authorization.'),
  MCPGW_W_DAEMON_STATUS: doctor('A daemon answers /healthz but its /status cannot be read (a bearer token is needed).'),
  MCPGW_W_DAEMON_OTHER_CONFIG: doctor('The daemon at the configured address runs another config file.'),
  MCPGW_W_DAEMON_RELOAD_FAILED: doctor('The daemon rejected the last change to the config file and still serves the previous one.'),
  MCPGW_W_DAEMON_RESTART_NEEDED: doctor('listen, publicUrl or dataDir changed while the daemon ran; they apply after a restart.'),
  MCPGW_W_DATADIR_IN_GIT: doctor('The data dir (token store) is inside a git work tree and not ignored.'),
} as const satisfies Record<string, CodeInfo>;
