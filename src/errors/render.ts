import { codeInfo, type Code } from './codes.js';
import { McpgwError, type Finding, type Location } from './error.js';

/**
 * The only place that turns errors into what people and clients see: the CLI's lines, the
 * HTTP answer (status and body), the JSON-RPC error. Each form comes from the error's code
 * in the registry (codes.ts); anything that is not an McpgwError is a bug and stays opaque
 * to clients (the caller logs its stack).
 */

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

/** Any thrown value as findings: an error's own findings when it carries them; unknown errors become one internal finding. */
export function toFindings(err: unknown): Finding[] {
  if (err instanceof McpgwError) return err.findings ? [...err.findings] : [err.toFinding()];
  return [{ code: 'MCPGW_E_INTERNAL', severity: 'error', message: describeUnknown(err), hint: 'this is a bug in mcpgw; please report it' }];
}

/**
 * What a command prints on stderr when it fails: the located findings the error carries
 * (MCPGW_E_CONFIG_INVALID), then the error's own line and hint. `path` shows file names as
 * the user would type them.
 */
export function renderCliError(err: unknown, options: { path?: (file: string) => string } = {}): string {
  const findings = err instanceof McpgwError ? [...(err.findings ?? []), err.toFinding()] : toFindings(err);
  const path = options.path ?? ((file: string) => file);
  return findings.map((f) => `${renderFindingText({ ...f, file: f.file && path(f.file) })}\n`).join('');
}

function describeUnknown(err: unknown): string {
  if (err instanceof Error) return `unexpected error: ${err.message.split('\n')[0]}`;
  return `unexpected error: ${String(err)}`;
}

/** The exit status for a failure. */
export function exitCodeOf(err: unknown): number {
  return codeInfo(err instanceof McpgwError ? err.code : 'MCPGW_E_INTERNAL').exit;
}

/** The HTTP status of the answer to a request that ended with this error. */
export function httpStatusOf(err: unknown): number {
  return codeInfo(err instanceof McpgwError ? err.code : 'MCPGW_E_INTERNAL').http;
}

/** The plain JSON error body of every HTTP path (the MCP endpoint answers JSON-RPC instead). */
export interface HttpErrorBody {
  readonly error: { readonly code: Code; readonly message: string; readonly hint?: string };
}

/** An error as an HTTP answer: its registered status and the plain body; unknown errors are opaque. */
export function toHttpError(err: unknown): { status: number; body: HttpErrorBody } {
  if (!(err instanceof McpgwError))
    return { status: httpStatusOf(err), body: { error: { code: 'MCPGW_E_INTERNAL', message: 'internal error' } } };
  return {
    status: httpStatusOf(err),
    body: { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } },
  };
}

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

/** The JSON-RPC error object for a gateway fault; internal errors stay opaque to clients. */
export function toJsonRpcError(err: unknown): JsonRpcErrorObject {
  if (err instanceof McpgwError) {
    return {
      code: codeInfo(err.code).jsonrpc,
      message: err.message,
      data: { code: err.code, ...(err.hint ? { hint: err.hint } : {}), ...(err.details ?? {}) },
    };
  }
  return { code: codeInfo('MCPGW_E_INTERNAL').jsonrpc, message: 'internal error' };
}

/** A JSON-RPC error response; `id` is null when the request was refused before it was read. */
export function toJsonRpcResponse(
  err: unknown,
  id: string | number | null = null,
): { jsonrpc: '2.0'; id: string | number | null; error: JsonRpcErrorObject } {
  return { jsonrpc: '2.0', id, error: toJsonRpcError(err) };
}
