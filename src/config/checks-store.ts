import { parseDbUrl } from './db-url.js';
import type { CheckIssue } from './checks.js';
import type { McpgwGatewayConfiguration } from './schema.gen.js';

/**
 * gateway.store: postgres needs a postgres(ql):// URL, never shown (it may hold a password). A
 * URL from a template is a secret checked when the store opens (MCPGW_E_STORE_DB_URL), so
 * validate --no-secrets and a config read elsewhere than its pod agree.
 */
export function checkStore(store: NonNullable<McpgwGatewayConfiguration['gateway']>['store'], fromTemplate: boolean): CheckIssue[] {
  if (store?.type !== 'postgres' || (store.url !== undefined && fromTemplate)) return [];
  if (store.url !== undefined && parseDbUrl(store.url)) return [];
  return [
    {
      code: 'MCPGW_E_CONFIG_URL',
      severity: 'error',
      path: ['gateway', 'store', 'url'],
      message: store.url === undefined ? 'store type postgres needs a url' : 'store.url must be a postgresql:// URL',
      hint: 'e.g. url: "$<env:DATABASE_URL>" with DATABASE_URL=postgresql://mcpgw:PASSWORD@db.example.com:5432/mcpgw',
    },
  ];
}
