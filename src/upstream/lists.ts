import {
  ProtocolError,
  ProtocolErrorCode,
  type Client,
  type Prompt,
  type Resource,
  type ResourceTemplateType as ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/client';
import { RAW } from './client.js';
import type { CacheHint, ListKind, Result, UpstreamLists } from './types.js';

/**
 * Fetching a server's lists (every page) and their SEP-2549 caching hints. The gateway keeps
 * them current from list_changed (legacy servers, and modern ones through subscriptions/listen).
 */

export const EMPTY_LISTS: UpstreamLists = {
  tools: [],
  prompts: [],
  resources: [],
  resourceTemplates: [],
  hints: { tools: {}, prompts: {}, resources: {} },
};

/** Pages per list at most: a server whose cursor never ends must not hold the gateway. */
const MAX_PAGES = 1000;

interface Page<T> {
  readonly items: T[];
  readonly hint: CacheHint;
}

async function listAll<T>(client: Client, method: string, key: string, timeoutMs: number): Promise<Page<T>> {
  const items: T[] = [];
  let hint: CacheHint = {};
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let result: Result;
    try {
      result = (await client.request({ method, params: cursor ? { cursor } : {} } as never, RAW, { timeout: timeoutMs })) as Result;
    } catch (err) {
      // A server may announce a capability and still not implement every list.
      if (err instanceof ProtocolError && err.code === ProtocolErrorCode.MethodNotFound) return { items, hint };
      throw err;
    }
    items.push(...((result[key] as T[] | undefined) ?? []));
    hint = mergeHints(page === 0 ? undefined : hint, hintOf(result));
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (!cursor) break;
  }
  return { items, hint };
}

export function hintOf(result: Result): CacheHint {
  const ttl = typeof result.ttlMs === 'number' && result.ttlMs >= 0 ? result.ttlMs : undefined;
  const scope = result.cacheScope === 'private' || result.cacheScope === 'public' ? result.cacheScope : undefined;
  return { ...(ttl !== undefined ? { ttlMs: ttl } : {}), ...(scope ? { cacheScope: scope } : {}) };
}

/** Conservative merge (SPEC section 9): the shortest ttl, and private wins. */
export function mergeHints(a: CacheHint | undefined, b: CacheHint): CacheHint {
  if (!a) return b;
  const ttls = [a.ttlMs, b.ttlMs].filter((t): t is number => t !== undefined);
  const scope = a.cacheScope === 'private' || b.cacheScope === 'private' ? 'private' : (a.cacheScope ?? b.cacheScope);
  return { ...(ttls.length > 0 ? { ttlMs: Math.min(...ttls) } : {}), ...(scope ? { cacheScope: scope } : {}) };
}

/** The lists of `kinds` the server's capabilities announce; the others are kept from `current`. */
export async function fetchLists(
  client: Client,
  current: UpstreamLists,
  kinds: readonly ListKind[],
  timeoutMs: number,
): Promise<UpstreamLists> {
  const caps = client.getServerCapabilities() ?? {};
  const want = (kind: ListKind) => kinds.includes(kind) && Boolean(caps[kind]);
  const none = <T>(): Promise<Page<T>> => Promise.resolve({ items: [], hint: {} });
  const [tools, prompts, resources, templates] = await Promise.all([
    want('tools') ? listAll<Tool>(client, 'tools/list', 'tools', timeoutMs) : undefined,
    want('prompts') ? listAll<Prompt>(client, 'prompts/list', 'prompts', timeoutMs) : undefined,
    want('resources') ? listAll<Resource>(client, 'resources/list', 'resources', timeoutMs) : undefined,
    want('resources')
      ? listAll<ResourceTemplate>(client, 'resources/templates/list', 'resourceTemplates', timeoutMs)
      : none<ResourceTemplate>(),
  ]);
  const keep = (kind: ListKind) => !kinds.includes(kind);
  return {
    tools: tools?.items ?? (keep('tools') ? current.tools : []),
    prompts: prompts?.items ?? (keep('prompts') ? current.prompts : []),
    resources: resources?.items ?? (keep('resources') ? current.resources : []),
    resourceTemplates: resources ? templates.items : keep('resources') ? current.resourceTemplates : [],
    hints: {
      tools: tools?.hint ?? (keep('tools') ? current.hints.tools : {}),
      prompts: prompts?.hint ?? (keep('prompts') ? current.hints.prompts : {}),
      resources: resources ? mergeHints(resources.hint, templates.hint) : keep('resources') ? current.hints.resources : {},
    },
  };
}

/**
 * Re-fetches lists after list_changed: bursts coalesce into one fetch per kind, one fetch at a
 * time, and the lists of the current client only.
 */
export class ListRefresher {
  private running?: Promise<void>;
  private readonly again = new Set<ListKind>();

  constructor(
    private readonly client: () => Client | undefined,
    private readonly current: () => UpstreamLists,
    private readonly done: (lists: UpstreamLists, kinds: ListKind[]) => void,
    private readonly failed: (kinds: ListKind[], err: unknown) => void,
    private readonly timeoutMs: () => number,
  ) {}

  schedule(kind: ListKind): void {
    this.again.add(kind);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    for (let client = this.client(); this.again.size > 0 && client; client = this.client()) {
      const kinds = [...this.again];
      this.again.clear();
      try {
        const lists = await fetchLists(client, this.current(), kinds, this.timeoutMs());
        if (this.client() === client) this.done(lists, kinds);
      } catch (err) {
        this.failed(kinds, err);
      }
    }
  }
}
