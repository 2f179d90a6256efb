import type { Client, LoggingLevel, PriorDiscovery, Transport } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { redact, type Logger } from '../log.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { sendCall, type ProgressRoutes } from './call.js';
import { createClient, type ClientSink } from './client.js';
import { classifyConnectError, httpStatusOf, ownErrorIn } from './failures.js';
import { screenTools } from './headers.js';
import { ModernListen } from './listen.js';
import { EMPTY_LISTS, fetchLists } from './lists.js';
import { outgoingParams } from './params.js';
import { CallRegistry } from './registry.js';
import { createTransport } from './transports.js';
import { unavailableError } from './unavailable.js';
import type {
  CallOptions,
  Era,
  ListKind,
  Result,
  ServerRequest,
  Upstream,
  UpstreamEvent,
  UpstreamFailure,
  UpstreamLists,
  UpstreamOptions,
  UpstreamState,
  UpstreamStatus,
} from './types.js';

const ALL_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources'];

/** A live connection to one upstream MCP server, in whichever era it speaks (see types.ts). */
export class Connection implements Upstream, ProgressRoutes {
  readonly name: string;
  readonly spec: ServerSpec;
  state: UpstreamState = 'starting';
  era?: Era;
  protocolVersion?: string;
  lists: UpstreamLists = EMPTY_LISTS;
  lastError: UpstreamFailure | null = null;
  restarts = 0;
  private since = new Date();
  private client?: Client;
  private transport?: Transport;
  private attempt = 0;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly backoff: Backoff;
  private readonly listeners = new Set<(event: UpstreamEvent) => void>();
  private readonly progressRoutes = new Map<string, (params: Record<string, unknown>) => void>();
  private progressSeq = 0;
  private readonly calls: CallRegistry;
  private readonly subscribed = new Set<string>();
  private listen?: ModernListen;
  private refreshing?: Promise<void>;
  private readonly refreshAgain = new Set<ListKind>();
  private reinit?: Promise<void>;
  /** The era verdict of the last good connect: a restart skips the probe (spec: cache it per server). */
  private prior?: PriorDiscovery;

  constructor(private readonly options: UpstreamOptions & { readonly log: Logger; readonly backoff?: BackoffOptions }) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.calls = new CallRegistry(options.spec.name, options.log, options.owner);
  }

  get capabilities() {
    return this.client?.getServerCapabilities();
  }

  get instructions(): string | undefined {
    return this.client?.getInstructions();
  }

  start(): void {
    void this.connect();
  }

  on(listener: (event: UpstreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): UpstreamStatus {
    const t = this.spec.transport;
    return {
      state: this.state,
      transport: t.kind === 'stdio' ? 'stdio' : t.transport,
      protocol: this.protocolVersion ?? null,
      tools: this.lists.tools.length,
      prompts: this.lists.prompts.length,
      resources: this.lists.resources.length,
      restarts: this.restarts,
      lastError: this.lastError,
      since: this.since.toISOString(),
      pid: (this.transport as { pid?: number } | undefined)?.pid,
    };
  }

  async request(method: string, params: Record<string, unknown> | undefined, options: CallOptions = {}): Promise<Result> {
    const done = this.calls.begin(options);
    try {
      try {
        return await this.requestOnce(method, params, options);
      } catch (err) {
        if (this.lostAuthorization(err)) throw this.unavailableError();
        if (!(this.era === 'legacy' && httpStatusOf(err) === 404 && this.state === 'ready')) throw err;
        await this.reinitialize();
        return await this.requestOnce(method, params, options);
      }
    } finally {
      done();
    }
  }

  private requestOnce(method: string, params: Record<string, unknown> | undefined, options: CallOptions): Promise<Result> {
    const client = this.client;
    if (!client || this.state !== 'ready') throw this.unavailableError();
    const { params: sent, headers } = outgoingParams(this.era ?? 'legacy', this.spec, method, params, options, this.lists.tools);
    return sendCall(client, this.spec, this, method, sent, { signal: options.signal, onprogress: options.onprogress, headers });
  }

  register(onprogress: (params: Record<string, unknown>) => void): string {
    const token = `mcpgw-${++this.progressSeq}`;
    this.progressRoutes.set(token, onprogress);
    return token;
  }

  unregister(token: string): void {
    this.progressRoutes.delete(token);
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (!this.client || this.state !== 'ready') return;
    await this.client.notification({ method, params } as never);
  }

  async subscribe(uri: string): Promise<void> {
    const first = !this.subscribed.has(uri);
    this.subscribed.add(uri);
    if (!first || this.state !== 'ready' || !this.capabilities?.resources?.subscribe) return;
    if (this.era === 'modern') await this.listen?.update([...this.subscribed]);
    else await this.request('resources/subscribe', { uri });
  }

  async unsubscribe(uri: string): Promise<void> {
    if (!this.subscribed.delete(uri) || this.state !== 'ready' || !this.capabilities?.resources?.subscribe) return;
    if (this.era === 'modern') await this.listen?.update([...this.subscribed]);
    else await this.request('resources/unsubscribe', { uri }).catch(() => undefined);
  }

  async setLogLevel(level: LoggingLevel): Promise<void> {
    if (this.era !== 'legacy' || this.state !== 'ready' || !this.capabilities?.logging) return;
    await this.request('logging/setLevel', { level });
  }

  callsInFlight(): readonly CallOptions[] {
    return this.calls.all();
  }

  unavailableError(): McpgwError {
    return unavailableError(this.name, this.state, this.lastError, this.options.auth?.status?.().authorizationUrl);
  }

  retryNow(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const old = this.client;
    this.client = undefined;
    if (old) void old.close().catch(() => undefined);
    this.backoff.reset();
    void this.connect();
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.attempt++;
    clearTimeout(this.retryTimer);
    const { client, transport } = this;
    this.client = undefined;
    this.transport = undefined;
    await this.listen?.close();
    try {
      if (client) await client.close();
      else if (transport) await transport.close();
    } catch (err) {
      this.options.log.debug('error while stopping', { server: this.name, error: err as Error });
    }
    if (client || transport) this.options.log.info('server stopped', { server: this.name });
    this.setState('disabled', null);
  }

  /**
   * An OAuth server refused us mid-session (token revoked, refresh refused, more scope
   * needed): the server goes to needs_auth so the caller gets the authorization link.
   */
  private lostAuthorization(err: unknown): boolean {
    if (this.spec.auth.type !== 'oauth') return false;
    const status = httpStatusOf(err);
    const own = ownErrorIn(err);
    const refused = status === 401 || status === 403 || own?.code === 'MCPGW_E_SERVER_NEEDS_AUTH';
    if (!refused) return false;
    this.options.log.warn('server needs authorization again', { server: this.name });
    const message = own?.message ?? `HTTP ${status}: authorization required`;
    this.setState('needs_auth', { code: 'MCPGW_E_SERVER_NEEDS_AUTH', message });
    return true;
  }

  private emit(event: UpstreamEvent): void {
    for (const listener of this.listeners) {
      // A listener's bug must not break the connection's own state machine.
      try {
        listener(event);
      } catch (err) {
        this.options.log.error(`an upstream event listener failed: ${(err as Error)?.message}`, {
          server: this.name,
          stack: (err as Error)?.stack,
        });
      }
    }
  }

  private setState(state: UpstreamState, error: UpstreamFailure | null): void {
    this.lastError = error === null ? null : { code: error.code, message: redact(error.message) };
    if (this.state === state) return;
    this.state = state;
    this.since = new Date();
    this.emit({ type: 'state', state });
  }

  private sinkFor(current: () => boolean): ClientSink {
    return {
      serverRequest: (request: ServerRequest, signal: AbortSignal) => this.calls.ask(request, signal),
      listChanged: (kind) => {
        if (current()) this.scheduleRefresh(kind);
      },
      progress: (token, params) => this.progressRoutes.get(token)?.(params),
      notification: (method, params) => {
        if (!current()) return;
        // A modern server logs only for the call that asked (its _meta logLevel).
        if (method === 'notifications/message' && this.era === 'modern') this.calls.routeLog(params);
        else this.emit({ type: 'notification', method, params });
      },
    };
  }

  /** A new client connected and listed within the connect timeout; closed again on failure. */
  private async open(isCurrent: () => boolean): Promise<{ client: Client; lists: UpstreamLists }> {
    let client: Client | undefined;
    const sink = this.sinkFor(() => this.client !== undefined && this.client === client);
    const probe = Math.min(this.spec.connectTimeoutMs, 15_000);
    client = createClient(this.options.version, this.spec.protocol, probe, sink);
    const transport = createTransport(this.spec, {
      auth: this.options.auth,
      onStderr: (line) => this.options.log.info(line, { server: this.name, stream: 'stderr' }),
    });
    this.transport = transport;
    client.onclose = () => {
      if (isCurrent() && this.client === client) this.connectionLost(transport);
    };
    client.onerror = (err) => this.options.log.debug('transport error', { server: this.name, error: err.message });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(connectTimedOut(this.spec)), this.spec.connectTimeoutMs);
    });
    try {
      await Promise.race([client.connect(transport, this.prior ? { prior: this.prior } : {}), deadline]);
      const lists = await Promise.race([fetchLists(client, EMPTY_LISTS, ALL_KINDS, this.spec.callTimeoutMs), deadline]);
      if (!isCurrent()) throw new Error('superseded');
      return { client, lists: this.screened(client, lists) };
    } catch (err) {
      this.prior = undefined;
      await client.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
      throw Object.assign(err as object, { transport });
    } finally {
      clearTimeout(timer);
    }
  }

  private async connect(): Promise<void> {
    const attempt = ++this.attempt;
    const isCurrent = () => attempt === this.attempt && !this.closed;
    try {
      const { client, lists } = await this.open(isCurrent);
      this.adopt(client, lists);
      this.backoff.succeeded();
      const counts = { tools: lists.tools.length, prompts: lists.prompts.length, resources: lists.resources.length };
      const restarted = this.restarts > 0 ? { restarts: this.restarts } : {};
      this.options.log.info(this.restarts > 0 ? 'server restarted' : 'server ready', {
        server: this.name,
        protocol: this.protocolVersion,
        ...counts,
        ...restarted,
      });
      this.setState('ready', null);
      this.startListening(client);
    } catch (err) {
      if (!isCurrent()) return;
      this.client = undefined;
      this.fail(err, attempt, (err as { transport?: Transport }).transport);
    }
  }

  private adopt(client: Client, lists: UpstreamLists): void {
    this.client = client;
    this.lists = lists;
    this.era = client.getProtocolEra() === 'modern' ? 'modern' : 'legacy';
    this.protocolVersion = client.getNegotiatedProtocolVersion();
    const discover = client.getDiscoverResult();
    this.prior = this.era === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' };
  }

  /**
   * 2026-07-28 over Streamable HTTP: a tool whose x-mcp-header annotations are invalid is left
   * out, with a warning naming it and why (the revision's MUST: its Mcp-Param-* headers could
   * not be sent right, and one bad tool must not cost the others). Other transports ignore
   * the annotations.
   */
  private screened(client: Client, lists: UpstreamLists): UpstreamLists {
    const t = this.spec.transport;
    if (client.getProtocolEra() !== 'modern' || t.kind !== 'http' || t.transport !== 'streamable-http') return lists;
    const tools = screenTools(lists.tools, (tool, reason) =>
      this.options.log.warn(`tool "${tool.name}" left out: ${reason}`, { server: this.name }),
    );
    return tools.length === lists.tools.length ? lists : { ...lists, tools };
  }

  /** Modern servers announce changes on a listen stream; re-subscribes after a reconnect. */
  private startListening(client: Client): void {
    void this.listen?.close();
    this.listen = undefined;
    if (this.era === 'modern') {
      this.listen = new ModernListen(client, this.options.log, this.name);
      void this.listen.update([...this.subscribed]);
      return;
    }
    if (!this.capabilities?.resources?.subscribe) return;
    for (const uri of this.subscribed) void this.request('resources/subscribe', { uri }).catch(() => undefined);
  }

  /**
   * An HTTP server that restarted forgets our session (404): initialize a new one without
   * leaving `ready`, so the caller can retry once (SPEC section 5). Concurrent callers share it.
   */
  private reinitialize(): Promise<void> {
    this.reinit ??= (async () => {
      const attempt = this.attempt;
      const old = this.client;
      this.options.log.info('the server lost our session; initializing a new one', { server: this.name });
      const { client, lists } = await this.open(() => attempt === this.attempt && !this.closed);
      this.adopt(client, lists);
      if (old) await old.close().catch(() => undefined);
      this.startListening(client);
      this.emit({ type: 'lists', kinds: ALL_KINDS });
    })().finally(() => {
      this.reinit = undefined;
    });
    return this.reinit;
  }

  private fail(err: unknown, attempt: number, transport?: Transport): void {
    if (attempt !== this.attempt || this.closed) return;
    const failure = classifyConnectError(err, this.spec, transport);
    if (failure.code === 'MCPGW_E_SERVER_NEEDS_AUTH') {
      this.options.log.warn('server needs authorization', { server: this.name });
      this.setState('needs_auth', failure);
      return;
    }
    if (!failure.retry) {
      this.options.log.error(`server failed: ${failure.message}`, { server: this.name, code: failure.code });
      this.setState('error', failure);
      return;
    }
    this.scheduleRetry(failure);
  }

  private connectionLost(transport: Transport): void {
    const failure = classifyConnectError(new Error('connection closed'), this.spec, transport);
    this.client = undefined;
    this.transport = undefined;
    void this.listen?.close();
    this.listen = undefined;
    this.options.log.warn(`server stopped unexpectedly: ${failure.message}`, { server: this.name, code: failure.code });
    this.scheduleRetry(failure);
  }

  private scheduleRetry(failure: UpstreamFailure): void {
    const delay = this.backoff.nextDelay();
    this.options.log.warn(`retrying in ${(delay / 1000).toFixed(1)}s: ${failure.message}`, { server: this.name, code: failure.code });
    this.setState('restarting', failure);
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.restarts++;
      void this.connect();
    }, delay);
    this.retryTimer.unref?.();
  }

  /** Re-fetches a list after list_changed; bursts coalesce into one fetch per kind. */
  private scheduleRefresh(kind: ListKind): void {
    this.refreshAgain.add(kind);
    if (this.refreshing) return;
    this.refreshing = (async () => {
      while (this.refreshAgain.size > 0 && this.client) {
        const kinds = [...this.refreshAgain];
        this.refreshAgain.clear();
        try {
          const client = this.client;
          this.lists = this.screened(client, await fetchLists(client, this.lists, kinds, this.spec.callTimeoutMs));
          this.emit({ type: 'lists', kinds, announced: true });
        } catch (err) {
          this.options.log.warn(`could not re-fetch ${kinds.join(', ')} after list_changed: ${(err as Error).message}`, {
            server: this.name,
          });
        }
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
  }
}

function connectTimedOut(spec: ServerSpec): McpgwError {
  return new McpgwError('MCPGW_E_SERVER_TIMEOUT', `did not finish initializing within ${spec.connectTimeoutMs / 1000}s`, {
    hint: 'raise timeouts.connect, or check that the server speaks MCP on stdout',
  });
}

/** A new upstream for a server definition (not started: call `start()`). The one way to make one. */
export function createUpstream(options: UpstreamOptions & { readonly log: Logger; readonly backoff?: BackoffOptions }): Upstream {
  return new Connection(options);
}
