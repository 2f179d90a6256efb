import type { Transport } from '@modelcontextprotocol/client';
import type { HttpSpec, ServerSpec } from '../config/types.js';
import { spawnOptionsOf } from './env.js';
import { defaultResultType } from './result-type.js';
import type { ServerProcess } from './spawn.js';
import { StdioProcessTransport } from './stdio.js';
import type { AuthProvider } from './types.js';

export interface TransportOptions {
  readonly auth?: AuthProvider;
  readonly onStderr?: (line: string) => void;
  /** A stdio server's process from the early start, taken instead of spawning one. */
  readonly prestarted?: ServerProcess;
}

/**
 * Ours for stdio (process groups), or the SDK's HTTP transports (remote-transports.ts) for a
 * server definition; results without a `resultType` read as complete (result-type.ts). A
 * stdio transport comes back at once, so nothing can happen between the attempt and its
 * process (a stop sees the transport and closes it); a remote one after its modules loaded.
 */
export function createTransport(spec: ServerSpec, options: TransportOptions): Transport | Promise<Transport> {
  const t = spec.transport;
  if (t.kind === 'stdio') {
    const stdio = new StdioProcessTransport({ ...spawnOptionsOf(t), onStderr: options.onStderr, prestarted: options.prestarted });
    return defaultResultType(stdio);
  }
  return remote(t, options.auth);
}

// Loaded with the first remote server: a config of stdio servers only (the example's) never
// needs the HTTP client modules and node:https at start. A failed import rejects the
// connect attempt like a transport that cannot be built.
async function remote(t: HttpSpec, auth: AuthProvider | undefined): Promise<Transport> {
  const { remoteTransport } = await import('./remote-transports.js');
  return defaultResultType(remoteTransport(t, auth));
}
