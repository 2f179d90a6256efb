// The upstreams the screenshot's gateway fronts, all real processes: the test fixture over
// stdio (with a call timeout its `slow` tool can exceed, and a `crash` tool the gateway
// restarts it after), the benchmark fixture over Streamable HTTP, a server that crashes on
// start (state error), and an OAuth server (authorization server + protected MCP server)
// with short-lived tokens, authorized for `secure` and never for `pending`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpFixture, type HttpFixture } from '../../bench/gateway.js';
import { ROOT, startNode, waitForOutput, type Proc } from '../../bench/proc.js';

const SERVERS = join(ROOT, 'test/fixtures/servers');
const OAUTH = join(ROOT, 'test/fixtures/oauth');
/** Access tokens live this long: the gateway refreshes them every half of it while calls go on. */
export const ACCESS_TTL_SECONDS = 20;
export const ENCRYPTION_KEY = 'a-key-for-the-dashboard-screenshot-only-0123456789';

export interface Upstreams {
  readonly http: HttpFixture;
  readonly issuer: string;
  readonly protectedUrl: string;
  readonly dataDir: string;
  /** Test controls of the OAuth fixtures (not OAuth): see test/fixtures/oauth/. */
  control(what: 'outage-on' | 'outage-off' | 'revoke-tokens'): Promise<void>;
  stop(): Promise<void>;
}

const stdio = (file: string, args: string[] = []) => ({
  command: process.execPath,
  args: ['--import', 'tsx', join(SERVERS, file), ...args],
  cwd: ROOT,
});

/** The config's servers: `extra` is added by a reload half-way, to show it on the reload panel. */
export function serversConfig(up: Upstreams, extra = false): Record<string, unknown> {
  return {
    basic: { ...stdio('basic.ts', ['--tools', 'echo,add,slow,add_tool,crash']), timeouts: { call: '1s' } },
    remote: { url: up.http.url },
    broken: stdio('crash-on-start.ts'),
    secure: { url: up.protectedUrl, auth: { type: 'oauth' } },
    pending: { url: up.protectedUrl, auth: { type: 'oauth' } },
    ...(extra ? { extra: stdio('basic.ts', ['--name', 'extra', '--tools', 'echo']) } : {}),
  };
}

async function listening(proc: Proc): Promise<number> {
  return Number((await waitForOutput(proc, /LISTENING (\d+)/, 60_000))[1]);
}

export async function startUpstreams(): Promise<Upstreams> {
  const procs: Proc[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpgw-dashboard-data-'));
  const stop = async () => {
    await Promise.allSettled(procs.map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const as = startNode(['--import', 'tsx', join(OAUTH, 'authorization-server.ts'), '--access-ttl', String(ACCESS_TTL_SECONDS)]);
    procs.push(as);
    const httpStarting = startHttpFixture();
    const issuer = `http://127.0.0.1:${await listening(as)}`;
    const secure = startNode([
      '--import',
      'tsx',
      join(OAUTH, 'protected-server.ts'),
      '--issuer',
      issuer,
      '--name',
      'secure',
      '--tools',
      'echo',
    ]);
    procs.push(secure);
    const http = await httpStarting;
    procs.push(http.proc);
    const protectedUrl = `http://127.0.0.1:${await listening(secure)}/mcp`;
    const control = async (what: 'outage-on' | 'outage-off' | 'revoke-tokens') => {
      const url = {
        'outage-on': `${issuer}/test/outage?on=1`,
        'outage-off': `${issuer}/test/outage?on=0`,
        'revoke-tokens': protectedUrl.replace(/\/mcp$/, '/test/revoke-tokens'),
      }[what];
      const response = await fetch(url, { method: 'POST' });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    };
    return { http, issuer, protectedUrl, dataDir, control, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
