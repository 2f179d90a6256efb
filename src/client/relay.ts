import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { McpgwError } from '../errors/error.js';
import { toJsonRpcResponse } from '../errors/render.js';
import { Backoff } from '../upstream/backoff.js';

/**
 * The relay of `mcpgw connect` (SPEC section 3): a stdio MCP server on this process's
 * stdin/stdout that relays every message, both ways, to the daemon's /mcp/{profile}, for
 * clients that only launch stdio servers. Messages pass as they are; only stdout carries
 * protocol, diagnostics go to stderr. When the daemon goes away, requests fail at once with
 * MCPGW_E_DAEMON_DOWN, and the relay re-initializes (replaying the client's initialize) as
 * soon as the daemon is back.
 */

/** How long the client's first initialize may wait for the daemon to come up. */
const FIRST_CONNECT_MS = 10_000;

export class Relay {
  private readonly stdio = new StdioServerTransport();
  private http?: StreamableHTTPClientTransport;
  private init?: JSONRPCRequest;
  private up = false;
  private reconnecting?: Promise<boolean>;
  private readonly backoff = new Backoff({ initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.2, resetAfterMs: 30_000 });
  private replaySeq = 0;
  private readonly replays = new Map<RequestId, (message: JSONRPCMessage) => void>();
  private fatal?: string;
  private lastWasNotification = false;
  private done!: (code: number) => void;

  constructor(
    private readonly endpoint: URL,
    private readonly token: string | undefined,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  run(): Promise<number> {
    return new Promise<number>((resolve) => {
      this.done = (code) => {
        void this.http?.close().catch(() => undefined);
        resolve(code);
      };
      this.stdio.onmessage = (message) => void this.fromClient(message);
      this.stdio.onclose = () => this.done(this.fatal ? 1 : 0);
      process.stdin.once('end', () => this.done(this.fatal ? 1 : 0));
      void this.stdio.start();
    });
  }

  private say(text: string): void {
    this.stderr.write(`mcpgw connect: ${text}\n`);
  }

  private newTransport(): StreamableHTTPClientTransport {
    const transport = new StreamableHTTPClientTransport(this.endpoint, {
      requestInit: { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} },
      reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 5000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
    });
    transport.onmessage = (message) => this.fromDaemon(message);
    transport.onerror = (err) => {
      // The GET stream failing for good means the daemon went away: resume when it is back.
      if (this.up && /SSE stream|fetch failed|ECONNREFUSED/i.test(err.message)) this.lost(err.message);
    };
    return transport;
  }

  private fromDaemon(message: JSONRPCMessage): void {
    // A response right after a notification (the last progress of a call) goes out a little
    // later: SDK clients drop a progress notification that arrives in the same read as the
    // response it belongs to (typescript-sdk #2580). 10 ms, not one turn: a busy client reads
    // late, and both would land in one read (seen in connect.test.ts on a loaded machine). Only
    // a response that follows a notification waits, i.e. a call that reported progress.
    const isResponse = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    if (isResponse && this.lastWasNotification) {
      this.lastWasNotification = false;
      setTimeout(() => this.fromDaemon(message), 10);
      return;
    }
    this.lastWasNotification = !isResponse && !isJSONRPCRequest(message);
    const id = (message as { id?: RequestId }).id;
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && id !== undefined && this.replays.has(id)) {
      this.replays.get(id)!(message);
      return;
    }
    void this.stdio.send(message).catch(() => undefined);
  }

  private async fromClient(message: JSONRPCMessage): Promise<void> {
    if (isJSONRPCRequest(message) && message.method === 'initialize') {
      this.init = message;
      await this.firstConnect(message);
      return;
    }
    if (!this.up && !(await this.resume())) {
      this.refuse(message);
      return;
    }
    try {
      await this.http!.send(message);
    } catch (err) {
      if (err instanceof StreamableHTTPError && err.code === 404 && (await this.resume(true))) {
        await this.http!.send(message).catch((again: Error) => this.failed(message, again));
        return;
      }
      this.failed(message, err as Error);
    }
  }

  /** The client's own initialize: passed through, retried while the daemon is starting. */
  private async firstConnect(message: JSONRPCRequest): Promise<void> {
    const deadline = Date.now() + FIRST_CONNECT_MS;
    let warned = false;
    for (;;) {
      this.http = this.newTransport();
      try {
        await this.http.start();
        const response = await this.exchange(this.http, message, true);
        this.up = true;
        this.backoff.succeeded();
        this.adoptVersion(response);
        return;
      } catch (err) {
        if (err instanceof StreamableHTTPError && (err.code === 401 || err.code === 403)) {
          this.fatal = `the daemon refused the bearer token (HTTP ${err.code}) at ${this.endpoint.href}`;
          this.say(`${this.fatal}; set gateway.auth.bearerTokens in the config, MCPGW_TOKEN, or --token`);
          this.respondError(message.id, new McpgwError('MCPGW_E_HTTP_UNAUTHORIZED', this.fatal));
          setImmediate(() => this.done(1));
          return;
        }
        if (err instanceof StreamableHTTPError && err.code === 404) {
          this.respondError(message.id, new McpgwError('MCPGW_E_HTTP_PROFILE', `no such profile at ${this.endpoint.href}`));
          this.fatal = 'no such profile';
          this.say(`${this.endpoint.href} answered 404: check the profile name`);
          setImmediate(() => this.done(1));
          return;
        }
        if (!warned) {
          this.say(`the daemon is not reachable at ${this.endpoint.origin} (${describe(err)}); retrying`);
          warned = true;
        }
        if (Date.now() > deadline) {
          this.respondError(
            message.id,
            new McpgwError(
              'MCPGW_E_DAEMON_DOWN',
              `the mcpgw daemon is not reachable at ${this.endpoint.origin}; is it running? (mcpgw run)`,
            ),
          );
          this.lost(describe(err));
          return;
        }
        await new Promise((r) => setTimeout(r, this.backoff.nextDelay()));
      }
    }
  }

  /** Sends a request on the daemon side and waits for its response (not relayed to the client when `own`). */
  private exchange(http: StreamableHTTPClientTransport, request: JSONRPCRequest, relay: boolean): Promise<JSONRPCMessage> {
    const id: RequestId = relay ? request.id : `mcpgw-connect-${++this.replaySeq}`;
    return new Promise<JSONRPCMessage>((resolve, reject) => {
      this.replays.set(id, (response) => {
        this.replays.delete(id);
        if (relay) void this.stdio.send(response).catch(() => undefined);
        resolve(response);
      });
      http.send({ ...request, id }).catch((err) => {
        this.replays.delete(id);
        reject(err);
      });
    });
  }

  private adoptVersion(response: JSONRPCMessage): void {
    if (isJSONRPCResultResponse(response)) {
      const version = (response.result as { protocolVersion?: string }).protocolVersion;
      if (version) this.http!.setProtocolVersion(version);
    }
  }

  private lost(why: string): void {
    if (!this.up) return;
    this.up = false;
    this.say(`lost the daemon (${why}); will reconnect`);
    void this.resume();
  }

  /**
   * Re-initializes with the client's own initialize (the daemon may have restarted and
   * forgotten the session). Concurrent callers share one attempt; background retries with
   * backoff until the daemon is back, while requests meanwhile fail at once.
   */
  private resume(now = false): Promise<boolean> {
    if (!this.init || this.fatal) return Promise.resolve(false);
    if (now) this.up = false;
    this.reconnecting ??= (async () => {
      const old = this.http;
      const http = this.newTransport();
      try {
        await http.start();
        const response = await this.exchange(http, this.init!, false);
        if (isJSONRPCErrorResponse(response)) throw new Error(response.error.message);
        this.http = http;
        this.adoptVersion(response);
        await http.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
        void old?.close().catch(() => undefined);
        this.up = true;
        this.backoff.succeeded();
        this.say('reconnected to the daemon (new session)');
        // Lists may differ after a restart: let the client re-fetch them.
        for (const kind of ['tools', 'prompts', 'resources'])
          void this.stdio.send({ jsonrpc: '2.0', method: `notifications/${kind}/list_changed` }).catch(() => undefined);
        return true;
      } catch (err) {
        void http.close().catch(() => undefined);
        const delay = this.backoff.nextDelay();
        setTimeout(() => {
          if (!this.up) void this.resume();
        }, delay).unref();
        this.say(`the daemon is still not reachable (${describe(err)}); next try in ${(delay / 1000).toFixed(1)}s`);
        return false;
      }
    })().finally(() => {
      this.reconnecting = undefined;
    });
    return this.reconnecting;
  }

  private failed(message: JSONRPCMessage, err: Error): void {
    this.lost(describe(err));
    this.refuse(message);
  }

  /** A request while the daemon is away fails at once rather than hanging. */
  private refuse(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message))
      this.respondError(
        message.id,
        new McpgwError('MCPGW_E_DAEMON_DOWN', `the mcpgw daemon is not reachable at ${this.endpoint.origin}; retrying in the background`),
      );
  }

  private respondError(id: RequestId, err: McpgwError): void {
    void this.stdio.send(toJsonRpcResponse(err, id) as JSONRPCMessage).catch(() => undefined);
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (err instanceof StreamableHTTPError) return `HTTP ${err.code}`;
  return cause ?? (err as Error)?.message ?? String(err);
}
