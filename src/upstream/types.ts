import type {
  ClientCapabilities,
  LoggingLevel,
  Prompt,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import type { Code } from '../errors/codes.js';
import type { McpgwError } from '../errors/error.js';
import type { Observer } from '../observe/observer.js';
import type { ServerProcess } from './spawn.js';

/**
 * What the rest of the gateway sees of an upstream server (gateway/ and doctor/ depend on
 * this interface, never on the class behind it). The gateway never touches SDK clients or
 * transports: it reads an Upstream's lists and sends requests through it, in either protocol
 * era; which era a server speaks is the Upstream's business (SPEC section 9).
 */

export type UpstreamState = 'starting' | 'ready' | 'needs_auth' | 'error' | 'restarting' | 'disabled';

/** The kinds of lists an upstream can announce changes of. */
export type ListKind = 'tools' | 'prompts' | 'resources';

/** `legacy`: an initialize handshake (2025-11-25 and earlier); `modern`: stateless 2026-07-28. */
export type Era = 'legacy' | 'modern';

/** SEP-2549 caching hints of a list, as the server gave them (legacy servers give none). */
export interface CacheHint {
  readonly ttlMs?: number;
  readonly cacheScope?: 'public' | 'private';
}

/** The server's lists, complete (every page), and the caching hint of each. */
export interface UpstreamLists {
  readonly tools: readonly Tool[];
  readonly prompts: readonly Prompt[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  readonly hints: Readonly<Record<ListKind, CacheHint>>;
}

/** Why an upstream is not ready, as a registered code (`/status` shows both). */
export interface UpstreamFailure {
  readonly code: Code;
  readonly message: string;
}

/** What an upstream tells its owner. Listeners run synchronously; they must not throw. */
export type UpstreamEvent =
  | { readonly type: 'state'; readonly state: UpstreamState }
  /**
   * A list changed (after list_changed, a reconnect or a re-initialize); `lists` is already
   * updated. `announced`: the server said so (list_changed), so clients hear of it even when
   * the items read back the same.
   */
  | { readonly type: 'lists'; readonly kinds: readonly ListKind[]; readonly announced?: boolean }
  /** `notifications/resources/updated`, or a log message no call in flight can be blamed for. */
  | { readonly type: 'notification'; readonly method: string; readonly params: Record<string, unknown> };

/** A request the upstream server sends to the client side (sampling, elicitation, roots). */
export interface ServerRequest {
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export type Result = Record<string, unknown>;

/**
 * Who a call is made for: the downstream party that answers what the server asks during it.
 * A legacy server asks with server-to-client requests, which go to the caller of the only
 * call in flight (SPEC section 5); a modern server answers with an InputRequiredResult
 * instead, which the Upstream hands back as the call's result.
 */
export interface Caller {
  /** For log lines: a session id, or the request's. */
  readonly label: string;
  /**
   * Who the caller is for attribution: calls of one party (a 2025-era session) count as one,
   * and what the server asks goes to the party's latest call. Absent: the caller itself.
   */
  readonly party?: object;
  /**
   * True while the caller's call is parked, waiting for its client to come back with answers
   * (a 2026-07-28 client retrying after an InputRequiredResult): the server has asked and
   * waits too, so what it asks now belongs to another call.
   */
  readonly parked?: boolean;
  /** A sampling, elicitation or roots request made while this caller's call is in flight. */
  ask(request: ServerRequest, signal: AbortSignal): Promise<Result>;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** The caller's identity name: a needs-authorization error carries a link bound to it. */
  readonly identity?: string;
  /** Progress notifications of this call; their arrival restarts its timeout. */
  readonly onprogress?: (progress: Record<string, unknown>) => void;
  /** Log messages a modern server sends for this call (only when `logLevel` is set). */
  readonly onlog?: (params: Record<string, unknown>) => void;
  readonly caller?: Caller;
  /** The downstream client's capabilities: a modern server gets them in the request's `_meta`. */
  readonly clientCapabilities?: ClientCapabilities;
  /** A modern server sends log messages for this call at or above this level. */
  readonly logLevel?: LoggingLevel;
  /** W3C trace context passed on in `_meta` (SEP-414). */
  readonly traceparent?: string;
}

/**
 * One upstream server. Lifecycle: `start()` once, then the state moves on its own
 * (starting -> ready; crash -> restarting -> ready; unfixable -> error; OAuth refused ->
 * needs_auth) and is reported through `on` events; `stop()` ends it for good (idempotent).
 * Lists, capabilities and `era` are those of the current connection; they change only
 * together with a `lists` or `state` event.
 */
export interface Upstream {
  readonly name: string;
  readonly spec: ServerSpec;
  readonly state: UpstreamState;
  readonly era?: Era;
  /** The negotiated protocol version of the current connection. */
  readonly protocolVersion?: string;
  readonly capabilities?: ServerCapabilities;
  readonly instructions?: string;
  readonly lists: UpstreamLists;
  readonly lastError: UpstreamFailure | null;
  readonly restarts: number;

  /** Starts connecting in the background; progress is reported through events. */
  start(): void;
  /** Stops the server (its whole process group) and any retry; idempotent. */
  stop(): Promise<void>;
  /** Connect now rather than at the next scheduled retry (after a login); replaces a live connection. */
  retryNow(): void;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: UpstreamEvent) => void): () => void;

  /**
   * Sends a request; resolves with the server's raw result (a modern server's
   * InputRequiredResult included, with its `resultType`). Upstream JSON-RPC errors reject as
   * the SDK's ProtocolError with their code, message and data; gateway faults as McpgwError.
   */
  request(method: string, params: Record<string, unknown> | undefined, options?: CallOptions): Promise<Result>;
  /** Sends a notification (cancellation is a request's signal); dropped while not ready. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Resource update subscriptions (legacy: resources/subscribe; modern: its subscriptions/listen filter). */
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
  /** A legacy server's logging/setLevel; modern servers take a level per request instead. */
  setLogLevel(level: LoggingLevel): Promise<void>;
  /** The options of the calls in flight, oldest first (who hears a legacy server's log messages). */
  callsInFlight(): readonly CallOptions[];

  /** The error a call gets while this upstream is not ready. */
  /** Why it cannot take a call; a needs-auth link is bound to `identity` (the caller's name). */
  unavailableError(identity?: string): McpgwError;
  status(): UpstreamStatus;
}

/**
 * How an HTTP upstream authenticates, handed in by daemon.ts (upstream/ knows auth only
 * through this interface). apiKey is a constant header; OAuth (auth/) refreshes tokens.
 */
export interface AuthProvider {
  /** Headers for the next request. Throws a NeedsAuthorization McpgwError when no usable token exists. */
  headers(): Promise<Record<string, string>>;
  /**
   * Called with a 401 or 403 response; resolves true when a retry may succeed (a token was
   * refreshed or a scope stepped up), false to give up and surface the error. Rejects when it
   * could not tell (the authorization server is down): the request then fails with that error.
   */
  onRejected?(response: Response): Promise<boolean>;
  /** Auth state for /status; absent for auth none. */
  status?(identity?: string): AuthStatus;
}

export interface AuthStatus {
  readonly type: 'none' | 'apiKey' | 'oauth';
  readonly status: 'none' | 'authorized' | 'needs_authorization' | 'expired' | 'error';
  readonly expiresAt?: string;
  readonly authorizationUrl?: string;
  /** When the last login finished, and why the last one failed (for `mcpgw auth login`). */
  readonly authorizedAt?: string;
  readonly lastFailure?: { readonly message: string; readonly at: string };
  /** Present while the newest tokens are not on disk yet (the token store cannot be written). */
  readonly store?: AuthStoreState;
  /** OAuth: whose authorization calls use (SPEC section 10). */
  readonly tokens?: 'perUser' | 'shared';
  /** perUser, for an admin: every identity's authorization (status and expiry only). */
  readonly identities?: Readonly<Record<string, IdentityAuth>>;
}

/** One identity's authorization of a perUser server, as an admin sees it (never a token). */
export interface IdentityAuth {
  readonly status: AuthStatus['status'];
  readonly expiresAt: string | null;
  readonly authorizedAt?: string;
}

/** The newest tokens of a server are in memory only: the write failed and is retried. */
export interface AuthStoreState {
  readonly state: 'unsaved';
  /** When the first write of this streak failed. */
  readonly since: string;
  readonly attempts: number;
  /** MCPGW_E_STORE_UNSAVED, with the cause in the message. */
  readonly code: string;
  readonly message: string;
}

/** A snapshot for /status and doctor. */
export interface UpstreamStatus {
  readonly state: UpstreamState;
  readonly transport: 'stdio' | 'streamable-http' | 'sse';
  readonly protocol: string | null;
  readonly tools: number;
  readonly prompts: number;
  readonly resources: number;
  readonly restarts: number;
  readonly lastError: UpstreamFailure | null;
  readonly since: string;
  readonly pid?: number;
}

/** What a new Upstream needs (daemon.ts and doctor build one through `createUpstream`). */
export interface UpstreamOptions {
  readonly spec: ServerSpec;
  readonly version: string;
  readonly auth?: AuthProvider;
  /** With isolation: session, the client session that owns it: it answers requests no call explains. */
  readonly owner?: Caller;
  /** Measures and traces each request (observe/); none by default. */
  readonly observer?: Observer;
  /** A stdio server's process the early start spawned (upstream/early.ts): the first connect uses it. */
  readonly prestarted?: ServerProcess;
}
