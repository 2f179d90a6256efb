import type { Client, PriorDiscovery, Transport } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../config/types.js';
import { McpgwError } from '../errors/error.js';
import type { Logger } from '../log.js';
import { createClient, type ClientSink } from './client.js';
import { screenTools } from './headers.js';
import { EMPTY_LISTS, fetchLists } from './lists.js';
import type { ServerProcess } from './spawn.js';
import { createTransport } from './transports.js';
import type { AuthProvider, ListKind, UpstreamLists } from './types.js';

export const ALL_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources'];

export interface OpenOptions {
  readonly spec: ServerSpec;
  readonly version: string;
  readonly auth?: AuthProvider;
  readonly log: Logger;
  /** Each stderr line of a stdio server (the connection rate-limits them); default: logged at info. */
  readonly onStderr?: (line: string) => void;
  readonly sink: ClientSink;
  /** The era verdict of the last good connect (the probe is skipped). */
  readonly prior?: PriorDiscovery;
  /** The early start's process for this server (its first connect only). */
  readonly prestarted?: ServerProcess;
  /** Sees the transport as soon as it exists (the connection reports its pid while starting). */
  readonly onTransport: (transport: Transport) => void;
  /** The connection closed after the connect (a crash, a dropped HTTP connection). */
  readonly onClose: (client: Client, transport: Transport) => void;
  /** False once a newer attempt or a stop superseded this one. */
  readonly isCurrent: () => boolean;
}

/**
 * One connect attempt: a new SDK client on a new transport, the era negotiated (SPEC section
 * 9), every list read, all within `timeouts.connect`. On failure both are closed again and
 * the error carries the transport (failures.ts reads a stdio process's exit from it).
 */
export async function openClient(options: OpenOptions): Promise<{ client: Client; lists: UpstreamLists }> {
  const { spec } = options;
  const probe = Math.min(spec.connectTimeoutMs, 15_000);
  const client = createClient(options.version, spec.protocol, probe, options.sink);
  const made = createTransport(spec, {
    auth: options.auth,
    prestarted: options.prestarted,
    onStderr: options.onStderr ?? ((line) => options.log.info(line, { server: spec.name, stream: 'stderr' })),
  });
  // Only a remote server's transport waits (for its modules). A stop or a newer attempt during
  // that wait finds no transport to close, so this one must not start.
  const transport = made instanceof Promise ? await made : made;
  if (made instanceof Promise && !options.isCurrent()) throw new Error('superseded');
  options.onTransport(transport);
  // /status shows no pid: the log tells the early start's child from a spawn of this connect's own.
  if (options.prestarted) options.log.debug('took the early start process', { server: spec.name, pid: options.prestarted.child.pid });
  client.onclose = () => options.onClose(client, transport);
  client.onerror = (err) => options.log.debug('transport error', { server: spec.name, error: err.message });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(connectTimedOut(spec)), spec.connectTimeoutMs);
  });
  try {
    await Promise.race([client.connect(transport, options.prior ? { prior: options.prior } : {}), deadline]);
    const lists = await Promise.race([fetchLists(client, EMPTY_LISTS, ALL_KINDS, spec.callTimeoutMs), deadline]);
    if (!options.isCurrent()) throw new Error('superseded');
    return { client, lists: screenLists(spec, client, lists, options.log) };
  } catch (err) {
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    throw Object.assign(err as object, { transport });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * 2026-07-28 over Streamable HTTP: a tool whose x-mcp-header annotations are invalid is left
 * out, with a warning naming it and why (the revision's MUST: its Mcp-Param-* headers could
 * not be sent right, and one bad tool must not cost the others). Other transports ignore
 * the annotations.
 */
export function screenLists(spec: ServerSpec, client: Client, lists: UpstreamLists, log: Logger): UpstreamLists {
  const t = spec.transport;
  if (client.getProtocolEra() !== 'modern' || t.kind !== 'http' || t.transport !== 'streamable-http') return lists;
  const tools = screenTools(lists.tools, (tool, reason) => log.warn(`tool "${tool.name}" left out: ${reason}`, { server: spec.name }));
  return tools.length === lists.tools.length ? lists : { ...lists, tools };
}

function connectTimedOut(spec: ServerSpec): McpgwError {
  return new McpgwError('MCPGW_E_SERVER_TIMEOUT', `did not finish initializing within ${spec.connectTimeoutMs / 1000}s`, {
    hint: 'raise timeouts.connect, or check that the server speaks MCP on stdout',
  });
}
