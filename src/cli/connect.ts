import { localUrl } from '../client/daemon-client.js';
import { Relay } from '../client/relay.js';
import { readDaemonAddress, type DaemonAddress } from '../config/address.js';
import { McpgwError } from '../errors/error.js';
import type { CommandContext } from './command-context.js';
import { runClientConfig } from './connect-install.js';

/**
 * `mcpgw connect [PROFILE]`: a stdio MCP server that relays to the running daemon's
 * /mcp/{profile} (SPEC section 3; the relay is client/relay.ts). Resolves with the exit code
 * when the client closes. With --install/--uninstall CLIENT it edits that client's config
 * instead (connect-install.ts).
 *
 * Only the daemon's address and token are read from the config (config/address.ts): the
 * client that launches connect usually lacks the servers' secrets, and need not have them.
 */

export interface ConnectOptions {
  readonly url?: string;
  readonly token?: string;
  readonly install?: string;
  readonly uninstall?: string;
  readonly project?: boolean;
  readonly stdio?: boolean;
}

export async function runConnect(ctx: CommandContext, profile: string | undefined, options: ConnectOptions): Promise<number> {
  if (options.install !== undefined || options.uninstall !== undefined) return runClientConfig(ctx, profile, options);
  if (options.project || options.stdio) {
    throw new McpgwError('MCPGW_E_USAGE', `${options.project ? '--project' : '--stdio'} goes with --install or --uninstall`, {
      hint: 'mcpgw connect --install CLIENT [PROFILE] [--project] [--stdio]',
    });
  }
  const address = readAddress(ctx, options.url !== undefined);
  const base = options.url ?? localUrl(address!.listen);
  const endpoint = new URL(
    `${base.replace(/\/+$/, '').replace(/\/mcp(\/[^/]*)?$/, '')}/mcp${profile ? `/${encodeURIComponent(profile)}` : ''}`,
  );
  return new Relay(endpoint, tokenFor(ctx, options, address), ctx.stderr).run();
}

/**
 * The config's address. With --url the config is only consulted for the token, and may be
 * missing or broken (then undefined).
 */
function readAddress(ctx: CommandContext, optional: boolean): DaemonAddress | undefined {
  try {
    return readDaemonAddress(ctx.configPath, { env: ctx.env });
  } catch (err) {
    if (optional && err instanceof McpgwError && err.code === 'MCPGW_E_CONFIG_INVALID') return undefined;
    throw err;
  }
}

/**
 * --token, else the config's token, else $MCPGW_TOKEN. A token the config names but this
 * process cannot read (an unset variable, a sha256: hash, named users) needs $MCPGW_TOKEN or
 * --token; otherwise it is an error naming what is missing: never a template sent as a token.
 */
function tokenFor(ctx: CommandContext, options: ConnectOptions, address: DaemonAddress | undefined): string | undefined {
  if (options.token !== undefined) return options.token;
  const fromEnv = ctx.env.MCPGW_TOKEN || undefined;
  const config = address?.token;
  if (config?.kind === 'value') return config.value;
  if (config?.kind === 'unknown' && fromEnv === undefined) throw config.error;
  return fromEnv;
}
