import { resolveEncryptionKey } from '../auth/key.js';
import { parseDbUrl } from '../config/db-url.js';
import type { StoreSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { FileEntryStore } from './file.js';
import { PgEntryStore } from './postgres.js';
import type { EntryStore } from './types.js';

export type { EntryStore, StoreState } from './types.js';

/**
 * The store of gateway.store, with the key from the environment. A problem that no retry can
 * fix (no key, a file store it cannot read) is returned, not thrown: the daemon runs on and
 * reports it. The database backend returns at once and connects in the background.
 */
export async function openEntryStore(options: {
  spec: StoreSpec | undefined;
  dataDir: string;
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
}): Promise<{ store: EntryStore } | { problem: McpgwError }> {
  const key = resolveEncryptionKey(options.env);
  if (key.problem || !key.key) return { problem: key.problem ?? new McpgwError('MCPGW_E_KEY_MISSING', 'OAUTH_ENCRYPTION_KEY is not set') };
  try {
    if (options.spec?.type === 'postgres' && !parseDbUrl(options.spec.url))
      return {
        problem: new McpgwError(
          'MCPGW_E_STORE_DB_URL',
          'gateway.store.url is not a postgresql:// URL (its value is not shown: it may hold a password)',
          {
            hint: 'set it (usually DATABASE_URL) to postgresql://USER:PASSWORD@HOST:5432/DATABASE',
            details: { transient: false },
          },
        ),
      };
    if (options.spec?.type === 'postgres')
      return { store: await PgEntryStore.open({ url: options.spec.url, key: key.key, log: options.log }) };
    return { store: await FileEntryStore.open({ dataDir: options.dataDir, key: key.key, log: options.log }) };
  } catch (err) {
    return {
      problem:
        err instanceof McpgwError ? err : new McpgwError('MCPGW_E_STORE_CORRUPT', `cannot open the token store: ${(err as Error).message}`),
    };
  }
}
