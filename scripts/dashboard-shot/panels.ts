// The dashboard as Grafana would query it: each panel's targets with Grafana's variables
// replaced, and whether the panel asks for a range (time series) or one instant (stat, table,
// or a target marked instant). Pure: no I/O beyond reading the file.
import { readFileSync } from 'node:fs';

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Target {
  readonly refId?: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly range?: boolean;
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: GridPos;
  readonly targets?: readonly Target[];
  readonly fieldConfig?: { readonly defaults?: { readonly unit?: string } };
}

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly current?: { readonly value?: string | string[] };
}

export interface Dashboard {
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating?: { readonly list?: readonly Variable[] };
}

/** One query to send to Prometheus for a panel. */
export interface PanelQuery {
  readonly panel: Panel;
  readonly target: Target;
  readonly kind: 'range' | 'instant';
  /** The expression with every variable replaced. */
  readonly expr: string;
}

/** Interval variables, in seconds (Grafana's built-ins that a PromQL range can hold). */
export interface Intervals {
  readonly rateInterval: number;
  readonly interval: number;
  readonly range: number;
}

export function loadDashboard(path: string): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

/**
 * Grafana's `$__rate_interval` for a Prometheus data source: the larger of four scrape
 * intervals and one step plus one scrape interval, so a rate() window always holds at least
 * two samples whatever the zoom.
 */
export function rateInterval(scrapeSeconds: number, stepSeconds: number): number {
  return Math.max(4 * scrapeSeconds, stepSeconds + scrapeSeconds);
}

/**
 * What a template variable becomes: its current value when the dashboard stores one (a
 * regex alternation of several), else `.*`, which is what "All" sends in a `=~` matcher. A
 * data source variable never appears in PromQL, only in the panel's datasource field.
 */
function variableValue(v: Variable | undefined): string {
  const value = v?.current?.value;
  if (Array.isArray(value)) return value.length === 1 ? value[0]! : `(${value.join('|')})`;
  if (value === undefined || value === '$__all') return '.*';
  return value;
}

/** `$name`, `${name}`, `${name:format}` and `[[name]]` replaced, built-ins first. */
export function substitute(expr: string, dashboard: Pick<Dashboard, 'templating'>, intervals: Intervals): string {
  const builtins: Record<string, string> = {
    __rate_interval: `${intervals.rateInterval}s`,
    __interval: `${intervals.interval}s`,
    __interval_ms: String(intervals.interval * 1000),
    __range: `${intervals.range}s`,
    __range_s: String(intervals.range),
  };
  const variables = new Map((dashboard.templating?.list ?? []).map((v) => [v.name, v]));
  const replace = (name: string): string => {
    if (name in builtins) return builtins[name]!;
    return variableValue(variables.get(name));
  };
  return expr
    .replace(/\$\{(\w+)(?::\w+)?\}/g, (_m, name: string) => replace(name))
    .replace(/\[\[(\w+)\]\]/g, (_m, name: string) => replace(name))
    .replace(/\$(\w+)/g, (_m, name: string) => replace(name));
}

/** Panels Grafana draws from one instant: a stat, gauge, bar gauge or table shows the last value. */
const INSTANT_TYPES = new Set(['stat', 'gauge', 'bargauge', 'table']);

export function queriesOf(dashboard: Dashboard, intervals: Intervals): PanelQuery[] {
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target): PanelQuery => {
      const instant = target.instant === true || (INSTANT_TYPES.has(panel.type) && target.range !== true);
      return { panel, target, kind: instant ? 'instant' : 'range', expr: substitute(target.expr, dashboard, intervals) };
    }),
  );
}

/** A series' name in the legend: `{{label}}` from its labels, or the labels themselves. */
export function legendOf(format: string | undefined, labels: Readonly<Record<string, string>>): string {
  if (format && format !== '__auto')
    return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '').trim() || '(empty)';
  const pairs = Object.entries(labels).filter(([k]) => k !== '__name__');
  return pairs.length === 0 ? 'value' : `{${pairs.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}
