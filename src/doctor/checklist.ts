import { checkDatabase } from './database.js';
import { checkDaemon } from './daemon-view.js';
import { checkCallback, checkConfig, checkExposure, checkGit, checkKey, checkStore } from './gateway-checks.js';
import { checkCollisions } from './collisions.js';
import { checkAccess, checkAudience, checkPerUser } from './identity-checks.js';
import { checkDiscovery, checkToken } from './oauth-checks.js';
import { checkOidc } from './oidc-checks.js';
import { probeServer } from './probe.js';
import { checkArgs, checkCommand, checkServerExposure, checkTools } from './server-checks.js';
import type { Check } from './types.js';

/**
 * Every check of `mcpgw doctor` (SPEC section 6), as data, in the order their findings are
 * shown within a group. `live` ones talk to the network or start processes (skipped with
 * --offline); the rest read files and the environment only.
 */
export const CHECKS: readonly Check[] = [
  { id: 'config', title: 'config file: YAML, schema, templates, references', scope: 'gateway', withoutModel: true, run: checkConfig },
  {
    id: 'daemon',
    title: 'the running daemon (live view) or the free listen port',
    scope: 'gateway',
    live: true,
    withoutModel: true,
    run: checkDaemon,
  },
  { id: 'key', title: 'OAuth encryption key', scope: 'gateway', run: checkKey },
  { id: 'store', title: 'data dir and token store: writable, decryptable, private', scope: 'gateway', run: checkStore },
  {
    id: 'database',
    title: 'PostgreSQL store: reachable, schema version, key check value',
    scope: 'gateway',
    live: true,
    run: checkDatabase,
  },
  { id: 'git', title: 'data dir ignored by git', scope: 'gateway', run: checkGit },
  { id: 'exposure', title: 'insecure gateway settings, secrets written in the file', scope: 'gateway', run: checkExposure },
  { id: 'callback', title: 'publicUrl (OAuth callback) vs listen', scope: 'gateway', run: checkCallback },
  { id: 'oidc', title: 'OIDC issuer: metadata, issuer, JWKS', scope: 'gateway', live: true, run: checkOidc },
  { id: 'audience', title: 'the audience OIDC access tokens must carry', scope: 'gateway', run: checkAudience },
  { id: 'access', title: 'profiles that no identity may use', scope: 'gateway', run: checkAccess },
  { id: 'collisions', title: 'names served by two members of a profile', scope: 'gateway', live: true, run: checkCollisions },

  { id: 'command', title: 'stdio command on PATH', scope: 'server', applies: (s) => s.transport.kind === 'stdio', run: checkCommand },
  { id: 'args', title: 'secrets in args', scope: 'server', applies: (s) => s.transport.kind === 'stdio', run: checkArgs },
  { id: 'security', title: 'plain http, allowInsecureHttp, literal secrets', scope: 'server', run: checkServerExposure },
  {
    id: 'connect',
    title: 'connect, TLS, HTTP status, initialize',
    scope: 'server',
    live: true,
    run: async (ctx, s) => (await probeServer(ctx, s)).findings,
  },
  {
    id: 'oauth-discovery',
    title: 'OAuth metadata, PKCE S256, client registration',
    scope: 'server',
    live: true,
    applies: (s) => s.auth.type === 'oauth',
    run: checkDiscovery,
  },
  {
    id: 'per-user',
    title: 'perUser tokens with one identity',
    scope: 'server',
    applies: (s) => s.auth.type === 'oauth',
    run: checkPerUser,
  },
  { id: 'oauth-token', title: 'stored OAuth token', scope: 'server', applies: (s) => s.auth.type === 'oauth', run: checkToken },
  { id: 'tools', title: 'zero tools, long or dropped names', scope: 'server', live: true, run: checkTools },
];
