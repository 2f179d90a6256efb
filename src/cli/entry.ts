import { takeSecretsOutOfEnvironment, type SecretsOut } from '../auth/environ.js';
import { exitCodeOf, renderCliError } from '../errors/render.js';
import { configPathFrom, displayPath, type CommandContext } from './command-context.js';

/**
 * What main.ts and the commander program (cli/program.ts) share: the context a command gets,
 * and how a failed command ends. Both paths of `mcpgw run` (cli/run-args.ts) go through here.
 */

/** Taken once, by the first command that starts servers (run, doctor); see auth/environ.ts. */
let secretsOut: SecretsOut | undefined;

/**
 * What a command gets, with -c/--config as given. With `startsServers`, the encryption key and
 * the MCPGW_* variables leave the process environment first (a stdio server could read
 * /proc/<our pid>/environ): the command reads them from the copy in `env`.
 */
export function contextFor(config: string | undefined, options: { startsServers?: boolean } = {}): CommandContext {
  if (options.startsServers) secretsOut ??= takeSecretsOutOfEnvironment();
  const env = secretsOut?.env ?? process.env;
  return {
    configPath: configPathFrom(config, env),
    env,
    ...(secretsOut && secretsOut.exposed.length > 0
      ? { exposedSecrets: { names: secretsOut.exposed, reason: secretsOut.reason ?? '' } }
      : {}),
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** A command's failure on stderr, and its exit status. */
export function failed(err: unknown): number {
  process.stderr.write(renderCliError(err, { path: displayPath }));
  return exitCodeOf(err);
}
