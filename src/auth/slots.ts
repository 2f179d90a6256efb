import type { ServerSpec } from '../config/types.js';
import { tokensPerUser } from '../config/team.js';
import { McpgwError } from '../errors/error.js';
import { storeIdentity } from '../store/types.js';
import type { Challenge } from './authorize.js';
import { StepUps } from './step-ups.js';
import type { TokenSet } from './types.js';

/**
 * Whose authorization a call uses (SPEC section 10). A slot is the store identity an entry
 * is kept under: the caller's own with `tokens: perUser`, else the one shared slot, which is
 * also the machine's own identity (`local` and `owner` are one person).
 */
export const SELF = 'owner';

/** The state of one authorization (refusals, challenges, refreshes, logins): (slot, server). */
export function slotKey(slot: string, server: string): string {
  return `${slot}\n${server}`;
}

export function slotOf(spec: ServerSpec | undefined, identity = SELF): string {
  return spec && tokensPerUser(spec) ? storeIdentity(identity) : SELF;
}

/** What an identity asks to change: its own authorization, another identity's, or the client every identity uses. */
export type ChangeTarget = { readonly user: string } | 'client';

/**
 * Changing the authorization one's own calls use is anyone's right; changing what everybody
 * uses (a shared server, the registered client) or another identity's is for admins.
 * Throws MCPGW_E_OAUTH_FORBIDDEN.
 */
export function checkMayChange(spec: ServerSpec | undefined, server: string, actor: string, admin: boolean, target: ChangeTarget): void {
  if (admin) return;
  const shared = !spec || !tokensPerUser(spec);
  if (!shared && target !== 'client' && storeIdentity(target.user) === storeIdentity(actor)) return;
  const what = shared
    ? `server "${server}" has one authorization for everyone (tokens: shared)`
    : target === 'client'
      ? `the client registration of "${server}" serves every user`
      : `the authorization of "${server}" you asked to change is another user's`;
  throw new McpgwError('MCPGW_E_OAUTH_FORBIDDEN', `${what}: only an admin may change it`, {
    hint:
      shared || target === 'client'
        ? 'ask an admin of this gateway (gateway.auth.users.NAME.admin: true)'
        : 'leave out --user to change your own',
  });
}

type Login = { authorizedAt?: string; lastFailure?: { message: string; at: string } };

/** What the OAuth service remembers of each authorization besides its tokens, by slotKey. */
export class SlotStates {
  /** The access token a server last refused (401/403): while it is the current one, the authorization is not valid. */
  readonly refused = new Map<string, string | undefined>();
  readonly challenges = new Map<string, Challenge>();
  readonly refreshing = new Map<string, Promise<TokenSet>>();
  readonly stepUps = new StepUps();
  readonly logins = new Map<string, Login>();

  /** New tokens (a login) or none (a logout): what the server refused before no longer applies. */
  forgetRefusals(key: string, also: { stepUps?: boolean } = {}): void {
    this.challenges.delete(key);
    this.refused.delete(key);
    if (also.stepUps) this.stepUps.delete(key);
  }

  refusedNow(key: string, tokens: TokenSet): boolean {
    return this.refused.has(key) && this.refused.get(key) === tokens.accessToken;
  }

  /** Refused for lack of scope, or refused with nothing to refresh it with: needs a new authorization. */
  refusedForGood(key: string, tokens: TokenSet | undefined): boolean {
    if (this.challenges.get(key)?.error === 'insufficient_scope') return true;
    return tokens !== undefined && this.refusedNow(key, tokens) && !tokens.refreshToken;
  }

  noteLogin(key: string, at: string, failure?: string): void {
    const previous = this.logins.get(key) ?? {};
    this.logins.set(key, failure ? { ...previous, lastFailure: { message: failure, at } } : { ...previous, authorizedAt: at });
  }
}
