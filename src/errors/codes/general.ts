/** Codes of any command: a wrong command line, a bug. */
import { type CodeInfo } from './info.js';

export const GENERAL = {
  MCPGW_E_USAGE: { exit: 2, http: 400, jsonrpc: -32602, doc: 'The command line is wrong: unknown option, missing argument.' },
  MCPGW_E_INTERNAL: { exit: 1, http: 500, jsonrpc: -32603, doc: 'A bug in mcpgw; the log has the stack trace.' },
} as const satisfies Record<string, CodeInfo>;
