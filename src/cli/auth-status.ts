import type { AuthStatusJson, StatusJson } from '../api/status-json.js';
import { resolveEncryptionKey } from '../auth/key.js';
import { inspectStore } from '../auth/store.js';
import { tokensPerUser } from '../config/team.js';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { storeIdentity } from '../identity/types.js';
import { daemonJson, findDaemon } from '../client/daemon-client.js';
import { out, type CommandContext } from './command-context.js';
import { loadOrFail, type UserOption } from './auth.js';

/** `mcpgw auth status [--user NAME]`: from the running daemon, else read-only from the token store. */

interface StatusRow {
  server: string;
  status: string;
  expiresAt: string | null;
  authorizationUrl: string | null;
  source: 'daemon' | 'store';
}

export async function runAuthStatus(ctx: CommandContext, options: { json?: boolean } & UserOption): Promise<number> {
  const model = loadOrFail(ctx);
  const servers = model.servers.filter((s) => s.auth.type === 'oauth');
  const daemon = await findDaemon(model, ctx.env);
  let rows: StatusRow[];
  if (daemon) {
    const status = await daemonJson<StatusJson>(daemon, '/status');
    rows = servers.map((s) => ({
      server: s.name,
      ...pick(authOf(status.servers[s.name]?.auth, s, options.user)),
      source: 'daemon' as const,
    }));
  } else {
    const key = resolveEncryptionKey(ctx.env);
    const health = await inspectStore(model.gateway.dataDir, key.key);
    const problem = key.problem?.message ?? health.problem?.message;
    rows = servers.map((s) => {
      const own = options.user && tokensPerUser(s) ? health.byUser?.[storeIdentity(options.user)] : health.entries;
      const entry = own?.find((e) => e.server === s.name && s.transport.kind === 'http' && e.serverUrl === s.transport.url);
      const expired = entry?.expiresAt !== undefined && entry.expiresAt < Date.now();
      const state =
        problem && health.file.exists
          ? 'error'
          : !entry?.hasAccessToken
            ? 'needs_authorization'
            : expired && !entry.hasRefreshToken
              ? 'expired'
              : 'authorized';
      return {
        server: s.name,
        status: state,
        expiresAt: entry?.expiresAt ? new Date(entry.expiresAt).toISOString() : null,
        authorizationUrl: state === 'authorized' ? null : `${model.gateway.publicUrl}/oauth/start/${s.name}`,
        source: 'store' as const,
      };
    });
    if (problem && health.file.exists && !options.json) out(ctx.stderr, `warning: cannot read the token store: ${problem}`);
  }
  if (options.json) {
    out(ctx.stdout, JSON.stringify({ servers: rows }, null, 2));
    return 0;
  }
  if (rows.length === 0) out(ctx.stdout, 'No server uses OAuth.');
  for (const row of rows) {
    const detail =
      row.status === 'authorized'
        ? row.expiresAt
          ? `access token expires ${row.expiresAt}`
          : 'no expiry'
        : `run: mcpgw auth login ${row.server}`;
    out(ctx.stdout, `${row.server.padEnd(20)} ${row.status.padEnd(20)} ${detail}`);
  }
  return 0;
}

/** The row of --user: from an admin's list of identities (perUser servers); a shared server's is everyone's. */
function authOf(auth: AuthStatusJson | undefined, spec: ServerSpec, user: string | undefined): AuthStatusJson | undefined {
  if (!user || !tokensPerUser(spec)) return auth;
  if (!auth?.identities)
    throw new McpgwError('MCPGW_E_OAUTH_FORBIDDEN', `only an admin sees the authorizations of another user (${user})`, {
      hint: 'run it without --user to see your own, or with an admin token in MCPGW_TOKEN',
    });
  const theirs = auth.identities[user];
  return theirs
    ? { type: 'oauth', authorizationUrl: null, ...theirs }
    : { type: 'oauth', status: 'needs_authorization', expiresAt: null, authorizationUrl: null };
}

function pick(auth?: AuthStatusJson): Pick<StatusRow, 'status' | 'expiresAt' | 'authorizationUrl'> {
  return { status: auth?.status ?? 'unknown', expiresAt: auth?.expiresAt ?? null, authorizationUrl: auth?.authorizationUrl ?? null };
}
