import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  LoggingLevelSchema,
  McpError,
  SetLevelRequestSchema,
  type JSONRPCRequest,
  type LoggingLevel,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { McpgwError } from '../errors/error.js';
import { toJsonRpcError } from '../errors/render.js';
import { RAW_RESULT } from '../upstream/raw.js';
import type { Result, Upstream } from '../upstream/upstream.js';
import { memberToBlame, type Catalog, type MemberView } from './catalog.js';

/**
 * One MCP client session on a profile: an SDK Server whose requests are answered from the
 * profile's catalog and relayed to upstreams. Proxied methods go through the fallback
 * handler, so results pass through raw (the SDK's typed handlers would re-validate and strip
 * fields we must keep unchanged).
 */

/** What a session needs from the runtime; implemented by gateway/runtime.ts. */
export interface SessionHost {
  readonly version: string;
  catalogFor(session: ClientSession): Catalog;
  membersFor(session: ClientSession): readonly MemberView[];
  /** The upstream serving `server` for this session (its own one with isolation: session). */
  upstreamFor(session: ClientSession, server: string): Upstream | undefined;
  /** Every upstream of the session's profile, ready or not. */
  upstreamsFor(session: ClientSession): readonly Upstream[];
  instructionsFor(profile: string): string | undefined;
  subscribe(session: ClientSession, uri: string, upstream: Upstream): Promise<void>;
  unsubscribe(session: ClientSession, uri: string): Promise<void>;
  levelChanged(session: ClientSession): void;
  sessionClosed(session: ClientSession): void;
}

export const GATEWAY_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
  logging: {},
};

const LEVELS = LoggingLevelSchema.options;

/** One validator for every session: the SDK would build an Ajv instance per Server. */
let sharedValidator: AjvJsonSchemaValidator | undefined;

export class ClientSession {
  readonly server: Server;
  /** Set by the transport once initialize has been answered. */
  id?: string;
  profile: string;
  logLevel?: LoggingLevel;
  readonly subscriptions = new Set<string>();
  /** Requests in flight to each upstream: which session a server-to-client request belongs to. */
  readonly inflight = new Map<Upstream, Set<RequestId>>();
  /** Upstreams of servers with isolation: session, owned by this session. */
  readonly own = new Map<string, Upstream>();
  lastActivity = Date.now();
  closed = false;
  /** Per-session catalog cache, for profiles with session-isolated members. */
  catalogCache?: Catalog;

  constructor(
    private readonly host: SessionHost,
    profile: string,
  ) {
    this.profile = profile;
    sharedValidator ??= new AjvJsonSchemaValidator();
    this.server = new Server(
      { name: 'mcpgw', version: host.version },
      { capabilities: GATEWAY_CAPABILITIES, instructions: host.instructionsFor(profile), jsonSchemaValidator: sharedValidator },
    );
    this.server.fallbackRequestHandler = (request, extra) => this.handle(request, extra) as never;
    this.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      this.logLevel = request.params.level;
      this.host.levelChanged(this);
      return {};
    });
    this.server.fallbackNotificationHandler = async (notification) => {
      if (notification.method === 'notifications/roots/list_changed') {
        for (const upstream of this.host.upstreamsFor(this)) void upstream.notify(notification.method).catch(() => undefined);
      }
    };
    this.server.onclose = () => void this.close();
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Whether a log message of `level` passes this session's logging/setLevel. */
  wantsLevel(level: string): boolean {
    if (!this.logLevel) return true;
    return LEVELS.indexOf(level as LoggingLevel) >= LEVELS.indexOf(this.logLevel);
  }

  /** The latest request of this session in flight to `upstream`, to relate messages to its stream. */
  requestTo(upstream: Upstream): RequestId | undefined {
    const ids = this.inflight.get(upstream);
    if (!ids || ids.size === 0) return undefined;
    let last: RequestId | undefined;
    for (const id of ids) last = id;
    return last;
  }

  /** Sends a notification; a closed or broken session is just skipped. */
  notify(method: string, params?: Record<string, unknown>, relatedRequestId?: RequestId): void {
    if (this.closed || this.id === undefined) return;
    this.server
      .notification({ method, params } as never, relatedRequestId === undefined ? undefined : { relatedRequestId })
      .catch(() => undefined);
  }

  /** Relays a server-to-client request (sampling, elicitation, roots) to this client. */
  async forwardRequest(
    method: string,
    params: Record<string, unknown> | undefined,
    signal: AbortSignal,
    relatedRequestId?: RequestId,
  ): Promise<Result> {
    const caps = this.server.getClientCapabilities() ?? {};
    const mode = (params?.mode as string | undefined) ?? 'form';
    const supported =
      method === 'sampling/createMessage'
        ? Boolean(caps.sampling)
        : method === 'elicitation/create'
          ? Boolean(caps.elicitation) && (mode !== 'url' || Boolean((caps.elicitation as { url?: unknown }).url))
          : method === 'roots/list'
            ? Boolean(caps.roots)
            : false;
    if (!supported)
      throw jsonRpcError(
        ErrorCode.MethodNotFound,
        `the client does not support ${method}${method === 'elicitation/create' ? ` (${mode} mode)` : ''}`,
      );
    try {
      return (await this.server.request({ method, params } as never, RAW_RESULT, {
        signal,
        relatedRequestId,
        timeout: 30 * 60_000,
      })) as Result;
    } catch (err) {
      throw passThrough(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.server.close();
    } catch {
      // the transport may already be gone
    }
    this.host.sessionClosed(this);
  }

  private async handle(
    request: JSONRPCRequest,
    extra: { signal: AbortSignal; requestId: RequestId; sendNotification: (n: never) => Promise<void> },
  ): Promise<Result> {
    this.touch();
    const params = (request.params ?? {}) as Record<string, unknown>;
    try {
      switch (request.method) {
        case 'tools/list':
          return { tools: this.host.catalogFor(this).tools };
        case 'prompts/list':
          return { prompts: this.host.catalogFor(this).prompts };
        case 'resources/list':
          return { resources: this.host.catalogFor(this).resources };
        case 'resources/templates/list':
          return { resourceTemplates: this.host.catalogFor(this).resourceTemplates };
        case 'tools/call':
          return await this.byName('tools/call', 'tool', params, extra);
        case 'prompts/get':
          return await this.byName('prompts/get', 'prompt', params, extra);
        case 'resources/read':
          return await this.byUri('resources/read', params, extra);
        case 'resources/subscribe': {
          const uri = String(params.uri ?? '');
          const upstream = this.upstreamForUri(uri);
          await this.host.subscribe(this, uri, upstream);
          this.subscriptions.add(uri);
          return {};
        }
        case 'resources/unsubscribe': {
          const uri = String(params.uri ?? '');
          this.subscriptions.delete(uri);
          await this.host.unsubscribe(this, uri);
          return {};
        }
        case 'completion/complete':
          return await this.complete(params, extra);
        default:
          throw jsonRpcError(ErrorCode.MethodNotFound, 'Method not found');
      }
    } catch (err) {
      throw passThrough(err);
    }
  }

  private async byName(method: string, kind: 'tool' | 'prompt', params: Record<string, unknown>, extra: RelayExtra): Promise<Result> {
    const name = String(params.name ?? '');
    const catalog = this.host.catalogFor(this);
    const route = (kind === 'tool' ? catalog.toolRoutes : catalog.promptRoutes).get(name);
    if (!route) throw this.notFound(kind, name);
    return this.relay(this.readyUpstream(route.server), method, { ...params, name: route.name }, extra);
  }

  private async byUri(method: string, params: Record<string, unknown>, extra: RelayExtra): Promise<Result> {
    return this.relay(this.upstreamForUri(String(params.uri ?? '')), method, params, extra);
  }

  private async complete(params: Record<string, unknown>, extra: RelayExtra): Promise<Result> {
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    if (ref.type === 'ref/prompt') {
      const name = String(ref.name ?? '');
      const route = this.host.catalogFor(this).promptRoutes.get(name);
      if (!route) throw this.notFound('prompt', name);
      return this.relay(this.readyUpstream(route.server), 'completion/complete', { ...params, ref: { ...ref, name: route.name } }, extra);
    }
    if (ref.type === 'ref/resource') {
      const uri = String(ref.uri ?? '');
      const server = this.host.catalogFor(this).templateRoutes.get(uri) ?? this.host.catalogFor(this).resourceRoutes.get(uri);
      if (!server) throw jsonRpcError(ErrorCode.InvalidParams, `Resource template ${uri} not found`);
      return this.relay(this.readyUpstream(server), 'completion/complete', params, extra);
    }
    throw jsonRpcError(ErrorCode.InvalidParams, 'completion/complete needs ref of type ref/prompt or ref/resource');
  }

  /** The member serving a URI: exact resource, then a matching template, then the only member with resources. */
  private upstreamForUri(uri: string): Upstream {
    const catalog = this.host.catalogFor(this);
    const exact = catalog.resourceRoutes.get(uri);
    if (exact) return this.readyUpstream(exact);
    for (const [template, server] of catalog.templateRoutes) {
      if (matchesTemplate(template, uri)) return this.readyUpstream(server);
    }
    const withResources = this.host.upstreamsFor(this).filter((u) => u.state === 'ready' && u.capabilities?.resources);
    if (withResources.length === 1) return withResources[0]!;
    throw jsonRpcError(-32002, `Resource not found: ${uri}`);
  }

  private readyUpstream(server: string): Upstream {
    const upstream = this.host.upstreamFor(this, server);
    if (!upstream) throw new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${server}" is not running`);
    if (upstream.state !== 'ready') throw upstream.unavailableError();
    return upstream;
  }

  private notFound(kind: 'tool' | 'prompt', name: string): unknown {
    const blame = memberToBlame(name, this.host.membersFor(this));
    if (blame) {
      const upstream = this.host.upstreamFor(this, blame);
      if (upstream) return upstream.unavailableError();
      return new McpgwError('MCPGW_E_SERVER_UNAVAILABLE', `server "${blame}" is not running`);
    }
    return jsonRpcError(ErrorCode.InvalidParams, `Unknown ${kind}: ${name}`);
  }

  private async relay(upstream: Upstream, method: string, params: Record<string, unknown>, extra: RelayExtra): Promise<Result> {
    const meta = params._meta as { progressToken?: string | number } | undefined;
    const token = meta?.progressToken;
    let ids = this.inflight.get(upstream);
    if (!ids) this.inflight.set(upstream, (ids = new Set()));
    ids.add(extra.requestId);
    try {
      if (token === undefined) return await upstream.request(method, params, { signal: extra.signal });
      // Progress notifications are sent in order, and all before the result: a result that
      // overtook them would close the client's stream and lose them.
      let sent: Promise<void> = Promise.resolve();
      const result = await upstream.request(method, params, {
        signal: extra.signal,
        onprogress: (progress) => {
          sent = sent
            .then(() =>
              extra.sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken: token } } as never),
            )
            .catch(() => undefined);
        },
      });
      await sent;
      return result;
    } finally {
      ids.delete(extra.requestId);
      if (ids.size === 0) this.inflight.delete(upstream);
    }
  }
}

type RelayExtra = { signal: AbortSignal; requestId: RequestId; sendNotification: (n: never) => Promise<void> };

/** An error the SDK's Protocol will send as is: {code, message, data}. */
export function jsonRpcError(code: number, message: string, data?: unknown): Error {
  return Object.assign(new Error(message), { code, data });
}

/**
 * Errors leave unchanged: an upstream's JSON-RPC error keeps its code, message and data (the
 * SDK's McpError prefixes the message, which we undo); our own errors use the registry.
 */
export function passThrough(err: unknown): Error {
  if (err instanceof McpError) {
    const prefix = `MCP error ${err.code}: `;
    return jsonRpcError(err.code, err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message, err.data);
  }
  if (err instanceof McpgwError) {
    const { code, message, data } = toJsonRpcError(err);
    return jsonRpcError(code, message, data);
  }
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'number') return err;
  if (err instanceof Error && err.name === 'AbortError') return jsonRpcError(ErrorCode.ConnectionClosed, 'Request was cancelled');
  return jsonRpcError(ErrorCode.InternalError, 'internal error');
}

/** RFC 6570 level-1 matching, enough to route a URI to the member whose template made it. */
export function matchesTemplate(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) =>
      part.startsWith('{')
        ? part.startsWith('{+') || part.startsWith('{#')
          ? '.*'
          : '[^/]*'
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(uri);
}
