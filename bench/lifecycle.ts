// The gateway's other figures: start to ready with 20 stdio servers and tools/list of their
// 1000 tools; RSS idle and with 100 open sessions; reload latency.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { parse } from 'yaml';
import { ROUNDS, S, median, quantile, round1 } from './common.js';
import { closeAll, openSessions, rawRequest, withSessions, type Session } from './client.js';
import { fixtureServer, fixturesStartMs, serversStartMs, startGateway, type RunningGateway } from './gateway.js';
import { ROOT, cpuMs, now, rssKb, sleep } from './proc.js';

// ---- 20 stdio servers: start to ready, and tools/list of 1000 tools -----------------------

/** Every page of tools/list with fetch (the body read to the end): the number of tools. */
async function listAll(url: string, s: Session): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const { result } = await rawRequest(url, s, 'tools/list', cursor ? { cursor } : {});
    count += result.tools.length;
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return count;
}

/** tools/list timings on a ready gateway: raw (the target's figure) and through the SDK client (which validates the result). */
async function listTimings(gw: RunningGateway, expected: number) {
  const url = `${gw.url}/mcp`;
  return withSessions(url, 1, async ([s]) => {
    const tools = await listAll(url, s);
    if (tools !== expected) throw new Error(`tools/list answered ${tools} tools, expected ${expected}`);
    for (let i = 0; i < 5; i++) await listAll(url, s);
    const raw: number[] = [];
    const cpu0 = cpuMs(gw.proc.pid);
    for (let i = 0; i < S.listCalls; i++) {
      const t0 = now();
      await listAll(url, s);
      raw.push(now() - t0);
    }
    const gatewayCpuMsPerList = (cpuMs(gw.proc.pid) - cpu0) / S.listCalls;
    const sdk: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = now();
      await s.client.listTools();
      sdk.push(now() - t0);
    }
    raw.sort((a, b) => a - b);
    return { listP50Ms: quantile(raw, 0.5), listP99Ms: quantile(raw, 0.99), sdkListP50Ms: median(sdk), gatewayCpuMsPerList };
  });
}

export async function startBench() {
  const servers = Object.fromEntries(
    Array.from({ length: S.listServers }, (_, i) => [`s${String(i + 1).padStart(2, '0')}`, fixtureServer(S.toolsPerServer - 1)]),
  );
  const expected = S.listServers * S.toolsPerServer;
  const gatewayRun = async () => {
    const gw = await startGateway({ version: 1, gateway: { logLevel: 'info' }, servers });
    try {
      return { gatewayReadyMs: gw.readyMs, ...(await listTimings(gw, expected)) };
    } finally {
      await gw.stop();
    }
  };
  const alone = () => fixturesStartMs(S.listServers, S.toolsPerServer - 1);
  const rounds: Record<string, number>[] = [];
  const example = exampleConfig();
  const everything = example.servers.everything as { args: string[] };
  for (let r = 0; r < ROUNDS; r++) {
    process.stderr.write(`  round ${r + 1}: the example config, 20 stdio servers\n`);
    const empty = await startGateway({ version: 1, gateway: { logLevel: 'info' } });
    await empty.stop();
    // SPEC section 7: spawn to /readyz 200 at most 300 ms plus the slowest server's own start.
    const exampleAloneMs = await serversStartMs(1, everything.args);
    const exampleGw = await startGateway(example);
    await exampleGw.stop();
    // Alternate which of the two starts first.
    let fixturesAloneMs: number;
    let gateway: Awaited<ReturnType<typeof gatewayRun>>;
    if (r % 2 === 0) {
      fixturesAloneMs = await alone();
      gateway = await gatewayRun();
    } else {
      gateway = await gatewayRun();
      fixturesAloneMs = await alone();
    }
    rounds.push({
      emptyGatewayReadyMs: empty.readyMs,
      emptyGatewayReadyCpuMs: empty.readyCpuMs,
      exampleAloneMs,
      exampleReadyMs: exampleGw.readyMs,
      exampleReadyCpuMs: exampleGw.readyCpuMs,
      exampleOverheadMs: exampleGw.readyMs - exampleAloneMs,
      fixturesAloneMs,
      ...gateway,
      readyOverheadMs: gateway.gatewayReadyMs - fixturesAloneMs,
    });
  }
  const keys = [
    'listP50Ms',
    'listP99Ms',
    'sdkListP50Ms',
    'gatewayCpuMsPerList',
    'emptyGatewayReadyMs',
    'emptyGatewayReadyCpuMs',
    'exampleAloneMs',
    'exampleReadyMs',
    'exampleReadyCpuMs',
    'exampleOverheadMs',
    'fixturesAloneMs',
    'gatewayReadyMs',
    'readyOverheadMs',
  ] as const;
  const med = Object.fromEntries(keys.map((k) => [k, round1(median(rounds.map((r) => r[k])))])) as Record<(typeof keys)[number], number>;
  return { tools: expected, ...med, rounds: rounds.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round1(v)]))) };
}

// ---- RSS: idle with the example config, and with 100 open sessions -----------------------

/** examples/gateway.yaml, its `npx -y @modelcontextprotocol/server-everything` replaced by the installed copy (no network). */
export function exampleConfig(): Record<string, any> {
  const config = parse(readFileSync(join(ROOT, 'examples/gateway.yaml'), 'utf8'));
  const everything = config.servers?.everything;
  if (everything?.command !== 'npx') throw new Error('examples/gateway.yaml changed: expected servers.everything to run npx');
  everything.command = process.execPath;
  everything.args = [join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];
  return config;
}

/** VmRSS after a second's rest: the median of 5 samples over another second. */
async function settledRssKb(pid: number): Promise<number> {
  await sleep(1000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++, await sleep(200)) samples.push(rssKb(pid));
  return median(samples);
}

/**
 * VmRSS of a daemon at rest. V8 keeps the heap it has grown to until its memory reducer runs,
 * some 20-50 s after the last burst of allocation (`Mark-Compact (reduce)` under --trace-gc),
 * and gives the pages back then: an idle daemon settles there. Sampled each second until the
 * RSS has fallen by RESTED_DROP_KB from the first sample and then held for 5 samples (the
 * median of those), or for RESTED_MAX_MS (the median of the last 5).
 */
async function restedRssKb(pid: number): Promise<{ kb: number; afterMs: number }> {
  const t0 = now();
  const samples = [rssKb(pid)];
  for (;;) {
    await sleep(1000);
    samples.push(rssKb(pid));
    const last = samples.slice(-5);
    const fell = samples[0] - Math.max(...last) >= RESTED_DROP_KB;
    const held = last.length === 5 && Math.max(...last) - Math.min(...last) <= RESTED_HELD_KB;
    if ((fell && held) || now() - t0 >= RESTED_MAX_MS) return { kb: median(last), afterMs: Math.round(now() - t0) };
  }
}
const RESTED_DROP_KB = 2048;
const RESTED_HELD_KB = 512;
const RESTED_MAX_MS = 90_000;

/** `total` 2026-07-28 tools/call requests, 4 stateless clients x 8 in flight. */
async function statelessCalls(url: string, total: number): Promise<void> {
  const clients = await openSessions(url, S.sessions, 'modern');
  try {
    let sent = 0;
    const loop = async (s: Session) => {
      while (sent < total) {
        const result = await s.callTool('everything__echo', { message: `m${sent++}` });
        if (result.isError) throw new Error(`everything__echo failed: ${JSON.stringify(result.content)}`);
      }
    };
    await Promise.all(clients.flatMap((s) => Array.from({ length: S.inflight }, () => loop(s))));
  } finally {
    await closeAll(clients);
  }
}

interface RssRound {
  /** 1 s after ready, and at rest (restedRssKb). */
  idleKb: number;
  idleRestedKb: number;
  /** 1 s after the stateless calls; at rest after them; at rest after the sessions have closed too. */
  afterStatelessKb: number;
  statelessRestedKb: number;
  afterStatelessRestedKb: number;
  /** With the sessions open, 1 s after their tools/list: measured from statelessRestedKb. */
  withSessionsKb: number;
  perSessionKb: number;
  /** How long each rest took to settle. */
  restedAfterMs: [idle: number, afterStateless: number, afterSessions: number];
}

export async function rssBench() {
  const rounds: RssRound[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    process.stderr.write(`  round ${r + 1}: RSS\n`);
    const gw = await startGateway(exampleConfig());
    try {
      const idleKb = await settledRssKb(gw.proc.pid);
      const idleRested = await restedRssKb(gw.proc.pid);
      // Nothing may stay behind an answered 2026-07-28 request (SPEC section 7).
      await statelessCalls(`${gw.url}/mcp`, S.statelessCalls);
      const afterStatelessKb = await settledRssKb(gw.proc.pid);
      // The check: at rest after the stateless calls alone, before any legacy session.
      const statelessRested = await restedRssKb(gw.proc.pid);
      // Sessions are measured from that rest: what they add then includes the heap they grow,
      // so the figure per session is an upper bound.
      const withSessionsKb = await withSessions(`${gw.url}/mcp`, S.openSessions, async (sessions) => {
        for (const s of sessions) await s.client.listTools(); // what a client does after connecting
        const status = (await (await fetch(`${gw.url}/status`)).json()) as { profiles: Record<string, { sessions: number }> };
        if (status.profiles.default.sessions !== S.openSessions)
          throw new Error(`/status shows ${status.profiles.default.sessions} sessions`);
        return settledRssKb(gw.proc.pid);
      });
      // At rest again, with the sessions closed: what stays of the calls (and of the closed sessions).
      const afterRested = await restedRssKb(gw.proc.pid);
      rounds.push({
        idleKb,
        idleRestedKb: idleRested.kb,
        afterStatelessKb,
        afterStatelessRestedKb: afterRested.kb,
        withSessionsKb,
        statelessRestedKb: statelessRested.kb,
        perSessionKb: round1((withSessionsKb - statelessRested.kb) / S.openSessions),
        restedAfterMs: [idleRested.afterMs, statelessRested.afterMs, afterRested.afterMs],
      });
    } finally {
      await gw.stop();
    }
  }
  const mb = (f: (r: RssRound) => number) => round1(median(rounds.map(f)) / 1024);
  return {
    idleMb: mb((r) => r.idleKb),
    idleRestedMb: mb((r) => r.idleRestedKb),
    afterStatelessMb: mb((r) => r.afterStatelessKb),
    afterStatelessRestedMb: mb((r) => r.afterStatelessRestedKb),
    statelessGrowthMb: mb((r) => r.afterStatelessKb - r.idleKb),
    statelessRestedMb: mb((r) => r.statelessRestedKb),
    statelessOnlyGrowthRestedMb: mb((r) => r.statelessRestedKb - r.idleRestedKb),
    statelessGrowthRestedMb: mb((r) => r.afterStatelessRestedKb - r.idleRestedKb),
    statelessCalls: S.statelessCalls,
    withSessionsMb: mb((r) => r.withSessionsKb),
    perSessionKb: round1(median(rounds.map((r) => r.perSessionKb))),
    rounds,
  };
}

// ---- reload: file write to notifications/tools/list_changed ------------------------------

export async function reloadBench() {
  // Each edit denies the other generated tool, so each one changes the tool list.
  const config = (k: number) => ({
    version: 1,
    gateway: { logLevel: 'info' },
    servers: { fx: { ...fixtureServer(10), tools: { deny: [`extra_000${k % 2}`] } } },
  });
  const gw = await startGateway(config(0));
  const rounds: { medianMs: number; maxMs: number }[] = [];
  try {
    await withSessions(`${gw.url}/mcp`, 1, async ([s]) => {
      let notified: (() => void) | undefined;
      s.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => notified?.());
      let k = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const times: number[] = [];
        for (let i = 0; i < S.reloadEdits; i++) {
          let timer: NodeJS.Timeout | undefined;
          const got = new Promise<boolean>((resolve) => {
            notified = () => resolve(true);
            timer = setTimeout(() => resolve(false), S.reloadTimeoutMs);
          });
          const t0 = now();
          gw.writeConfig(config(++k));
          const ok = await got;
          clearTimeout(timer);
          if (!ok) throw new Error(`no tools/list_changed within ${S.reloadTimeoutMs} ms of edit ${k}`);
          times.push(now() - t0);
          notified = undefined;
          await s.client.listTools(); // what a client does on list_changed
          await sleep(300); // past the debounce, so that the edits stay apart
        }
        rounds.push({ medianMs: round1(median(times)), maxMs: round1(Math.max(...times)) });
      }
    });
  } finally {
    await gw.stop();
  }
  return { medianMs: round1(median(rounds.map((r) => r.medianMs))), edits: S.reloadEdits, rounds };
}
