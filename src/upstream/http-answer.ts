import { isJsonContentType, parseJSONRPCMessage, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { isPlainResult } from './responses.js';

/**
 * A message an HTTP upstream sent, as the SDK's `JSONRPCMessageSchema.parse` gives it, without
 * the zod pass for the one shape every call answers with: `{jsonrpc, id, result}` whose result
 * is an object without `_meta`. The schema lets such a result through untouched (a loose
 * object), so the parse would only copy it; anything else goes to the SDK's parse, errors
 * included (test/unit/http-send.test.ts compares the two).
 */
export function parseAnswer(value: unknown): JSONRPCMessage {
  return isPlainResult(value) ? (value as JSONRPCMessage) : parseJSONRPCMessage(value);
}

/**
 * Whether a Content-Type is `text/event-stream` by the SDK's reading (its `mediaTypeEssence`,
 * which the SDK does not export): the same header with the type swapped for
 * `application/json` passes the SDK's JSON check exactly when the original names SSE, because
 * the rest of the header (parameters, the comma rule) is read the same way for both.
 */
export function isSseContentType(header: string | null): boolean {
  if (header === 'text/event-stream') return true;
  if (!header) return false;
  const start = header.length - header.trimStart().length;
  if (header.slice(start, start + 17).toLowerCase() !== 'text/event-stream') return false;
  return isJsonContentType(`${header.slice(0, start)}application/json${header.slice(start + 17)}`);
}

/** Whether a Content-Type is `application/json` by the SDK's reading. */
export const isJsonAnswer = (header: string | null): boolean => header === 'application/json' || (!!header && isJsonContentType(header));
