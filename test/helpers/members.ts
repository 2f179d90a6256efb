// Members of a profile as the runtime hands them to the catalog and the router, from plain names.
import type { Prompt, Resource, ResourceTemplateType as ResourceTemplate, Tool } from '@modelcontextprotocol/client';
import type { FilterSpec } from '../../src/config/types.js';
import type { MemberView } from '../../src/gateway/catalog.js';

export const ALL: FilterSpec = { deny: [] };

/** A member as the runtime builds it; `prefix` defaults to the server name, as in the config. */
export function member(
  name: string,
  lists: { tools?: string[]; prompts?: string[]; resources?: string[]; templates?: string[] } = {},
  options: { prefix?: string; filter?: FilterSpec; ready?: boolean } = {},
): MemberView {
  return {
    name,
    prefix: options.prefix ?? name,
    tools: options.filter ?? ALL,
    ready: options.ready ?? true,
    lists: {
      tools: (lists.tools ?? []).map((t): Tool => ({ name: t, inputSchema: { type: 'object' } })),
      prompts: (lists.prompts ?? []).map((p): Prompt => ({ name: p })),
      resources: (lists.resources ?? []).map((uri): Resource => ({ uri, name: uri })),
      resourceTemplates: (lists.templates ?? []).map((uriTemplate): ResourceTemplate => ({ uriTemplate, name: uriTemplate })),
    },
  };
}
