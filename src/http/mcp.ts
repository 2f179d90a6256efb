import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/client';
import type { Code } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';
import type { AuditSink } from '../audit/types.js';
import { clientInfoOf, negotiatedVersion } from '../gateway/protocol.js';
import type { ClientSession } from '../gateway/session.js';
import { credentialDigest, isRefusal, type SessionIds } from '../gateway/session-id.js';
import { identityKey, type Identity } from '../identity/types.js';
import { noteHeaderTraceparent } from '../observe/observer.js';
import { readBody } from './body.js';
import { checkPost, checkProtocolVersion, header, protocolVersionOf } from './request-checks.js';
import { sendJsonRpcError } from './respond.js';
import { SSE_KEEP_ALIVE_MS } from './sse.js';
import { claimsModern, serveModern, type ModernHost } from './modern-endpoint.js';
import { isGetStreamEvent, SessionTransport } from './transport.js';

/** What the MCP endpoint needs of the gateway runtime. */
export interface McpHost {
  hasProfile(name: string): boolean;
  /** The profiles there are; with `identity`, those it may use. */
  profileNames(identity?: Identity): string[];
  /** Whether `identity` may use the profile (profiles.NAME.access, SPEC section 10). */
  mayUse(profile: string, identity: Identity): boolean;
  openSession(profile: string, identity: Identity): ClientSession;
  /** The audit log, where one is configured. */
  readonly audit?: AuditSink;
  sessionStarted(session: ClientSession): Promise<void>;
  /** Room for one more 2025-era session on this profile (closing an idle one if needed); false when full. */
  admitSession(profile: string): Promise<boolean>;
  /** Seals and opens session ids (the state a replica rebuilds a session from). */
  readonly sessionIds: SessionIds;
  /** The 2026-07-28 side: stateless requests, served without a session. */
  readonly modern: Omit<ModernHost, 'keepAliveMs' | 'holdMs'>;
}

export interface McpEndpointOptions {
  /** Comment frames on open SSE streams (default 15 s). */
  readonly keepAliveMs?: number;
  /** How long a POST's answer is held for JSON before it becomes a stream (default: keepAliveMs). */
  readonly holdMs?: number;
}

const RETRY = { 'retry-after': '5' };

/** Request bodies over this are refused with 413 (SPEC section 4). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface Entry {
  readonly session: ClientSession;
  readonly transport: SessionTransport;
  /**
   * The Authorization header that opened the session: only it may use the session, and the
   * session closes once it stops being valid (a token revoked by a reload keeps no stream open).
   */
  readonly credential: string | null;
  /** gateway.sessionMaxAge after its initialize: then the id is refused on every replica. */
  readonly expiresAt: number;
  /**
   * Who opened it. An OIDC client refreshes its access token during a session, so its
   * requests must come from the same identity rather than with the same header.
   */
  readonly identity: Identity;
}

function sameCaller(entry: Entry, authorization: string | null, identity: Identity): boolean {
  if (entry.identity.via === 'oidc') return identity.via === 'oidc' && identity.name === entry.identity.name;
  return entry.credential === authorization && identityKey(entry.identity) === identityKey(identity);
}

/**
 * The Streamable HTTP endpoint of every profile (`/mcp/{profile}`): finds the session by
 * Mcp-Session-Id and checks each request as the SDK's server transport did, then hands it to
 * the session's transport (http/transport.ts). Called by http/listener.ts once the guard passed.
 */
export class McpEndpoint {
  private readonly entries = new Map<string, Entry>();
  /** Sessions being rebuilt from their sealed id, so that concurrent requests rebuild one. */
  private readonly restoring = new Map<string, Promise<McpgwError | undefined>>();
  private readonly keepAliveMs: number;
  private readonly holdMs: number;
  private readonly modern: ModernHost;

  constructor(
    private readonly host: McpHost,
    options: McpEndpointOptions = {},
  ) {
    this.keepAliveMs = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS;
    this.holdMs = options.holdMs ?? this.keepAliveMs;
    this.modern = { ...host.modern, keepAliveMs: this.keepAliveMs, holdMs: this.holdMs };
  }

  /** `identity`: the caller's, as the guard admitted it (owner, local, a user in team mode). */
  async handle(req: IncomingMessage, res: ServerResponse, profile: string, identity: Identity): Promise<void> {
    if (!this.host.hasProfile(profile)) {
      const names = this.host.profileNames(identity);
      return refuse(res, 'MCPGW_E_HTTP_PROFILE', `no profile "${profile}"; profiles: ${names.length > 0 ? names.join(', ') : '(none)'}`);
    }
    if (!this.host.mayUse(profile, identity)) {
      this.host.audit?.({ identity: identity.name, profile, outcome: 'denied', errorCode: 'MCPGW_E_HTTP_FORBIDDEN' });
      return refuse(res, 'MCPGW_E_HTTP_FORBIDDEN', `${identity.name} may not use profile "${profile}" (profiles.${profile}.access)`);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, MAX_BODY_BYTES);
      if (text === undefined) return refuse(res, 'MCPGW_E_HTTP_BODY_TOO_LARGE', `request body over ${MAX_BODY_BYTES / 1024 / 1024} MB`);
      try {
        body = JSON.parse(text);
      } catch {
        return refuse(res, 'MCPGW_E_HTTP_PARSE', 'Parse error: the body is not valid JSON');
      }
    }
    // A request carrying a 2026-07-28 envelope is stateless whatever else it carries (an
    // Mcp-Session-Id is ignored: the revision has no sessions).
    if (req.method === 'POST' && claimsModern(req, body)) return serveModern(this.modern, req, res, profile, body, identity);
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId) {
      const entry = await this.find(sessionId, profile, req.headers.authorization ?? null, identity);
      if (entry instanceof McpgwError)
        return sendJsonRpcError(res, entry, entry.code === 'MCPGW_E_HTTP_TOO_MANY_SESSIONS' ? RETRY : undefined);
      entry.session.touch();
      return this.inSession(sessionId, entry, req, res, body);
    }
    const first = Array.isArray(body) ? (body.length === 1 ? body[0] : undefined) : body;
    if (req.method !== 'POST' || (first as { method?: unknown } | null | undefined)?.method !== 'initialize') {
      return refuse(res, 'MCPGW_E_HTTP_NO_SESSION', 'Bad Request: no valid Mcp-Session-Id header, and not an initialize request');
    }
    return this.startSession(req, res, profile, body, identity);
  }

  /**
   * The session of an id: held here, or rebuilt from the sealed id (another replica, or an
   * earlier process with the same gateway.sessionKey, initialized it). Another profile's or
   * another credential's session is not found either: a session id is not a credential.
   */
  private async find(id: string, profile: string, authorization: string | null, identity: Identity): Promise<Entry | McpgwError> {
    if (!this.entries.has(id)) {
      const key = `${id}\0${profile}\0${credentialDigest(authorization)}\0${identityKey(identity)}`;
      let pending = this.restoring.get(key);
      if (!pending) {
        pending = this.restore(id, profile, authorization, identity).finally(() => this.restoring.delete(key));
        this.restoring.set(key, pending);
      }
      const refused = await pending;
      if (refused) return refused;
    }
    const entry = this.entries.get(id);
    if (!entry || entry.session.profile !== profile || entry.session.closed || !sameCaller(entry, authorization, identity))
      return new McpgwError('MCPGW_E_HTTP_SESSION_NOT_FOUND', 'Session not found');
    if (entry.expiresAt <= Date.now()) {
      await entry.session.close();
      return new McpgwError('MCPGW_E_HTTP_SESSION_EXPIRED', 'Session not found: it has expired; initialize again');
    }
    return entry;
  }

  private async restore(id: string, profile: string, authorization: string | null, identity: Identity): Promise<McpgwError | undefined> {
    const state = this.host.sessionIds.open(id, { profile, authorization, identity: identityKey(identity) });
    if (isRefusal(state)) return new McpgwError(state.code, state.message);
    if (!(await this.host.admitSession(profile)))
      return new McpgwError('MCPGW_E_HTTP_TOO_MANY_SESSIONS', 'Service Unavailable: too many open sessions; retry later');
    if (this.entries.has(id)) return undefined;
    // The caller as the guard admitted it now (groups and admin as configured today).
    const session = this.host.openSession(profile, identity);
    session.restore(state);
    this.attach(id, session, authorization, state.expiresAt, identity);
    await this.host.sessionStarted(session);
    return undefined;
  }

  private attach(id: string, session: ClientSession, credential: string | null, expiresAt: number, identity: Identity): void {
    const transport = new SessionTransport(id, this.keepAliveMs, this.holdMs);
    // Set before connect, which keeps it and closes the session after it: a closed session is
    // forgotten here whoever closed it (DELETE, idle expiry, a revoked credential, shutdown).
    transport.onclose = () => {
      if (this.entries.get(id)?.session === session) this.entries.delete(id);
    };
    session.connect(transport);
    session.id = id;
    this.entries.set(id, { session, transport, credential, expiresAt, identity });
  }

  private async inSession(id: string, entry: Entry, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    switch (req.method) {
      case 'POST': {
        const post = checkPost(req, body);
        if (post instanceof McpgwError) return sendJsonRpcError(res, post);
        if (post.initialize) return refuse(res, 'MCPGW_E_HTTP_INITIALIZE', 'Invalid Request: Server already initialized');
        const refusal = checkProtocolVersion(req);
        if (refusal) return sendJsonRpcError(res, refusal);
        noteHeaderTraceparent(post.messages, req.headers.traceparent);
        return entry.transport.post(res, post.messages, post.requestIds, post.batch, protocolVersionOf(req));
      }
      case 'GET':
        return this.openStream(entry, req, res);
      case 'DELETE': {
        const refusal = checkProtocolVersion(req);
        if (refusal) return sendJsonRpcError(res, refusal);
        // Other replicas cannot hear of it: there the id opens until it expires (README).
        this.host.sessionIds.revoke(id, entry.expiresAt);
        await entry.session.close();
        res.writeHead(200).end();
        return;
      }
      default:
        return refuse(res, 'MCPGW_E_HTTP_METHOD', 'Method not allowed.', { allow: 'GET, POST, DELETE' });
    }
  }

  /** GET: the session's standalone stream, or a broken stream resumed with Last-Event-ID. */
  private openStream({ transport, session }: Entry, req: IncomingMessage, res: ServerResponse): void {
    if (!header(req, 'accept')?.includes('text/event-stream')) {
      return refuse(res, 'MCPGW_E_HTTP_NOT_ACCEPTABLE', 'Not Acceptable: Client must accept text/event-stream');
    }
    const refusal = checkProtocolVersion(req);
    if (refusal) return sendJsonRpcError(res, refusal);
    const lastEventId = header(req, 'last-event-id');
    // A session taken up here lost the events of the replica its stream was on: the GET stream
    // starts again (what was sent meanwhile is gone) rather than refusing the client.
    const reopen = lastEventId && session.restored && isGetStreamEvent(lastEventId) && !transport.knows(lastEventId);
    if (lastEventId && !reopen) {
      if (!transport.resume(res, lastEventId))
        refuse(res, 'MCPGW_E_HTTP_LAST_EVENT_ID', 'Bad Request: unknown Last-Event-ID (not an event of this session, or no longer kept)');
    } else if (!transport.openGet(res, protocolVersionOf(req))) {
      refuse(res, 'MCPGW_E_HTTP_STREAM_CONFLICT', 'Conflict: Only one SSE stream is allowed per session');
    }
  }

  /** An initialize POST without a session: checked first, so a refused one leaves no session behind. */
  private async startSession(req: IncomingMessage, res: ServerResponse, profile: string, body: unknown, identity: Identity): Promise<void> {
    const post = checkPost(req, body);
    if (post instanceof McpgwError) return sendJsonRpcError(res, post);
    if (post.messages.length > 1)
      return refuse(res, 'MCPGW_E_HTTP_INITIALIZE', 'Invalid Request: Only one initialization request is allowed');
    // The one place the SDK's zod schema still runs: once per session, for a message the
    // Server would otherwise answer with an error on a session that then exists.
    const init = post.initialize;
    if (!init || !isInitializeRequest(init)) return refuse(res, 'MCPGW_E_HTTP_INITIALIZE', 'Invalid Request: malformed initialize request');
    if (!(await this.host.admitSession(profile))) {
      return refuse(res, 'MCPGW_E_HTTP_TOO_MANY_SESSIONS', 'Service Unavailable: too many open sessions; retry later', RETRY);
    }
    const credential = req.headers.authorization ?? null;
    const { id, expiresAt } = this.host.sessionIds.issue({
      profile,
      protocolVersion: negotiatedVersion(init.params),
      capabilities: init.params.capabilities,
      ...(clientInfoOf(init.params) ? { clientInfo: clientInfoOf(init.params) } : {}),
      identity: identityKey(identity),
      // An OIDC session outlives its first access token: it is bound to the identity alone.
      credential: identity.via === 'oidc' ? '' : credentialDigest(credential),
    });
    const session = this.host.openSession(profile, identity);
    this.attach(id, session, credential, expiresAt, identity);
    await this.host.sessionStarted(session);
    if (session.closed) return refuse(res, 'MCPGW_E_HTTP_SESSION_NOT_FOUND', 'Session not found');
    this.entries.get(id)!.transport.post(res, post.messages, post.requestIds, post.batch, init.params.protocolVersion);
  }

  /**
   * After a reload: sessions opened with a credential that is no longer accepted close, and
   * with them their open streams (SPEC section 4: a revoked token keeps nothing open).
   */
  async revalidate(stillValid: (authorization: string | null, identity: Identity, profile: string) => boolean): Promise<void> {
    const revoked = [...this.entries.values()].filter((e) => !stillValid(e.credential, e.identity, e.session.profile));
    await Promise.allSettled(revoked.map((e) => e.session.close()));
  }

  /** The sessions held: open ones only, since each leaves when its transport closes. */
  get held(): number {
    return this.entries.size;
  }

  /** Closes every session (shutdown). */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(entries.map((e) => e.session.close()));
  }
}

/** A JSON-RPC error answer; its HTTP status and JSON-RPC code are the registry's for `code`. */
function refuse(res: ServerResponse, code: Code, message: string, headers?: Record<string, string>): void {
  sendJsonRpcError(res, new McpgwError(code, message), headers);
}
