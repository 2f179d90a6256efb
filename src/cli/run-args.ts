/**
 * `mcpgw run`'s arguments without commander: its package and the program of every command
 * load before the early spawn (cli/run.ts), about 25 ms that the servers' start would wait
 * for (docs/performance.md, "Issue 18 item 2: start to serving, fourth pass"). Only the
 * plain forms are taken here; anything else (help, an unknown option, a missing or invalid
 * value, an argument, `--`) returns undefined and goes to commander, whose messages stay the
 * only ones. A test compares what both make of the same arguments.
 */

export interface RunArgs {
  /** -c/--config (the program's option, accepted before or after `run`); the last one given wins, as in commander. */
  readonly config?: string;
  readonly logFormat: 'pretty' | 'json';
}

const LOG_FORMATS: ReadonlySet<string> = new Set(['pretty', 'json']);

export function parseRunArgs(argv: readonly string[]): RunArgs | undefined {
  let command = false;
  let config: string | undefined;
  let logFormat: RunArgs['logFormat'] = 'pretty';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === 'run' && !command) {
      command = true;
      continue;
    }
    if (name !== '-c' && name !== '--config' && !(command && name === '--log-format')) return undefined;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    // A value that looks like an option, or none: commander decides what that means.
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (name === '--log-format') {
      if (!LOG_FORMATS.has(value)) return undefined;
      logFormat = value as RunArgs['logFormat'];
    } else config = value;
  }
  return command ? { ...(config !== undefined ? { config } : {}), logFormat } : undefined;
}
