// The table of a run (measure, value, target, met?) as Markdown, and the profile summary.
import { GATEWAY_MODES, type CallsResult, type GatewayMode } from './calls.js';
import { S } from './common.js';
import type { reloadBench, rssBench, startBench } from './lifecycle.js';
import type { ProfileSummary } from './profile.js';

export interface Results {
  calls?: CallsResult;
  start?: Awaited<ReturnType<typeof startBench>>;
  rss?: Awaited<ReturnType<typeof rssBench>>;
  reload?: Awaited<ReturnType<typeof reloadBench>>;
  profile?: ProfileSummary & { file: string; upstream: string; client?: string; callsPerSecond: number; cpuMs: number };
}

export type Row = [measure: string, value: string, target: string, met: string];

const check = (ok: boolean) => (ok ? 'yes' : 'NO');
const info: [string, string] = ['(info)', ''];

const LABEL: Record<GatewayMode, string> = {
  'gateway-stdio': 'stdio upstream',
  'gateway-http': 'HTTP upstream',
  'gateway-modern-client': '2026-07-28 client, stdio upstream',
  'gateway-modern-upstream': '2026-07-28 HTTP upstream',
};
/** Throughput targets (SPEC section 7): 1.5x direct on the stdio path, 1.2x on the HTTP path. */
const THROUGHPUT: Record<GatewayMode, number> = {
  'gateway-stdio': 1.5,
  'gateway-http': 1.2,
  'gateway-modern-client': 1.5,
  'gateway-modern-upstream': 1.2,
};

function callRows(calls: CallsResult): Row[] {
  const out: Row[] = [];
  const d = calls.summary.direct;
  const modes = GATEWAY_MODES.map((n) => [n, calls.summary[n]] as const);
  out.push(['tools/call p50 / p99 (sequential), direct', `${d.p50Ms.toFixed(2)} / ${d.p99Ms.toFixed(2)} ms`, '', '']);
  for (const [n, m] of modes)
    out.push([`tools/call p50 / p99 (sequential), via gateway, ${LABEL[n]}`, `${m.p50Ms.toFixed(2)} / ${m.p99Ms.toFixed(2)} ms`, '', '']);
  for (const [n, m] of modes) out.push([`p50 ratio, ${LABEL[n]} / direct`, m.p50Ratio.toFixed(2), '<= 1.15', check(m.p50Ratio <= 1.15)]);
  const flight = `${S.sessions} sessions x ${S.inflight} in flight`;
  out.push([`calls/s (${flight}), direct`, d.callsPerSecond.toFixed(0), '', '']);
  for (const [n, m] of modes) out.push([`calls/s (${flight}), via gateway, ${LABEL[n]}`, m.callsPerSecond.toFixed(0), '', '']);
  for (const [n, m] of modes)
    out.push([
      `throughput ratio, ${LABEL[n]} / direct`,
      m.throughputRatio.toFixed(2),
      `>= ${THROUGHPUT[n]}`,
      check(m.throughputRatio >= THROUGHPUT[n]),
    ]);
  out.push(['CPU ms/call (concurrent), fixture served directly', d.cpuMsPerCall.concurrent.fixture.toFixed(3), '', '']);
  for (const [n, m] of modes) {
    out.push([`CPU ms/call (concurrent), gateway, ${LABEL[n]}`, m.cpuMsPerCall.concurrent.gateway!.toFixed(3), '', '']);
    out.push([`CPU ms/call (concurrent), the upstream behind it`, m.cpuMsPerCall.concurrent.fixture.toFixed(3), ...info]);
  }
  for (const [n, m] of modes) {
    out.push([`CPU ratio, gateway (${LABEL[n]}) / fixture direct`, m.cpuRatio.toFixed(2), '<= 0.5', check(m.cpuRatio <= 0.5)]);
    out.push(['  same, sequential calls', m.cpuRatioSequential.toFixed(2), ...info]);
  }
  const st = calls.summary['gateway-stdio'];
  out.push(...eraRows(calls));
  out.push(...metricsRows(calls));
  out.push(['tools/call answer framing, via gateway', st.contentType, 'application/json', check(st.contentType === 'application/json')]);
  return out;
}

/**
 * Issue 13 item 4: the gateway's CPU per call for a 2026-07-28 client over a legacy one (SDK v2
 * and v1 clients, stdio upstream). The target is at one pace for both (bench/calls.ts PACED);
 * at full pace the ratio also carries the two client libraries' different speeds.
 */
function eraRows(calls: CallsResult): Row[] {
  const e = calls.summary.eras;
  if (!e) return [];
  const pace = `both at ${e.pacedPerSecond.toFixed(0)} calls/s`;
  return [
    [`CPU ms/call, gateway, legacy client, ${pace}`, e.pacedCpuMsPerCall.legacy.toFixed(3), '', ''],
    [`CPU ms/call, gateway, 2026-07-28 client, ${pace}`, e.pacedCpuMsPerCall.modern.toFixed(3), '', ''],
    ['CPU ratio, gateway, 2026-07-28 client / legacy client, same pace', e.cpuRatioPaced.toFixed(2), '<= 1.0', check(e.cpuRatioPaced <= 1)],
    ['  same, each client at its full pace (4 sessions x 8 in flight)', e.cpuRatio.toFixed(2), ...info],
    ['  same, sequential calls', e.cpuRatioSequential.toFixed(2), ...info],
  ];
}

/** Issue 17 item 4: the gateway's CPU per call with metrics on (the default) against off, stdio upstream, legacy client. */
function metricsRows(calls: CallsResult): Row[] {
  const m = calls.summary.metrics;
  if (!m) return [];
  const on = calls.summary['gateway-stdio'].cpuMsPerCall;
  return [
    ['CPU ms/call (concurrent), gateway, metrics off', m.off.cpuMsPerCall.concurrent.gateway!.toFixed(3), '', ''],
    ['CPU ms/call (concurrent), gateway, metrics on', on.concurrent.gateway!.toFixed(3), '', ''],
    ['CPU ratio, gateway, metrics on / off', m.cpuRatio.toFixed(2), '<= 1.05', check(m.cpuRatio <= 1.05)],
    ['  same, sequential calls', m.cpuRatioSequential.toFixed(2), ...info],
  ];
}

export function rows({ calls, start, rss, reload }: Results): Row[] {
  const out: Row[] = [];
  if (calls) out.push(...callRows(calls));
  if (start) {
    out.push([
      `tools/list, ${start.tools} tools (20 servers x 50), p50`,
      `${start.listP50Ms.toFixed(1)} ms`,
      '<= 20 ms',
      check(start.listP50Ms <= 20),
    ]);
    out.push(['tools/list, same, through the SDK client, p50', `${start.sdkListP50Ms.toFixed(1)} ms`, ...info]);
    out.push(['gateway CPU per tools/list of 1000 tools', `${start.gatewayCpuMsPerList.toFixed(1)} ms`, ...info]);
    out.push(['start to ready, gateway with no servers', `${start.emptyGatewayReadyMs.toFixed(0)} ms`, ...info]);
    out.push(['  its CPU time to ready', `${start.emptyGatewayReadyCpuMs.toFixed(0)} ms`, ...info]);
    out.push(["start, the example config's server alone (to tools/list answered)", `${start.exampleAloneMs.toFixed(0)} ms`, '', '']);
    out.push(['start to ready, gateway with the example config', `${start.exampleReadyMs.toFixed(0)} ms`, '', '']);
    out.push(['  minus its server alone', `${start.exampleOverheadMs.toFixed(0)} ms`, '<= 300 ms', check(start.exampleOverheadMs <= 300)]);
    out.push(['  its CPU time to ready', `${start.exampleReadyCpuMs.toFixed(0)} ms`, ...info]);
    out.push(['start, 20 fixtures alone (at once, to tools/list answered)', `${start.fixturesAloneMs.toFixed(0)} ms`, '', '']);
    out.push(['start to ready, gateway with 20 stdio servers', `${start.gatewayReadyMs.toFixed(0)} ms`, '', '']);
    out.push([
      '  minus the 20 fixtures alone',
      `${start.readyOverheadMs.toFixed(0)} ms`,
      '<= 2000 ms',
      check(start.readyOverheadMs <= 2000),
    ]);
  }
  if (rss) {
    // At rest: after V8's memory reducer has given back the heap it grew (bench/lifecycle.ts restedRssKb).
    const idle = rss.idleRestedMb;
    out.push(['RSS idle, examples/gateway.yaml, at rest', `${idle.toFixed(1)} MB`, '<= 70 MB', check(idle <= 70)]);
    out.push(['  same, 1 s after ready', `${rss.idleMb.toFixed(1)} MB`, ...info]);
    out.push([`RSS after ${rss.statelessCalls} 2026-07-28 calls, at rest`, `${rss.statelessRestedMb.toFixed(1)} MB`, '', '']);
    const growth = rss.statelessOnlyGrowthRestedMb;
    out.push(['  growth over idle, both at rest', `${growth.toFixed(1)} MB`, '<= 5 MB', check(growth <= 5)]);
    out.push(['  same, 1 s after the calls, over 1 s after ready', `${rss.statelessGrowthMb.toFixed(1)} MB`, ...info]);
    out.push(['  growth at rest after the sessions below have closed too', `${rss.statelessGrowthRestedMb.toFixed(1)} MB`, ...info]);
    out.push([`RSS with ${S.openSessions} open legacy sessions`, `${rss.withSessionsMb.toFixed(1)} MB`, '', '']);
    out.push(['RSS per open legacy session', `${rss.perSessionKb.toFixed(1)} KB`, '<= 100 KB', check(rss.perSessionKb <= 100)]);
  }
  if (reload)
    out.push([
      `reload: file write to tools/list_changed (median of ${reload.edits})`,
      `${reload.medianMs.toFixed(0)} ms`,
      '<= 250 ms',
      check(reload.medianMs <= 250),
    ]);
  return out;
}

export function markdownTable(table: Row[]): string {
  const header: Row = ['measure', 'value', 'target', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: Row) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.map(line)].join('\n');
}

export function profileText(p: NonNullable<Results['profile']>): string {
  const pct = (x: number) => `${x.toFixed(1).padStart(5)}%`;
  const lines = [
    `gateway CPU profile, ${p.client ?? 'legacy'} client, ${p.upstream} upstream, concurrent phase (${p.callsPerSecond} calls/s): sampled ${p.busyMs} ms busy and ${p.idleMs} ms idle; /proc says ${p.cpuMs} ms of CPU${p.windowed ? '' : ' (WHOLE profile: the window could not be applied)'}`,
    `  (the sampler counts as busy the main thread's time runnable but waiting for a core; /proc counts every thread, GC helpers included; ${p.file})`,
    'top self time:',
    ...p.top.slice(0, 15).map((t) => `  ${pct(t.pct)}  ${t.fn}  ${t.where}`),
    'by area: self | on the stack',
    ...p.areas.slice(0, 14).map((a) => `  ${pct(a.pct)} | ${pct(p.inclusive.find((i) => i.area === a.area)?.pct ?? a.pct)}  ${a.area}`),
  ];
  return lines.join('\n');
}
