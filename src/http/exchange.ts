import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestId } from '@modelcontextprotocol/client';
import type { SessionEventStore } from './events.js';
import { SseStream } from './sse.js';

/** How long after a notification a response on the same stream waits (see PostExchange.deliver). */
const RESPONSE_SPACING_MS = 5;

/** What an exchange needs of the session transport that owns it. */
export interface ExchangeOwner {
  readonly sessionId: string;
  readonly events: SessionEventStore;
  readonly keepAliveMs: number;
  /** Registers an exchange that became an SSE stream, so `GET` + Last-Event-ID can resume it. */
  streamOpened(streamId: string, exchange: PostExchange): void;
  /** Every request of the exchange has its response: forget its ids and its stream. */
  finished(exchange: PostExchange): void;
}

/**
 * One POST that carried requests, answered JSON-first (SPEC section 7). The response is held
 * until the session sends something for one of its requests:
 * - the responses come first: once all are there, one `application/json` answer (an array
 *   for a batch), and nothing is stored;
 * - a notification or server-to-client request related to it comes first (progress, a log
 *   message, sampling, elicitation): the POST becomes a `text/event-stream` that carries
 *   everything for its requests, each event stored for resumption, and ends after the last
 *   response;
 * - nothing at all for `holdMs` (a long silent call): it becomes a stream too, so that its
 *   priming event lets a client resume after a broken connection and its keep-alive comments
 *   keep proxies from cutting it (and Node's fetch from giving up waiting for headers).
 * A client that goes away while the answer is held loses it (it holds no event id); one that
 * goes away from a stream can resume it.
 */
export class PostExchange {
  /** The SSE stream id, once the exchange became a stream. */
  streamId?: string;
  private phase: 'held' | 'streaming' | 'lost' = 'held';
  private pending: number;
  /** Serialized responses, by position of their request: held for the JSON answer, or already streamed. */
  private readonly answers: (string | undefined)[];
  private stream?: SseStream;
  private readonly holdTimer: NodeJS.Timeout;
  /** Messages held back behind a response (see deliver), in order. */
  private queue?: Array<[data: string, answers: RequestId | undefined]>;
  /** When the last notification or request went out on the stream (ms). */
  private lastNotice = 0;

  constructor(
    private readonly owner: ExchangeOwner,
    private readonly res: ServerResponse,
    readonly ids: readonly RequestId[],
    private readonly batch: boolean,
    /** The client is at >= 2025-11-25 and can take an empty priming event. */
    private readonly primed: boolean,
    holdMs: number,
    /** Answers already known when the POST arrived (requests refused at once, such as a duplicate id). */
    private readonly refused: readonly string[] = [],
  ) {
    this.pending = ids.length;
    this.answers = new Array(ids.length);
    this.holdTimer = setTimeout(() => this.startStream(), holdMs);
  }

  /** A message the session sends for one of this POST's requests; `answers`: the id of the request a response answers. */
  deliver(data: string, answers: RequestId | undefined): void {
    if (answers !== undefined) this.answers[this.ids.indexOf(answers)] = data;
    if (this.phase === 'held') {
      if (answers !== undefined) {
        if (--this.pending === 0) this.answerJson();
        return;
      }
      this.startStream();
    }
    if (this.queue) {
      this.queue.push([data, answers]);
      return;
    }
    const wait = answers === undefined ? 0 : this.lastNotice + RESPONSE_SPACING_MS - Date.now();
    if (this.phase === 'streaming' && wait > 0) {
      // A response right behind a notification on this stream (an upstream that sent its last
      // progress and its result together) goes out a little later, and what follows waits
      // behind it: a stdio bridge such as `mcpgw connect` then gets them in separate reads, and
      // its client's SDK does not drop a progress notification that arrived in the same read
      // as the response it belongs to (typescript-sdk #2580).
      this.queue = [[data, answers]];
      setTimeout(() => this.flush(), wait);
      return;
    }
    this.out(data, answers);
  }

  /** The requests still waiting for their response (the session is closing). */
  unanswered(): RequestId[] {
    return this.ids.filter((_, i) => this.answers[i] === undefined);
  }

  /**
   * A client resuming this stream with Last-Event-ID (the replayed events are already
   * written): the new connection takes over from one we may not have seen close yet.
   */
  attach(stream: SseStream): void {
    this.stream?.end();
    this.stream = stream;
  }

  private answerJson(): void {
    clearTimeout(this.holdTimer);
    if (!this.res.destroyed) {
      this.res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': this.owner.sessionId });
      this.res.end(this.batch ? `[${[...this.refused, ...this.answers].join(',')}]` : this.answers[0]);
    }
    this.owner.finished(this);
  }

  private startStream(): void {
    clearTimeout(this.holdTimer);
    if (this.phase !== 'held') return;
    if (this.res.destroyed) {
      this.phase = 'lost';
      return;
    }
    this.phase = 'streaming';
    this.streamId = randomUUID();
    this.owner.streamOpened(this.streamId, this);
    this.stream = new SseStream(this.res, this.owner.sessionId, this.owner.keepAliveMs, (closed) => this.detach(closed));
    if (this.primed) this.stream.prime(this.owner.events.store(this.streamId, ''));
    for (const data of [...this.refused, ...this.answers]) if (data !== undefined) this.emit(data);
  }

  private out(data: string, answers: RequestId | undefined): void {
    if (this.phase === 'streaming') {
      this.emit(data);
      if (answers === undefined) this.lastNotice = Date.now();
    }
    if (answers !== undefined && --this.pending === 0) this.finish();
  }

  private flush(): void {
    const queue = this.queue ?? [];
    this.queue = undefined;
    for (const [data, answers] of queue) this.out(data, answers);
  }

  private emit(data: string): void {
    const eventId = this.owner.events.store(this.streamId!, data);
    this.stream?.write(eventId, data);
  }

  /** A connection of this stream ended (client gone, or its end): later events wait in the store. */
  detach(closed: SseStream): void {
    if (this.stream === closed) this.stream = undefined;
  }

  private finish(): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.end();
    this.owner.finished(this);
  }
}
