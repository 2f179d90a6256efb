import type { McpgwError } from '../errors/error.js';
import type { EntryStore } from '../store/types.js';
import type { AuthStatus, IdentityAuth } from '../upstream/types.js';
import type { TokenSet } from './types.js';
import type { UnsavedState } from './writer.js';

/** What /status shows of the OAuth service (auth/oauth-service.ts): a server's authorization, and the store. */

export interface AuthFacts {
  readonly authorizationUrl: string;
  readonly login: { authorizedAt?: string; lastFailure?: { message: string; at: string } };
  readonly unsaved?: UnsavedState;
  /** No entry can be read (no key, the store cannot be opened). */
  readonly problem: boolean;
  readonly tokens?: TokenSet;
  /** Refused (insufficient_scope, or with nothing to refresh it with): needs a new authorization. */
  readonly refusedForGood: boolean;
}

export function authStatus(f: AuthFacts): AuthStatus {
  const { authorizationUrl, login, unsaved, tokens } = f;
  const store = unsaved
    ? {
        store: {
          state: 'unsaved' as const,
          since: new Date(unsaved.since).toISOString(),
          attempts: unsaved.attempts,
          code: unsaved.error.code,
          message: unsaved.error.message,
        },
      }
    : {};
  if (f.problem) return { type: 'oauth', status: 'error', authorizationUrl, ...login };
  if (!tokens) return { type: 'oauth', status: 'needs_authorization', authorizationUrl, ...login, ...store };
  const expiresAt = tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined;
  if (tokens.expiresAt && tokens.expiresAt < Date.now() && !tokens.refreshToken)
    return { type: 'oauth', status: 'expired', expiresAt, authorizationUrl, ...login, ...store };
  if (f.refusedForGood) return { type: 'oauth', status: 'needs_authorization', expiresAt, authorizationUrl, ...login, ...store };
  return { type: 'oauth', status: 'authorized', expiresAt, ...login, ...store };
}

/** SPEC section 11: /readyz is 503 only while no token can be served (the store in trouble, and no valid token in memory). */
export function blocksReadiness(store: EntryStore | undefined, problem: McpgwError | undefined, tokens: (TokenSet | undefined)[]): boolean {
  if (problem) return true;
  if (store?.state().state !== 'error') return false;
  const now = Date.now();
  return !tokens.some((t) => t !== undefined && (t.expiresAt === undefined || t.expiresAt > now));
}

/** What an admin sees of each identity's authorization of a perUser server: its state, never a token. */
export function everyIdentity(identities: readonly string[], statusOf: (identity: string) => AuthStatus): Record<string, IdentityAuth> {
  const out: Record<string, IdentityAuth> = {};
  for (const identity of identities) {
    const s = statusOf(identity);
    out[identity] = { status: s.status, expiresAt: s.expiresAt ?? null, ...(s.authorizedAt ? { authorizedAt: s.authorizedAt } : {}) };
  }
  return out;
}
