// Options, the bounds of every loop, and small statistics shared by the benchmark's parts.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'profile-upstream': { type: 'string', default: 'stdio' },
    'profile-client': { type: 'string', default: 'legacy' },
  },
});

/** Rounds of each measure; figures are medians over them. */
export const ROUNDS = Math.max(1, Number(values.rounds) || 3);
export const PARTS = ['calls', 'start', 'rss', 'reload', 'profile'] as const;
/** Which upstream the `profile` part puts behind the profiled gateway: stdio (the fixture) or http (the HTTP fixture). */
export const PROFILE_UPSTREAM = (['http', 'modern'] as const).find((u) => u === values['profile-upstream']) ?? 'stdio';
/** Which client era drives the profiled gateway: legacy (a 2025-11-25 session) or modern (2026-07-28, stateless). */
export const PROFILE_CLIENT: 'legacy' | 'modern' = values['profile-client'] === 'modern' ? 'modern' : 'legacy';
export const want = (part: (typeof PARTS)[number]) => !values.only || values.only.split(',').includes(part);

/** Every loop's bounds (count and time). */
export const S = {
  warmupCalls: 300,
  /** Per mode and round; the modes take turns call by call. */
  sequentialCalls: 1000,
  sequentialMaxMs: 30_000,
  sessions: 4,
  inflight: 8,
  /** Per mode and round: `concurrentSlices` slices of `concurrentSliceMs`, the modes taking turns. */
  concurrentSlices: 3,
  concurrentSliceMs: 1000,
  listServers: 20,
  toolsPerServer: 50,
  listCalls: 30,
  openSessions: 100,
  /** 2026-07-28 requests before the RSS is read again (nothing may be retained per request). */
  statelessCalls: 10_000,
  reloadEdits: 20,
  reloadTimeoutMs: 5000,
  profileMs: 8000,
  totalMaxMs: 35 * 60_000,
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The q-quantile of sorted values (nearest rank). */
export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
export const round1 = (x: number) => Math.round(x * 10) / 10;
export const round3 = (x: number) => Math.round(x * 1000) / 1000;
