import { randomUUID } from 'node:crypto';
import type { ClientCapabilities, RequestId } from '@modelcontextprotocol/client';
import { McpgwError } from '../errors/error.js';
import type { Caller, Result, ServerRequest } from '../upstream/types.js';
import { CallSignal } from './call-signal.js';
import { serverRequestSupported } from './protocol.js';
import { STATE_TTL_MS } from './seal.js';

/** The cancellation of the HTTP exchange a call is waited on in (http/modern-answer.ts). */
export interface Cancellation {
  /** Calls `fn` once when the client goes away before the answer (at once if it has); returns the undo. */
  onCancel(fn: (reason: unknown) => void): () => void;
}

/** How long the server must stay silent before a round of its requests goes to the client. */
const QUIET_MS = 5;
const MAX_QUIET_MS = 100;

/**
 * A call made for a 2026-07-28 client, which a 2025-era server interrupts with a
 * server-to-client request (sampling, elicitation, roots). The client cannot be sent a
 * request, so the call's answer becomes an InputRequiredResult carrying the server's
 * requests, and the call waits here; the client's retry brings the answers (its
 * `inputResponses`), which go back to the server on the same connection, and the call goes
 * on (SPEC section 9). Each round's state token is good once: a replayed one is refused.
 */
export class WaitingCall implements Caller {
  /** Made when first read: most calls end without asking, and never need one. */
  private uuid?: string;
  /** Rounds handed out; the client's retry must present the latest. */
  round = 0;
  /** Between handing out a round of requests and the client's retry. */
  parked = false;
  /** The client lacks a capability the server asked for: the call fails with -32021 (SPEC section 9). */
  private missing?: McpgwError;
  /** Not an AbortController: made for every call, and read by the call path only (call-signal.ts). */
  private readonly cancel = new CallSignal();
  /** The server's requests not yet answered; made on the first (most calls never ask). */
  private pending?: Map<string, { request: ServerRequest; resolve: (r: Result) => void; reject: (e: unknown) => void }>;
  private keySeq = 0;
  /** The call's end, once it has ended. */
  private outcome?: { result: Result } | { error: unknown };
  /** Resolves the wait of `next` (the call ended, asked for input, or lacks a capability). */
  private wake?: () => void;
  private expiry?: NodeJS.Timeout;

  constructor(
    private readonly capabilities: ClientCapabilities,
    private readonly requestId: RequestId,
  ) {}

  get label(): string {
    return `request ${String(this.requestId)}`;
  }

  /** What a retry's requestState names the call by. */
  get id(): string {
    return (this.uuid ??= randomUUID());
  }

  /** Whether the call has an id yet (only then can it be among the WaitingCalls). */
  get named(): boolean {
    return this.uuid !== undefined;
  }

  /** The upstream call's signal: it outlives the HTTP exchange that started the call. */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  /** Starts the call; its end or its first request for input is awaited with `next`. */
  run(call: (signal: AbortSignal) => Promise<Result>): void {
    call(this.cancel.signal).then(
      (result) => this.settle({ result }),
      (error: unknown) => this.settle({ error }),
    );
  }

  private settle(outcome: { result: Result } | { error: unknown }): void {
    this.outcome = outcome;
    this.wake?.();
  }

  ask(request: ServerRequest, signal: AbortSignal): Promise<Result> {
    const why = serverRequestSupported(request, this.capabilities);
    if (why) {
      // A 2026-07-28 request that needs a capability its client did not declare fails as a
      // whole with MissingRequiredClientCapability (the server's own request is refused too).
      this.missing ??= new McpgwError(
        'MCPGW_E_MCP_MISSING_CAPABILITY',
        `Missing required client capability: ${capabilityOf(request.method)}`,
        {
          details: { requiredCapabilities: { [capabilityOf(request.method)]: {} } },
        },
      );
      this.wake?.();
      return Promise.reject(new McpgwError('MCPGW_E_MCP_CLIENT_CAPABILITY', why));
    }
    return new Promise<Result>((resolve, reject) => {
      const key = `mcpgw-input-${++this.keySeq}`;
      (this.pending ??= new Map()).set(key, { request, resolve, reject });
      signal.addEventListener('abort', () => this.pending?.get(key)?.reject(signal.reason), { once: true });
      this.wake?.();
    });
  }

  /**
   * Waits for the call to end or to ask for input. `exchange` is the current HTTP exchange:
   * a client that goes away cancels the call (2026-07-28: closing the stream is cancellation).
   */
  async next(exchange: Cancellation): Promise<{ result: Result } | { inputRequests: Record<string, ServerRequest> }> {
    clearTimeout(this.expiry);
    const undo = exchange.onCancel((reason) => this.abort(reason));
    try {
      for (;;) {
        if (this.missing) {
          this.abort(this.missing);
          throw this.missing;
        }
        // A call that has ended is answered, even if requests it made are still unanswered.
        const outcome = this.outcome;
        if (outcome) {
          if ('result' in outcome) return outcome;
          throw outcome.error;
        }
        if (this.pending !== undefined && this.pending.size > 0) {
          await this.quiet();
          const inputRequests: Record<string, ServerRequest> = {};
          for (const [key, p] of this.pending)
            inputRequests[key] = { method: p.request.method, ...(p.request.params ? { params: p.request.params } : {}) };
          this.round++;
          this.parked = true;
          this.expiry = setTimeout(
            () => this.abort(new McpgwError('MCPGW_E_SESSION_CLOSED', 'the client did not retry in time')),
            STATE_TTL_MS,
          );
          this.expiry.unref();
          return { inputRequests };
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      undo();
    }
  }

  /**
   * Requests a server sends together (a 2026-07-28 server's InputRequiredResult fulfilled by
   * its SDK over a 2025 session: all at once) arrive one after the other, across reads of
   * its stream: wait until none has come for QUIET_MS, so one round carries them all.
   */
  private async quiet(): Promise<void> {
    for (let seen = -1, waited = 0; seen !== (this.pending?.size ?? 0) && waited < MAX_QUIET_MS; waited += QUIET_MS) {
      seen = this.pending?.size ?? 0;
      await new Promise((r) => setTimeout(r, QUIET_MS));
    }
  }

  /** The client's answers: each goes to the request it answers; unknown keys are ignored (SEP-2322). */
  answer(inputResponses: unknown): void {
    this.parked = false;
    if (!inputResponses || typeof inputResponses !== 'object') return;
    for (const [key, value] of Object.entries(inputResponses as Record<string, unknown>)) {
      const p = this.pending?.get(key);
      if (!p) continue;
      this.pending!.delete(key);
      p.resolve((value ?? {}) as Result);
    }
  }

  abort(reason: unknown): void {
    clearTimeout(this.expiry);
    for (const p of this.pending?.values() ?? []) p.reject(reason);
    this.pending?.clear();
    this.cancel.abort(reason);
  }
}

/** The calls waiting for a client's retry, by id; each one leaves when it ends or expires. */
export class WaitingCalls {
  private readonly calls = new Map<string, WaitingCall>();

  keep(call: WaitingCall): void {
    this.calls.set(call.id, call);
    void call.signal.addEventListener('abort', () => this.calls.delete(call.id), { once: true });
  }

  /** The call a retry continues, when its round is the latest one handed out (a replay is refused). */
  take(id: string | undefined, round: number | undefined): WaitingCall | undefined {
    const call = id ? this.calls.get(id) : undefined;
    return call && call.round === round ? call : undefined;
  }

  drop(call: WaitingCall): void {
    if (call.named) this.calls.delete(call.id);
  }

  closeAll(): void {
    for (const call of this.calls.values()) call.abort(new McpgwError('MCPGW_E_SESSION_CLOSED', 'the gateway is shutting down'));
    this.calls.clear();
  }
}

/** The client capability a server-to-client request needs. */
function capabilityOf(method: string): string {
  return method === 'sampling/createMessage' ? 'sampling' : method === 'roots/list' ? 'roots' : 'elicitation';
}
