// The table of a run (measure, value, target, met?) as Markdown, and the profile summary.
import type { CallsResult } from './calls.js';
import { S } from './common.js';
import type { reloadBench, rssBench, startBench } from './lifecycle.js';
import type { ProfileSummary } from './profile.js';

export interface Results {
  calls?: CallsResult;
  start?: Awaited<ReturnType<typeof startBench>>;
  rss?: Awaited<ReturnType<typeof rssBench>>;
  reload?: Awaited<ReturnType<typeof reloadBench>>;
  profile?: ProfileSummary & { file: string; callsPerSecond: number; cpuMs: number };
}

export type Row = [measure: string, value: string, target: string, met: string];

const check = (ok: boolean) => (ok ? 'yes' : 'NO');
const info: [string, string] = ['(info)', ''];

export function rows({ calls, start, rss, reload }: Results): Row[] {
  const out: Row[] = [];
  if (calls) {
    const { direct: d, 'gateway-stdio': st, 'gateway-http': ht } = calls.summary;
    const modes = [
      ['direct', d],
      ['via gateway, stdio upstream', st],
      ['via gateway, HTTP upstream', ht],
    ] as const;
    for (const [label, m] of modes)
      out.push([`tools/call p50 / p99 (sequential), ${label}`, `${m.p50Ms.toFixed(2)} / ${m.p99Ms.toFixed(2)} ms`, '', '']);
    out.push(['p50 ratio, stdio upstream / direct', st.p50Ratio.toFixed(2), '<= 1.15', check(st.p50Ratio <= 1.15)]);
    out.push(['p50 ratio, HTTP upstream / direct', ht.p50Ratio.toFixed(2), ...info]);
    for (const [label, m] of modes)
      out.push([`calls/s (${S.sessions} sessions x ${S.inflight} in flight), ${label}`, m.callsPerSecond.toFixed(0), '', '']);
    out.push(['throughput ratio, stdio upstream / direct', st.throughputRatio.toFixed(2), '>= 1.0', check(st.throughputRatio >= 1)]);
    out.push(['throughput ratio, HTTP upstream / direct', ht.throughputRatio.toFixed(2), ...info]);
    const c = (m: typeof d) => m.cpuMsPerCall.concurrent;
    out.push(['CPU ms/call (concurrent), fixture served directly', c(d).fixture.toFixed(3), '', '']);
    out.push(['CPU ms/call (concurrent), gateway, stdio upstream', c(st).gateway!.toFixed(3), '', '']);
    out.push(['CPU ms/call (concurrent), fixture behind it over stdio', c(st).fixture.toFixed(3), ...info]);
    out.push(['CPU ms/call (concurrent), gateway, HTTP upstream', c(ht).gateway!.toFixed(3), ...info]);
    out.push(['CPU ratio, gateway (stdio upstream) / fixture direct', st.cpuRatio.toFixed(2), '<= 1.0', check(st.cpuRatio <= 1)]);
    out.push(['  same, sequential calls', st.cpuRatioSequential.toFixed(2), ...info]);
    out.push(['CPU ratio, gateway (HTTP upstream) / fixture direct', ht.cpuRatio.toFixed(2), ...info]);
    out.push(['tools/call answer framing, via gateway', st.contentType, 'application/json', check(st.contentType === 'application/json')]);
  }
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
    out.push(['RSS idle, examples/gateway.yaml', `${rss.idleMb.toFixed(1)} MB`, '<= 80 MB', check(rss.idleMb <= 80)]);
    out.push([`RSS with ${S.openSessions} open sessions`, `${rss.withSessionsMb.toFixed(1)} MB`, '', '']);
    out.push(['RSS per open session', `${rss.perSessionKb.toFixed(1)} KB`, '<= 150 KB', check(rss.perSessionKb <= 150)]);
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
    `gateway CPU profile, concurrent phase (${p.callsPerSecond} calls/s): sampled ${p.busyMs} ms busy and ${p.idleMs} ms idle; /proc says ${p.cpuMs} ms of CPU${p.windowed ? '' : ' (WHOLE profile: the window could not be applied)'}`,
    `  (the sampler counts as busy the main thread's time runnable but waiting for a core; /proc counts every thread, GC helpers included; ${p.file})`,
    'top self time:',
    ...p.top.slice(0, 15).map((t) => `  ${pct(t.pct)}  ${t.fn}  ${t.where}`),
    'by area: self | on the stack',
    ...p.areas.slice(0, 14).map((a) => `  ${pct(a.pct)} | ${pct(p.inclusive.find((i) => i.area === a.area)?.pct ?? a.pct)}  ${a.area}`),
  ];
  return lines.join('\n');
}
