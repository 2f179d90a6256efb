import { formatLocation } from '../errors/render.js';
import { NOTE_CODES, type DoctorFinding, type DoctorGroup, type DoctorReport } from './types.js';

/**
 * doctor's text output: one block per group (gateway, then each server), one marker per
 * finding, its fix and code indented below, wrapped to 80 columns; a summary line last.
 * Colour only when asked (the caller decides: a TTY, and NO_COLOR unset).
 */

export interface RenderOptions {
  readonly color?: boolean;
  readonly width?: number;
  /** How to show a file path (relative to the working folder, say). */
  readonly displayPath?: (path: string) => string;
}

const MARK = { error: 'error', warning: 'warn', info: 'ok' } as const;
const INDENT = 9;

export function renderText(report: DoctorReport, options: RenderOptions = {}): string {
  const width = options.width ?? 80;
  const show = options.displayPath ?? ((p: string) => p);
  const c = colors(options.color ?? false);
  const lines: string[] = [`mcpgw doctor: ${show(report.config)}${report.offline ? ' (offline)' : ''}`];
  for (const group of report.groups) {
    lines.push('', c.bold(title(group)));
    const findings = report.findings.filter((f) => f.group === group.name);
    if (findings.length === 0)
      lines.push(`  ${c.dim('-'.padEnd(INDENT - 2))}${report.offline ? 'nothing to check offline' : 'nothing to report'}`);
    for (const f of findings) lines.push(...renderFinding(f, width, show, c));
  }
  lines.push('', summaryLine(report, c));
  return `${lines.join('\n')}\n`;
}

function title(g: DoctorGroup): string {
  if (g.kind === 'gateway') return 'gateway';
  const details = [g.transport, g.enabled === false ? 'disabled' : undefined].filter(Boolean).join(', ');
  return `server ${g.name}${details ? ` (${details})` : ''}`;
}

function renderFinding(f: DoctorFinding, width: number, show: (p: string) => string, c: Colors): string[] {
  const neutral = NOTE_CODES.test(f.code);
  const mark = neutral ? 'info' : MARK[f.severity];
  const paint = f.severity === 'error' ? c.red : f.severity === 'warning' ? c.yellow : neutral ? c.cyan : c.green;
  const pad = ' '.repeat(INDENT);
  const out = wrap(f.message, width - INDENT).map((line, i) => (i === 0 ? `  ${paint(mark.padEnd(INDENT - 2))}${line}` : `${pad}${line}`));
  if (f.hint) out.push(...wrap(`fix: ${f.hint}`, width - INDENT).map((line, i) => `${pad}${i === 0 ? line : `     ${line}`}`));
  if (f.severity !== 'info') {
    const where = [formatLocation({ ...f, file: f.file && show(f.file) }), f.path].filter(Boolean).join(' ');
    const line = `${f.code}${where ? `  ${where}` : ''}`;
    const lines = line.length <= width - INDENT ? [line] : [f.code, ...wrap(where, width - INDENT)];
    out.push(...lines.map((l) => `${pad}${c.dim(l)}`));
  }
  return out;
}

function summaryLine(r: DoctorReport, c: Colors): string {
  const { errors, warnings, passed, durationMs } = r.summary;
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  const time = `${(durationMs / 1000).toFixed(1)}s`;
  if (errors === 0 && warnings === 0) return c.green(`no problems found: ${passed} passed (${time})`);
  const text = `${n(errors, 'error')}, ${n(warnings, 'warning')}, ${passed} passed (${time})`;
  return errors > 0 ? c.red(text) : c.yellow(text);
}

/** Word-wraps to `width`; a word longer than the line (a URL) stays whole. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s*\n\s*/g, ' ').split(/ +/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

type Paint = (s: string) => string;
interface Colors {
  red: Paint;
  yellow: Paint;
  green: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

function colors(on: boolean): Colors {
  const sgr = (code: string): Paint => (on ? (s) => `\x1b[${code}m${s}\x1b[0m` : (s) => s);
  return { red: sgr('31'), yellow: sgr('33'), green: sgr('32'), cyan: sgr('36'), dim: sgr('2'), bold: sgr('1') };
}
