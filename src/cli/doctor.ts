import { runDoctor } from '../doctor/runner.js';
import { renderText } from '../doctor/report-text.js';
import { McpgwError } from '../errors/error.js';
import { displayPath, out, type CommandContext } from './command-context.js';

export interface DoctorCommandOptions {
  readonly json?: boolean;
  readonly offline?: boolean;
  /** Seconds, as typed. */
  readonly timeout?: string;
}

/** `mcpgw doctor [--json] [--offline] [--timeout S] [SERVER...]`: 0 without errors, 1 with errors. */
export async function runDoctorCommand(
  ctx: CommandContext,
  servers: readonly string[],
  options: DoctorCommandOptions,
  version: string,
): Promise<number> {
  let timeoutMs: number | undefined;
  if (options.timeout !== undefined) {
    const seconds = Number(options.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
      throw new McpgwError('MCPGW_E_USAGE', `--timeout must be a number of seconds from 0.1 to 600, not "${options.timeout}"`);
    }
    timeoutMs = Math.round(seconds * 1000);
  }
  const report = await runDoctor({ configPath: ctx.configPath, env: ctx.env, version, offline: options.offline, servers, timeoutMs });
  if (options.json) out(ctx.stdout, JSON.stringify(report, null, 2));
  else out(ctx.stdout, renderText(report, { color: useColor(ctx), displayPath }));
  return report.ok ? 0 : 1;
}

function useColor(ctx: CommandContext): boolean {
  const tty = Boolean((ctx.stdout as NodeJS.WriteStream).isTTY);
  return tty && !ctx.env.NO_COLOR && ctx.env.TERM !== 'dumb';
}
