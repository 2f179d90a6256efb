import { Client, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';

/**
 * The answer to every call, handed to its waiting request without the SDK Protocol's zod
 * checks. Protocol.connect's receiver runs `isJSONRPCResultResponse` (a zod safeParse) on every
 * incoming message, and `_onresponse` runs it again: 2.7-3.8% of the gateway's busy time with
 * an HTTP upstream (docs/performance.md, issue 18), the same on stdio. For a plain result
 * (`isPlainResult`: what that schema accepts, checked against it in test/unit/http-send.test.ts)
 * with a numeric id the SDK is waiting for, this does what `_onresponse` does for it
 * (@modelcontextprotocol/client 2.4: Protocol's, reached through Client's for numeric ids):
 * the handler taken off, its timeout cleared, its progress handler dropped, the handler called.
 * Any other message, and every message when the SDK no longer has these internals, goes to the
 * SDK's receiver.
 */

/** The Protocol internals used (private by convention, not #private). */
interface ResponseInternals {
  _responseHandlers: Map<number, (response: JSONRPCMessage) => void>;
  _progressHandlers: Map<number, unknown>;
  _cleanupTimeout(messageId: number): void;
  _onresponse(response: JSONRPCMessage): void;
}

const sdk = Client.prototype as unknown as ResponseInternals;
export const RESPONSE_PATH_IN_PLACE = typeof sdk._cleanupTimeout === 'function' && typeof sdk._onresponse === 'function';

/**
 * Puts the fast path in front of the receiver Protocol.connect gave `transport`. Only when no
 * receiver was there before connect: Protocol chains that one first for every message, which
 * this path would skip.
 */
export function takeResponsesDirectly(client: Client, transport: Transport, hadReceiver: boolean): void {
  const sdkReceive = transport.onmessage;
  const p = client as unknown as ResponseInternals;
  if (hadReceiver || !sdkReceive || !RESPONSE_PATH_IN_PLACE) return;
  if (!(p._responseHandlers instanceof Map) || !(p._progressHandlers instanceof Map)) return;
  transport.onmessage = (message, extra) => {
    const id = (message as { id?: unknown }).id;
    const handler = typeof id === 'number' ? p._responseHandlers.get(id) : undefined;
    if (handler === undefined || !isPlainResult(message)) return sdkReceive(message, extra);
    p._responseHandlers.delete(id as number);
    p._cleanupTimeout(id as number);
    p._progressHandlers.delete(id as number);
    handler(message);
  };
}

/** A result response the SDK's schemas pass through unchanged (it is also what `isJSONRPCResultResponse` accepts). */
export function isPlainResult(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  let keys = 0;
  for (const key in m) {
    if (key !== 'jsonrpc' && key !== 'id' && key !== 'result') return false;
    keys++;
  }
  if (keys !== 3 || m.jsonrpc !== '2.0' || !(typeof m.id === 'string' || Number.isSafeInteger(m.id))) return false;
  const result = m.result;
  return typeof result === 'object' && result !== null && !Array.isArray(result) && !('_meta' in result);
}
