import { Command, CommanderError, Option } from 'commander';
import type { ConnectOptions } from './connect.js';
import { contextFor, failed } from './entry.js';

/**
 * Every command and its options, on commander. main.ts imports this module unless the
 * arguments are a plain `mcpgw run` (cli/run-args.ts). Each command's module is imported
 * when that command runs: `mcpgw run` does not load doctor, import, auth or connect (issue 18;
 * README.md, Architecture, "Loading on demand").
 */

const contextOf = (command: Command, startsServers = false) =>
  contextFor(command.optsWithGlobals<{ config?: string }>().config, { startsServers });

type SetExit = (code: number | Promise<number>) => void;

export function buildProgram(setExit: SetExit, version: string): Command {
  // -c/--config is the program's, and every command takes it (SPEC section 3): commander reads
  // a program option after the command too, and each command's help lists it.
  const program = new Command('mcpgw')
    .description('A local MCP gateway: one daemon for all your MCP servers and their authentication.')
    .version(version, '-V, --version', 'print the version')
    .addOption(new Option('-c, --config <file>', 'config file (default: $MCPGW_CONFIG, else ./gateway.yaml)'))
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run "mcpgw --help" for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  addCommands(program, setExit, version);
  addAuthCommands(program.command('auth').description('OAuth: authorize servers, show and forget their tokens'), setExit);
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError(`(run "mcpgw ${sub.name()} --help" for usage)`);
  return program;
}

function addCommands(program: Command, setExit: SetExit, version: string): void {
  program
    .command('run')
    .description('run the gateway daemon')
    .addOption(new Option('--log-format <format>', 'log line format').choices(['pretty', 'json']).default('pretty'))
    .action((options: { logFormat: 'pretty' | 'json' }, command: Command) => {
      const context = contextOf(command, true);
      setExit(import('./run.js').then((m) => m.runDaemon(context, { logFormat: options.logFormat, version })));
    });

  program
    .command('validate')
    .description('check the config file: schema, templates, cross-references (no network)')
    .option('--json', 'print the findings as JSON')
    .option('--no-secrets', 'CI without secrets: unset variables and unreadable files are warnings')
    .action((options: { json?: boolean; secrets?: boolean }, command: Command) => {
      const context = contextOf(command);
      setExit(import('./validate.js').then((m) => m.runValidate(context, options)));
    });

  program
    .command('connect [profile]')
    .description("a stdio MCP server relaying to the running daemon's /mcp/<profile> (for clients that only launch stdio servers)")
    .option('--url <url>', 'the daemon URL instead of the config (e.g. http://127.0.0.1:8750)')
    .option('--token <token>', 'bearer token (default: the config, else $MCPGW_TOKEN)')
    .option(
      '--install <client>',
      'point a client at the gateway instead of the servers gateway.yaml has: claude-desktop, claude-code, vscode, cursor, codex, gemini',
    )
    .option('--uninstall <client>', 'undo --install: remove the mcpgw entry and put the moved servers back')
    .option('--project', "with --install/--uninstall: the project's file in this folder (.mcp.json, .vscode/mcp.json, ...)")
    .option('--stdio', 'with --install: have the client start mcpgw connect instead of using HTTP')
    .action((profile: string | undefined, options: ConnectOptions, command: Command) => {
      const context = contextOf(command);
      setExit(import('./connect.js').then((m) => m.runConnect(context, profile, options)));
    });

  addLocalCommands(program, setExit, version);
}

/** import and doctor: commands about this machine's setup. */
function addLocalCommands(program: Command, setExit: SetExit, version: string): void {
  program
    .command('import')
    .description("add the MCP servers of a client's config to gateway.yaml (secrets become $<env:> variables)")
    .option(
      '--from <client|path>',
      'claude-desktop, claude-code, vscode, cursor, codex, gemini, or a file (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--dry-run', 'print the diff of gateway.yaml and write nothing')
    .option('-y, --yes', 'write without asking (the default without a terminal)')
    // Not --env-file: Node 20 reads that name from the argv of a process that starts workers.
    .option('--save-secrets <file>', "write the secrets' values to this .env-style file (mode 0600)")
    .action((options: { from?: string[]; dryRun?: boolean; yes?: boolean; saveSecrets?: string }, command: Command) => {
      const context = contextOf(command);
      setExit(import('./import.js').then((m) => m.runImport(context, options)));
    });

  program
    .command('doctor [server...]')
    .description('diagnose the setup: config, key, token store, each server (connect, auth, tools), the running daemon')
    .option('--json', 'print the findings as JSON (schema: docs/doctor.md)')
    .option('--offline', 'no network, no server started: config, key, store and files only')
    .option('--timeout <seconds>', 'time budget of the live checks (default 10)')
    .action((servers: string[], options: { json?: boolean; offline?: boolean; timeout?: string }, command: Command) => {
      const context = contextOf(command, true);
      setExit(import('./doctor.js').then((m) => m.runDoctorCommand(context, servers, options, version)));
    });
}

const authCommands = () => import('./auth.js');

function addAuthCommands(auth: Command, setExit: SetExit): void {
  auth
    .command('login <server>')
    .description('authorize an OAuth server: print (and open) the URL, wait until the token is stored')
    .option('--no-browser', 'only print the URL')
    .option('--user <name>', "authorize for this identity (team mode; another user's needs an admin)")
    .action((server: string, options: { browser?: boolean; user?: string }, command: Command) => {
      const context = contextOf(command);
      setExit(authCommands().then((m) => m.runAuthLogin(context, server, options)));
    });
  auth
    .command('status')
    .description('each OAuth server: authorized / expires at / needs authorization')
    .option('--json', 'print JSON')
    .option('--user <name>', "this identity's authorizations (team mode; another user's needs an admin)")
    .action((options: { json?: boolean; user?: string }, command: Command) => {
      const context = contextOf(command);
      setExit(import('./auth-status.js').then((m) => m.runAuthStatus(context, options)));
    });
  auth
    .command('logout <server>')
    .description("forget a server's tokens")
    .option('--forget-client', 'also forget its registered OAuth client')
    .option('--user <name>', "forget this identity's tokens (team mode; another user's needs an admin)")
    .action((server: string, options: { forgetClient?: boolean; user?: string }, command: Command) => {
      const context = contextOf(command);
      setExit(authCommands().then((m) => m.runAuthLogout(context, server, options)));
    });
  auth
    .command('client-metadata')
    .description('print the Client ID Metadata Document to host at gateway.oauth.clientMetadataUrl')
    .action((_options: unknown, command: Command) => {
      const context = contextOf(command);
      setExit(authCommands().then((m) => m.runAuthClientMetadata(context)));
    });
  auth
    .command('hash-token')
    .description('print the sha256: form of a token read on stdin (or of a new random one) for gateway.auth.users')
    .option('--generate', 'make a random token (printed once on stderr) instead of reading stdin')
    .action((options: { generate?: boolean }) => setExit(import('./hash-token.js').then((m) => m.runHashToken(options))));
  for (const sub of auth.commands) sub.exitOverride().showHelpAfterError(`(run "mcpgw auth ${sub.name()} --help" for usage)`);
}

/** The arguments through commander: help, errors and every command but a plain `run`. */
export async function runProgram(argv: string[], version: string): Promise<number> {
  let result: number | Promise<number> = 0;
  const program = buildProgram((code) => {
    result = code;
  }, version);
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return await result;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    return failed(err);
  }
}
