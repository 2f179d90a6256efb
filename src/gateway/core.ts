import type { ClientCapabilities, LoggingLevel } from '@modelcontextprotocol/client';
import type { AuditSink } from '../audit/types.js';
import { McpgwError } from '../errors/error.js';
import type { Identity } from '../identity/types.js';
import type { Caller, Result, Upstream } from '../upstream/types.js';
import { notRunning, routeCompletion, routeName, routeUri, type RouteResult } from './router.js';
import type { Scope } from './scope.js';

/**
 * The request-scoped core (STYLE "two protocol eras, one core"): one client request in,
 * its result out, knowing nothing of sessions or HTTP. The 2025-era session (session.ts)
 * and the stateless 2026-07-28 path (modern.ts) both call `handle` with what their client
 * said, once at initialize or in every request's `_meta`.
 */

export interface RequestContext {
  readonly scope: Scope;
  readonly profile: string;
  /** Who is calling (SPEC section 10): both eras carry it. */
  readonly identity: Identity;
  /** The audit log: tool calls, prompt gets and resource reads are recorded, refused ones too. */
  readonly audit?: AuditSink;
  /** Answers what a server asks during a call (sampling, elicitation, roots). */
  readonly caller: Caller;
  readonly clientCapabilities: ClientCapabilities;
  readonly signal: AbortSignal;
  /** A modern server sends log messages for the call at or above this level. */
  readonly logLevel?: LoggingLevel;
  readonly traceparent?: string;
  /** Told which upstream server the request goes to (the `server` of its metrics, observe/). */
  readonly routed?: (server: string) => void;
  /** A notification related to this request (progress, log messages): it travels on the request's stream. */
  notify(method: string, params: Record<string, unknown>): void;
  /**
   * A modern server answered with an InputRequiredResult. A 2026-07-28 client takes it (its
   * layer seals the server's requestState); without this hook (a 2025-era client) the gateway
   * asks the client itself, through `caller`, and retries the call with the answers.
   */
  readonly passInputRequired?: (server: string, result: Result) => Result;
  /** A retry of an InputRequiredResult: the call must reach the server that asked. */
  readonly expectServer?: string;
}

/** Rounds of a 2025-era client answering a modern server's InputRequiredResults for one call. */
const MAX_INPUT_ROUNDS = 10;
/** Reserved `_meta` keys of the 2026-07-28 envelope: they describe one hop, so each hop sets its own. */
const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';

export async function handle(method: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Result> {
  await ctx.scope.settle();
  const catalog = ctx.scope.catalog();
  switch (method) {
    case 'tools/list':
      return { tools: catalog.tools };
    case 'prompts/list':
      return { prompts: catalog.prompts };
    case 'resources/list':
      return { resources: catalog.resources };
    case 'resources/templates/list':
      return { resourceTemplates: catalog.resourceTemplates };
    case 'tools/call':
      return audited(routeName('tool', params, catalog, ctx.scope.memberViews()), method, params, ctx);
    case 'prompts/get':
      return audited(routeName('prompt', params, catalog, ctx.scope.memberViews()), method, params, ctx);
    case 'resources/read':
      return audited(routeUri(params, catalog, readyWithResources(ctx.scope)), method, params, ctx);
    case 'completion/complete':
      return relayRoute(routeCompletion(params, catalog, ctx.scope.memberViews()), method, ctx);
    default:
      throw new McpgwError('MCPGW_E_MCP_METHOD_NOT_FOUND', 'Method not found', { details: { method } });
  }
}

function readyWithResources(scope: Scope): string[] {
  return scope
    .upstreams()
    .filter((u) => u.state === 'ready' && u.capabilities?.resources)
    .map((u) => u.name);
}

/** The upstream of a routed request, ready, or the error that explains why not. */
function readyUpstream(scope: Scope, server: string, identity: string): Upstream {
  const upstream = scope.upstream(server);
  if (!upstream) throw notRunning(server);
  if (upstream.state !== 'ready') throw upstream.unavailableError(identity);
  return upstream;
}

/** relayRoute, with one audit line for the call however it ends (never its arguments or result). */
async function audited(route: RouteResult, method: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Result> {
  const audit = ctx.audit;
  if (!audit) return relayRoute(route, method, ctx);
  const started = performance.now();
  const line = {
    identity: ctx.identity.name,
    profile: ctx.profile,
    server: route.kind === 'error' ? null : route.server,
    method,
    name: String((method === 'resources/read' ? params.uri : params.name) ?? ''),
  };
  try {
    const result = await relayRoute(route, method, ctx);
    audit({ ...line, durationMs: Math.round(performance.now() - started), outcome: result.isError === true ? 'error' : 'ok' });
    return result;
  } catch (err) {
    const code = err instanceof McpgwError ? err.code : null;
    const outcome = code === 'MCPGW_E_SERVER_NEEDS_AUTH' ? 'needs_auth' : 'error';
    audit({ ...line, durationMs: Math.round(performance.now() - started), outcome, errorCode: code ?? errorCodeOf(err) });
    throw err;
  }
}

/** An upstream's own JSON-RPC error keeps its numeric code, as text. */
function errorCodeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' || typeof code === 'string' ? String(code) : null;
}

async function relayRoute(route: RouteResult, method: string, ctx: RequestContext): Promise<Result> {
  if (route.kind === 'error') throw route.error;
  if (route.kind === 'blame') {
    const blamed = ctx.scope.upstream(route.server);
    throw blamed ? blamed.unavailableError(ctx.identity.name) : notRunning(route.server);
  }
  if (ctx.expectServer !== undefined && ctx.expectServer !== route.server) {
    throw new McpgwError('MCPGW_E_MCP_INVALID_PARAMS', 'requestState was issued for another request');
  }
  return relay(readyUpstream(ctx.scope, route.server, ctx.identity.name), method, route.params, ctx);
}

/** params without the envelope keys of the previous hop. */
function forwardable(params: Record<string, unknown>): Record<string, unknown> {
  const meta = params._meta as Record<string, unknown> | undefined;
  if (!meta) return params;
  const kept: Record<string, unknown> = {};
  let dropped = false;
  for (const key in meta) {
    if (key.startsWith(ENVELOPE_PREFIX) || key === 'progressToken') dropped = true;
    else kept[key] = meta[key];
  }
  if (!dropped) return params;
  const { _meta, ...rest } = params;
  return Object.keys(kept).length > 0 ? { ...rest, _meta: kept } : rest;
}

async function relay(upstream: Upstream, method: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Result> {
  ctx.routed?.(upstream.name);
  const token = (params._meta as { progressToken?: string | number } | undefined)?.progressToken;
  const options = {
    signal: ctx.signal,
    identity: ctx.identity.name,
    caller: ctx.caller,
    clientCapabilities: ctx.clientCapabilities,
    logLevel: ctx.logLevel,
    traceparent: ctx.traceparent,
    onlog: (log: Record<string, unknown>) => ctx.notify('notifications/message', log),
    ...(token !== undefined
      ? { onprogress: (p: Record<string, unknown>) => ctx.notify('notifications/progress', { ...p, progressToken: token }) }
      : {}),
  };
  let sent = forwardable(params);
  for (let round = 0; ; round++) {
    const result = await upstream.request(method, sent, options);
    if (result.resultType !== 'input_required') return result;
    if (ctx.passInputRequired) return ctx.passInputRequired(upstream.name, result);
    if (round >= MAX_INPUT_ROUNDS) {
      throw new McpgwError('MCPGW_E_MCP_INVALID_PARAMS', `server "${upstream.name}" asked for input ${MAX_INPUT_ROUNDS} times in one call`);
    }
    sent = { ...withoutRetryFields(sent), inputResponses: await fulfil(result, ctx), ...stateOf(result) };
  }
}

function withoutRetryFields(params: Record<string, unknown>): Record<string, unknown> {
  const { inputResponses: _r, requestState: _s, ...rest } = params;
  return rest;
}

function stateOf(result: Result): { requestState?: string } {
  return typeof result.requestState === 'string' ? { requestState: result.requestState } : {};
}

/** A 2025-era client answers a modern server's input requests as requests on its session. */
async function fulfil(result: Result, ctx: RequestContext): Promise<Record<string, unknown>> {
  const requests = (result.inputRequests ?? {}) as Record<string, { method: string; params?: Record<string, unknown> }>;
  const answers: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(requests)) {
    answers[key] = await ctx.caller.ask({ method: request.method, params: request.params }, ctx.signal);
  }
  return answers;
}
