import { McpgwError } from '../errors/error.js';
import type { AuditSink } from '../audit/types.js';
import type { Logger } from '../log.js';
import type { OAuthObserver } from '../observe/observer.js';
import type { Decision, EntryStore } from '../store/types.js';
import type { FetchLike } from './discovery.js';
import { configurationFor, isInvalidGrant, refreshTokens } from './oauth-flow.js';
import type { ServerEntry, TokenSet } from './types.js';

/**
 * One refresh of (identity, server)'s tokens across every replica (issue 16 item 2): under the
 * store's lock (store/types.ts exclusive), the entry is read again, and the refresh goes out
 * only if it still holds the refresh token this replica was about to send. Otherwise another
 * replica (or a new login) got there first, and its tokens are the answer: a rotated refresh
 * token is spent once, never twice.
 */
export interface RefreshContext {
  readonly store: EntryStore;
  readonly identity: string;
  readonly fetch?: FetchLike;
  readonly log: Logger;
  /** A failed refresh is an audit event (SPEC section 10). */
  readonly audit?: AuditSink;
  readonly observer?: OAuthObserver;
  needsAuth(server: string, why: string): McpgwError;
}

/** `held`: the tokens the caller has (and would have sent); `rejected`: the server refused their access token. */
export async function refreshOnce(ctx: RefreshContext, server: string, held: TokenSet, rejected: boolean): Promise<TokenSet> {
  let outcome: TokenSet | McpgwError;
  try {
    outcome = await exclusiveRefresh(ctx, server, held, rejected);
  } catch (err) {
    outcome = err as McpgwError;
    if (!(err instanceof McpgwError)) {
      ctx.audit?.({ identity: ctx.identity, server, method: 'oauth/refresh', outcome: 'error', errorCode: null });
      throw err;
    }
  }
  if (!(outcome instanceof McpgwError)) return outcome;
  const needsAuth = outcome.code === 'MCPGW_E_SERVER_NEEDS_AUTH';
  ctx.audit?.({
    identity: ctx.identity,
    server,
    method: 'oauth/refresh',
    outcome: needsAuth ? 'needs_auth' : 'error',
    errorCode: outcome.code,
  });
  throw outcome;
}

function exclusiveRefresh(ctx: RefreshContext, server: string, held: TokenSet, rejected: boolean): Promise<TokenSet | McpgwError> {
  return ctx.store.exclusive(ctx.identity, server, async (fresh): Promise<Outcome> => {
    const tokens = fresh?.tokens;
    if (tokens && tokens.refreshToken !== held.refreshToken) {
      ctx.log.info('the token was refreshed elsewhere (another replica, or a new login); using its result', { server });
      return { result: tokens };
    }
    if (!fresh || !tokens?.refreshToken || !fresh.client) return { result: ctx.needsAuth(server, 'no refresh token') };
    if (rejected && tokens.accessToken !== held.accessToken) return { result: tokens };
    return send(ctx, server, fresh, tokens);
  });
}

type Outcome = Decision<TokenSet | McpgwError>;

async function send(ctx: RefreshContext, server: string, fresh: ServerEntry, tokens: TokenSet): Promise<Outcome> {
  const sent = tokens.refreshToken;
  const config = configurationFor(fresh.asMetadata ?? {}, fresh.client!, ctx.fetch);
  try {
    const next = await refreshTokens(config, tokens, fresh.resource).catch((err: unknown) => {
      ctx.observer?.oauthRefresh(server, isInvalidGrant(err) ? 'invalid_grant' : 'error');
      throw err;
    });
    ctx.observer?.oauthRefresh(server, 'success');
    // A logout or a new login here while the request was out wins over its result.
    const now = ctx.store.get(ctx.identity, server);
    if (!now || now.tokens?.refreshToken !== sent) return { result: superseded(ctx, server, now) };
    ctx.log.info('access token refreshed', { server, expiresAt: next.expiresAt ? new Date(next.expiresAt).toISOString() : undefined });
    return { write: { entry: { ...now, tokens: next, updatedAt: Date.now() } }, result: next };
  } catch (err) {
    if (!isInvalidGrant(err)) throw err;
    const now = ctx.store.get(ctx.identity, server);
    if (!now || now.tokens?.refreshToken !== sent) return { result: superseded(ctx, server, now) };
    return {
      write: { entry: { ...now, tokens: undefined, updatedAt: Date.now() } },
      result: ctx.needsAuth(server, 'the refresh token was refused (invalid_grant)'),
    };
  }
}

/** A refresh came back after a logout or a new login: its result is dropped, the current state stands. */
function superseded(ctx: RefreshContext, server: string, now: ServerEntry | undefined): TokenSet | McpgwError {
  ctx.log.info('a token refresh finished after the authorization changed; its result is dropped', { server });
  return now?.tokens ?? ctx.needsAuth(server, 'logged out');
}

/** A store that cannot be reached: a token not expired yet is still worth sending. */
export function storeUnavailable(err: unknown): boolean {
  return err instanceof McpgwError && err.code.startsWith('MCPGW_E_STORE_DB');
}

/** Tokens closer than this to expiry are refreshed before use (less for short-lived tokens, see refreshDue). */
const REFRESH_MARGIN_MS = 60_000;
/**
 * Whether to refresh before the next request. The margin is REFRESH_MARGIN_MS, but at most half
 * the token's lifetime, estimated from `storedAt` (the entry's updatedAt, set by every token write;
 * a later write of something else only makes the margin smaller, never past the expiry): with a
 * flat 60 s margin a token living a minute or less was "expiring" from the start, and every
 * request went through a refresh first.
 */
export function refreshDue(tokens: TokenSet, storedAt: number, now = Date.now()): boolean {
  if (tokens.expiresAt === undefined) return false;
  const lifetime = Math.max(0, tokens.expiresAt - storedAt);
  return tokens.expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2) <= now;
}
