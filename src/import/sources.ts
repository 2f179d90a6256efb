import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { McpgwError } from '../errors/error.js';
import { readClaudeFormat } from './claude.js';
import { readCodex } from './codex.js';
import { readGemini } from './gemini.js';
import { parseJson, readText, CLIENT_LIST } from './read.js';
import { isObject } from './entry-fields.js';
import { readVscode } from './vscode.js';
import { CLIENTS, type ClientId, type Format, type SourceFile, type SourceResult } from './types.js';

/** What the usual locations depend on; tests point it at a temp folder. */
export interface Host {
  readonly home: string;
  readonly platform: NodeJS.Platform;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The clients' names, for messages. */
export const LABELS: Record<Format, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  'vscode-settings': 'VS Code settings',
  codex: 'Codex',
  gemini: 'Gemini CLI',
  unknown: 'file',
};

interface Location {
  readonly path: string;
  readonly format: Format;
  /** Set for project files: the project folder. */
  readonly workspace?: string;
}

/** The files a client keeps its MCP servers in on Linux and macOS, user-level first. */
export function clientFiles(client: ClientId, host: Host): Location[] {
  const { home, cwd } = host;
  const mac = host.platform === 'darwin';
  const appData = mac ? join(home, 'Library/Application Support') : host.env.XDG_CONFIG_HOME || join(home, '.config');
  const project = (path: string, format: Format): Location[] =>
    resolve(cwd) === resolve(home) ? [] : [{ path: join(cwd, path), format, workspace: cwd }];
  switch (client) {
    case 'claude-desktop':
      return [{ path: join(appData, 'Claude/claude_desktop_config.json'), format: 'claude-desktop' }];
    case 'claude-code':
      return [
        { path: join(home, '.claude.json'), format: 'claude-code' },
        { path: join(cwd, '.mcp.json'), format: 'claude-code', workspace: cwd },
      ];
    case 'vscode':
      return [
        { path: join(appData, 'Code/User/mcp.json'), format: 'vscode' },
        { path: join(appData, 'Code/User/settings.json'), format: 'vscode-settings' },
        { path: join(cwd, '.vscode/mcp.json'), format: 'vscode', workspace: cwd },
      ];
    case 'cursor':
      return [{ path: join(home, '.cursor/mcp.json'), format: 'cursor' }, ...project('.cursor/mcp.json', 'cursor')];
    case 'codex':
      return [{ path: join(host.env.CODEX_HOME || join(home, '.codex'), 'config.toml'), format: 'codex' }];
    case 'gemini':
      return [{ path: join(home, '.gemini/settings.json'), format: 'gemini' }, ...project('.gemini/settings.json', 'gemini')];
  }
}

/** A path as the user would type it: relative inside the working folder, ~/ inside home. */
export function displayOf(path: string, host: Host): string {
  const inCwd = relative(host.cwd, path);
  if (inCwd && !inCwd.startsWith('..') && !isAbsolute(inCwd)) return inCwd;
  const inHome = relative(host.home, path);
  if (inHome && !inHome.startsWith('..') && !isAbsolute(inHome)) return `~/${inHome}`;
  return path;
}

function source(location: Location, host: Host): SourceFile {
  return {
    path: location.path,
    display: displayOf(location.path, host),
    format: location.format,
    label: LABELS[location.format],
    ...(location.workspace ? { workspace: location.workspace } : {}),
  };
}

/**
 * The files `--from` names: a client's files that exist (at least one must), or a path. A
 * value that is neither a client nor a file that exists is a usage error when it cannot be a
 * path (no "/" or "."), else a missing file.
 */
export function sourcesFor(from: string, host: Host): SourceFile[] {
  if ((CLIENTS as readonly string[]).includes(from)) {
    const locations = clientFiles(from as ClientId, host);
    const found = locations.filter((l) => existsSync(l.path));
    if (found.length === 0) {
      throw new McpgwError(
        'MCPGW_E_IMPORT_READ',
        `no ${LABELS[locations[0]!.format]} config found (looked at ${locations.map((l) => displayOf(l.path, host)).join(', ')})`,
        {
          hint: 'pass the file with --from PATH if it is elsewhere',
        },
      );
    }
    return found.map((l) => source(l, host));
  }
  if (!/[./]/.test(from) && !existsSync(resolve(host.cwd, from))) {
    throw new McpgwError('MCPGW_E_USAGE', `--from "${from}" is neither a client nor a file`, {
      hint: `--from takes ${CLIENT_LIST}, or a file path`,
    });
  }
  const path = resolve(host.cwd, from);
  const { generic, ...detected } = detectFormat(path, host);
  const file = source({ path, ...detected }, host);
  // An mcpServers file of no known place: its strings are taken as they are, like Claude Desktop's.
  return [generic ? { ...file, label: 'JSON file' } : file];
}

/**
 * The format of a file named by path: Codex for .toml, else from the JSON's keys and the
 * file's place (a .gemini folder, .claude.json, .mcp.json, a .cursor or .vscode folder).
 */
function detectFormat(path: string, host: Host): { format: Format; workspace?: string; generic?: boolean } {
  const name = basename(path);
  const folder = dirname(path);
  const parent = basename(folder);
  const projectOf = (dir: string) => (resolve(dir) === resolve(host.home) ? {} : { workspace: dir });
  if (name.endsWith('.toml')) return { format: 'codex' };
  if (parent === '.gemini') return { format: 'gemini', ...projectOf(dirname(folder)) };
  if (name === '.claude.json') return { format: 'claude-code' };
  if (name === '.mcp.json') return { format: 'claude-code', workspace: folder };
  if (parent === '.cursor') return { format: 'cursor', ...projectOf(dirname(folder)) };
  // Reading the file here only to choose the format: errors are reported by the real read.
  let root: unknown;
  try {
    if (existsSync(path) && statSync(path).isFile())
      root = parseJson(
        { path, display: path, format: 'vscode', label: '' },
        readText({ path, display: path, format: 'vscode', label: '' }),
      ).value;
  } catch {
    root = undefined;
  }
  const workspace = parent === '.vscode' ? { workspace: dirname(folder) } : {};
  if (isObject(root)) {
    if (isObject(root.mcpServers)) {
      const gemini = Object.values(root.mcpServers).some((s) => isObject(s) && s.httpUrl !== undefined);
      return gemini ? { format: 'gemini' } : { format: 'claude-desktop', generic: true };
    }
    if (root.servers !== undefined) return { format: 'vscode', ...workspace };
    if (isObject(root.mcp) || root['mcp.servers'] !== undefined) return { format: 'vscode-settings' };
    return { format: 'unknown' };
  }
  return { format: parent === '.vscode' ? 'vscode' : 'claude-desktop', ...workspace };
}

/** Reads one file into candidates (errors thrown, located). */
export function readSource(source: SourceFile, host: Host): SourceResult[] {
  switch (source.format) {
    case 'codex':
      return readCodex(source, host);
    case 'gemini':
      return readGemini(source, host);
    case 'vscode':
    case 'vscode-settings':
      return readVscode(source, host);
    case 'claude-desktop':
    case 'claude-code':
    case 'cursor':
      return readClaudeFormat(source, host);
    default: {
      // A JSON file with none of the keys clients keep servers under.
      readText(source);
      throw new McpgwError(
        'MCPGW_E_IMPORT_FORMAT',
        'no MCP servers found: expected "mcpServers" (Claude, Cursor, Gemini), "servers" (VS Code) or [mcp_servers] (Codex)',
        {
          hint: 'check that this is a client config file',
          location: { file: source.display, line: 1, column: 1 },
        },
      );
    }
  }
}
