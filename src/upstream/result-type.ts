import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';

/**
 * An absent `resultType` means "complete" (2026-07-28 basic/index, "ResultType": clients MUST
 * treat it so). The SDK v2 client refuses such a result from a 2026-07-28 server as invalid
 * (its reading: the rule is only for earlier-revision servers), which failed the whole call
 * with an opaque internal error downstream; the conformance suite's
 * sep-2322-client-request-state serves one on purpose. So every response gets the default
 * before the SDK reads it. Harmless for 2025-era servers: the SDK drops `resultType` there.
 */

/** The message with `resultType: 'complete'` added to a result that has none; anything else as is. */
export function withDefaultResultType(message: JSONRPCMessage): JSONRPCMessage {
  const result = (message as { result?: unknown }).result;
  if (!('id' in message) || !result || typeof result !== 'object' || Array.isArray(result) || 'resultType' in result) return message;
  return { ...message, result: { ...result, resultType: 'complete' } } as JSONRPCMessage;
}

/**
 * Makes `transport` hand its receiver every message through withDefaultResultType. The
 * receiver is whatever the SDK assigns to `onmessage` (Protocol.connect chains the previous
 * one); reading the property back gives the wrapped function, so a chain built on it stays
 * finite and applying the default twice changes nothing.
 */
export function defaultResultType<T extends Transport>(transport: T): T {
  let wrapped: Transport['onmessage'];
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    enumerable: true,
    get: () => wrapped,
    set: (receiver: Transport['onmessage']) => {
      wrapped = receiver ? (message, extra) => receiver(withDefaultResultType(message), extra) : undefined;
    },
  });
  return transport;
}
