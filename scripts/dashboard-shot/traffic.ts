// The screenshot's load: SDK clients of both eras calling several tools through the gateway
// (successes, tool errors, timeouts), 2025-era sessions opened and closed as they go (session
// durations), and events at fixed points of the run (a reload, a rejected config, a token the
// server refuses, an authorization server outage, a crashing stdio server).
import { closeAll, openSession, type Era, type Session } from '../../bench/client.js';
import { now, sleep } from '../../bench/proc.js';

interface Call {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly weight: number;
}

/** What the clients call, by weight: mostly successes, some tool errors and timeouts (basic's call timeout is 1 s). */
const CALLS: readonly Call[] = [
  { tool: 'basic__echo', args: { text: 'hello' }, weight: 8 },
  { tool: 'basic__add', args: { a: 1, b: 2 }, weight: 4 },
  { tool: 'remote__echo', args: { text: 'hello' }, weight: 8 },
  { tool: 'secure__echo', args: { text: 'hello' }, weight: 3 },
  { tool: 'basic__add_tool', args: { name: 'echo' }, weight: 1 },
  { tool: 'basic__slow', args: { ms: 200 }, weight: 1 },
  { tool: 'basic__slow', args: { ms: 1500 }, weight: 0.3 },
];
const TOTAL = CALLS.reduce((s, c) => s + c.weight, 0);

/** A small deterministic generator, so two runs make the same mix. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => (x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function pick(r: number): Call {
  let left = r * TOTAL;
  for (const c of CALLS) if ((left -= c.weight) < 0) return c;
  return CALLS[0]!;
}

export interface Counts {
  ok: number;
  toolErrors: number;
  failed: number;
}

async function callOnce(session: Session, call: Call, counts: Counts): Promise<void> {
  try {
    const result = await session.callTool(call.tool, call.args);
    if (result.isError) counts.toolErrors++;
    else counts.ok++;
  } catch {
    // A timeout, a restarting server, a refused token: the gateway's error, counted by it too.
    counts.failed++;
  }
}

/** The pause between calls: the load swells and ebbs twice over the run, so the curves move. */
function pauseMs(elapsed: number, total: number): number {
  const phase = Math.sin((elapsed / total) * 4 * Math.PI);
  return 60 + 120 * (1 - phase);
}

async function worker(session: Session, seed: number, end: number, total: number, counts: Counts): Promise<void> {
  const rand = random(seed);
  const start = end - total;
  while (now() < end) {
    await callOnce(session, pick(rand()), counts);
    await sleep(pauseMs(now() - start, total));
  }
}

/** Short 2025-era sessions, one every few seconds, each calling for 3-12 s on the default or the `remote` profile. */
async function churn(url: string, end: number, counts: Counts): Promise<void> {
  const rand = random(7);
  const running: Promise<void>[] = [];
  for (let i = 0; now() < end - 3000; i++) {
    const life = 3000 + rand() * 9000;
    const profileUrl = i % 3 === 2 ? `${url}/remote` : url;
    running.push(
      openSession(profileUrl).then(
        async (s) => {
          const until = Math.min(now() + life, end);
          while (now() < until) await callOnce(s, i % 3 === 2 ? CALLS[2]! : CALLS[0]!, counts).then(() => sleep(300));
          await s.close();
        },
        () => void counts.failed++,
      ),
    );
    await sleep(2500 + rand() * 2500);
  }
  await Promise.allSettled(running);
}

export interface TrafficEvent {
  /** When, as a fraction of the run. */
  readonly at: number;
  readonly name: string;
  run(): Promise<unknown>;
}

async function events(list: readonly TrafficEvent[], start: number, total: number, done: string[]): Promise<void> {
  for (const e of [...list].sort((a, b) => a.at - b.at)) {
    await sleep(Math.max(0, start + e.at * total - now()));
    await e.run().then(
      () => done.push(e.name),
      (err: unknown) => done.push(`${e.name} (failed: ${(err as Error).message})`),
    );
  }
}

/** Runs the load for `seconds` on `url` (the gateway's /mcp): what the clients saw, and the events that ran. */
export async function drive(url: string, seconds: number, list: readonly TrafficEvent[]): Promise<{ counts: Counts; events: string[] }> {
  const counts: Counts = { ok: 0, toolErrors: 0, failed: 0 };
  const eras: Era[] = ['legacy', 'legacy', 'legacy', 'modern', 'modern'];
  const sessions = await Promise.all(eras.map((era) => openSession(url, era)));
  const total = seconds * 1000;
  const start = now();
  const end = start + total;
  const done: string[] = [];
  try {
    await Promise.all([
      ...sessions.map((s, i) => worker(s, i + 1, end, total, counts)),
      churn(url, end, counts),
      events(list, start, total, done),
    ]);
  } finally {
    await closeAll(sessions);
  }
  return { counts, events: done };
}
