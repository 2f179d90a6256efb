import { finished } from 'node:stream';
import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  parseJSONRPCMessage,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type TransportSendOptions,
} from '@modelcontextprotocol/client';
import { NodeBody } from './http-fetch.js';
import { isPlainResult } from './responses.js';
import { plainSend, takesPlainSend, type SendInternals } from './http-send.js';
import { SseParser, type SseEvent } from './sse-read.js';

/**
 * The SDK's Streamable HTTP client transport, with SSE bodies read from the node:http stream
 * (http-fetch.ts) by a plain parser instead of `pipeThrough(TextDecoderStream)
 * .pipeThrough(EventSourceParserStream)`: three web streams per SSE answer, 20% of the
 * gateway's busy time with a stock SDK upstream (which answers every POST in SSE). The rest
 * (sessions, auth, step-up, redirects, reconnection, the GET stream) is the SDK's.
 *
 * `_handleSseStream` is the SDK's private method; the reader below does what it does, line for
 * line (@modelcontextprotocol/client 2.4, index.mjs). When the SDK no longer has the methods it
 * relies on, the subclass is the SDK's transport unchanged (test/unit/http-transport.test.ts
 * checks that the override is in place).
 */

interface SseOptions {
  onresumptiontoken?: (token: string) => void;
  replayMessageId?: string | number;
  requestSignal?: AbortSignal;
  onRequestStreamEnd?: () => void;
}

/** The SDK internals the reader uses (JavaScript-private by convention, not #private). */
interface Internals {
  _abortController?: AbortController;
  _serverRetryMs?: number;
  _scheduleReconnection(options: SseOptions & { resumptionToken?: string }, attempt: number): void;
  _handleSseStream(stream: unknown, options: SseOptions, isReconnectable: boolean): void;
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
}

const sdk = StreamableHTTPClientTransport.prototype as unknown as Internals;
export const SSE_READER_IN_PLACE = typeof sdk._handleSseStream === 'function' && typeof sdk._scheduleReconnection === 'function';
export const PLAIN_SEND_IN_PLACE = [
  '_send',
  '_redirects',
  '_unfollowedRedirect',
  '_stepUpAuthorize',
  '_startOrAuthSse',
  '_handleSseStream',
].every((name) => typeof (sdk as unknown as Record<string, unknown>)[name] === 'function');

export class NodeStreamableHttpTransport extends StreamableHTTPClientTransport {
  override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const t = this as unknown as SendInternals;
    return PLAIN_SEND_IN_PLACE && takesPlainSend(t, message, options) ? plainSend(t, message, options) : super.send(message, options);
  }
}

if (SSE_READER_IN_PLACE) {
  const sdkHandle = sdk._handleSseStream;
  (NodeStreamableHttpTransport.prototype as unknown as Internals)._handleSseStream = function (
    this: Internals,
    stream,
    options,
    reconnectable,
  ) {
    if (!(stream instanceof NodeBody) || stream.locked) return sdkHandle.call(this, stream, options, reconnectable);
    new SseRead(this, stream.node, options, reconnectable);
  };
}

/**
 * The SDK's `_handleSseStream` loop, on the node:http stream's events: what its `for await`
 * over the body ends with (the end, an error, or a close before the end, which `finished`
 * reports as the iterator would: ERR_STREAM_PREMATURE_CLOSE) decides the same reconnect or
 * `onRequestStreamEnd`.
 */
class SseRead {
  private lastEventId?: string;
  private hasPrimingEvent = false;
  private receivedResponse = false;
  private settled = false;
  private readonly parser = new SseParser(
    (event) => this.event(event),
    (ms) => (this.t._serverRetryMs = ms),
  );
  // What the loop's body threw (onresumptiontoken, onerror) left the loop, which destroyed the body.
  private readonly onData = (chunk: string) => {
    try {
      this.parser.feed(chunk);
    } catch (error) {
      this.node.destroy();
      this.settle(error);
    }
  };

  constructor(
    private readonly t: Internals,
    private readonly node: NodeBody['node'],
    private readonly options: SseOptions,
    private readonly isReconnectable: boolean,
  ) {
    node.setEncoding('utf8');
    node.on('data', this.onData);
    node.once('end', () => this.settle());
    node.on('error', (error) => this.settle(error));
    node.once('close', () => {
      if (!this.settled) finished(node, (error) => this.settle(error ?? new Error('Premature close')));
    });
  }

  private event(event: SseEvent): void {
    if (event.id) {
      this.lastEventId = event.id;
      this.hasPrimingEvent = true;
      this.options.onresumptiontoken?.(event.id);
    }
    if (!event.data || (event.event && event.event !== 'message')) return;
    try {
      const value: unknown = JSON.parse(event.data);
      const plain = isPlainResult(value);
      const message = plain ? (value as JSONRPCMessage) : parseJSONRPCMessage(value);
      if (plain || isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        this.receivedResponse = true;
        if (this.options.replayMessageId !== undefined) (message as { id: string | number }).id = this.options.replayMessageId;
      }
      this.t.onmessage?.(message);
    } catch (error) {
      this.t.onerror?.(error as Error);
    }
  }

  private settle(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.node.off('data', this.onData);
    if (error === undefined) {
      if (this.reconnect()) this.schedule();
      else if (!this.isIntentionalAbort()) this.options.onRequestStreamEnd?.();
      return;
    }
    if (this.isIntentionalAbort()) return;
    this.t.onerror?.(new Error(`SSE stream disconnected: ${String(error)}`));
    if (!this.reconnect()) return void this.options.onRequestStreamEnd?.();
    try {
      this.schedule();
    } catch (err) {
      this.t.onerror?.(new Error(`Failed to reconnect: ${err instanceof Error ? err.message : String(err)}`));
      this.options.onRequestStreamEnd?.();
    }
  }

  private isIntentionalAbort(): boolean {
    return this.t._abortController?.signal.aborted === true || this.options.requestSignal?.aborted === true;
  }

  private reconnect(): boolean {
    return (
      (this.isReconnectable || this.hasPrimingEvent) && !this.receivedResponse && !!this.t._abortController && !this.isIntentionalAbort()
    );
  }

  private schedule(): void {
    const { onresumptiontoken, replayMessageId, requestSignal, onRequestStreamEnd } = this.options;
    this.t._scheduleReconnection(
      { resumptionToken: this.lastEventId, onresumptiontoken, replayMessageId, requestSignal, onRequestStreamEnd },
      0,
    );
  }
}
