import { type ClientCapabilities, type JSONRPCMessage, type LoggingLevel, type RequestId } from '@modelcontextprotocol/client';
import type { AuditSink } from '../audit/types.js';
import { McpgwError } from '../errors/error.js';
import type { Identity } from '../identity/types.js';
import type { Logger } from '../log.js';
import { headerTraceparent, measured, type Observer } from '../observe/observer.js';
import type { Caller, Result, ServerRequest, Upstream } from '../upstream/types.js';
import { CallSignal } from './call-signal.js';
import { handle, type RequestContext } from './core.js';
import { REPLICA_ID } from './replica.js';
import { LEVELS, SERVER_CAPABILITIES, clientInfoOf, negotiatedVersion, serverRequestSupported } from './protocol.js';
import type { Scope } from './scope.js';
import { isInternal, wireError } from './wire-error.js';

/**
 * One 2025-era client session (initialize handshake, SPEC section 5): the JSON-RPC layer
 * over the request-scoped core. It remembers what the client said at initialize (version,
 * capabilities, log level, subscriptions) and feeds it into each request's context; the
 * server-to-client requests of upstreams go out on it. The HTTP transport under it is
 * http/transport.ts (a `Channel`).
 */

/** Where a session's messages go: a response or related message to its request's stream. */
export interface Channel {
  send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
}

/** What a session needs from the runtime (gateway/runtime.ts). */
export interface SessionHost {
  readonly version: string;
  readonly audit?: AuditSink;
  readonly log: Logger;
  readonly observer: Observer;
  instructionsFor(profile: string): string | undefined;
  subscribe(session: ClientSession, uri: string): Promise<void>;
  unsubscribe(session: ClientSession, uri: string): Promise<void>;
  levelChanged(session: ClientSession): void;
  rootsChanged(session: ClientSession): void;
  sessionClosed(session: ClientSession): void;
  /** A call's needs-authorization error as this session should see it (URL-mode elicitation, gateway/url-elicitations.ts). */
  needsAuthorization?(session: ClientSession, err: unknown): unknown;
}

/** How long a client may take to answer a server-to-client request (a person may be answering it). */
const ASK_TIMEOUT_MS = 30 * 60_000;

type Message = { jsonrpc: '2.0'; id?: RequestId; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };

export class ClientSession implements Caller {
  /** Set by the transport once initialize has been answered. */
  id?: string;
  readonly label: string;
  protocolVersion?: string;
  capabilities: ClientCapabilities = {};
  clientInfo?: { readonly name: string; readonly version: string };
  /** Rebuilt on this replica from its sealed id (session-id.ts), not initialized here. */
  restored = false;
  logLevel?: LoggingLevel;
  readonly subscriptions = new Set<string>();
  /** Upstreams of servers with isolation: session, owned by this session. */
  readonly own = new Map<string, Upstream>();
  readonly scope: Scope;
  lastActivity = Date.now();
  readonly openedAt = Date.now();
  /** Requests the client made (initialize included). */
  requests = 0;
  closed = false;
  private channel?: Channel;
  /** Client requests being handled, and how to cancel each. */
  private readonly handling = new Map<RequestId, CallSignal>();
  /** Requests we sent the client, waiting for its answer. */
  private readonly asking = new Map<string, { resolve: (r: Result) => void; reject: (e: unknown) => void }>();
  private askSeq = 0;

  constructor(
    private readonly host: SessionHost,
    readonly profile: string,
    /** Who opened the session (SPEC section 10); every request on it is theirs. */
    readonly identity: Identity,
    makeScope: (session: ClientSession) => Scope,
  ) {
    this.label = 'session';
    this.scope = makeScope(this);
  }

  /** The channel's own onclose, if it has one (the endpoint's, which forgets the session), runs first. */
  connect(channel: Channel): void {
    this.channel = channel;
    channel.onmessage = (message) => this.receive(message as Message);
    const before = channel.onclose;
    channel.onclose = () => {
      before?.();
      void this.close();
    };
  }

  /**
   * Takes up a session another replica (or an earlier process with the same key) initialized:
   * what the client said at initialize, from its sealed id. Counts as used (the idle sweep's
   * "never used" rule is for sessions that only initialized).
   */
  restore(state: { protocolVersion: string; capabilities: ClientCapabilities; clientInfo?: ClientSession['clientInfo'] }): void {
    this.protocolVersion = state.protocolVersion;
    this.capabilities = state.capabilities;
    if (state.clientInfo) this.clientInfo = state.clientInfo;
    this.restored = true;
    this.requests = 1;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Requests of this client in flight (shutdown waits for them; idle sessions have none). */
  get inflight(): number {
    return this.handling.size;
  }

  /** Whether a log message of `level` passes this session's logging/setLevel. */
  wantsLevel(level: string): boolean {
    if (!this.logLevel) return true;
    return LEVELS.indexOf(level as LoggingLevel) >= LEVELS.indexOf(this.logLevel);
  }

  /** Sends a notification; a closed or broken session is just skipped. */
  notify(method: string, params?: Record<string, unknown>, relatedRequestId?: RequestId): void {
    if (this.closed || this.id === undefined) return;
    const options = relatedRequestId === undefined ? undefined : { relatedRequestId };
    this.channel?.send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) } as JSONRPCMessage, options).catch(() => undefined);
  }

  /** A server-to-client request outside any call of this client (isolation: session owners only). */
  ask(request: ServerRequest, signal: AbortSignal): Promise<Result> {
    return this.askRelated(request, signal, undefined);
  }

  /** The Caller of one of this client's requests: what a server asks during it goes on that request's stream. */
  callerFor(requestId: RequestId): Caller {
    return {
      label: `${this.id ?? 'session'}#${String(requestId)}`,
      party: this,
      ask: (request, signal) => this.askRelated(request, signal, requestId),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of this.handling.values()) cancel.abort(new McpgwError('MCPGW_E_SESSION_CLOSED', 'the session closed'));
    for (const pending of this.asking.values()) pending.reject(new McpgwError('MCPGW_E_SESSION_CLOSED', 'the session closed'));
    this.asking.clear();
    try {
      await this.channel?.close();
    } catch {
      // the transport may already be gone
    }
    this.host.sessionClosed(this);
  }

  private receive(message: Message): void {
    if (message.method !== undefined && message.id !== undefined) void this.request(message.id, message.method, message.params ?? {});
    else if (message.method !== undefined) this.notification(message.method, message.params ?? {});
    else if (message.id !== undefined) this.answered(String(message.id), message);
  }

  private notification(method: string, params: Record<string, unknown>): void {
    if (method === 'notifications/cancelled') {
      this.handling.get(params.requestId as RequestId)?.abort(new McpgwError('MCPGW_E_SESSION_CLOSED', 'cancelled by the client'));
    } else if (method === 'notifications/roots/list_changed') {
      this.host.rootsChanged(this);
    }
  }

  private answered(id: string, message: Message): void {
    const pending = this.asking.get(id);
    if (!pending) {
      // The answer to another replica's request: that call waits there (README: What needs affinity).
      if (id.startsWith('mcpgw-') && !id.startsWith(`mcpgw-${REPLICA_ID}-`))
        this.host.log.warn("a client answered a request another replica sent; route a session's requests by Mcp-Session-Id", {
          session: this.id,
        });
      return;
    }
    this.asking.delete(id);
    if (message.error !== undefined) pending.reject(message.error);
    else pending.resolve((message.result ?? {}) as Result);
  }

  private async request(id: RequestId, method: string, params: Record<string, unknown>): Promise<void> {
    this.touch();
    this.requests++;
    if (this.handling.has(id)) {
      // Two requests with one id would share one answer (MCP: ids are unique among those in flight).
      const error = new McpgwError('MCPGW_E_MCP_DUPLICATE_ID', `Invalid Request: request id ${JSON.stringify(id)} is already in use`);
      return this.reply(id, { error: wireError(error, 'legacy') });
    }
    // Not an AbortController: its signal would cost more than the rest of the session's work per call (call-signal.ts).
    const cancel = new CallSignal();
    this.handling.set(id, cancel);
    try {
      const result = await this.observed(id, method, params, cancel.signal);
      if (!cancel.aborted) await this.reply(id, { result });
    } catch (err) {
      if (cancel.aborted) return; // a cancelled request gets no answer (MCP cancellation)
      if (isInternal(err)) this.host.log.error(`request failed: ${(err as Error)?.message}`, { method, stack: (err as Error)?.stack });
      await this.reply(id, { error: wireError(this.host.needsAuthorization?.(this, err) ?? err, 'legacy') });
    } finally {
      this.handling.delete(id);
    }
  }

  private reply(id: RequestId, body: { result: unknown } | { error: unknown }): Promise<void> {
    return (this.channel?.send({ jsonrpc: '2.0', id, ...body } as JSONRPCMessage) ?? Promise.resolve()).catch(() => undefined);
  }

  /** The request as an operation of the observer (observe/): its metrics and SERVER span. */
  private observed(id: RequestId, method: string, params: Record<string, unknown>, signal: AbortSignal): Promise<Result> {
    const traceparent = (params._meta as { traceparent?: unknown } | undefined)?.traceparent ?? headerTraceparent(params);
    const op = this.host.observer.serverOperation({
      method,
      params,
      profile: this.profile,
      protocolVersion: this.protocolVersion,
      sessionId: this.id,
      requestId: id,
      traceparent: traceparent as string | undefined,
    });
    return measured(op, (next) => this.dispatch(id, method, params, signal, next, op.routed));
  }

  private async dispatch(
    id: RequestId,
    method: string,
    params: Record<string, unknown>,
    signal: AbortSignal,
    traceparent?: string,
    routed?: (server: string) => void,
  ): Promise<Result> {
    switch (method) {
      case 'initialize':
        return this.initialize(params);
      case 'ping':
        return {};
      case 'logging/setLevel':
        this.logLevel = params.level as LoggingLevel;
        this.host.levelChanged(this);
        return {};
      case 'resources/subscribe': {
        const uri = String(params.uri ?? '');
        await this.host.subscribe(this, uri);
        this.subscriptions.add(uri);
        return {};
      }
      case 'resources/unsubscribe': {
        const uri = String(params.uri ?? '');
        this.subscriptions.delete(uri);
        await this.host.unsubscribe(this, uri);
        return {};
      }
      default:
        return handle(method, params, this.contextFor(id, signal, traceparent, routed));
    }
  }

  /** One literal, no spreads: it is made for every call. */
  private contextFor(
    id: RequestId,
    signal: AbortSignal,
    traceparent: string | undefined,
    routed: ((server: string) => void) | undefined,
  ): RequestContext {
    return {
      scope: this.scope,
      profile: this.profile,
      identity: this.identity,
      audit: this.host.audit,
      caller: this.callerFor(id),
      clientCapabilities: this.capabilities,
      signal,
      logLevel: this.logLevel,
      traceparent: traceparent || undefined,
      routed,
      notify: (method, notification) => {
        if (method !== 'notifications/message' || this.wantsLevel(String(notification.level ?? 'info')))
          this.notify(method, notification, id);
      },
    };
  }

  private initialize(params: Record<string, unknown>): Result {
    this.protocolVersion = negotiatedVersion(params);
    this.capabilities = (params.capabilities ?? {}) as ClientCapabilities;
    this.clientInfo = clientInfoOf(params);
    const instructions = this.host.instructionsFor(this.profile);
    return {
      protocolVersion: this.protocolVersion,
      capabilities: SERVER_CAPABILITIES,
      serverInfo: { name: 'mcpgw', version: this.host.version },
      ...(instructions ? { instructions } : {}),
    };
  }

  /** Relays a server-to-client request (sampling, elicitation, roots) to this client. */
  private askRelated(request: ServerRequest, signal: AbortSignal, relatedRequestId: RequestId | undefined): Promise<Result> {
    const why = serverRequestSupported(request, this.capabilities);
    if (why) return Promise.reject(new McpgwError('MCPGW_E_MCP_CLIENT_CAPABILITY', why));
    if (this.closed) return Promise.reject(new McpgwError('MCPGW_E_SESSION_CLOSED', 'the session closed'));
    const id = `mcpgw-${REPLICA_ID}-${++this.askSeq}`;
    return new Promise<Result>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.asking.delete(id);
      };
      const giveUp = (reason: unknown) => {
        done();
        this.notify('notifications/cancelled', { requestId: id, reason: String((reason as Error)?.message ?? reason) }, relatedRequestId);
        reject(reason);
      };
      const onAbort = () => giveUp(signal.reason);
      const timer = setTimeout(
        () => giveUp(new McpgwError('MCPGW_E_CLIENT_TIMEOUT', `the client did not answer ${request.method} in time`)),
        ASK_TIMEOUT_MS,
      );
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
      this.asking.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
      const message = {
        jsonrpc: '2.0',
        id,
        method: request.method,
        ...(request.params ? { params: request.params } : {}),
      } as JSONRPCMessage;
      this.channel
        ?.send(message, relatedRequestId === undefined ? undefined : { relatedRequestId })
        .catch((err) => this.asking.get(id)?.reject(err));
    });
  }
}
