import { setMaxListeners } from 'node:events';
import { Readable } from 'node:stream';
import { Client, type Dispatcher } from 'undici';

/**
 * The fetch the SDK's Streamable HTTP client transport calls for every upstream message, on
 * undici's `request()` (its own API, not its fetch): a Response-shaped object over undici's
 * answer, without the web Request, Response, Headers and ReadableStream that the global fetch
 * makes per call. node:http's client, which this replaced, cost about 70 µs to build a request
 * and 45 µs to parse an answer in the HTTP-upstream profile; undici's client spent less gateway
 * CPU per call in an A/B (docs/performance.md, "HTTP upstream through undici").
 *
 * A JSON body is read whole and parsed once (`json()`/`text()`); an SSE body is read from
 * undici's Node stream by our reader (http-transport.ts), and becomes a web ReadableStream
 * only for code that uses it as one. Redirects are never followed here (the SDK's
 * `fetchWithinOrigin` does that on top, with `redirect: 'manual'`).
 */

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * How long a kept connection may wait unused before we close it: below the 5 s after which
 * Node's HTTP server (the SDK's, and most MCP servers') closes an idle one, the 4 s undici's
 * fetch uses. Without it a call sent on a connection the server was closing at that moment
 * failed with "socket hang up" (seen in the calls bench under load).
 */
export const IDLE_CONNECTION_MS = 4000;

// Connections of the process, by origin: reused across an upstream's calls and reconnects,
// one request at a time on each (no pipelining: a slow call would hold up those behind it),
// as many as there are calls in flight, the last freed taken first. A server's `Keep-Alive:
// timeout=N` hint shortens the idle time to N s minus 1 s (not kept at all for N = 1), never
// lengthens it past IDLE_CONNECTION_MS: Node's Agent rule, which the gateway kept before. No
// headers or body timeout: a call's time is the MCP request's timeout, and the GET stream may
// be silent for as long as the server likes. Not undici's Pool: it waits a turn of the event
// loop before it hands a connection out again, so a call sent as the one before it ended
// opened another connection (Node's Agent hands it out at once, as this does). undici still
// writes a request on a connection that was idle one turn later (it first reads what the
// server may have sent meanwhile). A Client whose connection closed stays listed: it connects
// again when taken, and the list is as long as the most calls ever in flight at once.
const CLIENT_OPTIONS: Client.Options = {
  keepAliveTimeout: IDLE_CONNECTION_MS,
  keepAliveMaxTimeout: IDLE_CONNECTION_MS,
  keepAliveTimeoutThreshold: 1000,
  headersTimeout: 0,
  bodyTimeout: 0,
};
const free = new Map<string, Client[]>();

function take(origin: string): Client {
  return free.get(origin)?.pop() ?? new Client(origin, CLIENT_OPTIONS);
}

function release(origin: string, client: Client): void {
  if (client.destroyed || client.closed) return;
  let list = free.get(origin);
  if (!list) free.set(origin, (list = []));
  list.push(client);
}

/** Headers of a RequestInit (a Headers, a record or pairs) as a plain record with lower-case names. */
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
 * A response body: the Node stream itself, for our SSE reader (http-transport.ts), and a
 * web ReadableStream made of it only when someone uses it as one.
 */
export class NodeBody {
  private web?: ReadableStream<Uint8Array>;
  constructor(readonly node: Readable) {}
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

type Answer = Dispatcher.ResponseData;

/** A Response over undici's answer; the body is consumed once, as text, JSON or a stream. */
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
    private readonly res: Answer,
    readonly url: string,
  ) {
    this.status = res.statusCode;
    this.statusText = (res as { statusText?: string }).statusText ?? '';
    this.ok = this.status >= 200 && this.status < 300;
  }

  // Made on first use: the calls' own path reads the few headers it needs with header().
  get headers(): Headers {
    if (this.webHeaders) return this.webHeaders;
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.res.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.append(name, value);
    }
    return (this.webHeaders = headers);
  }

  /** What `headers.get(name)` gives (repeated fields joined with ", "), without a Headers; `name` in lower case. */
  header(name: string): string | null {
    const value = this.res.headers[name];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.map((v) => v.trim()).join(', ') : value.trim();
  }

  get body(): NodeBody {
    this.bodyUsed = true;
    return (this.wrapped ??= new NodeBody(this.res.body));
  }

  async text(): Promise<string> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.bodyUsed = true;
    return this.res.body.text();
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
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return Promise.reject(new TypeError(`upstream fetch: unsupported URL scheme ${url.protocol}`));
  if (signal) unlimitListeners(signal);
  const origin = url.origin;
  const client = take(origin);
  const sent = client.request({
    path: url.pathname + url.search,
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: headerRecord(init.headers),
    body: bodyText(init.body),
    signal,
  });
  return new Promise<Response>((resolve, reject) => {
    // undici gives up a request it has not written yet at its next turn; node:http, and so
    // the SDK's error reporting the gateway was built on, rejected in the abort's own turn.
    const onAbort = () => reject(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    sent.then(
      (res) => {
        signal?.removeEventListener('abort', onAbort);
        freeOnEnd(res, origin, client);
        resolve(new NodeResponse(res, url.href) as unknown as Response);
      },
      (err: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        release(origin, client);
        reject(err);
      },
    );
  });
};

/**
 * The connection is free again once the answer's body has ended ('end' comes first, before a
 * reader awaiting it goes on to the next call) or was given up ('close' alone).
 */
function freeOnEnd(res: Answer, origin: string, client: Client): void {
  let freed = false;
  const done = () => {
    if (freed) return;
    freed = true;
    release(origin, client);
  };
  res.body.once('end', done).once('close', done);
}

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
