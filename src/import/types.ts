import type { Finding } from '../errors/error.js';

/**
 * The neutral form of an imported server, between a client's file and gateway.yaml. String
 * values are kept as parts until every server is known, because a secret's variable name
 * depends on the server's final name and on the names every other secret took.
 */

/** The clients `--from` names; anything else is a path. */
export const CLIENTS = ['claude-desktop', 'claude-code', 'vscode', 'cursor', 'codex', 'gemini'] as const;
export type ClientId = (typeof CLIENTS)[number];

/** How a file is read: which keys hold the servers, which placeholders its strings use. */
export type Format =
  | 'claude-desktop'
  | 'claude-code'
  | 'cursor'
  | 'vscode'
  | 'vscode-settings'
  | 'codex'
  | 'gemini'
  /** A path with none of the keys clients keep servers under: an error when read. */
  | 'unknown';

/** One client file to read. */
export interface SourceFile {
  readonly path: string;
  /** The path as shown to the user (~/... or relative to the working folder). */
  readonly display: string;
  readonly format: Format;
  /** The client's name for messages: "Claude Desktop". */
  readonly label: string;
  /**
   * The project folder of a project file (.vscode/mcp.json, .mcp.json, .cursor/mcp.json): what
   * ${workspaceFolder} means, and the working folder the client gave its stdio servers.
   */
  readonly workspace?: string;
}

/** A piece of a string value. */
export type Part =
  | { readonly kind: 'text'; readonly text: string }
  /** A variable the client read from its environment (${VAR}, ${env:VAR}, Codex's env_vars): same name. */
  | { readonly kind: 'env'; readonly name: string; readonly fallback?: string }
  /** A VS Code input (${input:id}), prompted by VS Code: becomes a variable the user sets. */
  | { readonly kind: 'input'; readonly id: string; readonly file: string; readonly description?: string; readonly fallback?: string }
  /**
   * A literal secret: never written to gateway.yaml. `label` is the base of its variable name
   * (the env key, or a header, flag or parameter name); `scoped` names start with the server's name.
   */
  | { readonly kind: 'secret'; readonly value: string; readonly label: string; readonly scoped: boolean; readonly where: string };

export type Value = readonly Part[];

/** A server read from a client file, before naming and secret allocation. */
export interface Candidate {
  /** The name in the client's file. */
  readonly name: string;
  readonly source: SourceFile;
  readonly line?: number;
  readonly column?: number;
  readonly command?: Value;
  readonly args?: readonly Value[];
  readonly env?: ReadonlyArray<readonly [string, Value]>;
  readonly cwd?: Value;
  readonly inheritEnv?: readonly string[];
  readonly url?: Value;
  readonly transport?: 'streamable-http' | 'sse';
  readonly headers?: ReadonlyArray<readonly [string, Value]>;
  readonly auth?:
    | { readonly type: 'apiKey'; readonly header?: string; readonly value: Value }
    | { readonly type: 'oauth'; readonly clientId?: Value; readonly clientSecret?: Value; readonly scopes?: readonly string[] };
  readonly enabled?: false;
  readonly timeouts?: { readonly connect?: string; readonly call?: string };
  readonly tools?: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
}

/** What reading one file gave. */
export interface SourceResult {
  readonly source: SourceFile;
  readonly candidates: readonly Candidate[];
  /** Warnings: entries skipped, keys not carried over, placeholders kept as they are. */
  readonly findings: readonly Finding[];
}
