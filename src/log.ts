import type { Secret } from './config/templates.js';

/**
 * A small structured logger: one line per event, pretty or JSON, with a component name.
 * Every line passes through redaction of the current config's secret values, as a last
 * guard: code should never log a secret in the first place (SPEC section 2).
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'pretty' | 'json';
export type Fields = Record<string, unknown>;

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Values shorter than this are not redacted by value: they would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;

export interface Sink {
  write(line: string): void;
}

interface LogState {
  level: Level;
  format: LogFormat;
  sink: Sink;
  secrets: readonly Secret[];
  color: boolean;
  /** Called for every error-level line (tests fail on unexpected errors). */
  onError?: (line: string) => void;
}

const state: LogState = {
  level: 'info',
  format: 'pretty',
  sink: { write: (line) => process.stderr.write(line) },
  secrets: [],
  color: false,
};

export function configureLog(options: Partial<Omit<LogState, 'secrets'>>): void {
  Object.assign(state, options);
}

/** Replaces the secret values redacted from every line (on each accepted config). */
export function setLogSecrets(secrets: readonly Secret[]): void {
  state.secrets = secrets.filter((s) => s.value.length >= MIN_SECRET_LENGTH).sort((a, b) => b.value.length - a.value.length);
}

export function redact(text: string): string {
  let out = text;
  for (const s of state.secrets) if (out.includes(s.value)) out = out.split(s.value).join(s.label);
  return out;
}

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(component: string): Logger;
}

export function createLogger(component: string): Logger {
  const emit = (level: Level, message: string, fields?: Fields) => {
    if (RANK[level] < RANK[state.level]) return;
    const line = redact(
      state.format === 'json' ? jsonLine(level, component, message, fields) : prettyLine(level, component, message, fields),
    );
    state.sink.write(line);
    if (level === 'error') state.onError?.(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name) => createLogger(`${component}.${name}`),
  };
}

function jsonLine(level: Level, component: string, message: string, fields?: Fields): string {
  return `${JSON.stringify({ time: new Date().toISOString(), level, component, msg: message, ...serializeFields(fields) })}\n`;
}

const COLORS: Record<Level, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

function prettyLine(level: Level, component: string, message: string, fields?: Fields): string {
  const time = new Date().toISOString().slice(11, 23);
  const tag = state.color ? `${COLORS[level]}${level.toUpperCase().padEnd(5)}\x1b[0m` : level.toUpperCase().padEnd(5);
  const extra = fields
    ? Object.entries(serializeFields(fields))
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/[\s"]/.test(v) ? v : JSON.stringify(v)}`)
        .join(' ')
    : '';
  return `${time} ${tag} [${component}] ${message}${extra ? ` ${extra}` : ''}\n`;
}

function serializeFields(fields?: Fields): Fields {
  if (!fields) return {};
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v instanceof Error ? { message: v.message, ...(state.level === 'debug' || k === 'stack' ? { stack: v.stack } : {}) } : v;
  }
  return out;
}
