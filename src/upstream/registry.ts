import { ProtocolError, type LoggingLevel } from '@modelcontextprotocol/client';
import { codeInfo } from '../errors/codes.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import type { Caller, CallOptions, Result, ServerRequest } from './types.js';

const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * The calls in flight on one connection, and whom what the server says during them belongs
 * to (SPEC section 5): a server-to-client request goes to the caller of the only call in
 * flight, or to the session owning the upstream (isolation: session); anything else cannot
 * be attributed and is refused. A modern server's log messages follow the same rule.
 */
export class CallRegistry {
  private readonly calls = new Map<number, CallOptions>();
  private seq = 0;

  constructor(
    private readonly server: string,
    private readonly log: Logger,
    private readonly owner?: Caller,
  ) {}

  /** Registers a call; the returned function ends it. */
  begin(options: CallOptions): () => void {
    const id = ++this.seq;
    this.calls.set(id, options);
    return () => this.calls.delete(id);
  }

  get size(): number {
    return this.calls.size;
  }

  all(): CallOptions[] {
    return [...this.calls.values()];
  }

  /** The one caller whose call explains a message, or why there is none. */
  private attribute(): { caller: Caller; latest?: CallOptions } | { why: string } {
    // Later calls overwrite earlier ones: a party's latest call is the one kept. A parked
    // caller (waiting for its client's retry) counts only when nobody else has a call in
    // flight: then the request can only be its own (a server asking more while it waits).
    const parties = new Map<object, CallOptions>();
    const parked = new Map<object, CallOptions>();
    for (const options of this.calls.values()) {
      if (options.caller) (options.caller.parked ? parked : parties).set(options.caller.party ?? options.caller, options);
    }
    if (parties.size === 0 && parked.size === 1) for (const [party, options] of parked) parties.set(party, options);
    if (parties.size === 1) {
      const [latest] = [...parties.values()];
      return { caller: latest!.caller!, latest };
    }
    const owner = this.owner;
    if (owner) {
      const latest = parties.get(owner.party ?? owner);
      return { caller: latest?.caller ?? owner, latest };
    }
    return {
      why:
        parties.size === 0 ? 'no client session has a call in flight to it' : `${parties.size} client sessions have calls in flight to it`,
    };
  }

  /** A server-to-client request (sampling, elicitation, roots), answered by its caller. */
  async ask(request: ServerRequest, signal: AbortSignal): Promise<Result> {
    const found = this.attribute();
    if ('why' in found) {
      // The reference servers ask for roots right after initialize, before any call: routine.
      const quiet = request.method === 'roots/list' && found.why.startsWith('no ');
      this.log[quiet ? 'debug' : 'warn'](`refused ${request.method} from server "${this.server}": ${found.why}`, { server: this.server });
      throw asProtocolError(
        new McpgwError(
          'MCPGW_E_SESSION_ATTRIBUTION',
          `mcpgw cannot tell which client this ${request.method} request is for: ${found.why} (use isolation: session for this server)`,
        ),
      );
    }
    try {
      return await found.caller.ask(request, signal);
    } catch (err) {
      throw asProtocolError(err);
    }
  }

  /** A modern server's log message: to the call that asked for logs at that level, if it is known. */
  routeLog(params: Record<string, unknown>): void {
    const found = this.attribute();
    const onlog = 'why' in found ? undefined : found.latest;
    const level = LEVELS.indexOf(String(params.level ?? 'info') as LoggingLevel);
    if (!onlog?.onlog || !onlog.logLevel || level < LEVELS.indexOf(onlog.logLevel)) {
      this.log.debug('dropped a log message no call can be blamed for', { server: this.server });
      return;
    }
    onlog.onlog(params);
  }
}

/** What the server gets back when a forwarded request fails: a JSON-RPC error with a number code. */
export function asProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (err instanceof McpgwError)
    return new ProtocolError(codeInfo(err.code).jsonrpc, err.message, { code: err.code, ...(err.details ?? {}) });
  const { code, message, data } = (err ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof code === 'number' && typeof message === 'string') return new ProtocolError(code, message, data);
  return new ProtocolError(codeInfo('MCPGW_E_INTERNAL').jsonrpc, 'internal error');
}
