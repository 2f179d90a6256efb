import type { ConfigModel, GatewaySpec } from '../config/types.js';

/** What a new config changes, for the reload log line and for deciding what to restart. */
export interface ChangeSummary {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Definition changed: a new upstream replaces the old one. */
  readonly restarted: readonly string[];
  /** Only catalog settings changed (prefix, tools filter, call timeout): no restart. */
  readonly updated: readonly string[];
  readonly profilesChanged: boolean;
  /** Gateway settings that need a process restart to take effect (SPEC section 5). */
  readonly restartNeeded: readonly ('listen' | 'publicUrl' | 'dataDir')[];
  /** Whether anything at all differs. */
  readonly changed: boolean;
}

const RESTART_FIELDS = ['listen', 'publicUrl', 'dataDir'] as const;

/** Pure: compares two models (either may be the first one, with nothing before). */
export function summarizeChanges(previous: ConfigModel | undefined, next: ConfigModel): ChangeSummary {
  const before = new Map((previous?.servers ?? []).filter((s) => s.enabled).map((s) => [s.name, s]));
  const after = new Map(next.servers.filter((s) => s.enabled).map((s) => [s.name, s]));
  const added = [...after.keys()].filter((n) => !before.has(n));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const restarted: string[] = [];
  const updated: string[] = [];
  for (const [name, spec] of after) {
    const old = before.get(name);
    if (!old) continue;
    if (old.fingerprint !== spec.fingerprint) restarted.push(name);
    else if (JSON.stringify(old) !== JSON.stringify(spec)) updated.push(name);
  }
  const profilesChanged = JSON.stringify(previous?.profiles ?? null) !== JSON.stringify(next.profiles);
  const restartNeeded = previous ? RESTART_FIELDS.filter((f) => !sameSetting(previous.gateway, next.gateway, f)) : [];
  const gatewayChanged = previous ? JSON.stringify(previous.gateway) !== JSON.stringify(next.gateway) : true;
  return {
    added,
    removed,
    restarted,
    updated,
    profilesChanged,
    restartNeeded,
    changed: added.length + removed.length + restarted.length + updated.length > 0 || profilesChanged || gatewayChanged,
  };
}

function sameSetting(a: GatewaySpec, b: GatewaySpec, field: (typeof RESTART_FIELDS)[number]): boolean {
  return JSON.stringify(a[field]) === JSON.stringify(b[field]);
}

/** "added: x; restarted: y; profiles changed" for the log. */
export function describeChanges(s: ChangeSummary): string {
  const parts: string[] = [];
  if (s.added.length) parts.push(`added ${s.added.join(', ')}`);
  if (s.removed.length) parts.push(`removed ${s.removed.join(', ')}`);
  if (s.restarted.length) parts.push(`restarted ${s.restarted.join(', ')}`);
  if (s.updated.length) parts.push(`updated ${s.updated.join(', ')}`);
  if (s.profilesChanged) parts.push('profiles changed');
  if (s.restartNeeded.length) parts.push(`${s.restartNeeded.join(', ')} need a restart`);
  return parts.length > 0 ? parts.join('; ') : 'no server or profile changed';
}
