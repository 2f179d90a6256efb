// A small round-robin HTTP load balancer for replica tests (SPEC section 11): each request goes
// to the next backend in turn, whatever its Mcp-Session-Id (the worst case for sessions). Like
// nginx's `proxy_next_upstream error`, a backend that refuses the connection is marked down and
// the request, not yet delivered, goes to the next one; a request in flight on a backend that
// dies gets 502. It records every request (backend, JSON-RPC method, outcome) for assertions.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface Routed {
  readonly seq: number;
  readonly backend: number;
  readonly httpMethod: string;
  /** The JSON-RPC methods of a POST's body (one per message; '' for a response). */
  readonly rpc: string[];
  readonly body: string;
  /** Set when the request ends: the status given to the client, or 502 for a backend lost mid-request. */
  status?: number;
  /** The seq counter when it ended (a request in flight at seq S has seq < S and endSeq undefined or > S). */
  endSeq?: number;
}

export interface RoundRobin {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly log: Routed[];
  /** The counter every started or ended request advances. */
  readonly seq: number;
  /** Replaces the backends (base URLs); all are up again. */
  setBackends(urls: string[]): void;
  /** How many POSTs carried an initialize. */
  initializes(): number;
}

export async function startRoundRobin(t: TestContext, urls: string[]): Promise<RoundRobin> {
  let backends = urls.map((url) => ({ url: new URL(url), up: true }));
  let next = 0;
  let seq = 0;
  const log: Routed[] = [];

  const pick = (): number | undefined => {
    for (let i = 0; i < backends.length; i++) {
      const index = (next + i) % backends.length;
      if (backends[index]!.up) {
        next = index + 1;
        return index;
      }
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const index = pick();
    if (index === undefined) return void res.writeHead(503).end('no backend is up');
    const text = body.toString('utf8');
    const entry: Routed = { seq: ++seq, backend: index, httpMethod: req.method ?? 'GET', rpc: rpcMethods(text), body: text };
    log.push(entry);
    const target = backends[index]!.url;
    const out = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent: false },
      (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
        answer.on('close', () => {
          // A body cut short (the backend died mid-answer) is a lost request too.
          if (!answer.complete) entry.status = 502;
          entry.endSeq ??= ++seq;
        });
      },
    );
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (entry.status === undefined && err.code === 'ECONNREFUSED') {
        // Not delivered: the backend is down; the request goes to the next one.
        backends[index]!.up = false;
        log.splice(log.indexOf(entry), 1);
        return forward(req, res, body);
      }
      entry.endSeq ??= ++seq;
      if (entry.status === undefined) entry.status = 502;
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end('backend lost');
    });
    res.on('close', () => out.destroy());
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    get seq() {
      return seq;
    },
    setBackends(next: string[]) {
      backends = next.map((url) => ({ url: new URL(url), up: true }));
    },
    initializes: () => log.filter((e) => e.rpc.includes('initialize')).length,
  };
}

function rpcMethods(body: string): string[] {
  if (!body) return [];
  try {
    const parsed = JSON.parse(body) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).map((m) => String((m as { method?: unknown })?.method ?? ''));
  } catch {
    return [];
  }
}
