import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { toJsonRpcResponse } from '../errors/render.js';
import type { Channel } from '../gateway/session.js';
import { SessionEventStore } from './events.js';
import { PostExchange, type ExchangeOwner } from './exchange.js';
import { SseStream } from './sse.js';

/** The standalone (GET) stream's id in the event store; the SDK's name for it. */
const GET_STREAM = '_GET_stream';
const DONE = Promise.resolve();

/** Whether an event id is one of a GET stream's (the ids are `<stream>#<seq>`). */
export function isGetStreamEvent(eventId: string): boolean {
  return eventId.startsWith(`${GET_STREAM}#`);
}

/** Protocol versions from which a client takes SEP-1699 priming events (empty data). */
function takesPriming(protocolVersion: string): boolean {
  return protocolVersion >= '2025-11-25';
}

/**
 * One client session's Streamable HTTP transport, on node:http directly (http/mcp.ts checks
 * each request and hands it over). The session (gateway/session.ts) runs the protocol over it
 * as a `Channel`; the framing is JSON-first (see exchange.ts), with no web Request/Response,
 * no stream per POST and no zod pass.
 *
 * `send` routes what the session sends: a response, or a message related to a request
 * (`relatedRequestId`), to that request's POST; anything else to the GET stream, or nowhere
 * when no GET stream is open and none can be resumed (as the SDK does).
 */
export class SessionTransport implements Channel, ExchangeOwner {
  onclose?: () => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly events = new SessionEventStore();
  /** The POST of each request in flight. */
  private readonly exchanges = new Map<RequestId, PostExchange>();
  /** POSTs that became SSE streams and still have requests in flight, by stream id. */
  private readonly streams = new Map<string, PostExchange>();
  private getStream?: SseStream;
  /** An event with an id went out on a GET stream: the client may resume it, so its messages are kept. */
  private getResumable = false;
  private closed = false;

  constructor(
    readonly sessionId: string,
    readonly keepAliveMs: number,
    private readonly holdMs: number,
  ) {}

  /**
   * A POST that passed the checks: registers its requests, then hands every message to the
   * Server. A POST without requests (notifications, responses) is answered 202 at once.
   */
  post(
    res: ServerResponse,
    messages: readonly JSONRPCMessage[],
    requestIds: readonly RequestId[],
    batch: boolean,
    protocolVersion: string,
  ): void {
    const { fresh, ids, refused } = this.withoutDuplicates(messages, requestIds);
    if (ids.length === 0 && refused.length === 0) {
      res.writeHead(202).end();
    } else if (ids.length === 0) {
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': this.sessionId });
      res.end(batch ? `[${refused.join(',')}]` : refused[0]);
    } else {
      const exchange = new PostExchange(this, res, ids, batch, takesPriming(protocolVersion), this.holdMs, refused);
      for (const id of ids) this.exchanges.set(id, exchange);
    }
    for (const message of fresh) this.onmessage?.(message);
  }

  /**
   * Requests whose id is already in flight in this session, or repeated in the batch, are
   * refused at once (MCP: ids are unique among the requests in flight): two answers with one id
   * would be ambiguous, and the second one used to leave the first POST unanswered forever. The
   * refusal has id null for that reason.
   */
  private withoutDuplicates(
    messages: readonly JSONRPCMessage[],
    requestIds: readonly RequestId[],
  ): { fresh: JSONRPCMessage[]; ids: RequestId[]; refused: string[] } {
    const taken = new Set<RequestId>();
    const dupes = new Set<JSONRPCMessage>();
    for (const message of messages) {
      const id = (message as { id?: RequestId; method?: string }).method !== undefined ? (message as { id?: RequestId }).id : undefined;
      if (id === undefined) continue;
      if (this.exchanges.has(id) || taken.has(id)) dupes.add(message);
      else taken.add(id);
    }
    if (dupes.size === 0) return { fresh: [...messages], ids: [...requestIds], refused: [] };
    const refused = [...dupes].map((m) => {
      const id = JSON.stringify((m as { id: RequestId }).id);
      return JSON.stringify(
        toJsonRpcResponse(new McpgwError('MCPGW_E_MCP_DUPLICATE_ID', `Invalid Request: request id ${id} is already in use`), null),
      );
    });
    return { fresh: messages.filter((m) => !dupes.has(m)), ids: [...taken], refused };
  }

  /** Whether this session's store still holds the event. */
  knows(eventId: string): boolean {
    return this.events.streamOf(eventId) !== undefined;
  }

  /** Opens the GET stream; false when one is open already (409: one per session). */
  openGet(res: ServerResponse, protocolVersion: string): boolean {
    if (this.getStream) return false;
    this.getStream = new SseStream(res, this.sessionId, this.keepAliveMs, (closed) => this.streamClosed(closed));
    if (takesPriming(protocolVersion)) {
      this.getStream.prime(this.events.store(GET_STREAM, ''));
      this.getResumable = true;
    }
    return true;
  }

  /**
   * GET with Last-Event-ID: replays what the client missed on that stream, then keeps the
   * connection as the stream's (the GET stream, or a POST whose requests are in flight) or
   * ends it (a POST stream that has finished). A client resumes because its connection broke,
   * maybe before we saw it close: the new connection replaces the old one rather than getting
   * 409. False when the id is not one of this session's events (or no longer kept).
   */
  resume(res: ServerResponse, lastEventId: string): boolean {
    const streamId = this.events.streamOf(lastEventId);
    if (streamId === undefined) return false;
    const exchange = streamId === GET_STREAM ? undefined : this.streams.get(streamId);
    const stream = new SseStream(res, this.sessionId, this.keepAliveMs, (closed) => this.streamClosed(closed, exchange));
    this.events.replayAfter(lastEventId, (eventId, data) => stream.write(eventId, data));
    if (streamId === GET_STREAM) {
      this.getStream?.end();
      this.getStream = stream;
    } else if (exchange) {
      exchange.attach(stream);
    } else {
      stream.end();
    }
    return true;
  }

  send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    if (this.closed) return DONE;
    const isResponse = 'result' in message || 'error' in message;
    const answers = isResponse ? (message as { id?: RequestId }).id : undefined;
    const related = isResponse ? answers : options?.relatedRequestId;
    if (related === undefined) {
      if (isResponse) return Promise.reject(new Error('a response without a request id has no stream to go to'));
      this.toGetStream(JSON.stringify(message));
      return DONE;
    }
    const exchange = this.exchanges.get(related);
    if (!exchange) return Promise.reject(new Error(`No connection established for request ID: ${String(related)}`));
    exchange.deliver(JSON.stringify(message), answers);
    return DONE;
  }

  /**
   * Ends the session's streams. Requests still in flight get a JSON-RPC error on their POST
   * (rather than a stream that ends without their response, which leaves a client waiting
   * for its own timeout). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closed = new McpgwError('MCPGW_E_SESSION_CLOSED', 'Session closed');
    for (const exchange of new Set(this.exchanges.values())) {
      for (const id of exchange.unanswered()) exchange.deliver(JSON.stringify(toJsonRpcResponse(closed, id)), id);
    }
    this.getStream?.end();
    this.getStream = undefined;
    this.onclose?.();
  }

  streamOpened(streamId: string, exchange: PostExchange): void {
    this.streams.set(streamId, exchange);
  }

  finished(exchange: PostExchange): void {
    for (const id of exchange.ids) if (this.exchanges.get(id) === exchange) this.exchanges.delete(id);
    if (exchange.streamId !== undefined) this.streams.delete(exchange.streamId);
  }

  private toGetStream(data: string): void {
    if (!this.getStream && !this.getResumable) return;
    const eventId = this.events.store(GET_STREAM, data);
    if (this.getStream) {
      this.getStream.write(eventId, data);
      this.getResumable = true;
    }
  }

  private streamClosed(closed: SseStream, exchange?: PostExchange): void {
    if (this.getStream === closed) this.getStream = undefined;
    exchange?.detach(closed);
  }
}
