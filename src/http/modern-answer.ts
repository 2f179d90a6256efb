import type { ServerResponse } from 'node:http';
import type { RequestId } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { CallSignal } from '../gateway/call-signal.js';
import type { Exchange } from '../gateway/modern.js';
import { SSE_HEADERS, writeBounded } from './sse.js';

/**
 * The answer to one 2026-07-28 request (SPEC section 7): plain JSON when the result is the
 * first message ready, else SSE (a notification came first, or the call stayed silent for
 * `holdMs`, after which keep-alives keep proxies from cutting it), without event ids: the
 * revision has no resumption. The client closing the connection before the answer is the
 * request's cancellation (`signal`, `onCancel`).
 */
export class ModernAnswer implements Exchange {
  /** Made when first read: a tools/call is cancelled through its WaitingCall, which never reads it. */
  private controller?: CallSignal;
  private cancelled?: { reason: unknown };
  private listeners?: Array<(reason: unknown) => void>;
  private streaming = false;
  private finished = false;
  private keepAlive?: NodeJS.Timeout;
  private readonly hold: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly id: RequestId,
    private readonly keepAliveMs: number,
    holdMs: number,
  ) {
    res.on('close', () => {
      if (!this.finished) this.cancel(new McpgwError('MCPGW_E_SESSION_CLOSED', 'the client closed the stream'));
      this.stopTimers();
    });
    this.hold = setTimeout(() => this.stream(), holdMs);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new CallSignal();
      if (this.cancelled) this.controller.abort(this.cancelled.reason);
    }
    return this.controller.signal;
  }

  /** Whether the client went away before the answer. */
  get aborted(): boolean {
    return this.cancelled !== undefined;
  }

  onCancel(fn: (reason: unknown) => void): () => void {
    if (this.cancelled) {
      fn(this.cancelled.reason);
      return () => undefined;
    }
    (this.listeners ??= []).push(fn);
    return () => {
      const at = this.listeners?.indexOf(fn) ?? -1;
      if (at >= 0) this.listeners!.splice(at, 1);
    };
  }

  private cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = { reason };
    this.controller?.abort(reason);
    for (const fn of this.listeners?.splice(0) ?? []) fn(reason);
  }

  /** A notification related to the request: the answer becomes a stream if it is not one yet. */
  notify(method: string, params: Record<string, unknown>): void {
    if (this.finished) return;
    this.stream();
    this.event({ jsonrpc: '2.0', method, params });
  }

  /** Switches to SSE now (subscriptions/listen answers are streams from the start). */
  stream(): void {
    clearTimeout(this.hold);
    if (this.streaming || this.res.headersSent) return;
    this.streaming = true;
    this.res.writeHead(200, SSE_HEADERS);
    this.res.flushHeaders();
    this.keepAlive = setInterval(() => this.write(': keepalive\n\n'), this.keepAliveMs);
    this.keepAlive.unref();
  }

  event(data: unknown): void {
    this.write(`event: message\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** The final message: the result or error, as the JSON answer or the stream's last event. */
  finish(body: { result: unknown } | { error: unknown }, status: number): void {
    this.finished = true;
    this.stopTimers();
    if (this.res.destroyed) return;
    const message = { jsonrpc: '2.0', id: this.id, ...body };
    if (this.streaming) {
      this.event(message);
      this.res.end();
    } else {
      this.res.writeHead(status, { 'content-type': 'application/json' });
      this.res.end(JSON.stringify(message));
    }
  }

  /** Ends a stream without a final message of ours (a listen stream the client closed). */
  end(): void {
    this.finished = true;
    this.stopTimers();
    if (!this.res.writableEnded) this.res.end();
  }

  private write(text: string): void {
    writeBounded(this.res, text);
  }

  private stopTimers(): void {
    clearTimeout(this.hold);
    clearInterval(this.keepAlive);
  }
}
