import { SdkError, SdkErrorCode, type Client } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import { RAW } from './client.js';
import type { Result } from './types.js';

/**
 * One call's timing (SPEC section 5): `timeouts.call`, restarted by each progress
 * notification, 30 minutes in all; on timeout the SDK tells the server to cancel it.
 */

/** Total time a call may take, however often progress resets its timeout. */
const MAX_TOTAL_CALL_MS = 30 * 60_000;
/** The SDK's own timeout is off (setTimeout's maximum) where ours restarts on progress. */
const NO_SDK_TIMEOUT = 2 ** 31 - 1;

export interface SendOptions {
  readonly signal?: AbortSignal;
  readonly onprogress?: (progress: Record<string, unknown>) => void;
  /** Extra HTTP headers of this request (SEP-2243 Mcp-Param-*). */
  readonly headers?: Record<string, string>;
}

/** Where progress notifications find their call: by the token the call was sent with. */
export class ProgressRoutes {
  private readonly routes = new Map<string, (params: Record<string, unknown>) => void>();
  private seq = 0;

  register(onprogress: (params: Record<string, unknown>) => void): string {
    const token = `mcpgw-${++this.seq}`;
    this.routes.set(token, onprogress);
    return token;
  }

  unregister(token: string): void {
    this.routes.delete(token);
  }

  route(token: string, params: Record<string, unknown>): void {
    this.routes.get(token)?.(params);
  }
}

function timedOut(spec: ServerSpec, method: string, started: number): McpgwError {
  return new McpgwError(
    'MCPGW_E_UPSTREAM_TIMEOUT',
    `server "${spec.name}" did not answer ${method} within ${Math.round((Date.now() - started) / 1000)}s`,
    {
      hint: `raise servers.${spec.name}.timeouts.call if the server is just slow`,
      details: { server: spec.name, timeout: spec.callTimeoutMs },
    },
  );
}

type Params = Record<string, unknown> | undefined;

const isSdkTimeout = (err: unknown) => err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout;

/** Sends a request through `client` and resolves with the raw result (an InputRequiredResult included). */
export function sendCall(
  client: Client,
  spec: ServerSpec,
  routes: ProgressRoutes,
  method: string,
  params: Record<string, unknown> | undefined,
  options: SendOptions,
): Promise<Result> {
  return options.onprogress
    ? sendWithProgress(client, spec, routes, method, params, options, options.onprogress)
    : sendPlain(client, spec, method, params, options);
}

/**
 * Most calls: the SDK's own timeout and the caller's signal, with no AbortController, listener
 * or timer of ours (in Node 20 an AbortSignal alone costs ~7 µs per call).
 */
async function sendPlain(client: Client, spec: ServerSpec, method: string, params: Params, options: SendOptions): Promise<Result> {
  const started = Date.now();
  try {
    return (await client.request({ method, params } as never, RAW, {
      signal: options.signal,
      timeout: spec.callTimeoutMs,
      allowInputRequired: true,
      headers: options.headers,
    })) as Result;
  } catch (err) {
    // The caller's abort surfaces as a timeout-coded SdkError too: only a call that ran its course is ours.
    if (isSdkTimeout(err) && !options.signal?.aborted && Date.now() - started >= spec.callTimeoutMs) throw timedOut(spec, method, started);
    throw err;
  }
}

/**
 * With progress, our own timeout and progress token rather than the SDK's: its progress
 * handler is dropped the moment the response arrives, losing a last progress notification
 * that came in the same chunk (typescript-sdk #2580); ours lives until the caller resumes.
 */
async function sendWithProgress(
  client: Client,
  spec: ServerSpec,
  routes: ProgressRoutes,
  method: string,
  params: Params,
  options: SendOptions,
  onprogress: (progress: Record<string, unknown>) => void,
): Promise<Result> {
  const started = Date.now();
  const timer = new CallTimer(spec.callTimeoutMs, options.signal);
  const token = routes.register((p) => {
    timer.restart();
    onprogress(p);
  });
  const meta = { ...(params?._meta as Record<string, unknown> | undefined), progressToken: token };
  try {
    return (await client.request({ method, params: { ...params, _meta: meta } } as never, RAW, {
      signal: timer.signal,
      timeout: NO_SDK_TIMEOUT,
      allowInputRequired: true,
      headers: options.headers,
    })) as Result;
  } catch (err) {
    if (timer.expired) throw timedOut(spec, method, started);
    throw err;
  } finally {
    timer.stop();
    routes.unregister(token);
  }
}

/** A call's own timeout: `limitMs` from the last progress, MAX_TOTAL_CALL_MS in all; follows the caller's signal. */
class CallTimer {
  expired = false;
  private readonly controller = new AbortController();
  private readonly started = Date.now();
  private readonly maxTotal: number;
  private timer?: NodeJS.Timeout;
  private readonly forward = () => this.controller.abort(this.caller!.reason);

  constructor(
    private readonly limitMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.maxTotal = Math.max(MAX_TOTAL_CALL_MS, limitMs);
    if (caller?.aborted) this.forward();
    caller?.addEventListener('abort', this.forward, { once: true });
    this.restart();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    clearTimeout(this.timer);
    const left = Math.min(this.limitMs, this.maxTotal - (Date.now() - this.started));
    this.timer = setTimeout(
      () => {
        this.expired = true;
        this.controller.abort(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out'));
      },
      Math.max(0, left),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.forward);
  }
}
