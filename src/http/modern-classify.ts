import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/client';
import type { InboundClassificationOutcome, InboundHttpRequest, JSONRPCRequest } from '@modelcontextprotocol/server';
import { kindOf } from './message.js';

/**
 * The era classification of a 2026-07-28 POST, with a fast path for the common case in front
 * of the SDK's `classifyInboundRequest`. The SDK's classifier runs five zod `safeParse`s per
 * request, and two of them (is it a result? an error?) fail on every request and build a
 * `ZodError` each: about a tenth of the gateway's CPU on a modern call, and much of its GC.
 *
 * The fast path only ever accepts: it answers "a modern request" for a body the SDK would
 * classify exactly so, and hands everything else (notifications, batches, initialize, header
 * disagreements, any envelope it cannot vouch for) to the SDK, so that every refusal is the
 * SDK's own, with its code, message and status (test/unit/modern-classify.test.ts checks the
 * agreement, test/integration/modern-bad-input.test.ts the refusals).
 */

type Obj = Record<string, unknown>;

const LOG_LEVELS = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);
const MODERN_VERSION = '2026-07-28';

/**
 * Client capabilities and client info (the two envelope keys whose schemas are deep) that the
 * SDK accepted before, by their JSON. The envelope schema is a loose object whose keys are
 * checked one by one, so a value it accepted once is valid in every envelope; a client sends
 * the same two values on every request. Bounded: a key is at most MAX_KEY characters, and the
 * set is emptied when full, so a client cycling through values costs only the slow path.
 */
const accepted = new Set<string>();
const MAX_ACCEPTED = 64;
const MAX_KEY = 2048;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): boolean {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

/** The cache key of an envelope's deep values; undefined when too long to keep. */
function deepKey(meta: Obj): string | undefined {
  const info = meta[CLIENT_INFO_META_KEY];
  // '-' is never the JSON of a value: an absent client info cannot collide with a present one.
  const key = `${JSON.stringify(meta[CLIENT_CAPABILITIES_META_KEY])}\n${info === undefined ? '-' : JSON.stringify(info)}`;
  return key.length <= MAX_KEY ? key : undefined;
}

/** The `_meta` of a request the fast path may classify, or undefined (the SDK decides). */
function envelopeOf(body: unknown, request: InboundHttpRequest): Obj | undefined {
  if (request.httpMethod !== 'POST' || kindOf(body) !== 'request') return undefined;
  const message = body as Obj;
  if (message.method === 'initialize' || !isObject(message.params)) return undefined;
  const meta = message.params._meta;
  if (!isObject(meta) || meta[PROTOCOL_VERSION_META_KEY] !== MODERN_VERSION || !(CLIENT_CAPABILITIES_META_KEY in meta)) return undefined;
  if (meta.progressToken !== undefined && !isId(meta.progressToken)) return undefined;
  const level = meta[LOG_LEVEL_META_KEY];
  if (level !== undefined && !(typeof level === 'string' && LOG_LEVELS.has(level))) return undefined;
  if (request.protocolVersionHeader !== undefined && request.protocolVersionHeader !== MODERN_VERSION) return undefined;
  if (request.mcpMethodHeader !== undefined && request.mcpMethodHeader !== message.method) return undefined;
  return meta;
}

/**
 * `classify` is the SDK's classifier (loaded lazily by the caller). The outcome is the SDK's,
 * or on the fast path the one it would have given (`classification` aside, which the gateway
 * does not read: it serves one modern revision).
 */
export function classifyModern(
  request: InboundHttpRequest,
  classify: (request: InboundHttpRequest) => InboundClassificationOutcome,
): InboundClassificationOutcome {
  const meta = envelopeOf(request.body, request);
  const key = meta && deepKey(meta);
  if (key !== undefined && accepted.has(key))
    return {
      kind: 'modern',
      messageKind: 'request',
      message: request.body as JSONRPCRequest,
      classification: { era: 'modern', revision: MODERN_VERSION },
    };
  const outcome = classify(request);
  if (key !== undefined && outcome.kind === 'modern' && outcome.messageKind === 'request') {
    if (accepted.size >= MAX_ACCEPTED) accepted.clear();
    accepted.add(key);
  }
  return outcome;
}
