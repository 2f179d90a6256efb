import { loadConfig } from '../config/load.js';
import { renderFindingText } from '../errors/render.js';
import { displayPath, out, type CommandContext } from './command-context.js';

export interface ValidateOptions {
  readonly json?: boolean;
  readonly secrets?: boolean;
}

/** `mcpgw validate`: parse, templates, schema and cross-checks; no network, nothing started. */
export function runValidate(ctx: CommandContext, options: ValidateOptions): number {
  const result = loadConfig(ctx.configPath, { env: ctx.env, noSecrets: options.secrets === false });
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.filter((f) => f.severity === 'warning').length;
  const display = displayPath(ctx.configPath);
  if (options.json) {
    out(
      ctx.stdout,
      JSON.stringify(
        {
          valid: errors === 0,
          file: ctx.configPath,
          errors,
          warnings,
          findings: result.findings,
          ...(result.model ? { servers: result.model.servers.map((s) => s.name), profiles: result.model.profiles.map((p) => p.name) } : {}),
        },
        null,
        2,
      ),
    );
    return errors === 0 ? 0 : 1;
  }
  for (const f of result.findings) out(ctx.stdout, renderFindingText({ ...f, file: f.file && displayPath(f.file) }));
  if (result.model) {
    const { servers, profiles } = result.model;
    out(
      ctx.stdout,
      `${display}: valid (${plural(servers.length, 'server')}, ${plural(profiles.length, 'profile')}${warnings ? `, ${plural(warnings, 'warning')}` : ''})`,
    );
    return 0;
  }
  out(ctx.stdout, `${display}: invalid (${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''})`);
  return 1;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
