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

/** Where progress notifications find their call: the connection routes them by token. */
export interface ProgressRoutes {
  register(onprogress: (params: Record<string, unknown>) => void): string;
  unregister(token: string): void;
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

const isSdkTimeout = (err: unknown) => err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout;

/** Sends a request through `client` and resolves with the raw result (an InputRequiredResult included). */
export async function sendCall(
  client: Client,
  spec: ServerSpec,
  routes: ProgressRoutes,
  method: string,
  params: Record<string, unknown> | undefined,
  options: SendOptions,
): Promise<Result> {
  const started = Date.now();
  const request = { method, params } as never;
  if (!options.onprogress) {
    // Most calls: the SDK's own timeout and the caller's signal, with no AbortController,
    // listener or timer of ours (in Node 20 an AbortSignal alone costs ~7 µs per call).
    try {
      return (await client.request(request, RAW, {
        signal: options.signal,
        timeout: spec.callTimeoutMs,
        allowInputRequired: true,
        headers: options.headers,
      })) as Result;
    } catch (err) {
      // The caller's abort surfaces as a timeout-coded SdkError too: only a call that ran its course is ours.
      if (isSdkTimeout(err) && !options.signal?.aborted && Date.now() - started >= spec.callTimeoutMs)
        throw timedOut(spec, method, started);
      throw err;
    }
  }
  // With progress, our own timeout and progress token rather than the SDK's: its progress
  // handler is dropped the moment the response arrives, losing a last progress notification
  // that came in the same chunk (typescript-sdk #2580); ours lives until the caller resumes.
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal!.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  const maxTotal = Math.max(MAX_TOTAL_CALL_MS, spec.callTimeoutMs);
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    const left = Math.min(spec.callTimeoutMs, maxTotal - (Date.now() - started));
    timer = setTimeout(
      () => {
        expired = true;
        controller.abort(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out'));
      },
      Math.max(0, left),
    );
  };
  arm();
  const onprogress = options.onprogress;
  const token = routes.register((p) => {
    arm();
    onprogress(p);
  });
  const meta = { ...(params?._meta as Record<string, unknown> | undefined), progressToken: token };
  try {
    return (await client.request({ method, params: { ...params, _meta: meta } } as never, RAW, {
      signal: controller.signal,
      timeout: NO_SDK_TIMEOUT,
      allowInputRequired: true,
      headers: options.headers,
    })) as Result;
  } catch (err) {
    if (expired) throw timedOut(spec, method, started);
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forward);
    routes.unregister(token);
  }
}
