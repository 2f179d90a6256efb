import type { ServerResponse } from 'node:http';

/** The SSE `retry` (ms) sent in priming events: how soon a client resumes a broken stream. */
const SSE_RETRY_MS = 1000;

/** How often an open SSE stream gets a comment frame, so proxies and idle timers keep it (the SDK's default). */
export const SSE_KEEP_ALIVE_MS = 15_000;

const SSE_HEADERS = {
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
    this.keepAlive = setInterval(() => res.write(': keepalive\n\n'), keepAliveMs);
    this.keepAlive.unref();
    res.once('close', () => {
      clearInterval(this.keepAlive);
      onClose(this);
    });
  }

  /** A message event; `data` is the message's JSON. */
  write(eventId: string, data: string): void {
    if (!this.res.writableEnded) this.res.write(`event: message\nid: ${eventId}\ndata: ${data}\n\n`);
  }

  /** SEP-1699's priming event: an id to resume from, the retry interval, no message. */
  prime(eventId: string): void {
    if (!this.res.writableEnded) this.res.write(`id: ${eventId}\nretry: ${SSE_RETRY_MS}\ndata: \n\n`);
  }

  end(): void {
    clearInterval(this.keepAlive);
    if (!this.res.writableEnded) this.res.end();
  }
}
