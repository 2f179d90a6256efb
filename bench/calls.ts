// tools/call `echo` direct (an SDK client on the fixture's own Streamable HTTP endpoint)
// against through `mcpgw run` (the fixture as a stdio server, and as an HTTP server):
// sequential latency, concurrent throughput, and CPU per call of each process; and a CPU
// profile of the gateway during the concurrent phase. Issue 17's cost of metrics: the same
// stdio gateway with gateway.metrics.enabled false (gateway-metrics-off) against the default
// (gateway-stdio, metrics on), both with tracing off, taking turns with the other modes.
//
// Each mode has processes of its own (direct: HTTP fixture A; gateway-stdio: gateway S and
// its stdio fixture; gateway-http: gateway H and HTTP fixture B), so the modes can take turns
// closely (call by call, or in 1 s slices) while the CPU of each process still belongs to
// one mode: the turns spread the noise of a busy machine evenly over the modes.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILE_CLIENT, PROFILE_UPSTREAM, ROUNDS, S, median, round1, round3 } from './common.js';
import { closeAll, concurrent, openSessions, paced, rawRequest, sequential, withSessions, type Era, type Session } from './client.js';
import { fixtureServer, startGateway, startHttpFixture, type HttpFixture, type RunningGateway } from './gateway.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { ROOT, cmdline, cpuMs, descendants } from './proc.js';

export type ModeName =
  'direct' | 'gateway-stdio' | 'gateway-http' | 'gateway-modern-client' | 'gateway-modern-upstream' | 'gateway-metrics-off';
/** The modes compared with direct; gateway-metrics-off is compared with gateway-stdio only. */
export type GatewayMode = Exclude<ModeName, 'direct' | 'gateway-metrics-off'>;
export const GATEWAY_MODES: GatewayMode[] = ['gateway-stdio', 'gateway-http', 'gateway-modern-client', 'gateway-modern-upstream'];

interface Mode {
  name: ModeName;
  url: string;
  /** The client's revision: legacy (2025-11-25 session) or modern (2026-07-28, stateless). */
  era: Era;
  tool: string;
  gatewayPid?: number;
  /** The fixture process serving the calls. */
  fixturePid: number;
}

/** CPU milliseconds (per call, once divided), by process. */
interface Cpu {
  gateway?: number;
  fixture: number;
}

const cpuOf = (m: Mode): Cpu => ({ gateway: m.gatewayPid === undefined ? undefined : cpuMs(m.gatewayPid), fixture: cpuMs(m.fixturePid) });
const ZERO: Cpu = { gateway: 0, fixture: 0 };
/** `sum` plus the CPU spent between readings `a` and `b`. */
const addSpent = (sum: Cpu, a: Cpu, b: Cpu): Cpu => ({
  gateway: a.gateway === undefined ? undefined : sum.gateway! + b.gateway! - a.gateway,
  fixture: sum.fixture + b.fixture - a.fixture,
});
const perCall = (spent: Cpu, calls: number): Cpu => ({
  gateway: spent.gateway === undefined ? undefined : round3(spent.gateway / calls),
  fixture: round3(spent.fixture / calls),
});

/** A gateway with the stdio fixture (fx), or with an HTTP server (fx) when `url` is given; profile default. */
const gatewayConfig = (url?: string, protocol?: string, metrics = true) => ({
  version: 1,
  gateway: { logLevel: 'info', ...(metrics ? {} : { metrics: { enabled: false } }) },
  servers: { fx: url ? { url, ...(protocol ? { protocol } : {}) } : fixtureServer() },
});

/** The pid of the stdio fixture a gateway started. */
function stdioFixturePid(gateway: RunningGateway): number {
  const pid = descendants(gateway.proc.pid).find((p) => cmdline(p).includes('bench/fixture.ts'));
  if (!pid) throw new Error("the gateway's stdio fixture process was not found");
  return pid;
}

interface Setup {
  modes: Mode[];
  /** The gateways' log lines at error level, to say why a run failed. */
  errors(): string[];
  stop(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const fixtures: HttpFixture[] = [];
  const gateways: RunningGateway[] = [];
  const stop = async () => {
    await Promise.allSettled(gateways.map((g) => g.stop()));
    await Promise.allSettled(fixtures.map((f) => f.proc.stop()));
  };
  try {
    fixtures.push(await startHttpFixture(), await startHttpFixture(), await startHttpFixture(0, { modern: true }));
    const [a, b, c] = fixtures;
    gateways.push(
      await startGateway(gatewayConfig()),
      await startGateway(gatewayConfig(b.url)),
      await startGateway(gatewayConfig()),
      await startGateway(gatewayConfig(c.url, '2026-07-28')),
      await startGateway(gatewayConfig(undefined, undefined, false)),
    );
    const [gs, gh, gm, ghm, goff] = gateways;
    const via = (name: Exclude<ModeName, 'direct'>, g: RunningGateway, era: Era, fixturePid: number): Mode => ({
      name,
      url: `${g.url}/mcp`,
      era,
      tool: 'fx__echo',
      gatewayPid: g.proc.pid,
      fixturePid,
    });
    const modes: Mode[] = [
      { name: 'direct', url: a.url, era: 'legacy', tool: 'echo', fixturePid: a.proc.pid },
      via('gateway-stdio', gs, 'legacy', stdioFixturePid(gs)),
      via('gateway-http', gh, 'legacy', b.proc.pid),
      via('gateway-modern-client', gm, 'modern', stdioFixturePid(gm)),
      via('gateway-modern-upstream', ghm, 'legacy', c.proc.pid),
      via('gateway-metrics-off', goff, 'legacy', stdioFixturePid(goff)),
    ];
    const errors = () =>
      gateways.flatMap((g) =>
        g
          .log()
          .split('\n')
          .filter((l) => l.includes('"level":"error"')),
      );
    return { modes, errors, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function warmup(url: string, tool: string, era: Era = 'legacy') {
  await withSessions(url, 1, ([session]) => sequential([{ session, tool }], S.warmupCalls, 10_000), era);
  await withSessions(url, S.sessions, (ss) => concurrent(ss, tool, S.inflight, 1000), era);
}

interface ModeRound {
  seq: { calls: number; p50: number; p99: number; cpuPerCall: Cpu };
  conc: { calls: number; perSecond: number; cpuPerCall: Cpu };
  /** gateway-modern-client only: both eras' clients on its gateway, at one rate. */
  paced?: { perSecond: number; legacy: PacedEra; modern: PacedEra };
}
interface PacedEra {
  calls: number;
  cpuPerCall: Cpu;
}

/**
 * Issue 13 item 4: the gateway's CPU per call for a legacy and a 2026-07-28 client (SDK v1
 * and v2, stdio upstream), on one gateway process (no difference of JIT or heap between two
 * processes) and at one pace. At full pace the v2 client sends fewer calls per second, so
 * each event-loop turn batches fewer of them (pipe writes, HTTP parsing) and the CPU per call
 * also measures the client library's speed. The shared pace is this share of the slower
 * client's full-pace throughput (legacy or 2026-07-28, stdio upstream) in the same round.
 */
const PACE_SHARE = 0.6;
type Round = Record<ModeName, ModeRound>;

/** `n` sessions per mode for `use`, closed whatever happens. */
async function withModeSessions<T>(modes: Mode[], n: number, use: (sessions: Session[][]) => Promise<T>): Promise<T> {
  const sessions: Session[][] = [];
  try {
    for (const m of modes) sessions.push(await openSessions(m.url, n, m.era));
    return await use(sessions);
  } finally {
    await closeAll(sessions.flat());
  }
}

/** One round: the sequential phase (modes in turn, call by call), then the concurrent one (modes in turn, slice by slice). */
async function measureRound(modes: Mode[], r: number): Promise<Round> {
  // Rotate the order each round, so that no mode always goes first.
  const order = modes.map((_, i) => modes[(i + r) % modes.length]);
  const seq = await withModeSessions(order, 1, async (sessions) => {
    const before = order.map(cpuOf);
    const latencies = await sequential(
      order.map((m, i) => ({ session: sessions[i][0], tool: m.tool })),
      S.sequentialCalls,
      S.sequentialMaxMs,
    );
    const after = order.map(cpuOf);
    return latencies.map((l, i) => ({ ...l, cpuPerCall: perCall(addSpent(ZERO, before[i], after[i]), l.calls) }));
  });
  const conc = await withModeSessions(order, S.sessions, async (sessions) => {
    const sums = order.map(() => ({ calls: 0, ms: 0, cpu: ZERO }));
    for (let slice = 0; slice < S.concurrentSlices; slice++) {
      for (const [i, m] of order.entries()) {
        const a = cpuOf(m);
        const { calls, ms } = await concurrent(sessions[i], m.tool, S.inflight, S.concurrentSliceMs);
        sums[i] = { calls: sums[i].calls + calls, ms: sums[i].ms + ms, cpu: addSpent(sums[i].cpu, a, cpuOf(m)) };
      }
    }
    return sums.map((t) => ({ calls: t.calls, perSecond: (t.calls * 1000) / t.ms, cpuPerCall: perCall(t.cpu, t.calls) }));
  });
  const round = Object.fromEntries(order.map((m, i) => [m.name, { seq: seq[i], conc: conc[i] }])) as Round;
  const rate = Math.round(PACE_SHARE * Math.min(round['gateway-stdio'].conc.perSecond, round['gateway-modern-client'].conc.perSecond));
  const gm = modes.find((m) => m.name === 'gateway-modern-client')!;
  round['gateway-modern-client'].paced = { perSecond: rate, ...(await measurePaced(gm, rate)) };
  return round;
}

/** A legacy and a 2026-07-28 client on one gateway in turn, slice by slice, each starting `rate` calls per second. */
async function measurePaced(m: Mode, rate: number): Promise<{ legacy: PacedEra; modern: PacedEra }> {
  const eras = [{ ...m, era: 'legacy' as const }, m];
  return withModeSessions(eras, S.sessions, async (sessions) => {
    const sums = eras.map(() => ({ calls: 0, cpu: ZERO }));
    for (let slice = 0; slice < S.concurrentSlices; slice++) {
      for (const [i, e] of eras.entries()) {
        const a = cpuOf(e);
        const { calls } = await paced(sessions[i], e.tool, rate, S.concurrentSliceMs, S.sessions * S.inflight);
        sums[i] = { calls: sums[i].calls + calls, cpu: addSpent(sums[i].cpu, a, cpuOf(e)) };
      }
    }
    const [legacy, modern] = sums.map((t) => ({ calls: t.calls, cpuPerCall: perCall(t.cpu, t.calls) }));
    return { legacy, modern };
  });
}

export async function callsBench() {
  const { modes, errors, stop } = await setup();
  try {
    for (const m of modes) await warmup(m.url, m.tool, m.era);
    // The paced phase also sends legacy calls to the 2026-07-28 client's gateway.
    const gm = modes.find((m) => m.name === 'gateway-modern-client')!;
    await warmup(gm.url, gm.tool, 'legacy');
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      process.stderr.write(`  round ${r + 1}\n`);
      rounds.push(await measureRound(modes, r));
    }
    // The framing of a plain tools/call answer (SPEC 7: plain JSON when the result comes first).
    const contentType = {} as Record<ModeName, string>;
    for (const m of modes) {
      // A 2026-07-28 client has no session for the raw request (its framing is the same code path).
      if (m.era === 'modern') continue;
      contentType[m.name] = await withSessions(
        m.url,
        1,
        async ([s]) => (await rawRequest(m.url, s, 'tools/call', { name: m.tool, arguments: { text: 'x' } })).contentType,
      );
    }
    return { summary: summarize(rounds, contentType), rounds };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- gateway errors ---\n${errors().slice(-10).join('\n')}`, { cause: err });
  } finally {
    await stop();
  }
}

/** Medians over the rounds; ratios are taken within each round (same machine state), then their median. */
function summarize(rounds: Round[], contentType: Record<ModeName, string>) {
  const med = (f: (r: Round) => number) => round3(median(rounds.map(f)));
  const of = (n: ModeName) => {
    const cpu = (phase: 'seq' | 'conc') => ({
      gateway: n === 'direct' ? undefined : med((r) => r[n][phase].cpuPerCall.gateway!),
      fixture: med((r) => r[n][phase].cpuPerCall.fixture),
    });
    return {
      p50Ms: med((r) => r[n].seq.p50),
      p99Ms: med((r) => r[n].seq.p99),
      callsPerSecond: round1(med((r) => r[n].conc.perSecond)),
      cpuMsPerCall: { sequential: cpu('seq'), concurrent: cpu('conc') },
      contentType: contentType[n],
    };
  };
  const ratios = (n: ModeName) => ({
    p50Ratio: med((r) => r[n].seq.p50 / r.direct.seq.p50),
    throughputRatio: med((r) => r[n].conc.perSecond / r.direct.conc.perSecond),
    cpuRatio: med((r) => r[n].conc.cpuPerCall.gateway! / r.direct.conc.cpuPerCall.fixture),
    cpuRatioSequential: med((r) => r[n].seq.cpuPerCall.gateway! / r.direct.seq.cpuPerCall.fixture),
  });
  const gateways = Object.fromEntries(GATEWAY_MODES.map((n) => [n, { ...of(n), ...ratios(n) }])) as Record<
    GatewayMode,
    ReturnType<typeof of> & ReturnType<typeof ratios>
  >;
  // Issue 17: CPU per call of the gateway with metrics on (gateway-stdio) over metrics off, in each round.
  const metrics = {
    off: of('gateway-metrics-off'),
    cpuRatio: med((r) => r['gateway-stdio'].conc.cpuPerCall.gateway! / r['gateway-metrics-off'].conc.cpuPerCall.gateway!),
    cpuRatioSequential: med((r) => r['gateway-stdio'].seq.cpuPerCall.gateway! / r['gateway-metrics-off'].seq.cpuPerCall.gateway!),
  };
  // Issue 13 item 4: a 2026-07-28 client's call against a legacy client's, gateway CPU, stdio upstream.
  const gatewayCpu = (r: Round, n: ModeName, phase: 'seq' | 'conc') => r[n][phase].cpuPerCall.gateway!;
  const eraRatio = (phase: 'seq' | 'conc') =>
    med((r) => gatewayCpu(r, 'gateway-modern-client', phase) / gatewayCpu(r, 'gateway-stdio', phase));
  const atPace = (r: Round) => r['gateway-modern-client'].paced!;
  const eras = {
    pacedPerSecond: med((r) => atPace(r).perSecond),
    pacedCpuMsPerCall: {
      legacy: med((r) => atPace(r).legacy.cpuPerCall.gateway!),
      modern: med((r) => atPace(r).modern.cpuPerCall.gateway!),
    },
    cpuRatioPaced: med((r) => atPace(r).modern.cpuPerCall.gateway! / atPace(r).legacy.cpuPerCall.gateway!),
    cpuRatio: eraRatio('conc'),
    cpuRatioSequential: eraRatio('seq'),
  };
  return { direct: of('direct'), ...gateways, metrics, eras };
}

export type CallsResult = Awaited<ReturnType<typeof callsBench>>;

/**
 * `node --cpu-prof` on a gateway with the stdio fixture, summarized over a concurrent phase
 * only. The profile is kept as bench/results/<stamp>-gateway.cpuprofile (not committed).
 */
export async function profileBench(
  stamp: string,
): Promise<ProfileSummary & { file: string; upstream: string; client: string; callsPerSecond: number; cpuMs: number }> {
  // One profile per thread (tsx's loader hooks run in a worker); the main thread's has thread id 0.
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-bench-prof-'));
  const upstream = PROFILE_UPSTREAM === 'stdio' ? undefined : await startHttpFixture(0, { modern: PROFILE_UPSTREAM === 'modern' });
  try {
    const config = gatewayConfig(upstream?.url, PROFILE_UPSTREAM === 'modern' ? '2026-07-28' : undefined);
    const gw = await startGateway(config, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    let window: [number, number];
    let callsPerSecond: number;
    let cpu: number;
    try {
      const url = `${gw.url}/mcp`;
      await warmup(url, 'fx__echo', PROFILE_CLIENT);
      ({ window, callsPerSecond, cpu } = await withSessions(
        url,
        S.sessions,
        async (ss) => {
          // process.hrtime() and V8's profile timestamps are both CLOCK_MONOTONIC (µs here).
          const from = Number(process.hrtime.bigint() / 1000n);
          const cpu0 = cpuMs(gw.proc.pid);
          const { perSecond } = await concurrent(ss, 'fx__echo', S.inflight, S.profileMs);
          const cpu1 = cpuMs(gw.proc.pid);
          return {
            window: [from, Number(process.hrtime.bigint() / 1000n)] as [number, number],
            callsPerSecond: perSecond,
            cpu: cpu1 - cpu0,
          };
        },
        PROFILE_CLIENT,
      ));
    } finally {
      await gw.stop(); // SIGTERM: a clean exit writes the profiles
    }
    const main = readdirSync(dir).find((f) => f.split('.')[4] === '0' && f.endsWith('.cpuprofile'));
    if (!main) throw new Error(`no main-thread profile among ${readdirSync(dir).join(', ') || 'no files'}`);
    const file = `bench/results/${stamp}-gateway.cpuprofile`;
    copyFileSync(join(dir, main), join(ROOT, file));
    return {
      file,
      upstream: PROFILE_UPSTREAM,
      client: PROFILE_CLIENT,
      callsPerSecond: round1(callsPerSecond),
      cpuMs: cpu,
      ...summarizeProfile(join(ROOT, file), ...window),
    };
  } finally {
    await upstream?.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
