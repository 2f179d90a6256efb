import type { ServerResponse } from 'node:http';

/** The SSE `retry` (ms) sent in priming events: how soon a client resumes a broken stream. */
const SSE_RETRY_MS = 1000;

/**
 * Bytes an SSE stream may have queued for a client that does not read them: past this the
 * stream is dropped rather than buffered without bound (issue 14: a chatty server and a client
 * that stopped reading grew the daemon by a gigabyte). A 2025-era client resumes from the
 * session's event store; a 2026-07-28 one sends its request again.
 */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** How often an open SSE stream gets a comment frame, so proxies and idle timers keep it (the SDK's default). */
export const SSE_KEEP_ALIVE_MS = 15_000;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * One open SSE response (a POST that switched to SSE, the GET stream, or a resumed stream),
 * framed the way the SDK's server transport frames it. Headers go out at once: a GET stream
 * may carry nothing for minutes, and the client waits for its headers.
 */
export class SseStream {
  private readonly keepAlive: NodeJS.Timeout;

  /** `onClose` runs once when the connection ends, whoever ends it. */
  constructor(
    private readonly res: ServerResponse,
    sessionId: string,
    keepAliveMs: number,
    onClose: (stream: SseStream) => void,
  ) {
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': sessionId });
    res.flushHeaders();
    this.keepAlive = setInterval(() => this.send(': keepalive\n\n'), keepAliveMs);
    this.keepAlive.unref();
    res.once('close', () => {
      clearInterval(this.keepAlive);
      onClose(this);
    });
  }

  /** A message event; `data` is the message's JSON. */
  write(eventId: string, data: string): void {
    this.send(`event: message\nid: ${eventId}\ndata: ${data}\n\n`);
  }

  /** SEP-1699's priming event: an id to resume from, the retry interval, no message. */
  prime(eventId: string): void {
    this.send(`id: ${eventId}\nretry: ${SSE_RETRY_MS}\ndata: \n\n`);
  }

  /**
   * Writes unless the client stopped reading: past MAX_QUEUED_BYTES queued the connection is
   * dropped (the events stay in the session's store, and the client resumes with Last-Event-ID).
   */
  private send(text: string): void {
    writeBounded(this.res, text);
  }

  end(): void {
    clearInterval(this.keepAlive);
    if (!this.res.writableEnded) this.res.end();
  }
}

/**
 * Writes on an open stream unless its client stopped reading: past MAX_QUEUED_BYTES queued
 * (ours and the socket's) the connection is dropped instead.
 */
export function writeBounded(res: ServerResponse, text: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.writableLength > MAX_QUEUED_BYTES) {
    res.destroy();
    return;
  }
  res.write(text);
}
