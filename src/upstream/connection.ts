import type { Client, LoggingLevel, PriorDiscovery, Transport } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { redact, type Logger } from '../log.js';
import { clientCall } from '../observe/observer.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { ProgressRoutes, sendCall } from './call.js';
import type { ClientSink } from './client.js';
import { authorizationLost, classifyConnectError, httpStatusOf } from './failures.js';
import { ResourceWatch } from './listen.js';
import { tellAll } from './listeners.js';
import { EMPTY_LISTS, ListRefresher } from './lists.js';
import { ALL_KINDS, openClient, screenLists } from './open.js';
import { outgoingParams } from './params.js';
import { CallRegistry } from './registry.js';
import { stopHeld, type ServerProcess } from './spawn.js';
import { serverStderr, type StderrLog } from './stderr.js';
import { snapshot, unavailableError } from './views.js';
import type {
  CallOptions,
  Era,
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

type Params = Record<string, unknown>;

/** A live connection to one upstream MCP server, in whichever era it speaks (see types.ts). */
export class Connection implements Upstream {
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
  private readonly progress = new ProgressRoutes();
  private readonly calls: CallRegistry;
  private readonly watch: ResourceWatch;
  private readonly refresher = new ListRefresher(
    () => this.client,
    () => this.lists,
    (lists, kinds) => {
      this.lists = this.client ? screenLists(this.spec, this.client, lists, this.options.log) : lists;
      this.emit({ type: 'lists', kinds, announced: true });
    },
    (kinds, err) =>
      this.options.log.warn(`could not re-fetch ${kinds.join(', ')} after list_changed: ${(err as Error).message}`, { server: this.name }),
    () => this.spec.callTimeoutMs,
  );
  private reinit?: Promise<void>;
  /** The era verdict of the last good connect: a restart skips the probe (spec: cache it per server). */
  private prior?: PriorDiscovery;
  /** The server's stderr into our log, rate-limited across its restarts (stdio only). */
  private readonly stderr: StderrLog;
  /** The early start's child: the first connect takes it, a later one spawns anew. */
  private prestarted?: ServerProcess;

  constructor(private readonly options: UpstreamOptions & { readonly log: Logger; readonly backoff?: BackoffOptions }) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.calls = new CallRegistry(options.spec.name, options.log, options.owner);
    this.watch = new ResourceWatch(this, options.log, options.spec.name);
    this.stderr = serverStderr(options.log, options.spec.name);
    this.prestarted = options.prestarted;
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
    return snapshot(this, this.since, (this.transport as { pid?: number } | undefined)?.pid);
  }

  request(method: string, params: Record<string, unknown> | undefined, options: CallOptions = {}): Promise<Result> {
    const start = { method, params, traceparent: options.traceparent, server: this.name, transport: this.spec.transport.kind };
    return clientCall(this.options.observer, start, options, (sent) => this.requestWith(method, params, options, sent));
  }

  /** `sent`: the options with the trace context of the gateway's client span. */
  private async requestWith(method: string, params: Params | undefined, options: CallOptions, sent: CallOptions): Promise<Result> {
    const done = this.calls.begin(options);
    try {
      try {
        return await this.requestOnce(method, params, sent);
      } catch (err) {
        if (this.lostAuthorization(err)) throw this.unavailableError(options.identity);
        if (!(this.era === 'legacy' && httpStatusOf(err) === 404 && this.state === 'ready')) throw err;
        await this.reinitialize();
        return await this.requestOnce(method, params, sent);
      }
    } finally {
      done();
    }
  }

  private requestOnce(method: string, params: Record<string, unknown> | undefined, options: CallOptions): Promise<Result> {
    const client = this.client;
    if (!client || this.state !== 'ready') throw this.unavailableError(options.identity);
    const { params: sent, headers } = outgoingParams(this.era ?? 'legacy', this.spec, method, params, options, this.lists.tools);
    return sendCall(client, this.spec, this.progress, method, sent, { signal: options.signal, onprogress: options.onprogress, headers });
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (!this.client || this.state !== 'ready') return;
    await this.client.notification({ method, params } as never);
  }

  subscribe(uri: string): Promise<void> {
    return this.watch.add(uri);
  }

  unsubscribe(uri: string): Promise<void> {
    return this.watch.remove(uri);
  }

  async setLogLevel(level: LoggingLevel): Promise<void> {
    if (this.era !== 'legacy' || this.state !== 'ready' || !this.capabilities?.logging) return;
    await this.request('logging/setLevel', { level });
  }

  callsInFlight(): readonly CallOptions[] {
    return this.calls.all();
  }

  unavailableError(identity?: string): McpgwError {
    return unavailableError(this.name, this.state, this.lastError, this.options.auth?.status?.(identity).authorizationUrl);
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
    await this.watch.close();
    try {
      if (client) await client.close();
      else if (transport) await transport.close();
    } catch (err) {
      this.options.log.debug('error while stopping', { server: this.name, error: err as Error });
    }
    this.stderr.close();
    // Stopped before it ever connected: the child it was given is still this connection's to end.
    if (this.prestarted) await stopHeld(this.prestarted);
    if (client || transport) this.options.log.info('server stopped', { server: this.name });
    this.setState('disabled', null);
  }

  /** An OAuth server refused us mid-session: needs_auth, so the caller gets the authorization link. */
  private lostAuthorization(err: unknown): boolean {
    const lost = authorizationLost(err, this.spec);
    if (!lost) return false;
    this.options.log.warn('server needs authorization again', { server: this.name });
    this.setState('needs_auth', lost);
    return true;
  }

  private emit(event: UpstreamEvent): void {
    tellAll(this.listeners, event, (err) =>
      this.options.log.error(`an upstream event listener failed: ${err.message}`, { server: this.name, stack: err.stack }),
    );
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
        if (current()) this.refresher.schedule(kind);
      },
      progress: (token, params) => this.progress.route(token, params),
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
    let opened: Client | undefined;
    const prestarted = this.prestarted;
    this.prestarted = undefined;
    try {
      const result = await openClient({
        spec: this.spec,
        version: this.options.version,
        auth: this.options.auth,
        log: this.options.log,
        onStderr: (line) => this.stderr.write(line),
        sink: this.sinkFor(() => this.client !== undefined && this.client === opened),
        prior: this.prior,
        prestarted,
        isCurrent,
        onTransport: (transport) => (this.transport = transport),
        onClose: (client, transport) => {
          if (isCurrent() && this.client === client) this.connectionLost(transport);
        },
      });
      opened = result.client;
      return result;
    } catch (err) {
      this.prior = undefined;
      throw err;
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
      const message = this.restarts > 0 ? 'server restarted' : 'server ready';
      this.options.log.info(message, { server: this.name, protocol: this.protocolVersion, ...counts, ...restarted });
      this.setState('ready', null);
      this.watch.restart(client);
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

  // An HTTP server that restarted forgets our session (404): initialize a new one without
  // leaving `ready`, so the caller can retry once (SPEC section 5). Concurrent callers share it.
  private reinitialize(): Promise<void> {
    this.reinit ??= (async () => {
      const attempt = this.attempt;
      const old = this.client;
      this.options.log.info('the server lost our session; initializing a new one', { server: this.name });
      const { client, lists } = await this.open(() => attempt === this.attempt && !this.closed);
      this.adopt(client, lists);
      if (old) await old.close().catch(() => undefined);
      this.watch.restart(client);
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
    void this.watch.close();
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
}

/** A new upstream for a server definition (not started: call `start()`). The one way to make one. */
export function createUpstream(options: UpstreamOptions & { readonly log: Logger; readonly backoff?: BackoffOptions }): Upstream {
  return new Connection(options);
}
