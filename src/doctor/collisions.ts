import { buildCatalog, type MemberView } from '../gateway/catalog.js';
import type { DoctorContext } from './context.js';
import { probeServer } from './probe.js';
import type { CheckResult } from './types.js';

/**
 * Live: the catalog each profile would expose, built by the gateway's own buildCatalog from
 * the lists doctor read, for collisions learned only at run time (two unprefixed servers with
 * the same tool, a prefix that meets another server's names). Same-prefix collisions are
 * config errors and come from the loader instead.
 */
export async function checkCollisions(ctx: DoctorContext): Promise<CheckResult[]> {
  const model = ctx.model!;
  const specs = ctx.selected.filter((s) => s.enabled || ctx.named(s.name));
  const probes = new Map(await Promise.all(specs.map(async (s) => [s.name, await probeServer(ctx, s)] as const)));
  const results: CheckResult[] = [];
  for (const profile of model.profiles) {
    const members: MemberView[] = [];
    for (const name of profile.servers) {
      const spec = model.servers.find((s) => s.name === name);
      const lists = probes.get(name)?.lists;
      if (!spec || !lists) continue;
      members.push({ name, prefix: spec.prefix, tools: spec.tools, ready: true, lists });
    }
    if (members.length < 2) continue;
    // One finding per dropped server and profile, with examples.
    const byServer = new Map<string, string[]>();
    for (const w of buildCatalog(members, profile.tools).drops) {
      if (!w.winner) continue;
      const key = `${w.server}\0${w.winner}`;
      byServer.set(key, [...(byServer.get(key) ?? []), `${w.kind} ${w.name}`]);
    }
    for (const [key, items] of byServer) {
      const [loser, winner] = key.split('\0') as [string, string];
      results.push({
        code: 'MCPGW_W_TOOL_COLLISION',
        severity: 'warning',
        group: loser,
        message: `in profile "${profile.name}", ${items.length === 1 ? 'one name is' : `${items.length} names are`} also served by "${winner}" (listed first), so this server's are dropped: ${items.slice(0, 2).join(', ')}${items.length > 2 ? ', ...' : ''}`,
        hint: `give "${loser}" a prefix (servers.${loser}.prefix), or deny those tools with servers.${loser}.tools.deny`,
        ...ctx.at(['servers', loser], { key: true }),
      });
    }
  }
  return results;
}
