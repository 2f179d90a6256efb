// Starting the processes under test: `mcpgw run` (bin/mcpgw.js, as a user runs it) with a
// config written to a temporary folder, the HTTP fixture, and 20 stdio fixtures on their own
// (the servers' own start time).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { stringify } from 'yaml';
import { ROOT, cpuMs, freePort, now, sleep, startNode, waitForOutput, type Proc } from './proc.js';

const FIXTURE = join(ROOT, 'bench/fixture.ts');

/** A stdio server entry running bench/fixture.ts with this Node binary. */
export function fixtureServer(extraTools = 0): Record<string, unknown> {
  return { command: process.execPath, args: ['--import', 'tsx', FIXTURE, '--extra-tools', String(extraTools)], cwd: ROOT };
}

/** The environment mcpgw gives a stdio server without inheritEnv (src/upstream/env.ts). */
export function stdioServerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...getDefaultEnvironment() };
  for (const name of [
    'LANG',
    'TZ',
    'TMPDIR',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'http_proxy',
    'https_proxy',
    'NO_PROXY',
    'no_proxy',
    'NODE_EXTRA_CA_CERTS',
  ]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

/** initialize, notifications/initialized, tools/list over a fixture's stdio; resolves on the tools/list answer. */
export async function handshake(proc: Proc, answered: (id: number) => void = () => {}): Promise<void> {
  const send = (message: object) => proc.child.stdin!.write(`${JSON.stringify(message)}\n`);
  send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcpgw-bench', version: '1.0.0' } },
  });
  for await (const line of createInterface({ input: proc.child.stdout! })) {
    const message = JSON.parse(line) as { id?: number };
    if (message.id !== undefined) answered(message.id);
    if (message.id === 1) {
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    }
    if (message.id === 2) return;
  }
  throw new Error(`fixture ${proc.pid} exited before answering: ${proc.stderrTail()}`);
}

/**
 * The servers' own start time: `n` stdio fixtures started at once the way mcpgw starts them
 * (own session, same environment), until each has answered initialize and tools/list.
 */
export async function fixturesStartMs(n: number, extraTools: number, timeoutMs = 120_000): Promise<number> {
  const { args } = fixtureServer(extraTools) as { args: string[] };
  return serversStartMs(n, args, timeoutMs);
}

/** `n` stdio servers `node <args>` started at once as mcpgw starts them, until each answered tools/list. */
export async function serversStartMs(n: number, args: string[], timeoutMs = 120_000): Promise<number> {
  const t0 = now();
  const procs = Array.from({ length: n }, () => startNode(args, { env: stdioServerEnv(), stdin: true }));
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${n} fixtures did not start within ${timeoutMs} ms`)), timeoutMs)),
    );
    await Promise.race([Promise.all(procs.map((p) => handshake(p))), timeout]).finally(() => clearTimeout(timer));
    return now() - t0;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

export interface HttpFixture {
  readonly proc: Proc;
  readonly url: string;
}

/** The fixture on Streamable HTTP: the stock SDK v1 endpoint, or with `modern` SDK v2's 2026-07-28 handler. */
export async function startHttpFixture(extraTools = 0, options: { modern?: boolean } = {}): Promise<HttpFixture> {
  const proc = startNode([
    '--import',
    'tsx',
    FIXTURE,
    '--http',
    ...(options.modern ? ['--modern'] : []),
    '--extra-tools',
    String(extraTools),
  ]);
  const m = await waitForOutput(proc, /LISTENING (\d+)/);
  return { proc, url: `http://127.0.0.1:${m[1]}/mcp` };
}

export interface RunningGateway {
  readonly proc: Proc;
  readonly url: string;
  readonly dir: string;
  readonly configPath: string;
  /** From spawning the process to the first 200 of /readyz, in ms. */
  readonly readyMs: number;
  /** The gateway's CPU time (all threads, its stdio servers not included) when /readyz first answered 200. */
  readonly readyCpuMs: number;
  writeConfig(config: Record<string, unknown>): void;
  /** Stops the process (SIGTERM first) and removes its folder. */
  stop(): Promise<void>;
  log(): string;
}

/**
 * Runs `mcpgw run -c <dir>/gateway.yaml` on a free 127.0.0.1 port (the config's `listen` is
 * replaced) and waits until /readyz answers 200. `nodeArgs` go before the script (--cpu-prof);
 * `root`: another checkout's bin/mcpgw.js (an A/B of two builds, bench/start-ab.ts).
 */
export async function startGateway(
  config: Record<string, unknown>,
  options: { nodeArgs?: string[]; readyTimeoutMs?: number; root?: string } = {},
): Promise<RunningGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-bench-'));
  const configPath = join(dir, 'gateway.yaml');
  const port = await freePort();
  const withListen = (c: Record<string, unknown>) => ({ ...c, gateway: { ...(c.gateway as object), listen: `127.0.0.1:${port}` } });
  const writeConfig = (c: Record<string, unknown>) => writeFileSync(configPath, stringify(withListen(c)));
  writeConfig(config);
  const logFile = join(dir, 'gateway.log');
  const proc = startNode(
    [...(options.nodeArgs ?? []), join(options.root ?? ROOT, 'bin/mcpgw.js'), 'run', '-c', configPath, '--log-format', 'json'],
    {
      logFile,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, 'utf8');
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= proc.stop().then(() => rmSync(dir, { recursive: true, force: true })));
  try {
    const deadline = proc.startedAt + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (proc.child.exitCode !== null) throw new Error(`mcpgw exited with ${proc.child.exitCode}`);
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (now() > deadline) throw new Error('mcpgw did not become ready in time');
      await sleep(10);
    }
  } catch (err) {
    const tail = log().split('\n').slice(-15).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n--- gateway log (tail) ---\n${tail}`);
  }
  const readyMs = now() - proc.startedAt;
  return { proc, url, dir, configPath, readyMs, readyCpuMs: cpuMs(proc.pid), writeConfig, stop, log };
}
