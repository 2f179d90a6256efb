import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ClientSession } from '../gateway/session.js';
import type { Logger } from '../log.js';
import { SessionEventStore } from './events.js';
import { jsonRpcErrorResponse } from './respond.js';

/** What the MCP endpoint needs of the gateway runtime. */
export interface McpHost {
  hasProfile(name: string): boolean;
  profileNames(): string[];
  openSession(profile: string): ClientSession;
  sessionStarted(session: ClientSession): Promise<void>;
}

/** Request bodies over this are refused with 413 (SPEC section 4). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The SSE `retry` (ms) sent in priming events: how soon a client resumes a broken stream. */
export const SSE_RETRY_MS = 1000;

interface Entry {
  readonly session: ClientSession;
  readonly transport: WebStandardStreamableHTTPServerTransport;
}

/**
 * The Streamable HTTP endpoint of every profile: one SDK server transport per client
 * session, found by Mcp-Session-Id. Reads and parses the body itself, to answer 413 and
 * parse errors the way SPEC section 4 says.
 */
export class McpEndpoint {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly host: McpHost, private readonly log: Logger) {}

  get size(): number {
    return this.entries.size;
  }

  async handle(request: Request, profile: string): Promise<Response> {
    if (!this.host.hasProfile(profile)) {
      const names = this.host.profileNames();
      return jsonRpcErrorResponse(404, -32600, `no profile "${profile}"; profiles: ${names.length > 0 ? names.join(', ') : '(none)'}`, { code: 'MCPGW_E_HTTP_PROFILE' });
    }
    const sessionId = request.headers.get('mcp-session-id');
    let parsedBody: unknown;
    if (request.method === 'POST') {
      const body = await readBody(request);
      if (body === 'too-large') return jsonRpcErrorResponse(413, -32600, `request body over ${MAX_BODY_BYTES / 1024 / 1024} MB`, { code: 'MCPGW_E_HTTP_BODY_TOO_LARGE' });
      try {
        parsedBody = JSON.parse(body);
      } catch {
        return jsonRpcErrorResponse(400, -32700, 'Parse error: the body is not valid JSON', { code: 'MCPGW_E_HTTP_PARSE' });
      }
    }
    if (sessionId) {
      const entry = this.entries.get(sessionId);
      if (!entry || entry.session.profile !== profile || entry.session.closed) {
        return jsonRpcErrorResponse(404, -32001, 'Session not found');
      }
      entry.session.touch();
      return entry.transport.handleRequest(request, { parsedBody });
    }
    if (request.method !== 'POST' || !isInitialize(parsedBody)) {
      return jsonRpcErrorResponse(400, -32000, 'Bad Request: no valid Mcp-Session-Id header, and not an initialize request');
    }
    return this.startSession(request, profile, parsedBody);
  }

  private async startSession(request: Request, profile: string, parsedBody: unknown): Promise<Response> {
    const session = this.host.openSession(profile);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // Resumable streams (SEP-1699), as an upstream's own endpoint may be: without a store a
      // client whose POST stream breaks mid-call loses the result, and clients at 2025-11-25
      // get no priming event or retry field (conformance: server-sse-polling).
      eventStore: new SessionEventStore(),
      retryInterval: SSE_RETRY_MS,
      onsessioninitialized: async (id) => {
        session.id = id;
        this.entries.set(id, { session, transport });
        await this.host.sessionStarted(session);
      },
      onsessionclosed: () => {
        void session.close();
      },
    });
    transport.onclose = () => {
      if (session.id !== undefined) this.entries.delete(session.id);
      void session.close();
    };
    await session.server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody });
    if (session.id === undefined) await session.close();
    return response;
  }

  /** Closes every session (shutdown). */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(entries.map((e) => e.session.close()));
  }
}

function isInitialize(body: unknown): boolean {
  const one = Array.isArray(body) ? (body.length === 1 ? body[0] : undefined) : body;
  return typeof one === 'object' && one !== null && (one as { method?: unknown }).method === 'initialize';
}

/** The body as text, or 'too-large' past MAX_BODY_BYTES (checked while reading, not only by Content-Length). */
async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > MAX_BODY_BYTES) return 'too-large';
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
