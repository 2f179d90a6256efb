// The client side: SDK clients over Streamable HTTP, the call loops (each bounded in count
// and time), and a raw JSON-RPC POST for timings without the SDK client's result parsing.
// A 2026-07-28 client is SDK v2's, pinned to that revision (stateless: no session, every
// request carries its _meta).
import {
  CLIENT_CAPABILITIES_META_KEY,
  Client as ClientV2,
  PROTOCOL_VERSION_META_KEY,
  StreamableHTTPClientTransport as HttpV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import http from 'node:http';
import { quantile } from './common.js';
import { now, sleep } from './proc.js';

/** legacy: a 2025-11-25 session (SDK v1); modern: a 2026-07-28 client (SDK v2), no session. */
export type Era = 'legacy' | 'modern';

type ToolResult = { isError?: boolean; content?: unknown };

export interface Session {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

export async function openSession(url: string, era: Era = 'legacy'): Promise<Session> {
  if (era === 'modern') return openModern(url);
  const client = new Client({ name: 'mcpgw-bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  // terminateSession: the DELETE lets the server drop the session at once.
  const close = async () => {
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  };
  return { client, transport, callTool: (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>, close };
}

async function openModern(url: string): Promise<Session> {
  const client = new ClientV2({ name: 'mcpgw-bench', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new HttpV2(new URL(url)));
  return {
    get client(): Client {
      throw new Error('a 2026-07-28 bench session has no SDK v1 client');
    },
    get transport(): StreamableHTTPClientTransport {
      throw new Error('a 2026-07-28 bench session has no SDK v1 transport');
    },
    callTool: (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>,
    close: () => client.close().catch(() => undefined),
  };
}

export async function closeAll(sessions: Session[]): Promise<void> {
  await Promise.allSettled(sessions.map((s) => s.close()));
}

/** Opens `n` sessions, `parallel` at a time; on failure closes those already open. */
export async function openSessions(url: string, n: number, era: Era = 'legacy', parallel = 8): Promise<Session[]> {
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < n; i += parallel) {
      sessions.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => openSession(url, era)))));
    }
  } catch (err) {
    await closeAll(sessions);
    throw err;
  }
  return sessions;
}

/** Opens `n` sessions for `use`, and closes them whatever happens. */
export async function withSessions<T>(url: string, n: number, use: (sessions: Session[]) => Promise<T>, era: Era = 'legacy'): Promise<T> {
  const sessions = await openSessions(url, n, era);
  try {
    return await use(sessions);
  } finally {
    await closeAll(sessions);
  }
}

async function echo(session: Session, tool: string, i: number): Promise<void> {
  const result = await session.callTool(tool, { text: `hello ${i}` });
  if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
}

export interface Target {
  session: Session;
  tool: string;
}

/**
 * Calls one after the other, taking the targets in turn (so that each sees the same machine
 * state), `count` per target, stopping early after `maxMs`: latencies per target in ms.
 */
export async function sequential(targets: Target[], count: number, maxMs: number): Promise<{ calls: number; p50: number; p99: number }[]> {
  const times: number[][] = targets.map(() => []);
  const deadline = now() + maxMs;
  for (let i = 0; i < count && now() < deadline; i++) {
    for (let t = 0; t < targets.length; t++) {
      const t0 = now();
      await echo(targets[t].session, targets[t].tool, i);
      times[t].push(now() - t0);
    }
  }
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return { calls: ts.length, p50: quantile(ts, 0.5), p99: quantile(ts, 0.99) };
  });
}

/** `inflight` call loops per session for `ms` (at most `maxCalls` calls in all): calls per second. */
export async function concurrent(
  sessions: Session[],
  tool: string,
  inflight: number,
  ms: number,
  maxCalls = 200_000,
): Promise<{ calls: number; ms: number; perSecond: number }> {
  let calls = 0;
  const t0 = now();
  const end = t0 + ms;
  const loop = async (s: Session) => {
    while (now() < end && calls < maxCalls) await echo(s, tool, calls++);
  };
  await Promise.all(sessions.flatMap((s) => Array.from({ length: inflight }, () => loop(s))));
  const elapsed = now() - t0;
  return { calls, ms: elapsed, perSecond: (calls * 1000) / elapsed };
}

/**
 * Calls started on a schedule, `perSecond` of them, whatever the answers' pace (at most
 * `maxInflight` open at once), over the sessions in turn, for `ms`. Two clients driven at
 * the same rate hand the gateway the same number of requests per event-loop turn, so its
 * CPU per call compares what it does per call, not how fast each client library is.
 */
export async function paced(
  sessions: Session[],
  tool: string,
  perSecond: number,
  ms: number,
  maxInflight: number,
): Promise<{ calls: number; ms: number; perSecond: number }> {
  let started = 0;
  let open = 0;
  let failure: unknown;
  const t0 = now();
  for (let t = 0; t < ms && failure === undefined; t = now() - t0) {
    const due = Math.floor((t * perSecond) / 1000);
    for (; started < due && open < maxInflight; started++, open++)
      echo(sessions[started % sessions.length], tool, started).then(
        () => open--,
        (err: unknown) => ((failure ??= err), open--),
      );
    await sleep(1);
  }
  // The calls still open are answered before the slice ends: each call's CPU falls inside it.
  for (const deadline = now() + 10_000; open > 0 && now() < deadline;) await sleep(1);
  if (failure !== undefined) throw failure;
  if (open > 0) throw new Error(`${open} paced calls unanswered after 10 s`);
  const elapsed = now() - t0;
  return { calls: started, ms: elapsed, perSecond: (started * 1000) / elapsed };
}

/**
 * One JSON-RPC request on an open session's HTTP endpoint with fetch; the body is read to
 * the end. Answers the result and the response's content type.
 */
export async function rawRequest(
  url: string,
  session: Session,
  method: string,
  params?: unknown,
): Promise<{ result: any; contentType: string }> {
  const id = Math.floor(Math.random() * 1e9);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': session.transport.sessionId!,
      'mcp-protocol-version': session.transport.protocolVersion ?? '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const messages = contentType.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [JSON.parse(text)];
  const answer = messages.find((m) => m.id === id);
  if (!answer || answer.error) throw new Error(`${method}: ${res.status} ${text.slice(0, 300)}`);
  return { result: answer.result, contentType: contentType.split(';')[0] };
}

/**
 * A client as cheap as a client can be, the same for both eras: node:http on a keep-alive
 * agent, a prebuilt body per call, the answer parsed once. The SDK clients cost the client
 * side differently per era (SDK v2 runs zod on every message), and on 2 shared cores a slower
 * client changes how much work the gateway batches per event-loop turn; with this one the
 * gateway's CPU per call is compared at the same pace.
 */
export async function openRawSession(url: string, era: Era): Promise<Session> {
  // A free socket times out (and the agent drops it) before the server's 5 s keep-alive ends:
  // reusing one the server is closing fails the call with 'socket hang up'. A bench call is
  // far shorter than 4 s, so the same timeout on a socket in use never fires.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
  const base: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  let id = 0;
  const post = (body: object, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { ...base, ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const answer = (r: { status: number; text: string; headers: http.IncomingHttpHeaders }, want: number) => {
    const sse = String(r.headers['content-type'] ?? '').startsWith('text/event-stream');
    const messages = sse
      ? r.text
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => JSON.parse(l.slice(5)))
      : [JSON.parse(r.text)];
    const m = messages.find((x: { id?: number }) => x.id === want);
    if (!m || m.error) throw new Error(`raw ${era} call: ${r.status} ${r.text.slice(0, 300)}`);
    return m.result as ToolResult;
  };
  let headers: Record<string, string> = {};
  if (era === 'legacy') {
    const init = await post({
      jsonrpc: '2.0',
      id: ++id,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcpgw-bench-raw', version: '1.0.0' } },
    });
    answer(init, id);
    headers = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  }
  const meta = { [PROTOCOL_VERSION_META_KEY]: '2026-07-28', [CLIENT_CAPABILITIES_META_KEY]: {} };
  const callTool = async (name: string, args: Record<string, unknown>) => {
    const n = ++id;
    if (era === 'legacy')
      return answer(await post({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name, arguments: args } }, headers), n);
    const params = { name, arguments: args, _meta: meta };
    const modern = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name };
    return answer(await post({ jsonrpc: '2.0', id: n, method: 'tools/call', params }, modern), n);
  };
  const close = async () => {
    if (era === 'legacy')
      await new Promise<void>((resolve) => {
        const req = http.request(url, { method: 'DELETE', agent, headers }, (res) => res.resume().on('end', resolve));
        req.on('error', () => resolve());
        req.end();
      });
    agent.destroy();
  };
  return {
    get client(): Client {
      throw new Error('a raw bench session has no SDK client');
    },
    get transport(): StreamableHTTPClientTransport {
      throw new Error('a raw bench session has no SDK transport');
    },
    callTool,
    close,
  };
}
