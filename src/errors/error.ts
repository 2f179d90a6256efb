import type { Code } from './codes.js';

/** Where in a file a problem is: 1-based line and column, and the config path. */
export interface Location {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** Dotted config path, e.g. servers.github.auth.scopes. */
  readonly path?: string;
}

export type Severity = 'error' | 'warning' | 'info';

/**
 * A problem found, as data: what validate, doctor and /status report. The message never
 * contains a secret value: it quotes templates or names variables instead.
 */
export interface Finding extends Location {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
}

export interface McpgwErrorOptions {
  readonly hint?: string;
  readonly location?: Location;
  /** Extra data for clients: spread into a JSON-RPC error's `data` (e.g. authorizationUrl). */
  readonly details?: Record<string, unknown>;
  /** The located problems behind the error (MCPGW_E_CONFIG_INVALID): the CLI prints each. */
  readonly findings?: readonly Finding[];
  readonly cause?: unknown;
}

/**
 * The one error type of mcpgw. Foreign errors are translated into it at each boundary; its
 * code (src/errors/codes.ts) decides every outward form, rendered by src/errors/render.ts.
 */
export class McpgwError extends Error {
  readonly code: Code;
  readonly hint?: string;
  readonly location?: Location;
  readonly details?: Record<string, unknown>;
  readonly findings?: readonly Finding[];

  constructor(code: Code, message: string, options: McpgwErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'McpgwError';
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.details = options.details;
    this.findings = options.findings;
  }

  toFinding(severity: Severity = 'error'): Finding {
    return { code: this.code, severity, message: this.message, hint: this.hint, ...this.location };
  }
}
