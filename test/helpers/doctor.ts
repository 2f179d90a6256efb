// Helpers for the doctor tests: a config in a temp folder, doctor run in-process (or the CLI
// as a child), tiny loopback servers that misbehave on purpose (an HTTP status, a listener
// that never answers, OAuth metadata without S256, TLS with a self-signed certificate, a
// listener that records connections), token store entries, and the "no secret" check.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { TokenStore, type ServerEntry } from '../../src/auth/store.js';
import { runDoctor } from '../../src/doctor/runner.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { FIXTURES, ROOT, tempDir } from './gateway.js';

/** Values that must never appear in doctor's output, whatever the case. */
export const SECRETS = {
  apiKey: 'doctor-secret-apikey-7f3a9c51',
  key: 'doctor-encryption-key-0123456789abcdef0123',
  access: 'doctor-access-token-GOOD-1234567',
  wrongAccess: 'doctor-access-token-WRONG-7654321',
  refresh: 'doctor-refresh-token-abc1234567',
  bearer: 'doctor-gateway-bearer-token-991',
  argToken: 'doctor-arg-token-value-55aa',
};

/** The environment doctor gets: PATH and HOME of this machine, the secrets above, extras. */
export function doctorEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCTOR_API_KEY: SECRETS.apiKey,
    OAUTH_ENCRYPTION_KEY: SECRETS.key,
    MCPGW_TOKEN: SECRETS.bearer,
    DOCTOR_ARG_TOKEN: SECRETS.argToken,
    ...extra,
  };
}

export function assertNoSecret(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) assert.ok(!text.includes(value), `secret ${name} printed in:\n${text}`);
}

/** A stdio server entry for a fixture file, run with this node through tsx. */
export function fixture(file: string, args: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: process.execPath, args: ['--import', 'tsx', join(FIXTURES, file), ...args], cwd: ROOT, ...extra };
}

/** Writes gateway.yaml (listen on port 0 unless given, so no real daemon is ever found). */
export function writeConfig(t: TestContext, config: Record<string, unknown> | string, dir = tempDir(t, 'mcpgw-doctor-')): string {
  const path = join(dir, 'gateway.yaml');
  let doc = config;
  if (typeof doc !== 'string') {
    const gateway = { listen: '127.0.0.1:0', ...(doc.gateway as Record<string, unknown> | undefined) };
    doc = stringify({ version: 1, ...doc, gateway });
  }
  writeFileSync(path, doc);
  return path;
}

export interface Doctored {
  readonly report: DoctorReport;
  readonly path: string;
  /** Codes of a group ('gateway' or a server). */
  codes(group?: string): string[];
  /** The one finding with this code (in the group, when given); fails when absent. */
  get(code: string, group?: string): DoctorReport['findings'][number];
}

/** Runs doctor in-process on a config; checks that no secret is in the report. */
export async function doctor(
  t: TestContext,
  config: Record<string, unknown> | string,
  options: { env?: Record<string, string | undefined>; offline?: boolean; servers?: string[]; timeoutMs?: number; dir?: string } = {},
): Promise<Doctored> {
  const path = writeConfig(t, config, options.dir);
  const report = await runDoctor({
    configPath: path,
    env: doctorEnv(options.env),
    version: 'test',
    offline: options.offline,
    servers: options.servers,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  assertNoSecret(JSON.stringify(report));
  return wrapReport(report, path);
}

export function wrapReport(report: DoctorReport, path: string): Doctored {
  const inGroup = (group?: string) => report.findings.filter((f) => group === undefined || f.group === group);
  return {
    report,
    path,
    codes: (group) => inGroup(group).map((f) => f.code),
    get(code, group) {
      const found = inGroup(group).filter((f) => f.code === code);
      assert.equal(
        found.length >= 1,
        true,
        `no ${code}${group ? ` in ${group}` : ''}; findings:\n${JSON.stringify(report.findings, null, 2)}`,
      );
      return found[0]!;
    },
  };
}

const BIN = join(ROOT, 'bin/mcpgw.js');

/** `mcpgw ARGS` as a child process with this node; no stack trace and no secret in its output. */
export function cli(
  args: string[],
  env: Record<string, string | undefined> = doctorEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: env as NodeJS.ProcessEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code === -1) return reject(err);
      const all = `${stdout}${stderr}`;
      assert.ok(!all.includes('    at '), `no stack trace in:\n${all}`);
      assertNoSecret(all);
      resolve({ code, stdout, stderr });
    });
  });
}

async function listening(
  t: TestContext,
  server: { listen: Function; address: Function; close: Function; closeAllConnections?: () => void },
): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** An HTTP server answering every request with `status` (and optional headers/body). */
export async function statusServer(t: TestContext, status: number, headers: Record<string, string> = {}, body = '{}'): Promise<string> {
  const server = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  });
  return `http://127.0.0.1:${await listening(t, server)}/mcp`;
}

/** A TCP listener that accepts connections and never answers; counts them. */
export async function silentListener(t: TestContext): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listening(t, {
    listen: server.listen.bind(server),
    address: server.address.bind(server),
    close: server.close.bind(server),
    closeAllConnections: () => sockets.forEach((s) => s.destroy()),
  });
  return { port, connections: () => connections };
}

export interface OAuthMetadataOptions {
  readonly s256?: boolean;
  readonly registration?: boolean;
  /** The resource the protected-resource metadata names (default: the endpoint itself). */
  readonly resource?: string;
}

/**
 * A protected MCP endpoint that only answers 401 with an RFC 9728 challenge, its protected
 * resource metadata, and authorization-server metadata with or without S256 / registration.
 */
export async function oauthMetadataServer(t: TestContext, options: OAuthMetadataOptions = {}): Promise<string> {
  let origin = '';
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = new URL(req.url ?? '/', origin).pathname;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    if (path === '/mcp')
      return json(
        401,
        { error: 'unauthorized' },
        { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` },
      );
    if (path === '/.well-known/oauth-protected-resource/mcp')
      return json(200, { resource: options.resource ?? `${origin}/mcp`, authorization_servers: [origin] });
    if (path === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: options.s256 === false ? ['plain'] : ['S256'],
        ...(options.registration === false ? {} : { registration_endpoint: `${origin}/register` }),
      });
    }
    json(404, { error: 'not found' });
  });
  const port = await listening(t, server);
  origin = `http://127.0.0.1:${port}`;
  return `${origin}/mcp`;
}

/** An https server with a fresh self-signed certificate (needs openssl); undefined without it. */
export async function selfSignedServer(t: TestContext): Promise<string | undefined> {
  const dir = tempDir(t, 'mcpgw-tls-');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    req.resume();
    res.writeHead(200).end('{}');
  });
  server.on('tlsClientError', () => undefined);
  return `https://127.0.0.1:${await listening(t, server)}/mcp`;
}

/** Writes token store entries (as `mcpgw auth login` would) into a data dir. */
export async function writeStore(
  dataDir: string,
  entries: Record<string, Partial<ServerEntry> & { serverUrl: string }>,
  key = SECRETS.key,
): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = await TokenStore.open({ dataDir, key });
  try {
    for (const [name, e] of Object.entries(entries)) {
      await store.update(name, () => ({ issuer: 'http://127.0.0.1', resource: e.serverUrl, updatedAt: Date.now(), ...e }));
    }
  } finally {
    await store.close();
  }
}

/** Pids of live (non-zombie) processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(marker) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
