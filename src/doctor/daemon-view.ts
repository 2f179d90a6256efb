import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { daemonUrl, findDaemon } from '../client/daemon-client.js';
import { parseListen } from '../config/checks.js';
import type { ConfigModel } from '../config/types.js';
import type { ServerStatusJson, StatusJson } from '../api/status-json.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './types.js';

/**
 * The running daemon's live view (SPEC section 6): found through its /healthz at the
 * configured address, then read from /status: states, last errors, the last reload error.
 * When none answers, whether it could start: the listen port must be free.
 */

export interface DaemonView {
  readonly url: string;
  readonly running: boolean;
  readonly status?: StatusJson;
  /** Why /status could not be read (e.g. HTTP 401 without MCPGW_TOKEN). */
  readonly statusError?: string;
}

/** The daemon as doctor sees it, asked once per run. */
export function daemonView(ctx: DoctorContext): Promise<DaemonView> {
  return ctx.once('daemon', async () => {
    const target = daemonTarget(ctx);
    const url = daemonUrl(target);
    const daemon = await findDaemon(target, ctx.env, Math.min(1500, ctx.remaining()));
    if (!daemon) return { url, running: false };
    try {
      const response = await daemon.fetch('/status', { signal: AbortSignal.timeout(ctx.remaining()) });
      if (!response.ok) {
        await response.body?.cancel();
        return { url, running: true, statusError: `HTTP ${response.status}` };
      }
      return { url, running: true, status: (await response.json()) as StatusJson };
    } catch (err) {
      return { url, running: true, statusError: (err as Error).message };
    }
  });
}

/** The configured address; for a config that does not load, what its file says (or the default). */
function daemonTarget(ctx: DoctorContext): ConfigModel {
  if (ctx.model) return ctx.model;
  const raw = ctx.source ? ctx.raw(['gateway', 'listen']) : listenLine(ctx.options.configPath);
  const listen = (typeof raw === 'string' && !raw.includes('$<') ? parseListen(raw) : undefined) ?? { host: '127.0.0.1', port: 8750 };
  return { gateway: { listen, bearerTokens: [] } } as unknown as ConfigModel;
}

/** A file that is not even YAML: its `listen:` line, if one is readable. */
function listenLine(path: string): string | undefined {
  try {
    return /^\s+listen:\s*["']?([^"'\s#]+)/m.exec(readFileSync(path, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

export async function checkDaemon(ctx: DoctorContext): Promise<CheckResult[]> {
  const view = await daemonView(ctx);
  if (!view.running)
    return ctx.model
      ? notRunning(ctx, view.url)
      : [{ code: 'MCPGW_I_DAEMON_STOPPED', severity: 'info', message: `no daemon answers at ${view.url}` }];
  if (!view.status) {
    return [
      {
        code: 'MCPGW_W_DAEMON_STATUS',
        severity: 'warning',
        message: `a daemon answers at ${view.url}, but its /status could not be read (${view.statusError})`,
        hint:
          view.statusError === 'HTTP 401'
            ? 'set MCPGW_TOKEN to one of gateway.auth.bearerTokens so doctor can read it'
            : "check the daemon's log",
      },
    ];
  }
  const s = view.status;
  return [
    {
      code: 'MCPGW_I_DAEMON_RUNNING',
      severity: 'info',
      message: `the daemon runs at ${view.url} (mcpgw ${s.version}, since ${s.startedAt.replace(/\.\d{3}Z$/, 'Z')}, config generation ${s.config.generation})`,
    },
    ...configState(ctx, view.url, s),
    ...liveState(ctx, s),
  ];
}

/** What the daemon says of its config: another file, a rejected change, a restart needed. */
function configState(ctx: DoctorContext, url: string, s: StatusJson): CheckResult[] {
  const results: CheckResult[] = [];
  if (ctx.model && s.config.path !== ctx.model.file) {
    results.push({
      code: 'MCPGW_W_DAEMON_OTHER_CONFIG',
      severity: 'warning',
      message: `the daemon at ${url} runs another config file: ${s.config.path}`,
      hint: `run doctor with -c ${s.config.path}, or stop that daemon`,
    });
  }
  const last = s.config.lastError;
  if (last) {
    results.push({
      code: 'MCPGW_W_DAEMON_RELOAD_FAILED',
      severity: 'warning',
      message: `the daemon rejected the last change to the config (at ${last.at.replace(/\.\d{3}Z$/, 'Z')}) and still serves generation ${s.config.generation}: ${last.message}`,
      hint: 'fix the file (mcpgw validate lists every problem); the daemon reloads it when saved',
      file: last.file,
      line: last.line,
      column: last.column,
    });
  }
  if (s.config.restartNeeded) {
    results.push({
      code: 'MCPGW_W_DAEMON_RESTART_NEEDED',
      severity: 'warning',
      message: 'listen, publicUrl or dataDir changed since the daemon started; they apply only after a restart',
      hint: 'restart the daemon (stop mcpgw run and start it again, or systemctl restart mcpgw)',
    });
  }
  return results;
}

/** The daemon's view of each selected server, and the name warnings of its profiles. */
function liveState(ctx: DoctorContext, s: StatusJson): CheckResult[] {
  const results: CheckResult[] = [];
  const selected = ctx.options.servers ?? [];
  for (const [name, server] of Object.entries(s.servers)) {
    if (server.state === 'disabled' || (selected.length > 0 && !selected.includes(name))) continue;
    results.push({ ...serverState(name, server), group: name });
  }
  for (const [profile, p] of Object.entries(s.profiles)) {
    for (const [i, warning] of p.warnings.entries()) {
      // The structured drop beside each warning text (an older daemon may send the text only).
      const parsed = p.dropped?.[i];
      const server = parsed?.server;
      if (selected.length > 0 && server && !selected.includes(server)) continue;
      results.push({
        code: parsed && !parsed.winner ? 'MCPGW_W_NAME_DROPPED' : 'MCPGW_W_TOOL_COLLISION',
        severity: 'warning',
        message: `in the daemon, profile "${profile}": ${warning}`,
        hint: 'give the servers distinct prefixes (servers.NAME.prefix), or deny the tool with tools.deny',
        ...(server ? { group: server } : {}),
      });
    }
  }
  return results;
}

function serverState(name: string, server: ServerStatusJson): CheckResult {
  const n = server.tools;
  switch (server.state) {
    case 'ready':
      return { code: 'MCPGW_I_DAEMON_SERVER', severity: 'info', message: `in the daemon: ready, ${n} tool${n === 1 ? '' : 's'}` };
    case 'starting':
      return { code: 'MCPGW_I_DAEMON_SERVER', severity: 'info', message: 'in the daemon: starting' };
    case 'needs_auth':
      return {
        code: 'MCPGW_W_DAEMON_SERVER',
        severity: 'warning',
        message: 'in the daemon: needs authorization',
        hint: `${server.auth.authorizationUrl ? `open ${server.auth.authorizationUrl}, or ` : ''}run: mcpgw auth login ${name}`,
      };
    default: {
      const retrying = server.state === 'restarting';
      return {
        code: 'MCPGW_W_DAEMON_SERVER',
        severity: 'warning',
        message: `in the daemon: ${server.state}${retrying && server.restarts ? ` (${server.restarts} restarts)` : ''}${server.lastError ? `: ${server.lastError.message}` : ''}`,
        hint: retrying
          ? 'the daemon retries with backoff; the other findings of this server say why it fails'
          : 'fix the cause (see the other findings of this server); the daemon retries when the config is saved or after a login',
      };
    }
  }
}

async function notRunning(ctx: DoctorContext, url: string): Promise<CheckResult[]> {
  const { host, port } = ctx.model!.gateway.listen;
  if (port === 0)
    return [
      {
        code: 'MCPGW_I_DAEMON_STOPPED',
        severity: 'info',
        message: `the daemon is not running (gateway.listen ${host}:0 picks a free port)`,
      },
    ];
  const problem = await tryListen(host, port);
  if (!problem)
    return [{ code: 'MCPGW_I_DAEMON_STOPPED', severity: 'info', message: `the daemon is not running; ${host}:${port} is free for it` }];
  const why =
    problem === 'EADDRINUSE'
      ? `port ${port} is taken by another program (it does not answer as mcpgw at ${url})`
      : problem === 'EADDRNOTAVAIL'
        ? `the address ${host} is not on this machine`
        : problem === 'EACCES'
          ? `port ${port} needs privileges`
          : problem;
  return [
    {
      code: 'MCPGW_E_LISTEN',
      severity: 'error',
      message: `the daemon could not listen on ${host}:${port}: ${why}`,
      hint:
        problem === 'EADDRINUSE'
          ? `find it with \`ss -ltnp 'sport = :${port}'\` (or lsof -i :${port}) and stop it, or change gateway.listen`
          : 'change gateway.listen',
      ...ctx.at(['gateway', 'listen']),
    },
  ];
}

/** Binds and releases the port at once: undefined when free, else the error code. */
function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
