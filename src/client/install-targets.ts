import { join } from 'node:path';
import { clientFiles, displayOf, LABELS, type Host } from '../import/sources.js';
import type { ClientId, Format } from '../import/types.js';

/**
 * What `mcpgw connect --install CLIENT` writes, per client: which file, under which key, and
 * the entry that points the client at the gateway. HTTP where the client speaks it, else
 * `mcpgw connect` over stdio. No token is ever written: each client's own placeholder names
 * MCPGW_TOKEN (or VS Code asks for it). Pure.
 */

/** The entry's name in the client's file. */
export const ENTRY_NAME = 'mcpgw';
/** The variable the clients' placeholders name. */
export const TOKEN_VARIABLE = 'MCPGW_TOKEN';
/** The VS Code input that asks for the token. */
export const VSCODE_INPUT = 'mcpgw-token';

export interface InstallTarget {
  readonly client: ClientId;
  readonly label: string;
  readonly path: string;
  readonly display: string;
  readonly project: boolean;
  /** How `mcpgw import` reads the file (its reader finds the servers gateway.yaml has). */
  readonly format: Format;
  readonly syntax: 'json' | 'toml';
  /** Where the file keeps its servers. */
  readonly servers: readonly string[];
  /** The client launches only stdio servers from this file. */
  readonly stdioOnly: boolean;
}

/** Project files, relative to the working folder; clients without one take no --project. */
const PROJECT_FILES: Partial<Record<ClientId, string>> = {
  'claude-code': '.mcp.json',
  vscode: '.vscode/mcp.json',
  cursor: '.cursor/mcp.json',
  gemini: '.gemini/settings.json',
};

export function hasProjectFile(client: ClientId): boolean {
  return PROJECT_FILES[client] !== undefined;
}

export function installTarget(client: ClientId, host: Host, project: boolean): InstallTarget {
  const path = project ? join(host.cwd, PROJECT_FILES[client]!) : clientFiles(client, host)[0]!.path;
  const format: Format = client;
  return {
    client,
    label: LABELS[format],
    path,
    display: displayOf(path, host),
    project,
    format,
    syntax: client === 'codex' ? 'toml' : 'json',
    servers: client === 'vscode' ? ['servers'] : client === 'codex' ? ['mcp_servers'] : ['mcpServers'],
    stdioOnly: client === 'claude-desktop',
  };
}

/** How the client reaches the gateway. */
export interface GatewayLink {
  /** The profile's endpoint: <base>/mcp/PROFILE. */
  readonly url: string;
  /** The daemon wants a bearer token. */
  readonly auth: boolean;
  /** `mcpgw connect PROFILE -c CONFIG`, with absolute paths (clients start servers anywhere). */
  readonly command: string;
  readonly args: readonly string[];
}

export interface InstallEntry {
  readonly value: Record<string, unknown>;
  readonly stdio: boolean;
  /** VS Code: the input its header names, added to `inputs`. */
  readonly input?: Record<string, unknown>;
}

export function entryFor(target: InstallTarget, link: GatewayLink, stdioAsked: boolean): InstallEntry {
  const stdio = stdioAsked || target.stdioOnly;
  const command = { command: link.command, args: [...link.args] };
  const bearer = (placeholder: string) => (link.auth ? { headers: { Authorization: `Bearer ${placeholder}` } } : {});
  switch (target.client) {
    case 'claude-desktop':
      return { value: command, stdio: true };
    case 'claude-code':
      return stdio
        ? { value: { type: 'stdio', ...command }, stdio }
        : { value: { type: 'http', url: link.url, ...bearer(`\${${TOKEN_VARIABLE}}`) }, stdio };
    case 'vscode':
      if (stdio) return { value: { type: 'stdio', ...command }, stdio };
      return {
        value: { type: 'http', url: link.url, ...bearer(`\${input:${VSCODE_INPUT}}`) },
        stdio,
        ...(link.auth
          ? { input: { type: 'promptString', id: VSCODE_INPUT, description: 'mcpgw bearer token (MCPGW_TOKEN)', password: true } }
          : {}),
      };
    case 'cursor':
      return stdio ? { value: command, stdio } : { value: { url: link.url, ...bearer(`\${env:${TOKEN_VARIABLE}}`) }, stdio };
    case 'gemini':
      return stdio ? { value: command, stdio } : { value: { httpUrl: link.url, ...bearer(`$${TOKEN_VARIABLE}`) }, stdio };
    case 'codex':
      return stdio
        ? { value: command, stdio }
        : { value: { url: link.url, ...(link.auth ? { bearer_token_env_var: TOKEN_VARIABLE } : {}) }, stdio };
  }
}

/** What to do after an install, for the report. */
export function nextSteps(
  target: InstallTarget,
  entry: InstallEntry,
  context: { auth: boolean; tokenFromEnv?: string; run: string },
): string[] {
  const steps = [`The daemon must be running for it: ${context.run}`];
  const reload: Record<ClientId, string> = {
    'claude-desktop': 'Quit Claude Desktop completely and open it again: it reads its config at start.',
    'claude-code': 'Start a new Claude Code session (or run /mcp in one) to connect to mcpgw.',
    vscode: 'In VS Code, run "MCP: List Servers", pick mcpgw and start it (or reload the window).',
    cursor: 'In Cursor, open Settings > MCP: mcpgw appears there (restart Cursor if it does not).',
    gemini: 'Start a new gemini session; /mcp lists mcpgw.',
    codex: 'Start a new codex session to connect to mcpgw.',
  };
  steps.push(reload[target.client]);
  if (!context.auth) return steps;
  if (entry.stdio) {
    if (context.tokenFromEnv)
      steps.push(
        `mcpgw connect reads the token from gateway.yaml, where it is $<env:${context.tokenFromEnv}>; ${target.label} starts it without your shell's variables: put the token in a file and name it with $<file:PATH> in bearerTokens (connect reads it too).`,
      );
  } else if (target.client === 'vscode') {
    steps.push(
      `VS Code asks for the bearer token (input "${VSCODE_INPUT}") the first time it starts mcpgw, and keeps it in its secret storage.`,
    );
  } else {
    steps.push(
      `${target.label} sends the token from its environment: start it with ${TOKEN_VARIABLE} set to one of gateway.auth.bearerTokens.`,
    );
  }
  return steps;
}
