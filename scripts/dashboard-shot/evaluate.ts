// Every query of the dashboard sent to Prometheus as Grafana would send it: range queries for
// time series, instant ones for stat and table panels. A query Prometheus refuses is an error
// of the dashboard; one that answers nothing is reported, since the load may not cover it.
import type { RunningPrometheus, Series } from './prometheus.js';
import { legendOf, queriesOf, rateInterval, type Dashboard, type Panel, type PanelQuery } from './panels.js';

export interface DrawnSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface PanelResult {
  readonly panel: Panel;
  readonly series: DrawnSeries[];
  /** Each target's outcome: `ok (n series)`, `no data`, or the error Prometheus gave. */
  readonly targets: { refId: string; expr: string; kind: 'range' | 'instant'; status: string; error?: string }[];
}

export interface Window {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** The number of finite points: histogram_quantile() of an empty window is NaN, drawn as a gap. */
const finite = (s: Series) => s.values.filter(([, v]) => Number.isFinite(v)).length;

async function run(prom: RunningPrometheus, q: PanelQuery, window: Window): Promise<Series[]> {
  if (q.kind === 'instant') return prom.instant(q.expr, window.end);
  return prom.range(q.expr, window.start, window.end, window.step);
}

export async function evaluate(prom: RunningPrometheus, dashboard: Dashboard, window: Window): Promise<PanelResult[]> {
  const intervals = {
    rateInterval: rateInterval(prom.scrapeSeconds, window.step),
    interval: window.step,
    range: Math.round(window.end - window.start),
  };
  const results = new Map<Panel, PanelResult>(dashboard.panels.map((p) => [p, { panel: p, series: [], targets: [] }]));
  for (const q of queriesOf(dashboard, intervals)) {
    const result = results.get(q.panel)!;
    const refId = q.target.refId ?? String(result.targets.length);
    try {
      const series = (await run(prom, q, window)).filter((s) => finite(s) > 0);
      result.targets.push({ refId, expr: q.expr, kind: q.kind, status: series.length === 0 ? 'no data' : `ok (${series.length} series)` });
      for (const s of series) result.series.push({ name: legendOf(q.target.legendFormat, s.metric), labels: s.metric, points: s.values });
    } catch (err) {
      result.targets.push({ refId, expr: q.expr, kind: q.kind, status: 'error', error: (err as Error).message });
    }
  }
  return [...results.values()];
}

/** One line per target, for the console and the commit message. */
export function report(results: readonly PanelResult[]): string {
  return results
    .flatMap((r) =>
      r.targets.map(
        (t) => `${String(r.panel.id).padStart(2)} ${r.panel.title} [${t.refId}, ${t.kind}]: ${t.error ? `ERROR ${t.error}` : t.status}`,
      ),
    )
    .join('\n');
}

export const failures = (results: readonly PanelResult[]) => results.flatMap((r) => r.targets.filter((t) => t.status === 'error'));
