import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { isLoopbackHost } from '../config/checks.js';
import type { DoctorContext } from './context.js';
import { gitStatusOf } from './gitignore.js';
import { isLiteralSecret } from './exposed-secrets.js';
import type { CheckResult } from './types.js';

/** Gateway-wide checks that need no network: config, key, store, git, exposure, callback. */

/** The loader's findings, each under its server when the path says so, and a verdict. */
export function checkConfig(ctx: DoctorContext): CheckResult[] {
  const servers = Object.keys((ctx.raw(['servers']) as Record<string, unknown> | undefined) ?? {});
  const results: CheckResult[] = ctx.load.findings.map((f) => {
    const name = /^servers\.([^.[]+)/.exec(f.path ?? '')?.[1];
    return name && servers.includes(name) ? { ...f, group: name } : f;
  });
  const model = ctx.model;
  if (model) {
    const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
    results.unshift({
      code: 'MCPGW_I_CONFIG_OK',
      severity: 'info',
      message: `the config is valid: ${n(model.servers.length, 'server')}, ${n(model.profiles.length, 'profile')}`,
      file: model.file,
    });
  }
  return results;
}

export function checkKey(ctx: DoctorContext): CheckResult[] {
  const oauth = ctx.oauthServers.map((s) => s.name);
  if (oauth.length === 0) return [];
  const key = ctx.key();
  if (key.problem) {
    const f = key.problem.toFinding();
    return [{ ...f, message: `${f.message} (needed by the OAuth server${oauth.length === 1 ? '' : 's'} ${oauth.join(', ')})` }];
  }
  const from =
    key.source === 'env'
      ? 'OAUTH_ENCRYPTION_KEY'
      : key.source === 'file'
        ? `the file ${key.file} (OAUTH_ENCRYPTION_KEY_FILE)`
        : `the systemd credential ${key.file}`;
  return [{ code: 'MCPGW_I_KEY_OK', severity: 'info', message: `the OAuth encryption key is set, from ${from}` }];
}

export async function checkStore(ctx: DoctorContext): Promise<CheckResult[]> {
  // The database backend has a check of its own (doctor/database.ts); its tokens are not in the file.
  if (ctx.model?.gateway.store?.type === 'postgres') return [];
  const health = await ctx.store();
  if (!health || (ctx.oauthServers.length === 0 && !health.file.exists)) return [];
  const where = ctx.raw(['gateway', 'dataDir']) !== undefined ? ctx.at(['gateway', 'dataDir']) : {};
  const results: CheckResult[] = health.findings.map((f) => ({ ...f, ...(f.code === 'MCPGW_E_STORE_IO' ? where : {}) }));
  if (health.dir.exists && !statSync(health.dataDir).isDirectory()) {
    results.push({
      code: 'MCPGW_E_STORE_IO',
      severity: 'error',
      message: `the data dir ${health.dataDir} is a file, not a folder`,
      hint: 'move the file away, or point gateway.dataDir (or MCPGW_DATA_DIR) at a folder',
      ...where,
    });
  } else if (!health.dir.exists) {
    const parent = nearestExisting(health.dataDir);
    if (!writable(parent)) {
      results.push({
        code: 'MCPGW_E_STORE_IO',
        severity: 'error',
        message: `the data dir ${health.dataDir} does not exist and cannot be created (${parent} is not writable)`,
        hint: `create it (mkdir -m 700 ${health.dataDir}) or point gateway.dataDir (or MCPGW_DATA_DIR) at a writable folder`,
        ...where,
      });
    }
  }
  if (results.some((r) => r.severity === 'error')) return results;
  let message: string;
  if (!health.file.exists) message = `no token store yet: ${health.path} is created at the first login`;
  else if (health.entries)
    message = `the token store ${health.path} is readable and private: ${health.entries.length} server${health.entries.length === 1 ? '' : 's'} recorded`;
  else message = `the token store ${health.path} exists (not decrypted: no usable key)`;
  if (health.lock.exists && health.lock.alive === false)
    message += `; a stale lock of pid ${health.lock.pid ?? '?'} is taken over at the next start`;
  results.push({ code: 'MCPGW_I_STORE_OK', severity: 'info', message });
  return results;
}

/** SPEC section 6: the data dir inside a git work tree without being ignored. */
export async function checkGit(ctx: DoctorContext): Promise<CheckResult[]> {
  const model = ctx.model;
  if (!model) return [];
  const dataDir = model.gateway.dataDir;
  const storeExists = (await ctx.store())?.file.exists ?? false;
  if (ctx.oauthServers.length === 0 && !storeExists && !existsSync(dataDir)) return [];
  const { tree, ignored } = gitStatusOf(dataDir, ctx.env);
  if (!tree || ignored) return [];
  const rel = relative(tree, dataDir);
  return [
    {
      code: 'MCPGW_W_DATADIR_IN_GIT',
      severity: 'warning',
      message: `the data dir ${dataDir} is inside the git work tree ${tree} and not ignored: the token store could be committed`,
      hint: `add the line "/${rel}/" to ${tree}/.gitignore (or move gateway.dataDir outside the repository)`,
      ...(ctx.raw(['gateway', 'dataDir']) !== undefined ? ctx.at(['gateway', 'dataDir']) : {}),
    },
  ];
}

/** Insecure gateway settings and secrets written into the file. */
export function checkExposure(ctx: DoctorContext): CheckResult[] {
  const model = ctx.model;
  if (!model) return [];
  const gw = model.gateway;
  const results: CheckResult[] = [];
  const listen = `${gw.listen.host}:${gw.listen.port}`;
  if (!isLoopbackHost(gw.listen.host)) {
    if (gw.bearerTokens.length === 0 && gw.allowUnauthenticatedNetwork) {
      results.push({
        code: 'MCPGW_W_INSECURE_NETWORK',
        severity: 'warning',
        message: `listens on ${listen}, beyond loopback, without bearer tokens (allowUnauthenticatedNetwork: true): anyone who can reach it can use every server`,
        hint: 'set gateway.auth.bearerTokens: ["$<env:MCPGW_TOKEN>"] and remove allowUnauthenticatedNetwork',
        ...ctx.at(['gateway', 'allowUnauthenticatedNetwork'], { key: true }),
      });
    }
    const pub = new URL(gw.publicUrl);
    if (pub.protocol === 'http:' && !isLoopbackHost(pub.hostname)) {
      results.push({
        code: 'MCPGW_W_INSECURE_NETWORK',
        severity: 'warning',
        message: `listens on ${listen} and is reached over plain http (${gw.publicUrl}): bearer tokens and tool results cross the network unencrypted`,
        hint: 'put an https reverse proxy in front and set gateway.publicUrl to its https URL, or listen on 127.0.0.1',
        ...ctx.at(['gateway', 'listen']),
      });
    }
  }
  const tokens = ctx.raw(['gateway', 'auth', 'bearerTokens']);
  if (Array.isArray(tokens)) {
    tokens.forEach((t, i) => {
      if (isLiteralSecret(t)) results.push(literalSecret(ctx, ['gateway', 'auth', 'bearerTokens', i], 'a bearer token', 'MCPGW_TOKEN'));
    });
  }
  return results;
}

/** A secret written in the file itself: it ends up in git and in every copy of the file. */
export function literalSecret(ctx: DoctorContext, path: (string | number)[], what: string, variable: string): CheckResult {
  const loc = ctx.at(path);
  return {
    code: 'MCPGW_W_LITERAL_SECRET',
    severity: 'warning',
    message: `${what} is written literally in the config (${loc.path}), so it is in git and every copy of the file`,
    hint: `replace the value with "$<env:${variable}>" and set ${variable} in the environment (or use $<file:...>)`,
    ...loc,
  };
}

/** SPEC section 6: the OAuth callback (<publicUrl>/oauth/callback) must reach the listener. */
export function checkCallback(ctx: DoctorContext): CheckResult[] {
  const model = ctx.model;
  if (!model) return [];
  const { listen, publicUrl } = model.gateway;
  const pub = new URL(publicUrl);
  const port = Number(pub.port || (pub.protocol === 'https:' ? 443 : 80));
  const where = ctx.raw(['gateway', 'publicUrl']) !== undefined ? ctx.at(['gateway', 'publicUrl']) : ctx.at(['gateway', 'listen']);
  const callback = `${publicUrl}/oauth/callback`;
  if (
    isLoopbackHost(pub.hostname) &&
    listen.port !== 0 &&
    port !== listen.port &&
    (isLoopbackHost(listen.host) || listen.host === '0.0.0.0' || listen.host === '::')
  ) {
    return [
      {
        code: 'MCPGW_W_CALLBACK_URL',
        severity: 'warning',
        message: `publicUrl ${publicUrl} points at port ${port}, but the gateway listens on ${listen.port}: the OAuth redirect to ${callback} and the status page links miss it`,
        hint: `set gateway.publicUrl: http://localhost:${listen.port} (or change gateway.listen)`,
        ...where,
      },
    ];
  }
  if (ctx.oauthServers.length > 0 && pub.protocol === 'http:' && !isLoopbackHost(pub.hostname)) {
    return [
      {
        code: 'MCPGW_W_CALLBACK_URL',
        severity: 'warning',
        message: `the OAuth redirect URI ${callback} is plain http beyond loopback; authorization servers usually refuse it`,
        hint: `serve the gateway over https (a reverse proxy) and set gateway.publicUrl to that https URL, or use http://localhost:${listen.port}`,
        ...where,
      },
    ];
  }
  return [];
}

function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
