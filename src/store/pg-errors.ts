import { parseDbUrl } from '../config/db-url.js';
import { McpgwError } from '../errors/error.js';

/** Where the database is, for messages: user, host, port and database, never the password. */
export function describeUrl(url: string): string {
  const u = parseDbUrl(url);
  if (!u) return '(an unparsable URL)';
  return `${u.user || '(default user)'}@${u.host}:${u.port}/${u.database || '(default db)'}`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH']);

/**
 * A driver error as one of ours. SQLSTATE classes: 28 (login refused), 3D000 (no such
 * database), 42501 (no right), 08 and 57P (connection lost, server shutting down or starting).
 * pg's messages name no secret; the URL is described, never shown.
 */
export function dbError(err: unknown, url: string, doing: string): McpgwError {
  if (err instanceof McpgwError) return err;
  const e = err as { code?: string; message?: string };
  const where = describeUrl(url);
  const why = e.message ?? String(err);
  if (e.code === '42501')
    return new McpgwError('MCPGW_E_STORE_DB_RIGHTS', `the database role lacks a right to ${doing} (${where}): ${why}`, {
      hint: 'the role needs only to own its database: ALTER DATABASE <db> OWNER TO <role> (and, before PostgreSQL 15, ALTER SCHEMA public OWNER TO <role>)',
      details: { sqlstate: e.code, transient: false },
      cause: err,
    });
  if (e.code?.startsWith('28') || e.code === '3D000')
    return new McpgwError('MCPGW_E_STORE_DB_AUTH', `the database refused the connection (${where}): ${why}`, {
      hint: 'check the user, password and database name in gateway.store.url (usually $DATABASE_URL)',
      details: { sqlstate: e.code, transient: false },
      cause: err,
    });
  const lost =
    UNREACHABLE.has(e.code ?? '') || e.code?.startsWith('08') || e.code?.startsWith('57P') || /terminat|timeout|closed/i.test(why);
  return new McpgwError('MCPGW_E_STORE_DB', `the database cannot be reached to ${doing} (${where}): ${why}`, {
    hint: lost
      ? 'check that PostgreSQL runs and gateway.store.url points at it; mcpgw reconnects on its own'
      : 'see the database server log; mcpgw retries on its own',
    details: { sqlstate: e.code, transient: true },
    cause: err,
  });
}
