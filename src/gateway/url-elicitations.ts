import { randomUUID } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { storeIdentity } from '../identity/types.js';

/**
 * The authorization step as a URL-mode elicitation (MCP 2025-11-25, SPEC section 10): a
 * client that declared `elicitation.url` gets a call's needs-authorization error as
 * URLElicitationRequired (-32042) carrying the same link in `data.elicitations`, so it can
 * show the user the page itself; once the server is usable again for that identity, each
 * 2025-era session that was sent one hears `notifications/elicitation/complete` and may retry.
 * Others keep getting -32011 with `data.authorizationUrl`. A 2026-07-28 client gets the error
 * too, but no completion notice: it has no session to hear it on.
 */

/** Elicitations remembered per session and server: a client retrying in a loop does not grow memory. */
const MAX_WAITING = 8;

/** A 2025-era session as far as elicitations go (gateway/session.ts). */
export interface Party {
  readonly capabilities: ClientCapabilities;
  readonly identity: { readonly name: string };
  notify(method: string, params: Record<string, unknown>): void;
}

interface Waiting {
  readonly notify: (method: string, params: Record<string, unknown>) => void;
  readonly ids: string[];
}

/** Whether a client takes URL-mode elicitations (2025-11-25: `elicitation: { url: {} }`). */
export function takesUrlElicitation(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation as Record<string, unknown> | undefined;
  return elicitation !== undefined && typeof elicitation.url === 'object' && elicitation.url !== null;
}

/** The needs-authorization error of a call as URLElicitationRequired, or undefined when it is another error. */
export function asUrlElicitation(err: unknown, elicitationId: string): McpgwError | undefined {
  if (!(err instanceof McpgwError) || err.code !== 'MCPGW_E_SERVER_NEEDS_AUTH') return undefined;
  const url = err.details?.authorizationUrl;
  const server = err.details?.server;
  if (typeof url !== 'string' || typeof server !== 'string') return undefined;
  const message = `mcpgw needs you to authorize "${server}": open the page, sign in with the account to use, then retry.`;
  return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH_URL', err.message, {
    hint: err.hint,
    details: { ...err.details, elicitations: [{ mode: 'url', elicitationId, url, message }] },
    cause: err,
  });
}

/** The sessions waiting for an authorization to complete, by (token slot, server). */
export class UrlElicitations {
  private readonly waiting = new Map<string, Map<object, Waiting>>();

  /**
   * A session's needs-authorization error, converted when the session takes URL-mode
   * elicitations, and the session remembered to be told when it is done; else undefined.
   */
  convert(err: unknown, party: Party): McpgwError | undefined {
    if (!takesUrlElicitation(party.capabilities)) return undefined;
    const id = randomUUID();
    const converted = asUrlElicitation(err, id);
    if (!converted) return undefined;
    const key = `${storeIdentity(party.identity.name)}\n${String(converted.details!.server)}`;
    let parties = this.waiting.get(key);
    if (!parties) this.waiting.set(key, (parties = new Map()));
    const entry = parties.get(party) ?? { notify: (method, params) => party.notify(method, params), ids: [] };
    entry.ids.push(id);
    if (entry.ids.length > MAX_WAITING) entry.ids.shift();
    parties.set(party, entry);
    return converted;
  }

  /**
   * `server` is usable again: for one identity (its own upstream of a perUser server), or for
   * everyone (a shared upstream). Each waiting session hears of each elicitation it was sent.
   */
  ready(server: string, identity?: string): void {
    for (const [key, parties] of [...this.waiting]) {
      const [slot, name] = key.split('\n') as [string, string];
      if (name !== server || (identity !== undefined && slot !== storeIdentity(identity))) continue;
      this.waiting.delete(key);
      for (const { notify, ids } of parties.values())
        for (const elicitationId of ids) notify('notifications/elicitation/complete', { elicitationId });
    }
  }

  /** A session closed: nothing is sent to it any more. */
  forget(party: object): void {
    for (const [key, parties] of this.waiting) if (parties.delete(party) && parties.size === 0) this.waiting.delete(key);
  }
}
