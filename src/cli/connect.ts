import { daemonUrl } from '../client/daemon-client.js';
import { Relay } from '../client/relay.js';
import { loadConfig, requireModel } from '../config/load.js';
import type { CommandContext } from './command-context.js';

/**
 * `mcpgw connect [PROFILE]`: a stdio MCP server that relays to the running daemon's
 * /mcp/{profile} (SPEC section 3; the relay is client/relay.ts). Resolves with the exit code
 * when the client closes.
 */

export interface ConnectOptions {
  readonly url?: string;
  readonly token?: string;
}

export async function runConnect(ctx: CommandContext, profile: string | undefined, options: ConnectOptions): Promise<number> {
  // The config says where the daemon listens and which token it wants; with --url it is
  // only consulted for the token, and may be invalid.
  const result = loadConfig(ctx.configPath, { env: ctx.env });
  const base =
    options.url ??
    daemonUrl(
      requireModel(result, 'invalid, cannot find the daemon', 'pass --url http://127.0.0.1:8750, or fix the config (mcpgw validate)'),
    );
  const token = options.token ?? ctx.env.MCPGW_TOKEN ?? result.model?.gateway.bearerTokens[0];
  const endpoint = new URL(
    `${base.replace(/\/+$/, '').replace(/\/mcp(\/[^/]*)?$/, '')}/mcp${profile ? `/${encodeURIComponent(profile)}` : ''}`,
  );
  return new Relay(endpoint, token, ctx.stderr).run();
}
