import { spawn } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import { H3, toNodeHandler } from 'h3';
import type { StatusJson } from '../api/status-json.js';
import { clientMetadata } from '../auth/oauth-flow.js';
import { OAuthService } from '../auth/oauth-service.js';
import { loadConfig, requireModel } from '../config/load.js';
import type { ConfigModel, ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { registerOAuthRoutes, type OAuthRoutesHost } from '../http/oauth-routes.js';
import { createLogger } from '../log.js';
import { displayPath, out, type CommandContext } from './command-context.js';
import { daemonJson, daemonRefusal, findDaemon, type DaemonClient } from '../client/daemon-client.js';

/**
 * `mcpgw auth login|status|logout|client-metadata` (SPEC section 3). When the daemon answers
 * at the configured address, login/status/logout go through it (it owns the callback and the
 * store); otherwise they take the store's lock and, for login, serve the callback themselves.
 */

const LOGIN_TIMEOUT_MS = 10 * 60_000;

export function loadOrFail(ctx: CommandContext): ConfigModel {
  return requireModel(loadConfig(ctx.configPath, { env: ctx.env }), 'invalid', 'fix it first: mcpgw validate');
}

function oauthServer(model: ConfigModel, name: string): ServerSpec {
  const spec = model.servers.find((s) => s.name === name);
  const names = model.servers.filter((s) => s.auth.type === 'oauth').map((s) => s.name);
  if (!spec || spec.auth.type !== 'oauth') {
    throw new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `"${name}" is not an OAuth server in ${displayPath(model.file)}`, {
      hint: names.length ? `OAuth servers: ${names.join(', ')}` : 'no server has auth: { type: oauth }',
    });
  }
  if (!spec.enabled)
    throw new McpgwError('MCPGW_E_OAUTH_UNKNOWN_SERVER', `server "${name}" is disabled`, { hint: 'set enabled: true first' });
  return spec;
}

/** `--user NAME` (SPEC section 10): act on that identity's authorization (an admin's right, or one's own name). */
export interface UserOption {
  readonly user?: string;
}

export async function runAuthLogin(ctx: CommandContext, server: string, options: { browser?: boolean } & UserOption): Promise<number> {
  const model = loadOrFail(ctx);
  oauthServer(model, server);
  const daemon = await findDaemon(model, ctx.env);
  const started = new Date().toISOString();
  return daemon ? loginThroughDaemon(ctx, daemon, server, started, options) : loginStandalone(ctx, model, server, options);
}

async function loginThroughDaemon(
  ctx: CommandContext,
  daemon: DaemonClient,
  server: string,
  started: string,
  options: { browser?: boolean } & UserOption,
): Promise<number> {
  // The browser must start the authorization itself (it gets the cookie the callback is
  // checked against), so the daemon hands out a link to its /oauth/start: single use and
  // bound to our identity when inbound auth is on, and asking to replace a valid authorization.
  // A token the daemon refuses fails here, before anything is printed.
  const path = `/oauth/link/${encodeURIComponent(server)}${userQuery(options.user)}`;
  const response = await daemon.fetch(path, { method: 'POST' });
  if (response.status === 401) throw (await daemonRefusal(daemon, response, `POST ${path}`))!;
  const body = (await response.json().catch(() => ({}))) as { url?: string; error?: { message?: string; code?: string } };
  const location = body.url;
  if (response.status === 403) throw new McpgwError('MCPGW_E_OAUTH_FORBIDDEN', body.error?.message ?? 'only an admin may do that');
  if (!response.ok || !location) {
    throw new McpgwError(
      'MCPGW_E_OAUTH_DISCOVERY',
      `the daemon could not start the authorization: ${body.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
  announce(ctx, server, location, options);
  const deadline = Date.now() + LOGIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const status = await daemonJson<StatusJson>(daemon, '/status');
    const own = status.servers[server]?.auth;
    // An admin's /status lists every identity; anyone else's shows their own (--user was theirs: the link was not refused).
    const auth = options.user ? (own?.identities ? own.identities[options.user] : own) : own;
    if (auth?.authorizedAt && auth.authorizedAt >= started) {
      out(ctx.stdout, `Authorized ${server}.`);
      return 0;
    }
    if (own?.lastFailure && own.lastFailure.at >= started)
      throw new McpgwError('MCPGW_E_OAUTH_DENIED', `authorization of ${server} failed: ${own.lastFailure.message}`);
  }
  throw new McpgwError('MCPGW_E_OAUTH_DENIED', `no authorization for ${server} within ${LOGIN_TIMEOUT_MS / 60_000} minutes`, {
    hint: 'run mcpgw auth login again',
  });
}

type Outcome = { ok: boolean; message?: string };

async function loginStandalone(
  ctx: CommandContext,
  model: ConfigModel,
  server: string,
  options: { browser?: boolean } & UserOption,
): Promise<number> {
  let settle!: (result: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const log = createLogger('auth');
  const service = new OAuthService({
    dataDir: model.gateway.dataDir,
    store: model.gateway.store,
    publicUrl: model.gateway.publicUrl,
    clientMetadataUrl: model.gateway.clientMetadataUrl,
    env: ctx.env,
    log,
    onAuthorized: () => settle({ ok: true }),
    identityRequired: () => model.gateway.bearerTokens.length > 0,
  });
  const http = createServer();
  try {
    await service.setServers(model.servers);
    const app = new H3();
    // The browser opens this command's own /oauth/start (there it gets the cookie the
    // callback checks); a ticket when inbound auth is on: whoever else reaches the port
    // meanwhile cannot start one.
    registerOAuthRoutes(app, () => routesSettling(service, server, settle), log);
    http.on('request', toNodeHandler(app));
    await listenForCallback(http, model);
    // Without the daemon, whoever holds the store's key is the machine's admin: --user is theirs to use.
    const url = service.loginUrl(server, service.identityRequired() ? 'owner' : 'local', options.user);
    announce(ctx, server, url, options);
    const timer = setTimeout(
      () => settle({ ok: false, message: `no authorization within ${LOGIN_TIMEOUT_MS / 60_000} minutes` }),
      LOGIN_TIMEOUT_MS,
    );
    const result = await outcome;
    clearTimeout(timer);
    if (!result.ok) throw new McpgwError('MCPGW_E_OAUTH_DENIED', `authorization of ${server} failed: ${result.message}`);
    out(ctx.stdout, `Authorized ${server}.`);
    return 0;
  } finally {
    await closeGracefully(http);
    await service.close();
  }
}

/** The daemon's OAuth routes over this command's service; a failure for `server` ends the wait. */
function routesSettling(service: OAuthService, server: string, settle: (result: Outcome) => void): OAuthRoutesHost {
  return {
    publicUrl: service.publicUrl,
    identityRequired: () => service.identityRequired(),
    start: (name, request) =>
      service.start(name, request).catch((err: unknown) => {
        if (name === server) settle({ ok: false, message: (err as Error).message });
        throw err;
      }),
    logout: (name, forget) => service.logout(name, forget),
    loginUrl: (name, identity) => service.loginUrl(name, identity),
    link: (name, identity, o) => service.link(name, identity, o),
    links: service.links,
    callback: async (query, browser) => {
      const result = await service.callback(query, browser);
      if (!result.ok && result.server) settle({ ok: false, message: result.message });
      return result;
    },
  };
}

/** The callback is served where the daemon would serve it: the redirect URI is <publicUrl>/oauth/callback. */
function listenForCallback(http: HttpServer, model: ConfigModel): Promise<void> {
  const { host, port } = model.gateway.listen;
  return new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new McpgwError(
          'MCPGW_E_LISTEN',
          `cannot serve the OAuth callback on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use by something other than mcpgw' : err.message}`,
          { hint: 'the callback must be served at gateway.listen (the redirect URI is <publicUrl>/oauth/callback)' },
        ),
      ),
    );
    http.listen(port, host, () => resolve());
  });
}

/**
 * Graceful: the browser's callback request is still being answered when the outcome is
 * known; close() lets it finish, then anything left is cut after a moment.
 */
function closeGracefully(http: HttpServer): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      http.closeAllConnections();
      resolve();
    }, 2000);
    http.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function announce(ctx: CommandContext, server: string, url: string, options: { browser?: boolean }): void {
  out(ctx.stdout, `Open this URL to authorize ${server}:\n\n  ${url}\n\nWaiting for the authorization to finish...`);
  if (options.browser !== false) openBrowser(url);
}

/** Best effort: a desktop opener when there is a display; the printed URL always works. */
function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? 'xdg-open' : undefined;
  if (!opener) return;
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the URL was printed
  }
}

export async function runAuthLogout(
  ctx: CommandContext,
  server: string,
  options: { forgetClient?: boolean } & UserOption,
): Promise<number> {
  const model = loadOrFail(ctx);
  oauthServer(model, server);
  const daemon = await findDaemon(model, ctx.env);
  let had: boolean;
  if (daemon) {
    const body = await daemonJson<{ loggedOut?: boolean }>(
      daemon,
      `/oauth/logout/${encodeURIComponent(server)}?forgetClient=${options.forgetClient ? 'true' : 'false'}${userQuery(options.user, '&')}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    );
    had = Boolean(body.loggedOut);
  } else {
    const service = new OAuthService({
      dataDir: model.gateway.dataDir,
      store: model.gateway.store,
      publicUrl: model.gateway.publicUrl,
      env: ctx.env,
      log: createLogger('auth'),
      onAuthorized: () => undefined,
    });
    try {
      await service.setServers(model.servers);
      had = await service.logout(server, options.forgetClient, undefined, options.user);
    } finally {
      await service.close();
    }
  }
  out(
    ctx.stdout,
    had
      ? `Logged out of ${server}${options.forgetClient ? ' (and forgot its client registration)' : ''}.`
      : `No stored authorization for ${server}${options.user ? ` of ${options.user}` : ''}.`,
  );
  return 0;
}

export function runAuthClientMetadata(ctx: CommandContext): number {
  const model = loadOrFail(ctx);
  const url = model.gateway.clientMetadataUrl;
  if (!url) {
    throw new McpgwError('MCPGW_E_CONFIG_SCHEMA', 'gateway.oauth.clientMetadataUrl is not set', {
      hint: 'choose the https URL where you will host this document, set it as gateway.oauth.clientMetadataUrl, then run this again',
    });
  }
  out(ctx.stdout, JSON.stringify(clientMetadata(`${model.gateway.publicUrl}/oauth/callback`, url), null, 2));
  return 0;
}

function userQuery(user: string | undefined, join = '?'): string {
  return user === undefined ? '' : `${join}user=${encodeURIComponent(user)}`;
}
