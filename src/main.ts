import { readFileSync } from 'node:fs';
import { contextFor, failed } from './cli/entry.js';
import { parseRunArgs } from './cli/run-args.js';

/**
 * The bin entry: argv -> command. The only place that calls process.exit. A plain `mcpgw
 * run` starts without commander, whose load would delay the early spawn of the servers
 * (cli/run-args.ts); everything else goes through the program in cli/program.ts.
 */

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const VERSION = pkg.version;

async function main(argv: string[]): Promise<number> {
  const run = parseRunArgs(argv);
  if (!run) return (await import('./cli/program.js')).runProgram(argv, VERSION);
  try {
    const context = contextFor(run.config, { startsServers: true });
    return await (await import('./cli/run.js')).runDaemon(context, { logFormat: run.logFormat, version: VERSION });
  } catch (err) {
    return failed(err);
  }
}

const code = await main(process.argv.slice(2));
// Let pending stdout writes drain before exiting (a pipe may be slow).
process.exitCode = code;
if (process.stdout.writableLength === 0) process.exit(code);
else process.stdout.once('drain', () => process.exit(code));
