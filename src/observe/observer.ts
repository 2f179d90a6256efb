import { McpgwError } from '../errors/error.js';

/**
 * The gateway's instrumentation points (SPEC section 12), as one small interface that the
 * core calls at a few places: a client request (2025 session or 2026-07-28 request), a call
 * to an upstream, a session's end, an OAuth refresh or refusal, a config reload. What is
 * behind it (prom-client, OpenTelemetry) is attached by the daemon once it is loaded; until
 * then, and for good when neither is wanted, every call is a pass-through that costs a few
 * property reads. The only context that crosses it is a W3C `traceparent` string, so no
 * OpenTelemetry type reaches the core.
 */

/** One request as its layer sees it when it starts. */
export interface OperationStart {
  readonly method: string;
  /** The client's profile (server side). */
  readonly profile?: string;
  /** The upstream server (client side). */
  readonly server?: string;
  readonly protocolVersion?: string;
  readonly sessionId?: string;
  readonly requestId?: string | number;
  /** The caller's W3C trace context, as received (header or `_meta`); checked here. */
  readonly traceparent?: string;
  readonly params?: Record<string, unknown>;
  /** Client side: how the upstream is reached. */
  readonly transport?: 'stdio' | 'http';
}

/** A request in flight. `end` is called once. */
export interface Operation {
  /** The trace context the next hop gets: this operation's span when tracing, else the caller's (if valid). */
  readonly traceparent: string | undefined;
  /** The upstream server a client request went to (the `server` label of the server metric). */
  readonly routed: (server: string) => void;
  end(error?: unknown, result?: { isError?: unknown }): void;
}

/** What metrics record (observe/metrics.ts); label values are bounded there. */
export interface MetricsSink {
  serverOperation(start: OperationStart, server: string, errorType: string, seconds: number): void;
  clientOperation(start: OperationStart, errorType: string, seconds: number): void;
  sessionClosed(profile: string, protocolVersion: string, seconds: number): void;
  oauthRefresh(server: string, outcome: OAuthRefreshOutcome): void;
  oauthFailure(server: string, outcome: OAuthFailureOutcome): void;
  configReload(outcome: ReloadOutcome): void;
}

export interface SpanHandle {
  readonly traceparent: string;
  routed(server: string): void;
  end(errorType: string): void;
}

/** What tracing records (observe/tracing.ts). */
export interface TraceSink {
  start(kind: 'server' | 'client', start: OperationStart): SpanHandle;
  shutdown(): Promise<void>;
}

/** What auth/ reports (the daemon's Observer). */
export type OAuthObserver = Pick<Observer, 'oauthRefresh' | 'oauthFailure'>;

/**
 * The outcomes of each counter, every one reported by the core (auth/refresh.ts,
 * auth/oauth-service.ts, daemon.ts) and exposed at 0 before its first event (observe/metrics.ts):
 * Prometheus' increase() and rate() never see the first event of a series that appears at 1.
 */
export const OAUTH_REFRESH_OUTCOMES = ['success', 'invalid_grant', 'error'] as const;
export const OAUTH_FAILURE_OUTCOMES = ['rejected', 'insufficient_scope', 'needs_authorization', 'login_failed'] as const;
export const RELOAD_OUTCOMES = ['applied', 'unchanged', 'rejected', 'failed'] as const;

export type OAuthRefreshOutcome = (typeof OAUTH_REFRESH_OUTCOMES)[number];
export type OAuthFailureOutcome = (typeof OAUTH_FAILURE_OUTCOMES)[number];
export type ReloadOutcome = (typeof RELOAD_OUTCOMES)[number];

const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A traceparent W3C Trace Context accepts (version 00 and later), else undefined: a malformed one is ignored. */
export function validTraceparent(value: unknown): string | undefined {
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}

const ERROR_TYPE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `error.type` (OTel MCP conventions): a registered mcpgw code, an upstream's JSON-RPC error
 * code, `tool_error` for a tool result with isError, `cancelled`, else `_OTHER`. Never a message.
 */
export function errorType(error: unknown, result?: { isError?: unknown }): string {
  if (error === undefined) return result?.isError === true ? 'tool_error' : '';
  if (error instanceof McpgwError) return error.code;
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return 'cancelled';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && Number.isInteger(code)) return String(code);
  if (typeof code === 'string' && ERROR_TYPE.test(code)) return code;
  return '_OTHER';
}

const IGNORE = () => undefined;

/** The daemon's observer: pass-through until a sink is attached. */
export class Observer {
  metrics?: MetricsSink;
  tracer?: TraceSink;

  /** A client request to the gateway. */
  serverOperation(start: OperationStart): Operation {
    if (!this.metrics && !this.tracer) return { traceparent: validTraceparent(start.traceparent), routed: IGNORE, end: IGNORE };
    return new Measured(this.metrics, this.tracer?.start('server', start), start, 'server');
  }

  /** A request from the gateway to an upstream server. */
  clientOperation(start: OperationStart): Operation {
    if (!this.metrics && !this.tracer) return { traceparent: validTraceparent(start.traceparent), routed: IGNORE, end: IGNORE };
    return new Measured(this.metrics, this.tracer?.start('client', start), start, 'client');
  }

  sessionClosed(profile: string, protocolVersion: string | undefined, openedAt: number): void {
    this.metrics?.sessionClosed(profile, protocolVersion ?? 'unknown', (Date.now() - openedAt) / 1000);
  }

  oauthRefresh(server: string, outcome: OAuthRefreshOutcome): void {
    this.metrics?.oauthRefresh(server, outcome);
  }

  oauthFailure(server: string, outcome: OAuthFailureOutcome): void {
    this.metrics?.oauthFailure(server, outcome);
  }

  configReload(outcome: ReloadOutcome): void {
    this.metrics?.configReload(outcome);
  }

  async close(): Promise<void> {
    await this.tracer?.shutdown();
  }
}

/** The default for code built without a daemon (doctor's probes, unit tests). */
export const NO_OBSERVER = new Observer();

class Measured implements Operation {
  private readonly started = performance.now();
  private server = '';
  readonly traceparent: string | undefined;
  /**
   * A closure, as the gateway hands it on detached (session.ts, modern.ts); made only for
   * SERVER operations, the ones routed, since it is an allocation per call.
   */
  readonly routed: (server: string) => void;

  constructor(
    private readonly metrics: MetricsSink | undefined,
    private readonly span: SpanHandle | undefined,
    private readonly start: OperationStart,
    private readonly kind: 'server' | 'client',
  ) {
    this.traceparent = span ? span.traceparent : validTraceparent(start.traceparent);
    this.routed = kind === 'server' ? (server) => this.route(server) : IGNORE;
  }

  private route(server: string): void {
    this.server = server;
    this.span?.routed(server);
  }

  end(error?: unknown, result?: { isError?: unknown }): void {
    const type = errorType(error, result);
    const seconds = (performance.now() - this.started) / 1000;
    if (this.kind === 'server') this.metrics?.serverOperation(this.start, this.server, type, seconds);
    else this.metrics?.clientOperation(this.start, type, seconds);
    this.span?.end(type);
  }
}

/** Runs `call` as `op`, with the trace context the next hop gets; ends `op` with its result or error. */
export async function measured<T extends { isError?: unknown }>(
  op: Operation,
  call: (traceparent: string | undefined) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await call(op.traceparent);
  } catch (err) {
    op.end(err);
    throw err;
  }
  op.end(undefined, result);
  return result;
}

/**
 * A request to an upstream as a CLIENT operation; `send` gets `options` with the trace context
 * the upstream is to see (the client span's, or the caller's when not tracing).
 */
export function clientCall<O extends { readonly traceparent?: string }, T extends { isError?: unknown }>(
  observer: Observer | undefined,
  start: OperationStart,
  options: O,
  send: (sent: O) => Promise<T>,
): Promise<T> {
  const op = (observer ?? NO_OBSERVER).clientOperation(start);
  return measured(op, (next) => send(next === options.traceparent ? options : { ...options, traceparent: next }));
}

/**
 * The `traceparent` HTTP header of a 2025-era POST, for the session that handles its
 * messages (the transport hands the session messages, not HTTP requests): keyed by each
 * request's params object, so it lives as long as the request.
 */
const headerTraces = new WeakMap<object, string>();

export function noteHeaderTraceparent(messages: readonly unknown[], header: string | string[] | undefined): void {
  if (typeof header !== 'string') return;
  for (const m of messages) {
    const params = (m as { method?: unknown; params?: unknown }).params;
    if (params && typeof params === 'object') headerTraces.set(params, header);
  }
}

export function headerTraceparent(params: object): string | undefined {
  return headerTraces.get(params);
}
