// `mcpgw` as users run it: bin/mcpgw.js in a child process, killed after the test if it is
// still running. A daemon started this way listens where its config says; with
// `listen: 127.0.0.1:0` it binds a port of its own, and `listening()` reads that port from the
// log line the daemon writes as soon as it listens (`listening on http://127.0.0.1:PORT`, in
// both log formats).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from './gateway.js';
import { waitFor } from './wait.js';

export interface McpgwChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** The exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** The daemon's base URL (http://127.0.0.1:PORT), once it listens. */
  listening(timeoutMs?: number): Promise<string>;
}

export function spawnMcpgw(
  t: TestContext,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string; nodeArgs?: string[] } = {},
): McpgwChild {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bin ?? join(ROOT, 'bin/mcpgw.js'), ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    listening: (timeoutMs = 20_000) =>
      Promise.race([
        waitFor(() => /listening on (http:\/\/[0-9.]+:\d+)/.exec(stderr)?.[1], `mcpgw ${args[0]} to listen`, timeoutMs),
        exited.then((code) => {
          throw new Error(`mcpgw ${args[0]} exited (${code}) before listening: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        }),
      ]),
  };
}
