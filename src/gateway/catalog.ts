import type { Prompt, Resource, ResourceTemplateType as ResourceTemplate, Tool } from '@modelcontextprotocol/client';
import type { FilterSpec } from '../config/types.js';
import { compileFilter } from './filter.js';

/**
 * Merging the members of a profile into what its clients see (SPEC section 2, exposed
 * names). Pure: members in, catalog out; recomputed whenever a member's lists change.
 */

/** What the catalog needs of a member: its config and its current lists. */
export interface MemberView {
  readonly name: string;
  /** '' for none. */
  readonly prefix: string;
  readonly tools: FilterSpec;
  readonly ready: boolean;
  readonly lists: {
    readonly tools: readonly Tool[];
    readonly prompts: readonly Prompt[];
    readonly resources: readonly Resource[];
    readonly resourceTemplates: readonly ResourceTemplate[];
  };
}

/** Where an exposed name goes: the member and the upstream's own name. */
export interface Route {
  readonly server: string;
  readonly name: string;
}

export interface Catalog {
  readonly tools: readonly Tool[];
  readonly prompts: readonly Prompt[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  readonly toolRoutes: ReadonlyMap<string, Route>;
  readonly promptRoutes: ReadonlyMap<string, Route>;
  /** Exact resource URI -> member. */
  readonly resourceRoutes: ReadonlyMap<string, string>;
  /** URI template -> member. */
  readonly templateRoutes: ReadonlyMap<string, string>;
  /** Items dropped (collisions, overlong names), as data for doctor ... */
  readonly drops: readonly CatalogDrop[];
  /** ... and as text for the log and /status. */
  readonly warnings: readonly string[];
}

/** An item a member offers that its profile does not expose. */
export interface CatalogDrop {
  readonly kind: 'tool' | 'prompt';
  /** The exposed name it would have had. */
  readonly name: string;
  /** The member whose item was dropped. */
  readonly server: string;
  /** For a collision: the member listed first, which keeps the name. */
  readonly winner?: string;
}

/** Longer names are dropped: the MCP spec's tool-name limit. */
export const MAX_NAME_LENGTH = 128;

export const SEPARATOR = '__';

export function exposedName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}${SEPARATOR}${name}`;
}

export function buildCatalog(members: readonly MemberView[], profileTools: FilterSpec): Catalog {
  const profileFilter = compileFilter(profileTools);
  const dropped: Dropped = { drops: [], warnings: [] };
  const tools: Tool[] = [];
  const prompts: Prompt[] = [];
  const resources: Resource[] = [];
  const resourceTemplates: ResourceTemplate[] = [];
  const toolRoutes = new Map<string, Route>();
  const promptRoutes = new Map<string, Route>();
  const resourceRoutes = new Map<string, string>();
  const templateRoutes = new Map<string, string>();
  for (const member of members) {
    if (!member.ready) continue;
    // Order of operations (SPEC section 2): server filter on upstream names, prefix, profile
    // filter on exposed names, then collisions (the member listed first wins).
    const serverFilter = compileFilter(member.tools);
    for (const tool of member.lists.tools) {
      if (serverFilter(tool.name)) expose('tool', tool, member, { routes: toolRoutes, out: tools, keep: profileFilter }, dropped);
    }
    for (const prompt of member.lists.prompts) expose('prompt', prompt, member, { routes: promptRoutes, out: prompts }, dropped);
    // Resource URIs pass through unchanged; a URI served by two members goes to the first.
    passThrough(member.lists.resources, (r) => r.uri, member, resourceRoutes, resources);
    passThrough(member.lists.resourceTemplates, (t) => t.uriTemplate, member, templateRoutes, resourceTemplates);
  }
  return { tools, prompts, resources, resourceTemplates, toolRoutes, promptRoutes, resourceRoutes, templateRoutes, ...dropped };
}

interface Dropped {
  readonly drops: CatalogDrop[];
  readonly warnings: string[];
}

/** Adds one named item under its exposed name, unless filtered out, too long or taken by an earlier member. */
function expose<T extends { name: string }>(
  kind: 'tool' | 'prompt',
  item: T,
  member: MemberView,
  into: { routes: Map<string, Route>; out: T[]; keep?: (name: string) => boolean },
  dropped: Dropped,
): void {
  const name = exposedName(member.prefix, item.name);
  if (into.keep && !into.keep(name)) return;
  if (name.length > MAX_NAME_LENGTH) {
    dropped.drops.push({ kind, name, server: member.name });
    dropped.warnings.push(`${kind} "${name}" of server "${member.name}" dropped: its name is over ${MAX_NAME_LENGTH} characters`);
    return;
  }
  const winner = into.routes.get(name);
  if (winner) {
    dropped.drops.push({ kind, name, server: member.name, winner: winner.server });
    dropped.warnings.push(
      `${kind} "${name}" of server "${member.name}" dropped: server "${winner.server}" (listed first) has one of that name`,
    );
    return;
  }
  into.routes.set(name, { server: member.name, name: item.name });
  into.out.push(name === item.name ? item : { ...item, name });
}

/** Items under their own key (a URI), each to the first member that has it. */
function passThrough<T>(items: readonly T[], key: (item: T) => string, member: MemberView, routes: Map<string, string>, out: T[]): void {
  for (const item of items) {
    if (routes.has(key(item))) continue;
    routes.set(key(item), member.name);
    out.push(item);
  }
}

/**
 * For a name that is not in the catalog: the member whose unavailability explains it
 * (SPEC section 5, calls to servers that are not ready), if any.
 */
export function memberToBlame(name: string, members: readonly MemberView[]): string | undefined {
  for (const member of members) {
    if (!member.ready && member.prefix !== '' && name.startsWith(`${member.prefix}${SEPARATOR}`)) return member.name;
  }
  const unprefixed = members.filter((m) => m.prefix === '');
  if (unprefixed.length === 1 && !unprefixed[0]!.ready) return unprefixed[0]!.name;
  return undefined;
}
