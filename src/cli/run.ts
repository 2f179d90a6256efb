import { loadConfig, requireModel } from '../config/load.js';
import { signatures } from '../config/signatures.js';
import type { Daemon } from '../daemon.js';
import { EarlyStart } from '../upstream/early.js';
import { configureLog, createLogger, type LogFormat } from '../log.js';
import { renderBanner } from './banner.js';
import { out, type CommandContext } from './command-context.js';

export interface RunOptions {
  readonly logFormat?: LogFormat;
  readonly version: string;
}

/**
 * `mcpgw run`: the daemon. Resolves with the exit code after SIGTERM/SIGINT (0), or at once
 * with 1 when the initial config is invalid or the port is taken (SPEC section 3).
 */
export async function runDaemon(ctx: CommandContext, options: RunOptions): Promise<number> {
  configureLog({ format: options.logFormat ?? 'pretty', color: options.logFormat !== 'json' && ctx.isTTY });
  if (ctx.exposedSecrets) warnExposed(ctx.exposedSecrets);
  // Signals are handled from the first moment: the daemon listens before Daemon.start
  // returns, and a SIGTERM (or a SIGHUP during the banner's wait) must not kill it uncleanly.
  let daemon: Daemon | undefined;
  let stopping: string | undefined;
  let finish!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (finish = resolve));
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    process.off('SIGHUP', hup);
    if (!daemon) return; // still starting: stopped as soon as start returns
    daemon.log.info(`${signal} received, shutting down`);
    void daemon.close().then(() => finish(0));
  };
  const hup = () => void daemon?.reload('SIGHUP');
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', hup);
  try {
    daemon = await startDaemon(ctx, options.version);
  } catch (err) {
    // An invalid config (MCPGW_E_CONFIG_INVALID, with its findings) or a taken port: main.ts prints it, exit 1.
    process.off('SIGHUP', hup);
    throw err;
  }
  if (stopping) {
    const signal = stopping;
    stopping = undefined;
    stop(signal);
    return exited;
  }
  await showBanner(ctx, daemon, options.logFormat ?? 'pretty');
  return exited;
}

/**
 * Reads the config and spawns its stdio servers before the daemon's modules load (the SDK,
 * zod, the HTTP layer: most of the start), so that the servers start meanwhile instead of
 * after (issue 18 item 2). An invalid config throws here, before anything is spawned.
 */
async function startDaemon(ctx: CommandContext, version: string): Promise<Daemon> {
  const result = loadConfig(ctx.configPath, { env: ctx.env });
  const loaded = signatures(result.files);
  const model = requireModel(result, 'invalid, not starting');
  const early = EarlyStart.spawn(model);
  try {
    const { Daemon } = await import('../daemon.js');
    // MCPGW_WATCH=poll for mounts where file events do not arrive (some Docker volumes), off to disable.
    const watch = ctx.env.MCPGW_WATCH === 'off' ? false : ctx.env.MCPGW_WATCH === 'poll' ? 'poll' : true;
    const preloaded = { result, signatures: loaded, early };
    return await Daemon.start({ configPath: ctx.configPath, version, env: ctx.env, watch, preloaded });
  } finally {
    // The gateway has claimed every child by now, unless its start failed (a port in use):
    // then none may outlive it.
    await early.discardUnclaimed();
  }
}

/** Waits (a few seconds at most) for servers to leave `starting`, then prints where to connect. */
async function showBanner(ctx: CommandContext, daemon: Daemon, format: LogFormat): Promise<void> {
  const deadline = Date.now() + BANNER_WAIT_MS;
  while (daemon.gateway.waiting().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const status = daemon.status();
  const publicUrl = daemon.publicUrl;
  if (format === 'json') {
    daemon.log.info('ready', {
      url: daemon.url,
      profiles: Object.fromEntries(Object.entries(status.profiles).map(([n, p]) => [n, p.url])),
      servers: Object.fromEntries(Object.entries(status.servers).map(([n, s]) => [n, s.state])),
    });
    return;
  }
  out(ctx.stdout, renderBanner(status, daemon.url, publicUrl));
}

const BANNER_WAIT_MS = 5000;

/** The key (or a MCPGW_* variable) stays readable by every process of this user: say so, and what to do. */
function warnExposed(exposed: NonNullable<CommandContext['exposedSecrets']>): void {
  createLogger('mcpgw').warn(
    `${exposed.names.join(', ')} stay readable in /proc/${process.pid}/environ by any process of this user (stdio servers too): ${exposed.reason}`,
    {
      code: 'MCPGW_W_ENV_SECRETS',
      hint: 'give the key in a file (OAUTH_ENCRYPTION_KEY_FILE, or the systemd credential oauth-encryption-key) and tokens as $<file:...>',
    },
  );
}
