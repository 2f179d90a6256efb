import { SUPPORTED_PROTOCOL_VERSIONS, type ClientCapabilities, type LoggingLevel } from '@modelcontextprotocol/client';
import type { ServerRequest } from '../upstream/types.js';

/** The protocol revisions the gateway serves downstream (SPEC section 9), newest first. */
export const MODERN_VERSION = '2026-07-28';
/** The 2025 era and before, answered with an initialize handshake (the SDK's list). */
export const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
export const SUPPORTED_VERSIONS: readonly string[] = [MODERN_VERSION, ...LEGACY_VERSIONS];

export const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Clients always see every capability (SPEC section 5), with empty lists where no member has a feature. */
export const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
  logging: {},
};

/** Why a client cannot take this server-to-client request, or undefined when it can (SPEC section 5). */
export function serverRequestSupported(request: ServerRequest, caps: ClientCapabilities): string | undefined {
  const method = request.method;
  if (method === 'sampling/createMessage') return caps.sampling ? undefined : 'the client does not support sampling/createMessage';
  if (method === 'roots/list') return caps.roots ? undefined : 'the client does not support roots/list';
  if (method === 'elicitation/create') {
    const mode = (request.params?.mode as string | undefined) ?? 'form';
    const elicitation = caps.elicitation as { url?: unknown; form?: unknown } | undefined;
    // An empty elicitation capability means form mode (the 2025-06-18 shape).
    const ok =
      mode === 'url'
        ? Boolean(elicitation?.url)
        : Boolean(elicitation) && (elicitation!.form !== undefined || elicitation!.url === undefined);
    return ok ? undefined : `the client does not support elicitation/create (${mode} mode)`;
  }
  return `the client does not support ${method}`;
}

/** The version an initialize settles on: the client's when the gateway speaks it, else the newest. */
export function negotiatedVersion(params: Record<string, unknown>): string {
  const requested = String(params.protocolVersion ?? '');
  return LEGACY_VERSIONS.includes(requested) ? requested : LEGACY_VERSIONS[0]!;
}

/** The client's name and version from initialize (for logs; cut short: it travels in the session id). */
export function clientInfoOf(params: Record<string, unknown>): { readonly name: string; readonly version: string } | undefined {
  const info = params.clientInfo as { name?: unknown; version?: unknown } | undefined;
  if (!info || typeof info.name !== 'string') return undefined;
  return { name: info.name.slice(0, 100), version: String(info.version ?? '').slice(0, 50) };
}
