import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';

/** Step-ups on insufficient_scope before giving up (SPEC section 5). */
const MAX_STEP_UPS = 3;
/** Refusals further apart than this are not one step-up loop. */
const STEP_UP_WINDOW_MS = 10 * 60_000;

/** The step-ups of each server: how many tokens were refused with insufficient_scope, lately. */
export class StepUps {
  private readonly byServer = new Map<string, { count: number; at: number; token?: string }>();

  /**
   * Consecutive refusals count towards the limit; one long after the last starts afresh.
   * Refusals of the same token count once: concurrent calls refused together are one
   * step-up, not several (three at once used to end step-ups before any was tried).
   */
  refused(key: string, server: string, token: string | undefined, scope: string | undefined, log: Logger): void {
    const previous = this.byServer.get(key);
    const recent = previous && Date.now() - previous.at < STEP_UP_WINDOW_MS;
    const n = recent ? previous.count + (token !== undefined && token === previous.token ? 0 : 1) : 1;
    this.byServer.set(key, { count: n, at: Date.now(), token });
    log.warn(`server needs more scopes (${scope ?? 'unspecified'}); authorize again (step-up ${n} of ${MAX_STEP_UPS})`, { server });
  }

  /**
   * After MAX_STEP_UPS tokens refused with insufficient_scope, stop authorizing again (the
   * conformance suite's auth/scope-retry-limit allows 3 authorization requests in all; with
   * '>' a 4th one went out). The count is of refusals, so the first authorization plus 2
   * step-ups are tried, and the 3rd refusal ends it.
   */
  limit(key: string, server: string): McpgwError | undefined {
    const stepUps = this.byServer.get(key);
    if (!stepUps || stepUps.count < MAX_STEP_UPS || Date.now() - stepUps.at >= STEP_UP_WINDOW_MS) return undefined;
    return new McpgwError(
      'MCPGW_E_OAUTH_SCOPE',
      `server "${server}" kept asking for more scopes (${MAX_STEP_UPS} tokens refused with insufficient_scope)`,
      { hint: 'set auth.scopes to what the server needs' },
    );
  }

  delete(server: string): void {
    this.byServer.delete(server);
  }
}
