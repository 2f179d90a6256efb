import type pg from 'pg';
import { checkMatches, deriveStoreKey, newStoreKey, parseKdf, type StoreKey } from '../auth/crypto.js';
import { McpgwError } from '../errors/error.js';

/**
 * The database schema (issue 16), created and migrated by the daemon at start-up under a
 * session advisory lock, so replicas starting together run each step once; every step is
 * idempotent besides. `mcpgw_meta` holds the schema version, the key derivation parameters
 * and the key check value (never the key).
 */
export const SCHEMA_VERSION = 1;
/** pg_advisory_lock(LOCK_CLASS, 1): schema changes; pg_advisory_xact_lock(REFRESH_CLASS, hash): one entry. */
export const LOCK_CLASS = 0x6d637067;
export const REFRESH_CLASS = 0x6d637068;
export const TABLES = ['mcpgw_meta', 'mcpgw_tokens', 'mcpgw_clients', 'mcpgw_audit'] as const;

const MIGRATIONS: readonly string[] = [
  // 1: tokens per (identity, server, issuer), registrations per (server, issuer), sealed;
  // the audit table is for the audit log (SPEC section 10), written by it when it moves here.
  `CREATE TABLE IF NOT EXISTS mcpgw_tokens (
     identity text NOT NULL, server text NOT NULL, issuer text NOT NULL, sealed text NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (identity, server, issuer));
   CREATE TABLE IF NOT EXISTS mcpgw_clients (
     server text NOT NULL, issuer text NOT NULL, sealed text NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (server, issuer));
   CREATE TABLE IF NOT EXISTS mcpgw_audit (
     id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), identity text, line jsonb NOT NULL);`,
];

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The schema version stored, 0 for none. */
export async function storedVersion(db: Queryable): Promise<number> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('mcpgw_meta')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const row = await db.query<{ value: string }>(`SELECT value FROM mcpgw_meta WHERE name = 'schema_version'`);
  return row.rows[0] ? Number(row.rows[0].value) : 0;
}

export function newerSchema(version: number, where: string): McpgwError {
  return new McpgwError(
    'MCPGW_E_STORE_SCHEMA',
    `the database ${where} has schema version ${version}; this mcpgw knows up to version ${SCHEMA_VERSION}, and leaves it untouched`,
    { hint: 'a newer mcpgw created it: upgrade this replica (or point it at another database)', details: { version, transient: false } },
  );
}

/** Creates or migrates the schema, then checks the key; a client of its own, the lock held throughout. */
export async function prepare(client: pg.ClientBase, secret: string, where: string): Promise<StoreKey> {
  await client.query('SELECT pg_advisory_lock($1, 1)', [LOCK_CLASS]);
  try {
    const version = await storedVersion(client);
    if (version > SCHEMA_VERSION) throw newerSchema(version, where);
    await client.query('CREATE TABLE IF NOT EXISTS mcpgw_meta (name text PRIMARY KEY, value text NOT NULL)');
    for (let v = version + 1; v <= SCHEMA_VERSION; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1]!);
        await client.query(
          `INSERT INTO mcpgw_meta (name, value) VALUES ('schema_version', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
          [String(v)],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    return await checkKey(client, secret, where);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, 1)', [LOCK_CLASS]).catch(() => undefined);
  }
}

/** The key as the database knows it: the first replica stores the kdf and check value; the others must match them. */
async function checkKey(db: Queryable, secret: string, where: string): Promise<StoreKey> {
  const rows = await db.query<{ name: string; value: string }>(`SELECT name, value FROM mcpgw_meta WHERE name IN ('kdf', 'key_check')`);
  const meta = Object.fromEntries(rows.rows.map((r) => [r.name, r.value]));
  if (meta.kdf === undefined || meta.key_check === undefined) {
    const key = await newStoreKey(secret);
    await db.query(`INSERT INTO mcpgw_meta (name, value) VALUES ('kdf', $1), ('key_check', $2) ON CONFLICT (name) DO NOTHING`, [
      JSON.stringify(key.kdf),
      key.check.toString('base64'),
    ]);
    return key;
  }
  return keyFor(meta.kdf, meta.key_check, secret, where);
}

/** The key derived with the stored parameters; MCPGW_E_STORE_DECRYPT when it is not the key the check value was made with. */
export async function keyFor(kdfText: string, check: string, secret: string, where: string): Promise<StoreKey> {
  const kdf = parseKdf(kdfText);
  if (!kdf)
    throw new McpgwError('MCPGW_E_STORE_CORRUPT', `the database ${where} has an invalid kdf row in mcpgw_meta; it is left untouched`, {
      hint: 'restore the database from a backup',
      details: { transient: false },
    });
  const key = await deriveStoreKey(secret, kdf);
  if (!checkMatches(key, check)) throw wrongDbKey(where);
  return key;
}

export function wrongDbKey(where: string): McpgwError {
  return new McpgwError(
    'MCPGW_E_STORE_DECRYPT',
    `the database ${where} was written with another encryption key (its key check value does not match); nothing in it is read or written`,
    {
      hint: 'give every replica the key the database was created with (OAUTH_ENCRYPTION_KEY); to start over, DROP TABLE mcpgw_meta, mcpgw_tokens, mcpgw_clients and log in again',
      details: { transient: false },
    },
  );
}
