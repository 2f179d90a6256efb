import { randomUUID } from 'node:crypto';
import {
  SERVER_INFO_META_KEY,
  SUBSCRIPTION_ID_META_KEY,
  type ClientCapabilities,
  type LoggingLevel,
  type RequestId,
} from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import { identityKey, type Identity } from '../identity/types.js';
import { asUrlElicitation, takesUrlElicitation } from './url-elicitations.js';
import { measured, type Operation } from '../observe/observer.js';
import type { ListKind, Result } from '../upstream/types.js';
import { handle, type RequestContext } from './core.js';
import { SERVER_CAPABILITIES, SUPPORTED_VERSIONS } from './protocol.js';
import type { Gateway } from './runtime.js';
import type { Scope } from './scope.js';
import { StateSealer, type SealedState } from './seal.js';
import { WaitingCall, WaitingCalls, type Cancellation } from './waiting.js';
import type { Watcher } from './watchers.js';

/**
 * The stateless 2026-07-28 side of every profile (SPEC section 9): one request in, its
 * result out, with everything the revision adds around the core: server/discover,
 * `resultType` and the caching hints on results, the server's identity in `_meta`, sealed
 * `requestState` for InputRequiredResults (a modern server's, passed on; or a 2025-era
 * server's requests, turned into one), and subscriptions/listen. http/modern.ts has done
 * the transport checks (headers, envelope, version) before it calls in.
 */

/** A validated 2026-07-28 request, as http/ hands it over. */
export interface ModernRequest {
  readonly profile: string;
  /** Who is calling (the guard's identity, SPEC section 10). */
  readonly identity: Identity;
  readonly id: RequestId;
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly clientCapabilities: ClientCapabilities;
  readonly logLevel?: LoggingLevel;
  readonly traceparent?: string;
  readonly exchange: Exchange;
}

/** The HTTP exchange a request came in on (http/modern-answer.ts). */
export interface Exchange extends Cancellation {
  /** Aborted when the client goes away before the answer (2026-07-28: that is cancellation). */
  readonly signal: AbortSignal;
  /** A notification related to the request (progress, log messages): the answer becomes SSE. */
  notify(method: string, params: Record<string, unknown>): void;
}

/** What the next hop of a request gets of its operation (observe/): the trace context, and where it went. */
type Hop = Pick<Operation, 'traceparent' | 'routed'>;

/** What an interruptible call's context has of its own (`call`). */
type Interruption = Pick<RequestContext, 'caller' | 'signal' | 'expectServer' | 'passInputRequired'>;

/** The open stream of a subscriptions/listen request. */
export interface ListenStream {
  send(method: string, params: Record<string, unknown>): void;
  /** Resolves when the client closes the stream (or the gateway ends it). */
  readonly closed: Promise<void>;
}

/** The methods of 2026-07-28 the gateway serves; anything else is 404 / -32601. */
export const MODERN_METHODS = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'completion/complete',
  'subscriptions/listen',
]);

/** Results that carry caching hints (SEP-2549), and the list kind whose hint they take. */
const CACHEABLE: Record<string, ListKind | 'read' | 'discover'> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resources',
  'resources/read': 'read',
  'server/discover': 'discover',
};

/** The ttl the gateway gives lists it keeps current itself (members that announce their changes). */
const LIST_TTL_MS = 60_000;

const INTERRUPTIBLE = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** What a requestState of this request is bound to: made only when one is opened or sealed, not for every call. */
function expectOf(req: ModernRequest): Omit<SealedState, 'kind' | 'server'> {
  const target = String((req.method === 'resources/read' ? req.params.uri : req.params.name) ?? '');
  return { profile: req.profile, method: req.method, target, identity: identityKey(req.identity) };
}

export class ModernServer {
  private readonly waiting = new WaitingCalls();
  private ending?: () => void;
  /** Resolves when the gateway shuts down: listen streams end with their result (graceful closure). */
  private readonly ended = new Promise<void>((resolve) => (this.ending = resolve));
  private running = 0;
  /** The gateway's identity in every result's `_meta`: one object, serialized with each. */
  private readonly serverInfo: { readonly name: string; readonly version: string };

  constructor(
    private readonly gateway: Gateway,
    version: string,
    private readonly sealer = new StateSealer(),
  ) {
    this.serverInfo = Object.freeze({ name: 'mcpgw', version });
  }

  /** Requests being answered now, listen streams aside (shutdown waits for them). */
  get inflight(): number {
    return this.running;
  }

  async handle(req: ModernRequest): Promise<Result> {
    this.running++;
    const op = this.gateway.observer.serverOperation({
      method: req.method,
      profile: req.profile,
      protocolVersion: '2026-07-28',
      requestId: req.id,
      params: req.params,
      traceparent: req.traceparent,
    });
    try {
      // measured() hands the call op.traceparent: the op is the next hop's trace context.
      return await measured(op, () => this.answer(req, op));
    } catch (err) {
      // No session to tell when it is done: the client retries when its user says so.
      throw (takesUrlElicitation(req.clientCapabilities) && asUrlElicitation(err, randomUUID())) || err;
    } finally {
      this.running--;
    }
  }

  private async answer(req: ModernRequest, hop: Hop): Promise<Result> {
    if (!MODERN_METHODS.has(req.method) || req.method === 'subscriptions/listen') {
      throw new McpgwError('MCPGW_E_MCP_METHOD_NOT_FOUND', 'Method not found', { details: { method: req.method } });
    }
    const scope = this.gateway.statelessScope(req.profile, req.identity.name);
    if (req.method === 'server/discover') return this.stamp(req.method, this.discover(req.profile), scope);
    if (!INTERRUPTIBLE.has(req.method))
      return this.stamp(req.method, await handle(req.method, req.params, this.context(req, scope, hop)), scope);
    return this.stamp(req.method, await this.call(req, scope, hop), scope);
  }

  private discover(profile: string): Result {
    const instructions = this.gateway.instructionsFor(profile);
    return { supportedVersions: [...SUPPORTED_VERSIONS], capabilities: SERVER_CAPABILITIES, ...(instructions ? { instructions } : {}) };
  }

  private context(req: ModernRequest, scope: Scope, hop: Hop, call?: Interruption): RequestContext {
    const exchange = req.exchange;
    return {
      scope,
      profile: req.profile,
      identity: req.identity,
      audit: this.gateway.audit,
      caller: call?.caller ?? {
        label: `request ${String(req.id)}`,
        ask: () => Promise.reject(new McpgwError('MCPGW_E_SESSION_ATTRIBUTION', 'no call to attach the request to')),
      },
      clientCapabilities: req.clientCapabilities,
      signal: call?.signal ?? exchange.signal,
      logLevel: req.logLevel,
      traceparent: hop.traceparent,
      routed: hop.routed,
      notify: (method, params) => exchange.notify(method, params),
      expectServer: call?.expectServer,
      passInputRequired: call?.passInputRequired,
    };
  }

  /** tools/call, prompts/get, resources/read: the calls a server may interrupt for input. */
  private async call(req: ModernRequest, scope: Scope, hop: Hop): Promise<Result> {
    let state: SealedState | undefined;
    if (req.params.requestState !== undefined) {
      const opened = this.sealer.open(req.params.requestState, expectOf(req));
      if (typeof opened === 'string') throw new McpgwError('MCPGW_E_MCP_INVALID_PARAMS', `Invalid requestState: ${opened}`);
      state = opened;
    }
    if (state?.kind === 'wait') {
      const call = this.waiting.take(state.waitId, state.round);
      if (!call)
        throw new McpgwError(
          'MCPGW_E_MCP_INVALID_PARAMS',
          'Invalid requestState: it was already used, or its call has ended; send the request again without it',
        );
      call.answer(req.params.inputResponses);
      return this.await(call, req, state.server);
    }
    let params = req.params;
    if (state?.kind === 'up') {
      const { requestState: _ours, ...rest } = req.params;
      params = state.upstreamState !== undefined ? { ...rest, requestState: state.upstreamState } : rest;
    }
    const call = new WaitingCall(req.clientCapabilities, req.id);
    const ctx = this.context(req, scope, hop, {
      caller: call,
      signal: call.signal,
      expectServer: state?.server,
      passInputRequired: (from, result) => this.sealUpstream(from, result, expectOf(req)),
    });
    // ctx.signal is already the call's own (call.signal), which outlives this HTTP exchange.
    call.run(() => handle(req.method, params, ctx));
    return this.await(call, req, state?.server ?? '');
  }

  /** Waits for the call's end, or turns the requests it makes into an InputRequiredResult. */
  private async await(call: WaitingCall, req: ModernRequest, server: string): Promise<Result> {
    const next = await call.next(req.exchange);
    if ('result' in next) {
      this.waiting.drop(call);
      return next.result;
    }
    this.waiting.keep(call);
    const requestState = this.sealer.seal({ ...expectOf(req), kind: 'wait', server, waitId: call.id, round: call.round });
    return { resultType: 'input_required', inputRequests: next.inputRequests, requestState };
  }

  /** A modern server's InputRequiredResult: its requests pass on, its state goes inside ours. */
  private sealUpstream(server: string, result: Result, expect: Omit<SealedState, 'kind' | 'server'>): Result {
    const upstreamState = typeof result.requestState === 'string' ? result.requestState : undefined;
    const requestState = this.sealer.seal({ ...expect, kind: 'up', server, ...(upstreamState !== undefined ? { upstreamState } : {}) });
    const { requestState: _theirs, _meta: _m, ...rest } = result;
    return { ...rest, resultType: 'input_required', requestState };
  }

  /** `resultType`, the gateway's identity and the caching hints every 2026-07-28 result carries. */
  private stamp(method: string, result: Result, scope: Scope): Result {
    const theirs = result._meta as Record<string, unknown> | undefined;
    const meta = theirs ? { ...theirs, [SERVER_INFO_META_KEY]: this.serverInfo } : { [SERVER_INFO_META_KEY]: this.serverInfo };
    const out: Result = { ...result, resultType: result.resultType ?? 'complete', _meta: meta };
    const cacheable = CACHEABLE[method];
    if (!cacheable || out.resultType !== 'complete') return out;
    if (cacheable === 'read' || cacheable === 'discover') {
      // A read is the server's to describe; one that says nothing is fresh now and private.
      out.ttlMs = typeof result.ttlMs === 'number' ? result.ttlMs : 0;
      out.cacheScope = result.cacheScope === 'public' ? 'public' : cacheable === 'discover' ? 'public' : 'private';
      return out;
    }
    const hint = scope.hint(cacheable, LIST_TTL_MS);
    out.ttlMs = hint.ttlMs;
    out.cacheScope = hint.cacheScope;
    return out;
  }

  /**
   * subscriptions/listen (SEP-2575): acknowledged first with what the gateway will honor, then
   * the list changes of the profile and the updates of the subscribed resources, until the
   * client closes the stream. Every message carries the subscription id (the request's id).
   */
  async listen(req: ModernRequest, stream: ListenStream): Promise<Result | undefined> {
    const wanted = (req.params.notifications ?? {}) as Record<string, unknown>;
    const kinds = new Set<ListKind>();
    if (wanted.toolsListChanged === true) kinds.add('tools');
    if (wanted.promptsListChanged === true) kinds.add('prompts');
    if (wanted.resourcesListChanged === true) kinds.add('resources');
    const meta = { [SUBSCRIPTION_ID_META_KEY]: req.id };
    let acknowledged = false;
    const queued: Array<[string, Record<string, unknown>]> = [];
    const send = (method: string, params: Record<string, unknown>) => {
      const message: [string, Record<string, unknown>] = [method, { ...params, _meta: meta }];
      if (acknowledged) stream.send(...message);
      else queued.push(message);
    };
    const watcher: Watcher = {
      scope: this.gateway.statelessScope(req.profile, req.identity.name),
      kinds,
      listChanged: (kind) => send(`notifications/${kind}/list_changed`, {}),
      resourceUpdated: (params) => send('notifications/resources/updated', params),
    };
    const stop = this.gateway.watch(watcher);
    try {
      const honored: Record<string, unknown> = {};
      if (kinds.has('tools')) honored.toolsListChanged = true;
      if (kinds.has('prompts')) honored.promptsListChanged = true;
      if (kinds.has('resources')) honored.resourcesListChanged = true;
      const uris = Array.isArray(wanted.resourceSubscriptions)
        ? wanted.resourceSubscriptions.filter((u): u is string => typeof u === 'string')
        : [];
      const subscribed: string[] = [];
      for (const uri of uris) {
        await this.gateway.subscribeResource(watcher, uri).then(
          () => subscribed.push(uri),
          () => undefined,
        );
      }
      if (subscribed.length > 0) honored.resourceSubscriptions = subscribed;
      stream.send('notifications/subscriptions/acknowledged', { _meta: meta, notifications: honored });
      acknowledged = true;
      for (const message of queued.splice(0)) stream.send(...message);
      const why = await Promise.race([stream.closed.then(() => 'client' as const), this.ended.then(() => 'shutdown' as const)]);
      return why === 'shutdown' ? { resultType: 'complete', _meta: meta } : undefined;
    } finally {
      stop();
    }
  }

  close(): void {
    this.ending?.();
    this.waiting.closeAll();
  }
}
