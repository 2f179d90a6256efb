// An SVG line chart in the manner of Grafana's time series panel (dark theme): grid, y axis in
// the panel's unit, time on x, one coloured line per series. Points that are not finite
// (NaN from histogram_quantile over an empty window) break the line.
import type { DrawnSeries } from './evaluate.js';

/** Grafana's classic palette, in its order. */
export const PALETTE = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#705da0', '#37872d', '#fade2a'];

const SI = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'K'],
] as const;

function short(v: number): string {
  const a = Math.abs(v);
  for (const [f, s] of SI) if (a >= f) return `${trim(v / f)}${s}`;
  return trim(v);
}

function trim(v: number): string {
  const a = Math.abs(v);
  const digits = a === 0 || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

function seconds(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${trim(v * 1e6)} µs`;
  if (a < 1) return `${trim(v * 1e3)} ms`;
  if (a < 60) return `${trim(v)} s`;
  if (a < 3600) return `${trim(v / 60)} min`;
  return `${trim(v / 3600)} hour`;
}

/** A value in a Grafana unit (the few the dashboard uses; others as plain numbers). */
export function formatValue(v: number, unit: string | undefined): string {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 'percentunit') return `${trim(v * 100)}%`;
  if (unit === 'percent') return `${trim(v)}%`;
  if (unit === 's') return seconds(v);
  if (unit === 'reqps') return `${short(v)} req/s`;
  if (unit === 'bytes') return `${short(v)}B`;
  return short(v);
}

/** Round tick values covering [min, max], about `count` of them. */
export function ticks(min: number, max: number, count = 4): number[] {
  if (max <= min) max = min + 1;
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step);
  return out;
}

const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);

function path(points: DrawnSeries['points'], x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [t, v] of points) {
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly start: number;
  readonly end: number;
  readonly unit?: string;
}

/** The chart's SVG; the series' colours are PALETTE in order (the legend uses the same). */
export function lineChart(series: readonly DrawnSeries[], box: ChartBox): string {
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const ys = ticks(Math.min(0, ...values), Math.max(...values, 0) || 1);
  const [lo, hi] = [ys[0]!, ys[ys.length - 1]!];
  const left = 8 + Math.max(...ys.map((v) => formatValue(v, box.unit).length)) * 6.6;
  const [top, bottom, right] = [6, box.height - 20, box.width - 8];
  const x = (t: number) => left + ((t - box.start) / (box.end - box.start)) * (right - left);
  const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const grid = ys.map(
    (v) =>
      `<line x1="${left}" x2="${right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>` +
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${formatValue(v, box.unit)}</text>`,
  );
  const span = box.end - box.start;
  const times = Array.from({ length: 6 }, (_, i) => box.start + (span * i) / 5);
  const axis = times.map(
    (t) =>
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${bottom}" class="grid"/>` +
      `<text x="${x(t)}" y="${bottom + 15}" text-anchor="middle">${clock(t)}</text>`,
  );
  const lines = series.map(
    (s, i) => `<path d="${path(s.points, x, y)}" stroke="${PALETTE[i % PALETTE.length]}" fill="none" stroke-width="1.5"/>`,
  );
  return `<svg width="${box.width}" height="${box.height}" xmlns="http://www.w3.org/2000/svg">${grid.join('')}${axis.join('')}${lines.join('')}</svg>`;
}
