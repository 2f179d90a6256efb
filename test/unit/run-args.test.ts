// `mcpgw run` parses its options without commander (cli/run-args.ts, issue 18 item 2). What
// it takes must be what commander makes of the same arguments, and everything else must go
// to commander, so that help and error messages stay commander's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { parseRunArgs } from '../../src/cli/run-args.js';

class Stop extends Error {}

/** Silences a command and its subcommands (each copied its output settings when created). */
function quiet(command: Command): void {
  command.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const sub of command.commands) quiet(sub);
}

/** What commander's program hands the action: the command and its options, or the error's code. */
async function viaCommander(argv: string[]): Promise<Record<string, unknown>> {
  const program = buildProgram(() => {}, '0.0.0-test');
  quiet(program);
  let seen: Record<string, unknown> = {};
  program.hook('preAction', (_program, action) => {
    const { config } = action.optsWithGlobals<{ config?: string }>();
    seen = { command: action.name(), ...(config !== undefined ? { config } : {}), logFormat: action.opts().logFormat };
    throw new Stop();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof Stop)) return { error: (err as { code?: string }).code };
  }
  return seen;
}

const TAKEN: string[][] = [
  ['run'],
  ['run', '-c', 'a.yaml'],
  ['-c', 'a.yaml', 'run'],
  ['run', '--config', 'a.yaml'],
  ['run', '--config=a.yaml'],
  ['--config=dir/a b.yaml', 'run'],
  ['run', '--log-format', 'json'],
  ['run', '--log-format=json', '-c', 'x.yaml'],
  ['-c', 'a.yaml', 'run', '-c', 'b.yaml'],
  ['run', '--log-format', 'json', '--log-format', 'pretty'],
  ['-c', 'a.yaml', 'run', '--log-format', 'pretty', '--config', 'c.yaml'],
];

test('the plain forms of run: the same command and options as commander gives', async () => {
  for (const argv of TAKEN) {
    const fast = parseRunArgs(argv);
    assert.ok(fast, `${argv.join(' ')} is taken`);
    assert.deepEqual({ command: 'run', ...fast }, await viaCommander(argv), argv.join(' '));
  }
});

const LEFT_TO_COMMANDER: string[][] = [
  [],
  ['--help'],
  ['-V'],
  ['run', '--help'],
  ['run', '-h'],
  ['help', 'run'],
  ['run', '--log-format', 'xml'],
  ['run', '--log-format'],
  ['run', '-c'],
  ['run', '--config='],
  ['run', '-c', '-x'],
  ['run', '-ca.yaml'],
  ['run', '-c=a.yaml'],
  ['--log-format', 'json', 'run'],
  ['run', 'extra'],
  ['run', 'run'],
  ['run', '--'],
  ['run', '--verbose'],
  ['validate'],
  ['validate', '-c', 'a.yaml'],
  ['-c', 'a.yaml'],
];

test('help, errors and other commands are left to commander', async () => {
  for (const argv of LEFT_TO_COMMANDER) assert.equal(parseRunArgs(argv), undefined, argv.join(' '));
  // Some of them are errors there, which it reports (cli/program.ts prints its message).
  assert.deepEqual(await viaCommander(['run', '--log-format', 'xml']), { error: 'commander.invalidArgument' });
  assert.deepEqual(await viaCommander(['run', '-c']), { error: 'commander.optionMissingArgument' });
  assert.deepEqual(await viaCommander(['--log-format', 'json', 'run']), { error: 'commander.unknownOption' });
});
