import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ProgressNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { redact, type Logger } from '../log.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { RAW_RESULT } from './raw.js';
import { createTransport, describeConnectError } from './connect.js';
import type { AuthProvider, ListKind, UpstreamState, UpstreamStatus } from './types.js';

export type Result = Record<string, unknown>;

/** What an upstream tells its owner. Listeners run synchronously; they must not throw. */
export type UpstreamEvent =
  | { readonly type: 'state'; readonly state: UpstreamState }
  | { readonly type: 'lists'; readonly kinds: readonly ListKind[] }
  | { readonly type: 'notification'; readonly method: string; readonly params: Record<string, unknown> };

/** A request the upstream server sends to the client side (sampling, elicitation, roots). */
export interface ServerRequest {
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

/** Routes a server-to-client request to a client session (gateway/ decides which). */
export type ServerRequestHandler = (upstream: Upstream, request: ServerRequest, signal: AbortSignal) => Promise<Result>;

export interface UpstreamOptions {
  readonly spec: ServerSpec;
  readonly log: Logger;
  readonly version: string;
  readonly auth?: AuthProvider;
  readonly onServerRequest: ServerRequestHandler;
  /** With isolation: session, the client session this upstream belongs to. */
  readonly owner?: string;
  readonly backoff?: BackoffOptions;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Progress notifications of this request; their arrival restarts its timeout. */
  readonly onprogress?: (progress: Record<string, unknown>) => void;
}

/** The SDK's own timeout is off (setTimeout's maximum): ours restarts on progress. */
const NO_SDK_TIMEOUT = 2 ** 31 - 1;

/** Total time a call may take, however often progress resets its timeout (SPEC section 5). */
const MAX_TOTAL_CALL_MS = 30 * 60_000;

/**
 * One live connection to one upstream MCP server: starts it, keeps its lists, reconnects with
 * backoff when it crashes or becomes unreachable, and relays requests. States follow SPEC
 * section 5: starting -> ready; crash -> restarting -> ready; unfixable -> error.
 */
export class Upstream {
  readonly name: string;
  readonly spec: ServerSpec;
  readonly owner?: string;
  state: UpstreamState = 'starting';
  tools: readonly Tool[] = [];
  prompts: readonly Prompt[] = [];
  resources: readonly Resource[] = [];
  resourceTemplates: readonly ResourceTemplate[] = [];
  capabilities?: ServerCapabilities;
  instructions?: string;
  restarts = 0;
  lastError: string | null = null;
  since = new Date();

  private client?: Client;
  private transport?: Transport;
  private attempt = 0;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly backoff: Backoff;
  private readonly listeners = new Set<(event: UpstreamEvent) => void>();
  private readonly progress = new Map<string, (params: Record<string, unknown>) => void>();
  private progressSeq = 0;
  private readonly log: Logger;
  private refreshing?: Promise<void>;
  private reinit?: Promise<void>;
  private refreshAgain = new Set<ListKind>();

  constructor(private readonly options: UpstreamOptions) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.owner = options.owner;
    this.log = options.log;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  /** Starts connecting in the background; progress is reported through events. */
  start(): void {
    void this.connect();
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: UpstreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): UpstreamStatus {
    const t = this.spec.transport;
    return {
      state: this.state,
      transport: t.kind === 'stdio' ? 'stdio' : t.transport,
      tools: this.tools.length,
      prompts: this.prompts.length,
      resources: this.resources.length,
      restarts: this.restarts,
      lastError: this.lastError,
      since: this.since.toISOString(),
      pid: (this.transport as { pid?: number } | undefined)?.pid,
    };
  }

  /**
   * Sends a request and resolves with the upstream's raw result, unchanged. Upstream JSON-RPC
   * errors reject as McpError with their code, message and data untouched.
   */
  async request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions = {}): Promise<Result> {
    try {
      return await this.requestOnce(method, params, options);
    } catch (err) {
      if (this.lostAuthorization(err)) throw this.unavailableError();
      if (!(err instanceof StreamableHTTPError && err.code === 404) || this.state !== 'ready') throw err;
      await this.reinitialize();
      return this.requestOnce(method, params, options);
    }
  }

  /**
   * An OAuth server refused us mid-session (token revoked, refresh refused, more scope
   * needed): the server goes to needs_auth so the caller gets the authorization link.
   */
  private lostAuthorization(err: unknown): boolean {
    if (this.spec.auth.type !== 'oauth') return false;
    const refused =
      (err instanceof StreamableHTTPError && (err.code === 401 || err.code === 403)) ||
      (err instanceof McpgwError && err.code === 'MCPGW_E_SERVER_NEEDS_AUTH');
    if (!refused) return false;
    this.log.warn('server needs authorization again', { server: this.name });
    this.setState(
      'needs_auth',
      err instanceof McpgwError ? err.message : `HTTP ${(err as StreamableHTTPError).code}: authorization required`,
    );
    return true;
  }

  /**
   * Connect now rather than at the next scheduled retry: after a login, or when the config
   * asks for it. A live connection is replaced (new tokens, new scopes).
   */
  retryNow(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const old = this.client;
    this.client = undefined;
    if (old) void old.close().catch(() => undefined);
    this.backoff.reset();
    void this.connect();
  }

  private async requestOnce(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<Result> {
    const client = this.client;
    if (!client || this.state !== 'ready') throw this.unavailableError();
    const started = Date.now();
    if (!options.onprogress) {
      // Most calls: the SDK's own timeout and the caller's signal, with no AbortController,
      // listener or timer of ours (in Node 20 an AbortSignal alone costs ~7 µs, and the
      // listener churn showed as ~10% of the gateway's CPU per call in the profile).
      try {
        return (await client.request({ method, params } as never, RAW_RESULT, {
          signal: options.signal,
          timeout: this.spec.callTimeoutMs,
        })) as Result;
      } catch (err) {
        // The SDK's timeout (an upstream's own -32001 comes sooner than the limit).
        if (err instanceof McpError && err.code === ErrorCode.RequestTimeout && Date.now() - started >= this.spec.callTimeoutMs)
          throw this.timedOut(method, started);
        throw err;
      }
    }
    // With progress, our own timeout and progress token rather than the SDK's: its progress
    // handler is dropped the moment the response arrives, losing a last progress notification
    // that came in the same chunk (typescript-sdk #2580); ours lives until the caller resumes.
    // The timeout restarts on each progress notification, up to MAX_TOTAL_CALL_MS.
    const controller = new AbortController();
    const forward = () => controller.abort(options.signal!.reason);
    if (options.signal?.aborted) forward();
    options.signal?.addEventListener('abort', forward, { once: true });
    const maxTotal = Math.max(MAX_TOTAL_CALL_MS, this.spec.callTimeoutMs);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      const left = Math.min(this.spec.callTimeoutMs, maxTotal - (Date.now() - started));
      timer = setTimeout(
        () => {
          timedOut = true;
          controller.abort(new McpError(ErrorCode.RequestTimeout, 'Request timed out'));
        },
        Math.max(0, left),
      );
    };
    arm();
    const token = `mcpgw-${++this.progressSeq}`;
    const onprogress = options.onprogress;
    this.progress.set(token, (p) => {
      arm();
      onprogress(p);
    });
    const sent = { ...params, _meta: { ...(params?._meta as Record<string, unknown> | undefined), progressToken: token } };
    try {
      return (await client.request({ method, params: sent } as never, RAW_RESULT, {
        signal: controller.signal,
        timeout: NO_SDK_TIMEOUT,
      })) as Result;
    } catch (err) {
      if (timedOut) throw this.timedOut(method, started);
      throw err;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', forward);
      this.progress.delete(token);
    }
  }

  private timedOut(method: string, started: number): McpError {
    return new McpError(
      ErrorCode.RequestTimeout,
      `server "${this.name}" did not answer ${method} within ${Math.round((Date.now() - started) / 1000)}s`,
      { timeout: this.spec.callTimeoutMs },
    );
  }

  /** Sends a notification (cancellation is handled by request's signal). */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (!this.client || this.state !== 'ready') return;
    await this.client.notification({ method, params } as never);
  }

  /** The error a call gets while this upstream is not ready. */
  unavailableError(): McpgwError {
    const reason = this.lastError ? `: ${this.lastError}` : '';
    const details = { server: this.name, state: this.state };
    switch (this.state) {
      case 'needs_auth': {
        const authorizationUrl = this.options.auth?.status?.().authorizationUrl;
        return new McpgwError('MCPGW_E_SERVER_NEEDS_AUTH', `server "${this.name}" needs authorization`, {
          hint: authorizationUrl ? `open ${authorizationUrl}, or run: mcpgw auth login ${this.name}` : `run: mcpgw auth login ${this.name}`,
          details: { ...details, ...(authorizationUrl ? { authorizationUrl } : {}) },
        });
      }
      case 'starting':
        return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${this.name}" is still starting`, {
          hint: 'retry in a moment',
          details,
        });
      case 'restarting':
        return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${this.name}" is restarting${reason}`, {
          hint: 'retry in a moment; see mcpgw doctor if it persists',
          details,
        });
      case 'disabled':
        return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${this.name}" is stopped`, {
          hint: 'check enabled: in the config',
          details,
        });
      default:
        return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${this.name}" is unavailable${reason}`, {
          hint: `run: mcpgw doctor ${this.name}`,
          details,
        });
    }
  }

  /** Stops the server (its whole process group) and any retry; idempotent. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.attempt++;
    clearTimeout(this.retryTimer);
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    try {
      if (client) await client.close();
      else if (transport) await transport.close();
    } catch (err) {
      this.log.debug('error while stopping', { server: this.name, error: err as Error });
    }
    if (client || transport) this.log.info('server stopped', { server: this.name });
    this.setState('disabled', null);
  }

  private emit(event: UpstreamEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private setState(state: UpstreamState, error: string | null): void {
    this.lastError = error === null ? null : redact(error);
    if (this.state === state) return;
    this.state = state;
    this.since = new Date();
    this.emit({ type: 'state', state });
  }

  /** A new client connected and initialized within the connect timeout; closed again on failure. */
  private async open(isCurrent: () => boolean): Promise<{ client: Client; transport: Transport }> {
    const client = this.createClient();
    const transport = createTransport(this.spec, {
      auth: this.options.auth,
      onStderr: (line) => this.log.info(line, { server: this.name, stream: 'stderr' }),
    });
    this.transport = transport;
    client.onclose = () => {
      if (isCurrent() && this.client === client) this.connectionLost(transport);
    };
    client.onerror = (err) => this.log.debug('transport error', { server: this.name, error: err.message });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new McpgwError('MCPGW_E_SERVER_TIMEOUT', `did not finish initializing within ${this.spec.connectTimeoutMs / 1000}s`, {
                hint: 'raise timeouts.connect, or check that the server speaks MCP on stdout',
              }),
            ),
          this.spec.connectTimeoutMs,
        );
      });
      await Promise.race([client.connect(transport), timeout]);
      await Promise.race([this.fetchLists(client, ['tools', 'prompts', 'resources']), timeout]);
      if (!isCurrent()) throw new Error('superseded');
      return { client, transport };
    } catch (err) {
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
      const { client } = await this.open(isCurrent);
      this.adopt(client);
      this.backoff.succeeded();
      this.log.info(this.restarts > 0 ? 'server restarted' : 'server ready', {
        server: this.name,
        tools: this.tools.length,
        prompts: this.prompts.length,
        resources: this.resources.length,
        ...(this.restarts > 0 ? { restarts: this.restarts } : {}),
      });
      this.setState('ready', null);
    } catch (err) {
      if (!isCurrent()) return;
      this.client = undefined;
      this.fail(err, attempt, (err as { transport?: Transport }).transport);
    }
  }

  private adopt(client: Client): void {
    this.client = client;
    this.capabilities = client.getServerCapabilities() ?? {};
    this.instructions = client.getInstructions();
  }

  /**
   * An HTTP server that restarted forgets our session (404): initialize a new one without
   * leaving `ready`, so the caller can retry once (SPEC section 5). Concurrent callers share it.
   */
  private reinitialize(): Promise<void> {
    this.reinit ??= (async () => {
      const attempt = this.attempt;
      const isCurrent = () => attempt === this.attempt && !this.closed;
      const old = this.client;
      this.log.info('the server lost our session; initializing a new one', { server: this.name });
      const { client } = await this.open(isCurrent);
      this.adopt(client);
      if (old) await old.close().catch(() => undefined);
      this.emit({ type: 'lists', kinds: ['tools', 'prompts', 'resources'] });
    })().finally(() => {
      this.reinit = undefined;
    });
    return this.reinit;
  }

  private fail(err: unknown, attempt: number, transport?: Transport): void {
    if (attempt !== this.attempt || this.closed) return;
    const { message, permanent, needsAuth } = describeConnectError(err, this.spec, transport);
    if (needsAuth) {
      this.log.warn('server needs authorization', { server: this.name });
      this.setState('needs_auth', message);
      return;
    }
    if (permanent) {
      this.log.error(`server failed: ${message}`, { server: this.name });
      this.setState('error', message);
      return;
    }
    this.scheduleRetry(message);
  }

  private connectionLost(transport: Transport): void {
    const { message } = describeConnectError(new Error('connection closed'), this.spec, transport);
    this.client = undefined;
    this.transport = undefined;
    this.log.warn(`server stopped unexpectedly: ${message}`, { server: this.name });
    this.scheduleRetry(message);
  }

  private scheduleRetry(message: string): void {
    const delay = this.backoff.nextDelay();
    this.log.warn(`retrying in ${(delay / 1000).toFixed(1)}s: ${message}`, { server: this.name });
    this.setState('restarting', message);
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.restarts++;
      void this.connect();
    }, delay);
    this.retryTimer.unref?.();
  }

  private createClient(): Client {
    const client = new Client(
      { name: 'mcpgw', version: this.options.version },
      { capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } } },
    );
    const relay = (method: string) => async (request: { params?: Record<string, unknown> }, extra: { signal: AbortSignal }) =>
      this.options.onServerRequest(this, { method, params: request.params }, extra.signal) as never;
    client.setRequestHandler(CreateMessageRequestSchema, relay('sampling/createMessage'));
    client.setRequestHandler(ElicitRequestSchema, relay('elicitation/create'));
    client.setRequestHandler(ListRootsRequestSchema, relay('roots/list'));
    const listChanged = (kind: ListKind) => () => {
      if (this.client === client) this.scheduleRefresh(kind);
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, listChanged('tools'));
    client.setNotificationHandler(PromptListChangedNotificationSchema, listChanged('prompts'));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, listChanged('resources'));
    const forward = (notification: { method: string; params?: Record<string, unknown> }) => {
      if (this.client === client) this.emit({ type: 'notification', method: notification.method, params: notification.params ?? {} });
    };
    client.setNotificationHandler(LoggingMessageNotificationSchema, forward);
    client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
      const { progressToken, ...rest } = notification.params;
      this.progress.get(String(progressToken))?.(rest);
    });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, forward);
    return client;
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
          await this.fetchLists(this.client, kinds);
          this.emit({ type: 'lists', kinds });
        } catch (err) {
          this.log.warn(`could not re-fetch ${kinds.join(', ')} after list_changed: ${(err as Error).message}`, { server: this.name });
        }
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
  }

  private async fetchLists(client: Client, kinds: readonly ListKind[]): Promise<void> {
    const caps = client.getServerCapabilities() ?? {};
    const jobs: Promise<void>[] = [];
    if (kinds.includes('tools') && caps.tools)
      jobs.push(this.listAll<Tool>(client, 'tools/list', 'tools').then((v) => void (this.tools = v)));
    if (kinds.includes('prompts') && caps.prompts)
      jobs.push(this.listAll<Prompt>(client, 'prompts/list', 'prompts').then((v) => void (this.prompts = v)));
    if (kinds.includes('resources') && caps.resources) {
      jobs.push(this.listAll<Resource>(client, 'resources/list', 'resources').then((v) => void (this.resources = v)));
      jobs.push(
        this.listAll<ResourceTemplate>(client, 'resources/templates/list', 'resourceTemplates').then(
          (v) => void (this.resourceTemplates = v),
        ),
      );
    }
    await Promise.all(jobs);
  }

  private async listAll<T>(client: Client, method: string, key: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      let result: Result;
      try {
        result = (await client.request({ method, params: cursor ? { cursor } : {} } as never, RAW_RESULT, {
          timeout: this.spec.callTimeoutMs,
        })) as Result;
      } catch (err) {
        // A server may announce a capability and still not implement every list.
        if (err instanceof McpError && err.code === ErrorCode.MethodNotFound) return items;
        throw err;
      }
      items.push(...((result[key] as T[] | undefined) ?? []));
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      if (!cursor) break;
    }
    return items;
  }
}
