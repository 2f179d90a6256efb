// Helpers of the import tests: the real CLI in a child process with a controlled environment
// (HOME pointed at a temp folder, so the clients' usual locations are the test's files).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './gateway.js';

export const BIN = join(ROOT, 'bin/mcpgw.js');
export const IMPORT_FIXTURES = join(ROOT, 'test/fixtures/import');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs mcpgw with only PATH, HOME and `env`; never a stack trace. */
export function mcpgw(args: readonly string[], options: { cwd: string; home: string; env?: Record<string, string> }): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', HOME: options.home, ...options.env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code === -1) return reject(err);
      assert.ok(!`${stdout}${stderr}`.includes('    at '), `no stack trace in:\n${stdout}${stderr}`);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Copies a fixture tree (home/ and work/) into `dir`; "@WORK@" in its files becomes the work
 * folder's real path (Claude Code keys a project's servers by its path).
 */
export function layOut(fixture: string, dir: string): { home: string; work: string } {
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  for (const [from, to] of [
    [join(fixture, 'home'), home],
    [join(fixture, 'work'), work],
  ] as const) {
    // An empty work/ of a fixture is not in git: the folder is made either way.
    if (existsSync(from)) cpSync(from, to, { recursive: true });
    else mkdirSync(to, { recursive: true });
  }
  for (const root of [home, work]) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: false }) as string[]) {
      const path = join(root, entry);
      if (!statSync(path).isFile()) continue;
      const text = readFileSync(path, 'utf8');
      if (text.includes('@WORK@')) writeFileSync(path, text.replaceAll('@WORK@', work));
    }
  }
  return { home, work };
}
