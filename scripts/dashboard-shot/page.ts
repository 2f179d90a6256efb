// The HTML page of the screenshot: the panels placed by their gridPos on Grafana's 24-column
// grid, in its dark theme. Time series are lineChart()s with a legend, stat panels their last
// value, tables one row per series (its labels and value). Everything is inline: the page
// loads nothing.
import type { PanelResult } from './evaluate.js';
import { PALETTE, formatValue, lineChart } from './chart.js';

export const PAGE_WIDTH = 1600;
const PAD = 16;
const HEADER = 48;
/** Grafana's grid: one height unit is 30 px, panels 8 px apart. */
const ROW = 30;
const GAP = 8;
const COLUMN = (PAGE_WIDTH - 2 * PAD + GAP) / 24;

export interface PageInfo {
  readonly title: string;
  readonly start: number;
  readonly end: number;
  /** The line under the title: where the data comes from. */
  readonly caption: string;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function pageHeight(results: readonly PanelResult[]): number {
  const rows = Math.max(...results.map((r) => r.panel.gridPos.y + r.panel.gridPos.h));
  return HEADER + PAD + rows * ROW + PAD;
}

function legend(result: PanelResult): string {
  const items = result.series.map(
    (s, i) => `<span class="item"><i style="background:${PALETTE[i % PALETTE.length]}"></i>${escape(s.name)}</span>`,
  );
  return `<div class="legend">${items.join('')}</div>`;
}

function timeseries(result: PanelResult, width: number, height: number, info: PageInfo): string {
  const legendRows = Math.min(3, Math.ceil(result.series.length / Math.max(1, Math.floor(width / 190))));
  const chartHeight = height - 16 * legendRows - 8;
  const unit = result.panel.fieldConfig?.defaults?.unit;
  return lineChart(result.series, { width, height: chartHeight, start: info.start, end: info.end, unit }) + legend(result);
}

function table(result: PanelResult): string {
  const columns = [...new Set(result.series.flatMap((s) => Object.keys(s.labels)))].filter((k) => k !== '__name__');
  const unit = result.panel.fieldConfig?.defaults?.unit;
  const head = `<tr>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}<th>Value</th></tr>`;
  const rows = result.series.map((s) => {
    const value = s.points[s.points.length - 1]?.[1] ?? NaN;
    return `<tr>${columns.map((c) => `<td>${escape(s.labels[c] ?? '')}</td>`).join('')}<td>${formatValue(value, unit)}</td></tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function stat(result: PanelResult): string {
  const unit = result.panel.fieldConfig?.defaults?.unit;
  const values = result.series.map((s, i) => {
    const v = s.points[s.points.length - 1]?.[1] ?? NaN;
    return `<div class="stat" style="color:${PALETTE[i % PALETTE.length]}">${formatValue(v, unit)}<small>${escape(s.name)}</small></div>`;
  });
  return `<div class="stats">${values.join('')}</div>`;
}

function panel(result: PanelResult, info: PageInfo): string {
  const { x, y, w, h } = result.panel.gridPos;
  const [left, top] = [PAD + x * COLUMN, HEADER + PAD + y * ROW];
  const [width, height] = [w * COLUMN - GAP, h * ROW - GAP];
  const [innerWidth, innerHeight] = [width - 16, height - 40];
  let body: string;
  if (result.series.length === 0) body = '<div class="nodata">No data</div>';
  else if (result.panel.type === 'table') body = table(result);
  else if (result.panel.type === 'stat') body = stat(result);
  else body = timeseries(result, innerWidth, innerHeight, info);
  const style = `left:${left}px;top:${top}px;width:${width}px;height:${height}px`;
  return `<section style="${style}"><h2>${escape(result.panel.title)}</h2><div class="body">${body}</div></section>`;
}

const CSS = `
body{margin:0;background:#111217;color:#ccccdc;font:12px Inter,"Helvetica Neue",Arial,sans-serif;width:${PAGE_WIDTH}px;position:relative}
header{height:${HEADER}px;display:flex;align-items:center;gap:16px;padding:0 ${PAD}px;border-bottom:1px solid #2c3235}
header h1{font-size:18px;font-weight:500;margin:0;color:#d8d9da}header span{color:#8e8e8e}
header .range{margin-left:auto;border:1px solid #2c3235;border-radius:2px;padding:4px 8px;color:#ccccdc}
section{position:absolute;box-sizing:border-box;background:#181b1f;border:1px solid #2c3235;border-radius:2px;overflow:hidden}
h2{font-size:14px;font-weight:500;margin:0;padding:8px;height:16px;line-height:16px;color:#ccccdc}
.body{padding:0 8px 8px}svg text{fill:#8e8e8e;font-size:11px}svg .grid{stroke:#2c3235;stroke-width:1}
.legend{display:flex;flex-wrap:wrap;gap:2px 14px;max-height:50px;overflow:hidden;padding-top:4px}
.legend .item{display:flex;align-items:center;gap:6px;white-space:nowrap}.legend i{width:14px;height:4px;border-radius:2px;display:inline-block}
table{width:100%;border-collapse:collapse}th{text-align:left;color:#6e9fff;font-weight:500;padding:6px 8px;border-bottom:1px solid #2c3235}
td{padding:5px 8px;border-bottom:1px solid #22252b}
.nodata{display:flex;align-items:center;justify-content:center;height:180px;color:#8e8e8e;font-size:14px}
.stats{display:flex;gap:24px;justify-content:center;align-items:center;height:100%}.stat{font-size:36px;font-weight:500;text-align:center}
.stat small{display:block;font-size:12px;color:#8e8e8e}`;

export function page(results: readonly PanelResult[], info: PageInfo): string {
  const minutes = Math.round((info.end - info.start) / 60);
  const header = `<header><h1>${escape(info.title)}</h1><span>${escape(info.caption)}</span><div class="range">Last ${minutes} minutes</div></header>`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body style="height:${pageHeight(results)}px">${header}${results.map((r) => panel(r, info)).join('')}</body></html>`;
}
