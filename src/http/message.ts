/**
 * What a POSTed message is, by a hand-written check of the JSON-RPC envelope instead of the
 * SDK's zod `JSONRPCMessageSchema` (which copies every message, and whose failing branches
 * build error objects: several µs per message on the hot path).
 *
 * It accepts exactly what the SDK's envelope schemas accept (strict top-level keys, integer
 * or string ids, object params and results whose `_meta` has a valid progress token and
 * related task), because the SDK's Protocol classifies each message again with those schemas
 * and silently drops one that fits none: a request let through here but dropped there would
 * leave its POST waiting for a response that never comes. Bodies of params and results are
 * not looked at: the gateway forwards them.
 */

export type MessageKind = 'request' | 'notification' | 'response';

type Obj = Record<string, unknown>;

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): boolean {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

function onlyKeys(value: Obj, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

/** params and result: an object whose optional `_meta` is an object with a valid progress token and related task. */
function validMetaHolder(value: unknown): boolean {
  if (!isObject(value)) return false;
  const meta = value._meta;
  if (meta === undefined) return true;
  if (!isObject(meta)) return false;
  if (meta.progressToken !== undefined && !isId(meta.progressToken)) return false;
  const task = meta[RELATED_TASK];
  return task === undefined || (isObject(task) && typeof task.taskId === 'string');
}

/** The kind of a JSON-RPC message, or undefined when the SDK would refuse it. */
export function kindOf(value: unknown): MessageKind | undefined {
  if (!isObject(value) || value.jsonrpc !== '2.0') return undefined;
  if (value.method !== undefined) {
    if (typeof value.method !== 'string' || (value.params !== undefined && !validMetaHolder(value.params))) return undefined;
    if (value.id === undefined) return onlyKeys(value, NOTIFICATION_KEYS) ? 'notification' : undefined;
    return isId(value.id) && onlyKeys(value, REQUEST_KEYS) ? 'request' : undefined;
  }
  if (value.result !== undefined) {
    return isId(value.id) && validMetaHolder(value.result) && onlyKeys(value, RESULT_KEYS) ? 'response' : undefined;
  }
  const error = value.error;
  if (!isObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') return undefined;
  return (value.id === undefined || isId(value.id)) && onlyKeys(value, ERROR_KEYS) ? 'response' : undefined;
}
