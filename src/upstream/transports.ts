import type { Transport } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
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
 * server definition; results without a `resultType` read as complete (result-type.ts).
 */
export async function createTransport(spec: ServerSpec, options: TransportOptions): Promise<Transport> {
  return defaultResultType(await rawTransport(spec, options));
}

async function rawTransport(spec: ServerSpec, options: TransportOptions): Promise<Transport> {
  const t = spec.transport;
  if (t.kind === 'stdio') {
    return new StdioProcessTransport({ ...spawnOptionsOf(t), onStderr: options.onStderr, prestarted: options.prestarted });
  }
  // Loaded with the first remote server: a config of stdio servers only (the example's) never
  // needs the HTTP client modules and node:https at start. A failed import rejects the
  // connect attempt like a transport that cannot be built.
  const { remoteTransport } = await import('./remote-transports.js');
  return remoteTransport(t, options.auth);
}
