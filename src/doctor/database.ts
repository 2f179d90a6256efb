import pg from 'pg';
import { parseDbUrl } from '../config/db-url.js';
import { McpgwError } from '../errors/error.js';
import { dbError, describeUrl } from '../store/pg-errors.js';
import { keyFor, newerSchema, SCHEMA_VERSION, storedVersion } from '../store/pg-schema.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './types.js';

/**
 * gateway.store type postgres (issue 16 item 5): the database is reachable with the URL's
 * role, its schema is one this mcpgw knows, and the key matches the check value stored
 * there. Read-only (a few SELECTs, no lock, no schema created); the URL is described
 * (user@host:port/db), never shown, as it may hold a password.
 */
export async function checkDatabase(ctx: DoctorContext): Promise<CheckResult[]> {
  const spec = ctx.model?.gateway.store;
  if (spec?.type !== 'postgres') return [];
  const at = ctx.at(['gateway', 'store', 'url']);
  const where = describeUrl(spec.url);
  if (!parseDbUrl(spec.url))
    return [
      {
        code: 'MCPGW_E_STORE_DB_URL',
        severity: 'error',
        message: 'gateway.store.url is not a postgresql:// URL (its value is not shown: it may hold a password)',
        hint: 'set it (usually DATABASE_URL) to postgresql://USER:PASSWORD@HOST:5432/DATABASE',
        ...at,
      },
    ];
  const client = new pg.Client({ connectionString: spec.url, connectionTimeoutMillis: ctx.remaining() });
  client.on('error', () => undefined);
  ctx.defer(() => client.end().catch(() => undefined));
  try {
    await client.connect();
  } catch (err) {
    return [{ ...dbError(err, spec.url, 'connect').toFinding(), ...at }];
  }
  try {
    return await inspect(ctx, client, where);
  } catch (err) {
    const e = err instanceof McpgwError ? err : dbError(err, spec.url, 'read the store');
    return [{ ...e.toFinding(), ...at }];
  }
}

async function inspect(ctx: DoctorContext, client: pg.Client, where: string): Promise<CheckResult[]> {
  const version = await storedVersion(client);
  if (version > SCHEMA_VERSION) throw newerSchema(version, where);
  if (version === 0) {
    const { rows } = await client.query<{ ok: boolean }>(`SELECT has_schema_privilege(current_schema(), 'CREATE') AS ok`);
    if (!rows[0]?.ok)
      throw new McpgwError('MCPGW_E_STORE_DB_RIGHTS', `the database role cannot create the store's tables in ${where}`, {
        hint: 'the role needs only to own its database: ALTER DATABASE <db> OWNER TO <role> (and, before PostgreSQL 15, ALTER SCHEMA public OWNER TO <role>)',
      });
    return [ok(`the PostgreSQL store ${where} is reachable; no schema yet: the daemon creates it at its first start`)];
  }
  const meta = await client.query<{ name: string; value: string }>(`SELECT name, value FROM mcpgw_meta WHERE name IN ('kdf', 'key_check')`);
  const { kdf, key_check: check } = Object.fromEntries(meta.rows.map((r) => [r.name, r.value]));
  const key = ctx.key().key;
  let keyText = 'the key is not checked (no usable OAuth encryption key)';
  if (kdf === undefined || check === undefined) keyText = 'no key check value yet (stored at the next start)';
  else if (key) {
    await keyFor(kdf, check, key, where);
    keyText = 'the encryption key matches its check value';
  }
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM mcpgw_tokens');
  const migrate = version < SCHEMA_VERSION ? ` (migrated to ${SCHEMA_VERSION} at the next start)` : '';
  return [ok(`the PostgreSQL store ${where} is reachable: schema version ${version}${migrate}, ${keyText}; ${rows[0]?.n ?? 0} token rows`)];
}

function ok(message: string): CheckResult {
  return { code: 'MCPGW_I_STORE_DB_OK', severity: 'info', message };
}
