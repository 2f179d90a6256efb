// Test helpers: an in-process daemon on 127.0.0.1:0 with a config written to a temp folder,
// SDK clients connected to it, fixture server commands, and process-tree checks. Everything
// started is stopped in t.after, even when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stringify } from 'yaml';
import { Daemon } from '../../src/daemon.js';
import type { McpEndpointOptions } from '../../src/http/mcp.js';
import { configureLog } from '../../src/log.js';
import type { Relay } from './ports.js';
import { waitFor } from './wait.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const FIXTURES = join(ROOT, 'test/fixtures/servers');

/** A stdio server definition for a fixture file, run with this node through tsx. */
export function fixtureServer(file: string, args: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  // cwd: tsx is resolved from the working folder, and the config lives in a temp folder.
  return { command: process.execPath, args: ['--import', 'tsx', join(FIXTURES, file), ...args], cwd: ROOT, ...extra };
}

export function tempDir(t: TestContext, prefix = 'mcpgw-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestGateway {
  readonly daemon: Daemon;
  readonly url: string;
  readonly dir: string;
  readonly configPath: string;
  readonly logs: string[];
  /** Rewrites the config file (for reload tests). */
  writeConfig(config: Record<string, unknown> | string): void;
  close(): Promise<void>;
}

/**
 * Starts a daemon on a port of its own (port 0, whatever the config's listen says). Fails the
 * test when the daemon logs at error level, unless the line matches one of `allowErrors`.
 *
 * With `relay`: the config's listen address is the relay's port (which the test holds), so
 * what is built from it before the daemon listens (the default publicUrl, hence the OAuth
 * redirect URI; the address a CLI command reads) is right; the relay forwards to the daemon
 * until it closes.
 */
export async function startGateway(
  t: TestContext,
  config: Record<string, unknown> | string,
  options: { allowErrors?: RegExp[]; env?: Record<string, string | undefined>; relay?: Relay; mcp?: McpEndpointOptions } = {},
): Promise<TestGateway> {
  const dir = tempDir(t);
  const configPath = join(dir, 'gateway.yaml');
  const write = (c: Record<string, unknown> | string) => writeFileSync(configPath, typeof c === 'string' ? c : stringify(c));
  write(config);
  const logs: string[] = [];
  const unexpected: string[] = [];
  configureLog({
    level: 'debug',
    format: 'json',
    sink: { write: (line) => void logs.push(line) },
    onError: (line) => {
      if (!(options.allowErrors ?? []).some((re) => re.test(line))) unexpected.push(line);
    },
  });
  const daemon = await Daemon.start({
    configPath,
    version: 'test',
    env: { ...process.env, ...options.env },
    port: 0,
    mcp: options.mcp,
  });
  const relay = options.relay;
  relay?.forward(daemon.port);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // Once closed, its port is anyone's: the relay must not send a connection there.
    if (relay?.target === daemon.port) relay.forward(undefined);
    await daemon.close();
  };
  t.after(async () => {
    await close();
    if (unexpected.length > 0) throw new Error(`the daemon logged unexpected errors:\n${unexpected.join('')}`);
  });
  return { daemon, url: `http://127.0.0.1:${daemon.port}`, dir, configPath, logs, writeConfig: write, close };
}

/** An SDK client on /mcp/{profile}, closed after the test. */
export async function connect(
  t: TestContext,
  url: string,
  options: { profile?: string; capabilities?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp${options.profile ? `/${options.profile}` : ''}`), {
    requestInit: { headers: options.headers ?? {} },
  });
  await client.connect(transport);
  t.after(() => client.close().catch(() => undefined));
  return client;
}

/** Waits until /readyz says every server has left `starting`, and returns /status. */
export async function waitReady(
  url: string,
  servers: string[] = [],
  state = 'ready',
  headers: Record<string, string> = {},
): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const status = (await (await fetch(`${url}/status`, { headers })).json()) as Record<string, any>;
      return servers.every((s) => status.servers[s]?.state === state) ? status : undefined;
    },
    `servers ${servers.join(', ')} to be ${state}`,
    20_000,
  );
}

/** state, ppid and pgid of every live process (zombies are dead, only not reaped yet). */
export function liveProcesses(): Array<{ pid: number; ppid: number; pgid: number }> {
  const out: Array<{ pid: number; ppid: number; pgid: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') out.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Pids of live processes in a process group. */
export function processesInGroup(pgid: number): number[] {
  return liveProcesses()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid);
}

/**
 * A child process (e.g. the HTTP fixture) stopped after the test; resolves once it printed
 * LISTENING <port> (it listens on port 0 unless told otherwise). `stdin`, once it resolves, is
 * written to the child's stdin as one line: for a fixture that learns a URL after it started.
 */
export async function startHttpFixture(
  t: TestContext,
  args: string[] = [],
  file = 'http.ts',
  options: { stdin?: Promise<string> } = {},
): Promise<{ port: number; url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, file), ...args], {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening: ${stderr}`)));
  });
  if (options.stdin) {
    child.stdin!.on('error', () => undefined);
    options.stdin.then(
      (line) => child.stdin!.end(`${line}\n`),
      () => child.kill('SIGKILL'),
    );
  }
  const listening = await port;
  return { port: listening, url: `http://127.0.0.1:${listening}/mcp`, child };
}

/** A raw HTTP request (fetch cannot set Host), answering status, headers and body text. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
