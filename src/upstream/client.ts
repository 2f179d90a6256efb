import { Client, type ClientCapabilities, type StandardSchemaV1, type VersionNegotiationOptions } from '@modelcontextprotocol/client';
import type { ProtocolChoice } from '../config/types.js';
import { takeResponsesDirectly } from './responses.js';
import type { ListKind, Result, ServerRequest } from './types.js';

/**
 * The SDK v2 client of one upstream connection, for both protocol eras: with `protocol:
 * auto` it probes with `server/discover` and falls back to `initialize` (SPEC section 9),
 * pinned it speaks exactly one. Everything the server sends reaches the connection through
 * `ClientSink`; results pass through raw (RAW below): the gateway forwards, it does not
 * interpret, and a typed parse would copy each result and strip fields we must keep.
 */

/** A result "schema" that accepts any result unchanged (the SDK's StandardSchema shape). */
export const RAW: StandardSchemaV1 = {
  '~standard': { version: 1, vendor: 'mcpgw', validate: (value: unknown) => ({ value }) },
} as StandardSchemaV1;

/** What the gateway offers every upstream: everything a downstream client may support. */
export const GATEWAY_CLIENT_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

/** The connection's side of a client: called for what the server sends outside responses. */
export interface ClientSink {
  serverRequest(request: ServerRequest, signal: AbortSignal): Promise<Result>;
  listChanged(kind: ListKind): void;
  progress(token: string, params: Record<string, unknown>): void;
  /** notifications/message and notifications/resources/updated. */
  notification(method: string, params: Record<string, unknown>): void;
}

function negotiation(protocol: ProtocolChoice, probeTimeoutMs: number): VersionNegotiationOptions {
  if (protocol === '2026-07-28') return { mode: { pin: '2026-07-28' } };
  if (protocol === '2025-11-25') return { mode: 'legacy' };
  return { mode: 'auto', probe: { timeoutMs: probeTimeoutMs } };
}

const SERVER_REQUESTS = ['sampling/createMessage', 'elicitation/create', 'roots/list'] as const;
const LIST_CHANGED: ReadonlyArray<[string, ListKind]> = [
  ['notifications/tools/list_changed', 'tools'],
  ['notifications/prompts/list_changed', 'prompts'],
  ['notifications/resources/list_changed', 'resources'],
];

/** The SDK client, with every call's answer taken to its request directly once connected (responses.ts). */
class GatewayClient extends Client {
  override async connect(...args: Parameters<Client['connect']>): Promise<void> {
    const hadReceiver = args[0].onmessage !== undefined;
    await super.connect(...args);
    takeResponsesDirectly(this, args[0], hadReceiver);
  }
}

export function createClient(version: string, protocol: ProtocolChoice, probeTimeoutMs: number, sink: ClientSink): Client {
  const client = new GatewayClient(
    { name: 'mcpgw', version },
    {
      capabilities: GATEWAY_CLIENT_CAPABILITIES,
      versionNegotiation: negotiation(protocol, probeTimeoutMs),
      // A modern server's InputRequiredResult goes to the downstream client (or becomes
      // requests on its legacy session): the gateway fulfils nothing itself.
      inputRequired: { autoFulfill: false },
    },
  );
  for (const method of SERVER_REQUESTS) {
    client.setRequestHandler(method, ((request: { params?: Record<string, unknown> }, ctx: { mcpReq?: { signal?: AbortSignal } }) =>
      sink.serverRequest({ method, params: request.params }, ctx?.mcpReq?.signal ?? new AbortController().signal)) as never);
  }
  for (const [method, kind] of LIST_CHANGED) client.setNotificationHandler(method as never, (() => sink.listChanged(kind)) as never);
  client.setNotificationHandler('notifications/progress', ((n: { params: Record<string, unknown> }) => {
    const { progressToken, ...rest } = n.params;
    sink.progress(String(progressToken), rest);
  }) as never);
  for (const method of ['notifications/message', 'notifications/resources/updated']) {
    client.setNotificationHandler(
      method as never,
      ((n: { params?: Record<string, unknown> }) => sink.notification(method, n.params ?? {})) as never,
    );
  }
  return client;
}
