import { sealValue, unsealValue, type StoreKey } from '../auth/crypto.js';
import type { ClientRegistration, ServerEntry } from '../auth/types.js';
import { McpgwError } from '../errors/error.js';
import type { Queryable } from './pg-schema.js';

/**
 * The rows of the PostgreSQL store: one per (identity, server, issuer) in mcpgw_tokens (the
 * entry without its client), one per (server, issuer) in mcpgw_clients (the registration every
 * identity of that server shares). Each `sealed` is the entry's JSON under the store key, bound
 * to its primary key (auth/crypto.ts sealValue): a row moved to another key does not open.
 */
export const CHANNEL = 'mcpgw_store';

export const entryKey = (identity: string, server: string) => `${identity}\n${server}`;
const tokenContext = (identity: string, server: string, issuer: string) => JSON.stringify(['mcpgw_tokens', identity, server, issuer]);
const clientContext = (server: string, issuer: string) => JSON.stringify(['mcpgw_clients', server, issuer]);

export interface Loaded {
  /** The newest readable entry per entryKey. */
  readonly entries: Map<string, ServerEntry>;
  /** entryKeys with a row that does not open under this key: never written over. */
  readonly unreadable: Set<string>;
}

interface Row {
  identity: string;
  server: string;
  issuer: string;
  sealed: string;
  client: string | null;
}

/** Every entry, or those of one (identity, server). */
export async function loadEntries(db: Queryable, key: StoreKey, only?: { identity: string; server: string }): Promise<Loaded> {
  const where = only ? 'WHERE t.identity = $1 AND t.server = $2' : '';
  const { rows } = await db.query<Row>(
    `SELECT t.identity, t.server, t.issuer, t.sealed, c.sealed AS client FROM mcpgw_tokens t
       LEFT JOIN mcpgw_clients c ON c.server = t.server AND c.issuer = t.issuer ${where} ORDER BY t.updated_at, t.issuer`,
    only ? [only.identity, only.server] : [],
  );
  const entries = new Map<string, ServerEntry>();
  const unreadable = new Set<string>();
  for (const row of rows) {
    const k = entryKey(row.identity, row.server);
    const text = unsealValue(row.sealed, key, tokenContext(row.identity, row.server, row.issuer));
    const client = row.client === null ? undefined : unsealValue(row.client, key, clientContext(row.server, row.issuer));
    if (text === undefined || (client === undefined && row.client !== null)) {
      unreadable.add(k);
      continue;
    }
    const entry = JSON.parse(text) as ServerEntry;
    if (client !== undefined) entry.client = JSON.parse(client) as ClientRegistration;
    entries.set(k, entry);
  }
  return { entries, unreadable };
}

/** Stores (identity, server)'s entry (undefined: deletes its tokens rows) and tells the other replicas. */
export async function writeEntry(
  db: Queryable,
  key: StoreKey,
  change: { identity: string; server: string; entry: ServerEntry | undefined; origin: string },
): Promise<void> {
  const { identity, server, entry } = change;
  if (entry === undefined) {
    await db.query('DELETE FROM mcpgw_tokens WHERE identity = $1 AND server = $2', [identity, server]);
  } else {
    const { client, ...rest } = entry;
    const sealed = sealValue(JSON.stringify(rest), key, tokenContext(identity, server, entry.issuer));
    await db.query(
      `INSERT INTO mcpgw_tokens (identity, server, issuer, sealed) VALUES ($1, $2, $3, $4)
         ON CONFLICT (identity, server, issuer) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
      [identity, server, entry.issuer, sealed],
    );
    if (client) {
      await db.query(
        `INSERT INTO mcpgw_clients (server, issuer, sealed) VALUES ($1, $2, $3)
           ON CONFLICT (server, issuer) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
        [server, entry.issuer, sealValue(JSON.stringify(client), key, clientContext(server, entry.issuer))],
      );
    }
  }
  await notify(db, { identity, server, origin: change.origin });
}

/** Delivered at commit to every replica LISTENing (store/postgres.ts), which re-reads that entry. */
export async function notify(db: Queryable, payload: { identity?: string; server: string; origin: string }): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(payload)]);
}

export function unreadableRow(identity: string, server: string, where: string): McpgwError {
  return new McpgwError(
    'MCPGW_E_STORE_CORRUPT',
    `the stored entry of "${server}" (identity ${identity}) in ${where} does not decrypt with this key (sealed with another key, or damaged); it is left untouched`,
    {
      hint: `restore the row, or delete it (DELETE FROM mcpgw_tokens WHERE identity = '${identity}' AND server = '${server}') and log in again`,
      details: { transient: false },
    },
  );
}
