import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  parseJSONRPCMessage,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type TransportSendOptions,
} from '@modelcontextprotocol/client';
import { NodeBody } from './http-fetch.js';
import { isPlainResult } from './http-answer.js';
import { plainSend, takesPlainSend, type SendInternals } from './http-send.js';
import { sseEvents } from './sse-read.js';

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
    void readSse(this, stream, options, reconnectable);
  };
}

async function readSse(t: Internals, body: NodeBody, options: SseOptions, isReconnectable: boolean): Promise<void> {
  const { onresumptiontoken, replayMessageId, requestSignal, onRequestStreamEnd } = options;
  const isIntentionalAbort = () => t._abortController?.signal.aborted === true || requestSignal?.aborted === true;
  let lastEventId: string | undefined;
  let hasPrimingEvent = false;
  let receivedResponse = false;
  const reconnect = () => (isReconnectable || hasPrimingEvent) && !receivedResponse && t._abortController && !isIntentionalAbort();
  const schedule = () =>
    t._scheduleReconnection({ resumptionToken: lastEventId, onresumptiontoken, replayMessageId, requestSignal, onRequestStreamEnd }, 0);
  body.node.setEncoding('utf8');
  try {
    for await (const event of sseEvents(body.node, (ms) => (t._serverRetryMs = ms))) {
      if (event.id) {
        lastEventId = event.id;
        hasPrimingEvent = true;
        onresumptiontoken?.(event.id);
      }
      if (!event.data || (event.event && event.event !== 'message')) continue;
      try {
        const value: unknown = JSON.parse(event.data);
        const plain = isPlainResult(value);
        const message = plain ? (value as JSONRPCMessage) : parseJSONRPCMessage(value);
        if (plain || isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
          receivedResponse = true;
          if (replayMessageId !== undefined) (message as { id: string | number }).id = replayMessageId;
        }
        t.onmessage?.(message);
      } catch (error) {
        t.onerror?.(error as Error);
      }
    }
    if (reconnect()) schedule();
    else if (!isIntentionalAbort()) onRequestStreamEnd?.();
  } catch (error) {
    if (isIntentionalAbort()) return;
    t.onerror?.(new Error(`SSE stream disconnected: ${String(error)}`));
    if (!reconnect()) return void onRequestStreamEnd?.();
    try {
      schedule();
    } catch (err) {
      t.onerror?.(new Error(`Failed to reconnect: ${err instanceof Error ? err.message : String(err)}`));
      onRequestStreamEnd?.();
    }
  }
}
