import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';

/**
 * The fetch the SDK's Streamable HTTP client transport calls for every upstream message, on
 * node:http with a keep-alive agent instead of the global fetch (undici). Profiled with an
 * HTTP upstream (docs/performance.md, issue 18), undici's fetch and the web streams under
 * every answer were 45% and 25% of the gateway's busy time: a web Request, Response and
 * Headers per call, and a ReadableStream per body even when it is one JSON document.
 *
 * The answer is a Response-shaped object: a JSON body is read as Buffers and parsed once
 * (`json()`/`text()`); an SSE body is read from the node:http stream by our reader
 * (http-transport.ts), and becomes a web ReadableStream only for code that uses it as one. Redirects are never
 * followed here (the SDK's `fetchWithinOrigin` does that on top, with `redirect: 'manual'`).
 */

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * How long a kept connection may wait unused before we close it: below the 5 s after which
 * Node's HTTP server (the SDK's, and most MCP servers') closes an idle one, the 4 s undici's
 * fetch used. Without it a call sent on a connection the server was closing at that moment
 * failed with "socket hang up" (seen in the calls bench under load).
 */
export const IDLE_CONNECTION_MS = 4000;

/**
 * Node's Agent times out free sockets only with its `timeout` option, which also times every
 * socket in use (and adds listeners to every request). So the option is set only while a
 * socket goes back to the free list: Node's keepSocketAlive then gives it that timeout, or
 * less if the server's `Keep-Alive: timeout=N` hint says so (N s minus 1 s; not kept at all for
 * N = 1), and the agent's own 'timeout' listener destroys it if it is still free then.
 */
function idleTimeout<A extends HttpAgent>(agent: A): A {
  const keep = agent.keepSocketAlive.bind(agent) as unknown as (socket: Duplex) => boolean;
  const reuse = agent.reuseSocket.bind(agent);
  const options = (agent as unknown as { options: { timeout?: number } }).options;
  agent.keepSocketAlive = ((socket: Socket) => {
    options.timeout = IDLE_CONNECTION_MS;
    try {
      return keep(socket);
    } finally {
      delete options.timeout;
    }
  }) as never;
  agent.reuseSocket = (socket, request) => {
    (socket as Socket).setTimeout(0);
    reuse(socket, request);
  };
  return agent;
}

// Agents of the process: connections to one upstream are reused across its calls and
// reconnects. maxSockets is Node's default (unbounded), as undici's pool per origin is.
const agents = {
  http: idleTimeout(new HttpAgent({ keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' })),
  https: idleTimeout(new HttpsAgent({ keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' })),
};

/** Headers of a RequestInit (a Headers, a record or pairs) as a plain record for node:http. */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers) init.forEach((value, name) => void (out[name] = value));
  else if (Array.isArray(init)) for (const [name, value] of init) out[name.toLowerCase()] = value;
  else for (const [name, value] of Object.entries(init)) out[name.toLowerCase()] = value;
  return out;
}

function bodyText(body: RequestInit['body']): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('upstream fetch: unsupported request body type');
}

const abortError = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');

/**
 * A response body: the node:http stream itself, for our SSE reader (http-transport.ts), and a
 * web ReadableStream made of it only when someone uses it as one.
 */
export class NodeBody {
  private web?: ReadableStream<Uint8Array>;
  constructor(readonly node: IncomingMessage) {}
  private stream(): ReadableStream<Uint8Array> {
    return (this.web ??= Readable.toWeb(this.node) as ReadableStream<Uint8Array>);
  }
  get locked(): boolean {
    return this.web?.locked ?? false;
  }
  getReader() {
    return this.stream().getReader();
  }
  pipeThrough<T>(transform: ReadableWritablePair<T, Uint8Array>, options?: StreamPipeOptions): ReadableStream<T> {
    return this.stream().pipeThrough(transform, options);
  }
  pipeTo(destination: WritableStream<Uint8Array>, options?: StreamPipeOptions): Promise<void> {
    return this.stream().pipeTo(destination, options);
  }
  cancel(reason?: unknown): Promise<void> {
    if (this.web) return this.web.cancel(reason);
    this.node.destroy();
    return Promise.resolve();
  }
  [Symbol.asyncIterator]() {
    return (this.stream() as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }
}

/** A Response over a node:http answer; the body is consumed once, as text, JSON or a stream. */
class NodeResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly redirected = false;
  readonly type = 'basic';
  bodyUsed = false;
  private wrapped?: NodeBody;
  private webHeaders?: Headers;

  constructor(
    private readonly res: IncomingMessage,
    readonly url: string,
  ) {
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
  }

  // Made on first use: the calls' own path reads the few headers it needs with header().
  get headers(): Headers {
    if (this.webHeaders) return this.webHeaders;
    const headers = new Headers();
    const raw = this.res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
    return (this.webHeaders = headers);
  }

  /** What `headers.get(name)` gives (repeated fields joined with ", "), without a Headers; `name` in lower case. */
  header(name: string): string | null {
    let value: string | null = null;
    const raw = this.res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].length !== name.length || raw[i].toLowerCase() !== name) continue;
      const v = raw[i + 1].trim();
      value = value === null ? v : `${value}, ${v}`;
    }
    return value;
  }

  get body(): NodeBody {
    this.bodyUsed = true;
    return (this.wrapped ??= new NodeBody(this.res));
  }

  async text(): Promise<string> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.bodyUsed = true;
    const chunks: Buffer[] = [];
    for await (const chunk of this.res as AsyncIterable<Buffer>) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** A response header by the fetch's cheap path when the response is ours. */
export function responseHeader(response: Response, name: string): string | null {
  return response instanceof NodeResponse ? response.header(name) : response.headers.get(name);
}

/** One HTTP(S) request; resolves on the answer's headers (the body streams on). */
export const nodeFetch: FetchLike = (input, init = {}) => {
  const url = typeof input === 'string' ? new URL(input) : input;
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`upstream fetch: unsupported URL scheme ${url.protocol}`));
  const body = bodyText(init.body);
  const headers = headerRecord(init.headers);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: init.method ?? 'GET',
      headers,
      agent: secure ? agents.https : agents.http,
    });
    let answer: IncomingMessage | undefined;
    // req.destroy(error) hands the error on to the socket, and a socket that is not yet (or no
    // longer) the request's has no 'error' listener: an uncaught exception that ended the
    // process (doctor closing a probe while a retried GET waited for its socket). So the
    // request is destroyed without one; the caller and the body's reader get the abort.
    const onAbort = () => {
      const err = abortError(signal!);
      answer?.destroy(err);
      req.destroy();
      reject(err);
    };
    if (signal) unlimitListeners(signal);
    signal?.addEventListener('abort', onAbort, { once: true });
    // The listener stays until the answer ends (an abort then ends its stream too).
    const done = () => signal?.removeEventListener('abort', onAbort);
    // `on`: a socket error after the answer arrived reaches its body stream, not the process.
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.once('response', (res) => {
      answer = res;
      res.once('close', done);
      resolve(new NodeResponse(res, url.href) as unknown as Response);
    });
    req.end(body);
  });
};

/**
 * The SDK transport passes one AbortSignal, its connection's, to every request, and each
 * request in flight listens on it until its answer ends (removed then): with more than ten
 * calls in flight Node warned of a listener leak that is not one.
 */
const unlimited = new WeakSet<AbortSignal>();
function unlimitListeners(signal: AbortSignal): void {
  if (unlimited.has(signal)) return;
  unlimited.add(signal);
  setMaxListeners(0, signal);
}
