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
  secrets: ReadonlyArray<Secret & { readonly forms: readonly string[] }>;
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
  state.secrets = secrets
    .filter((s) => s.value.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.value.length - a.value.length)
    .map((s) => ({ ...s, forms: formsOf(s.value) }));
}

/**
 * A secret as it appears in text, and as the two formats would have escaped it: JSON (a `"` or
 * `\` becomes `\"`, `\\`) and pretty. Values are redacted before they are serialized; the
 * escaped forms catch a secret inside text that is itself serialized (an upstream's JSON body
 * quoted in an error message).
 */
function formsOf(value: string): readonly string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), escapeText(value), quote(value).slice(1, -1)];
  return [...new Set(forms)];
}

/** The text with every secret, raw or escaped, replaced by its label. */
export function redact(text: string): string {
  let out = text;
  for (const s of state.secrets) for (const form of s.forms) if (out.includes(form)) out = out.split(form).join(s.label);
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
    // Redacted value by value, then serialized, then once more as a whole (issue 14, item 9).
    const safe = serializeFields(fields);
    const line = redact(
      state.format === 'json'
        ? jsonLine(level, redact(component), redact(message), safe)
        : prettyLine(level, redact(component), redact(message), safe),
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

/**
 * What a terminal acts on or a reader takes for a line break: C0 and C1 controls (ESC starts
 * the escape sequences), DEL, the line and paragraph separators, and the bidi marks, embeddings,
 * overrides and isolates that reorder what is shown ("Trojan Source").
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** UNSAFE for a test (a /g regex keeps its lastIndex between calls). */
const HAS_UNSAFE = new RegExp(UNSAFE.source);
/** The same, less what JSON.stringify already escapes (C0). */
const UNSAFE_IN_JSON = /[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every unsafe character written as an escape (\n, \x1b, \u202e): one line, nothing a terminal acts on. */
function escapeText(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? hex(c));
}

/** A double-quoted pretty value: `"` and `\` escaped, then the unsafe characters. */
function quote(text: string): string {
  return `"${escapeText(text.replace(/["\\]/g, '\\$&'))}"`;
}

function jsonLine(level: Level, component: string, message: string, fields: Fields): string {
  const json = JSON.stringify({ time: new Date().toISOString(), level, component, msg: message, ...fields });
  // Still valid JSON with the same values: \uXXXX escapes for what JSON.stringify leaves raw.
  return `${json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

const COLORS: Record<Level, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

function prettyLine(level: Level, component: string, message: string, fields: Fields): string {
  const time = new Date().toISOString().slice(11, 23);
  const tag = state.color ? `${COLORS[level]}${level.toUpperCase().padEnd(5)}\x1b[0m` : level.toUpperCase().padEnd(5);
  const extra = Object.entries(fields)
    .map(([k, v]) => `${escapeText(k)}=${prettyValue(v)}`)
    .join(' ');
  return `${time} ${tag} [${escapeText(component)}] ${escapeText(message)}${extra ? ` ${extra}` : ''}\n`;
}

function prettyValue(value: unknown): string {
  if (typeof value !== 'string') return escapeText(JSON.stringify(value) ?? 'null');
  return value !== '' && !/[\s"\\]/.test(value) && !HAS_UNSAFE.test(value) ? value : quote(value);
}

/** The fields as plain JSON values, every string redacted (keys too); undefined ones left out. */
function serializeFields(fields?: Fields): Fields {
  if (!fields) return {};
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    const value = sanitize(v, state.level === 'debug' || k === 'stack', 0, new Set());
    if (value !== undefined) out[redact(k)] = value;
  }
  return out;
}

/** Deep enough for any field we log; deeper is cut rather than walked. */
const MAX_DEPTH = 8;

function sanitize(value: unknown, withStack: boolean, depth: number, path: Set<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (value instanceof Error) {
    return { message: redact(value.message), ...(withStack && value.stack ? { stack: redact(value.stack) } : {}) };
  }
  if (path.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[...]';
  path.add(value);
  try {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return sanitize(toJSON.call(value), withStack, depth + 1, path);
    if (Array.isArray(value)) return value.map((item) => sanitize(item, withStack, depth + 1, path) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const item = sanitize(v, withStack, depth + 1, path);
      if (item !== undefined) out[redact(k)] = item;
    }
    return out;
  } finally {
    path.delete(value);
  }
}
