import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/client';
import type { Code } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';
import type { AuditSink } from '../audit/types.js';
import type { ClientSession } from '../gateway/session.js';
import type { Identity } from '../identity/types.js';
import { readBody } from './body.js';
import { checkPost, checkProtocolVersion, header, protocolVersionOf } from './request-checks.js';
import { sendJsonRpcError } from './respond.js';
import { SSE_KEEP_ALIVE_MS } from './sse.js';
import { claimsModern, serveModern, type ModernHost } from './modern.js';
import { SessionTransport } from './transport.js';

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
  /** The 2026-07-28 side: stateless requests, served without a session. */
  readonly modern: Omit<ModernHost, 'keepAliveMs' | 'holdMs'>;
}

export interface McpEndpointOptions {
  /** Comment frames on open SSE streams (default 15 s). */
  readonly keepAliveMs?: number;
  /** How long a POST's answer is held for JSON before it becomes a stream (default: keepAliveMs). */
  readonly holdMs?: number;
}

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
  /**
   * Who opened it. An OIDC client refreshes its access token during a session, so its
   * requests must come from the same identity rather than with the same header.
   */
  readonly identity: Identity;
}

function sameCaller(entry: Entry, req: IncomingMessage, identity: Identity): boolean {
  if (entry.identity.via === 'oidc') return identity.via === 'oidc' && identity.name === entry.identity.name;
  return entry.credential === (req.headers.authorization ?? null);
}

/**
 * The Streamable HTTP endpoint of every profile (`/mcp/{profile}`): finds the session by
 * Mcp-Session-Id and checks each request as the SDK's server transport did, then hands it to
 * the session's transport (http/transport.ts). Called by http/listener.ts once the guard passed.
 */
export class McpEndpoint {
  private readonly entries = new Map<string, Entry>();
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
      const entry = this.entries.get(sessionId);
      // Another credential's session is not found either: a session id is not a credential.
      if (!entry || entry.session.profile !== profile || entry.session.closed || !sameCaller(entry, req, identity))
        return refuse(res, 'MCPGW_E_HTTP_SESSION_NOT_FOUND', 'Session not found');
      entry.session.touch();
      return this.inSession(entry, req, res, body);
    }
    const first = Array.isArray(body) ? (body.length === 1 ? body[0] : undefined) : body;
    if (req.method !== 'POST' || (first as { method?: unknown } | null | undefined)?.method !== 'initialize') {
      return refuse(res, 'MCPGW_E_HTTP_NO_SESSION', 'Bad Request: no valid Mcp-Session-Id header, and not an initialize request');
    }
    return this.startSession(req, res, profile, body, identity);
  }

  private async inSession(entry: Entry, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    switch (req.method) {
      case 'POST': {
        const post = checkPost(req, body);
        if (post instanceof McpgwError) return sendJsonRpcError(res, post);
        if (post.initialize) return refuse(res, 'MCPGW_E_HTTP_INITIALIZE', 'Invalid Request: Server already initialized');
        const refusal = checkProtocolVersion(req);
        if (refusal) return sendJsonRpcError(res, refusal);
        return entry.transport.post(res, post.messages, post.requestIds, post.batch, protocolVersionOf(req));
      }
      case 'GET':
        return this.openStream(entry.transport, req, res);
      case 'DELETE': {
        const refusal = checkProtocolVersion(req);
        if (refusal) return sendJsonRpcError(res, refusal);
        await entry.session.close();
        res.writeHead(200).end();
        return;
      }
      default:
        return refuse(res, 'MCPGW_E_HTTP_METHOD', 'Method not allowed.', { allow: 'GET, POST, DELETE' });
    }
  }

  /** GET: the session's standalone stream, or a broken stream resumed with Last-Event-ID. */
  private openStream(transport: SessionTransport, req: IncomingMessage, res: ServerResponse): void {
    if (!header(req, 'accept')?.includes('text/event-stream')) {
      return refuse(res, 'MCPGW_E_HTTP_NOT_ACCEPTABLE', 'Not Acceptable: Client must accept text/event-stream');
    }
    const refusal = checkProtocolVersion(req);
    if (refusal) return sendJsonRpcError(res, refusal);
    const lastEventId = header(req, 'last-event-id');
    if (lastEventId) {
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
      return refuse(res, 'MCPGW_E_HTTP_TOO_MANY_SESSIONS', 'Service Unavailable: too many open sessions; retry later', {
        'retry-after': '5',
      });
    }
    const session = this.host.openSession(profile, identity);
    const id = randomUUID();
    const transport = new SessionTransport(id, this.keepAliveMs, this.holdMs);
    transport.onclose = () => {
      this.entries.delete(id);
      void session.close();
    };
    session.connect(transport);
    session.id = id;
    this.entries.set(id, { session, transport, credential: req.headers.authorization ?? null, identity });
    await this.host.sessionStarted(session);
    if (session.closed) return refuse(res, 'MCPGW_E_HTTP_SESSION_NOT_FOUND', 'Session not found');
    transport.post(res, post.messages, post.requestIds, post.batch, init.params.protocolVersion);
  }

  /**
   * After a reload: sessions opened with a credential that is no longer accepted close, and
   * with them their open streams (SPEC section 4: a revoked token keeps nothing open).
   */
  async revalidate(stillValid: (authorization: string | null, identity: Identity, profile: string) => boolean): Promise<void> {
    const revoked = [...this.entries.values()].filter((e) => !stillValid(e.credential, e.identity, e.session.profile));
    await Promise.allSettled(revoked.map((e) => e.session.close()));
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
