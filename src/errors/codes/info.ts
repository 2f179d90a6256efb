/** What one registered code means on every outward form; the areas' files in this folder use it. */
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

export const config = (doc: string): CodeInfo => ({ exit: 1, http: 500, jsonrpc: -32603, doc });
/** doctor findings: the exit status follows severity (1 when any finding is an error). */
export const doctor = (doc: string): CodeInfo => ({ exit: 1, http: 500, jsonrpc: -32603, doc });
