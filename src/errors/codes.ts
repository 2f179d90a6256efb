/**
 * Every error and finding code of mcpgw, in one registry: how it maps to a process exit
 * status, an HTTP status and a JSON-RPC error code, and the line docs/errors.md documents.
 * A code is stable once released: tools and users match on it. Each area keeps its codes in
 * its own file under codes/, so that work on one area does not touch the others'.
 */
import type { CodeInfo } from './codes/info.js';
import { GENERAL } from './codes/general.js';
import { DAEMON } from './codes/daemon.js';
import { CONFIG } from './codes/config.js';
import { IMPORT } from './codes/import.js';
import { CONNECT } from './codes/connect.js';
import { MCP } from './codes/mcp.js';
import { OAUTH } from './codes/oauth.js';
import { UPSTREAM } from './codes/upstream.js';
import { HTTP } from './codes/http.js';
import { STORE } from './codes/store.js';
import { DOCTOR } from './codes/doctor.js';

export type { CodeInfo } from './codes/info.js';

export const CODES = {
  ...GENERAL,
  ...DAEMON,
  ...CONFIG,
  ...IMPORT,
  ...CONNECT,
  ...MCP,
  ...OAUTH,
  ...UPSTREAM,
  ...HTTP,
  ...STORE,
  ...DOCTOR,
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function codeInfo(code: Code): CodeInfo {
  return CODES[code];
}
