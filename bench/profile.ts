// Summary of a V8 .cpuprofile (node --cpu-prof): self time per function and per area
// (package, Node internals, mcpgw's src/, GC), over the samples taken inside a time window.
import { readFileSync } from 'node:fs';
import { ROOT } from './proc.js';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time inside the window, idle excluded, in ms. */
  busyMs: number;
  idleMs: number;
  /** Whether the window could be applied (else the whole profile is summarized). */
  windowed: boolean;
  /** The window, in the profile's clock (µs): for a closer look at the .cpuprofile. */
  windowUs: [number, number];
  top: { fn: string; where: string; selfMs: number; pct: number }[];
  /** Self time by where the code lives. */
  areas: { area: string; selfMs: number; pct: number }[];
  /** Time with at least one frame of the area on the stack (synchronous stacks only: after an await, the caller is gone). */
  inclusive: { area: string; ms: number; pct: number }[];
}

/** Where a frame's code lives, short: `src/http/mcp.ts:52`, `zod/v4/core/...`, `node:internal/...`. */
export function where(frame: CallFrame): string {
  let url = frame.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) url = url.slice(nm + '/node_modules/'.length);
  else if (url.startsWith(ROOT)) url = url.slice(ROOT.length);
  // Code run through tsx (src/) is transformed: its line numbers are not the source's.
  return url && frame.lineNumber > 0 ? `${url}:${frame.lineNumber + 1}` : url;
}

export function area(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:'))
    return url.startsWith('node:internal/deps/undici') ? 'node: undici' : `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith(`${ROOT}src/`)) return 'mcpgw src/';
  return url.startsWith(ROOT) ? url.slice(ROOT.length) : url;
}

/** The areas on each node's synchronous stack (those `keep` accepts), each once, memoized per node. */
export function stackAreas(profile: CpuProfile, keep: (area: string) => boolean = () => true): (id: number) => Set<string> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Set<string>>();
  const of = (id: number): Set<string> => {
    let set = memo.get(id);
    if (!set) {
      const up = parent.get(id);
      set = new Set(up === undefined ? [] : of(up));
      const a = area(nodes.get(id)!.callFrame);
      if (keep(a)) set.add(a);
      memo.set(id, set);
    }
    return set;
  };
  return of;
}

/** Summarizes the samples taken between `fromUs` and `toUs` (V8's monotonic clock, in µs). */
export function summarizeProfile(file: string, fromUs: number, toUs: number, topN = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  // V8 and process.hrtime() share CLOCK_MONOTONIC on Linux; check that the window overlaps.
  const windowed = fromUs >= profile.startTime && toUs <= profile.endTime + 1e6;
  const byFn = new Map<string, { fn: string; where: string; selfUs: number }>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areasOnStack = stackAreas(profile, (a) => !a.startsWith('(') || a === '(garbage collector)');
  let busy = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (windowed && (t < fromUs || t > toUs)) continue;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    const frame = nodes.get(profile.samples[i])!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += weight;
      continue;
    }
    busy += weight;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = byFn.get(key) ?? { fn: frame.functionName || '(anonymous)', where: where(frame), selfUs: 0 };
    entry.selfUs += weight;
    byFn.set(key, entry);
    const a = area(frame);
    byArea.set(a, (byArea.get(a) ?? 0) + weight);
    for (const on of areasOnStack(profile.samples[i])) inclusive.set(on, (inclusive.get(on) ?? 0) + weight);
  }
  const pct = (us: number) => Math.round((1000 * us) / busy) / 10;
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    busyMs: ms(busy),
    idleMs: ms(idle),
    windowed,
    windowUs: [fromUs, toUs],
    top: [...byFn.values()]
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, topN)
      .map((e) => ({ fn: e.fn, where: e.where, selfMs: ms(e.selfUs), pct: pct(e.selfUs) })),
    areas: [...byArea].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ area: name, selfMs: ms(us), pct: pct(us) })),
    inclusive: [...inclusive].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ area: name, ms: ms(us), pct: pct(us) })),
  };
}
