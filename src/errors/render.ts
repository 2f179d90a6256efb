import { codeInfo } from './codes.js';
import { McpgwError, type Finding, type Location } from './error.js';

/** `gateway.yaml:12:5` (as much of it as is known), or '' when nothing is known. */
export function formatLocation(loc: Location): string {
  if (!loc.file) return '';
  let text = loc.file;
  if (loc.line !== undefined) {
    text += `:${loc.line}`;
    if (loc.column !== undefined) text += `:${loc.column}`;
  }
  return text;
}

/** One line for a terminal: `file:line:col path: message`, plus an indented hint line. */
export function renderFindingText(f: Finding, options: { code?: boolean } = {}): string {
  const where = formatLocation(f);
  const prefix = [where, f.path].filter(Boolean).join(' ');
  const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'info';
  const code = options.code === false ? '' : ` [${f.code}]`;
  let text = `${level}: ${prefix ? `${prefix}: ` : ''}${f.message}${code}`;
  if (f.hint) text += `\n  hint: ${f.hint}`;
  return text;
}

/** Any thrown value as findings; unknown errors become one opaque internal finding. */
export function toFindings(err: unknown): Finding[] {
  if (err && typeof err === 'object' && 'findings' in err && Array.isArray((err as { findings: unknown }).findings)) {
    return [...(err as { findings: Finding[] }).findings];
  }
  if (err instanceof McpgwError) return [err.toFinding()];
  return [{ code: 'MCPGW_E_INTERNAL', severity: 'error', message: describeUnknown(err), hint: 'this is a bug in mcpgw; please report it' }];
}

function describeUnknown(err: unknown): string {
  if (err instanceof Error) return `unexpected error: ${err.message.split('\n')[0]}`;
  return `unexpected error: ${String(err)}`;
}

/** The exit status for a failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof McpgwError ? codeInfo(err.code).exit : 1;
}

/** The JSON-RPC error object for a gateway fault; internal errors stay opaque to clients. */
export function toJsonRpcError(err: unknown): { code: number; message: string; data?: Record<string, unknown> } {
  if (err instanceof McpgwError) {
    return {
      code: codeInfo(err.code).jsonrpc,
      message: err.message,
      data: { code: err.code, ...(err.hint ? { hint: err.hint } : {}), ...(err.details ?? {}) },
    };
  }
  return { code: -32603, message: 'internal error' };
}
