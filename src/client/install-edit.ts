import { McpgwError } from '../errors/error.js';
import { appendItem, cutEntry, entryNames, parseValue, putEntry, removeItem, sameData, valueAt } from './install-json.js';
import type { InstallRecord, MovedEntry } from './install-stash.js';
import { ENTRY_NAME, VSCODE_INPUT, type InstallEntry, type InstallTarget } from './install-targets.js';
import { appendBlock, cutTable, mcpServers, ourBlock, ourBlockText, removeOurBlock } from './install-toml.js';

/**
 * The edits of `connect --install|--uninstall` to a client file's text: the moved entries cut
 * out and the `mcpgw` entry put in, or the reverse. JSON through install-json.ts, Codex's TOML
 * through install-toml.ts; each result is checked to read back as intended. Pure.
 */

export interface InstallEdit {
  readonly text: string;
  readonly moved: MovedEntry[];
  /** Entries to move that are written in a form the TOML editor cannot cut. */
  readonly unmovable: string[];
  /** VS Code's input for the token was added (uninstall removes it again). */
  readonly addedInput: boolean;
}

export interface UninstallEdit {
  readonly text: string;
  readonly restored: string[];
  /** Moved entries not put back: the file has one of that name again. */
  readonly skipped: string[];
}

/**
 * `text` undefined: the file does not exist yet. `record`: the last install's, when there is
 * one (an entry of our name that no install of ours wrote is the user's, and moves too).
 */
export function installEdit(
  target: InstallTarget,
  text: string | undefined,
  entry: InstallEntry,
  move: readonly string[],
  record: InstallRecord | undefined,
): InstallEdit {
  return target.syntax === 'json' ? installJson(target, text, entry, move, record) : installToml(target, text, entry, move);
}

export function uninstallEdit(target: InstallTarget, text: string, record: InstallRecord | undefined): UninstallEdit {
  return target.syntax === 'json' ? uninstallJson(target, text, record) : uninstallToml(text, record);
}

function installJson(
  target: InstallTarget,
  text: string | undefined,
  entry: InstallEntry,
  move: readonly string[],
  record: InstallRecord | undefined,
): InstallEdit {
  const map = target.servers;
  let current = text ?? '{}\n';
  const moved: MovedEntry[] = [];
  const foreign = !record && text !== undefined && entryNames(current, map).includes(ENTRY_NAME);
  for (const name of foreign ? [...move, ENTRY_NAME] : move) {
    const { text: next, cut } = cutEntry(current, map, name);
    if (cut) moved.push({ name: cut.name, value: cut.value, text: cut.text, index: cut.index });
    current = next;
  }
  const now = valueAt(current, [...map, ENTRY_NAME]);
  if (!(now !== undefined && sameData(now, entry.value))) current = putEntry(current, map, ENTRY_NAME, entry.value);
  let addedInput = false;
  if (entry.input) {
    const inputs = valueAt(current, ['inputs']);
    const has = Array.isArray(inputs) && inputs.some((i) => isRecord(i) && i.id === VSCODE_INPUT);
    if (!has) {
      current = appendItem(current, ['inputs'], entry.input);
      addedInput = true;
    }
  }
  return { text: text === undefined || current !== text ? current : text, moved, unmovable: [], addedInput };
}

function uninstallJson(target: InstallTarget, text: string, record: InstallRecord | undefined): UninstallEdit {
  const map = target.servers;
  let current = cutEntry(text, map, ENTRY_NAME).text;
  if (record?.addedInput) {
    const inputs = valueAt(current, ['inputs']);
    const at = Array.isArray(inputs) ? inputs.findIndex((i) => isRecord(i) && i.id === VSCODE_INPUT) : -1;
    if (at >= 0) current = removeItem(current, ['inputs'], at);
  }
  const restored: string[] = [];
  const skipped: string[] = [];
  for (const m of [...(record?.moved ?? [])].reverse()) {
    if (entryNames(current, map).includes(m.name)) {
      skipped.push(m.name);
      continue;
    }
    current = putEntry(current, map, m.name, m.value, { index: m.index, raw: m.text });
    restored.unshift(m.name);
  }
  if (parseValue(current) === undefined) throw new McpgwError('MCPGW_E_INTERNAL', 'the edited client file would not parse');
  return { text: current, restored, skipped };
}

function installToml(target: InstallTarget, text: string | undefined, entry: InstallEntry, move: readonly string[]): InstallEdit {
  let current = text ?? '';
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const moved: MovedEntry[] = [];
  const unmovable: string[] = [];
  // A [mcp_servers.mcpgw] outside our markers is the user's: it goes to the stash too.
  const foreign = ourBlockText(current) === undefined && mcpServers(current)[ENTRY_NAME] !== undefined;
  for (const name of foreign ? [...move, ENTRY_NAME] : move) {
    const cut = cutTable(current, name);
    if (!cut) {
      unmovable.push(name);
      continue;
    }
    moved.push({ name, value: cut.cut.value, text: cut.cut.text });
    current = cut.text;
  }
  if (foreign && unmovable.includes(ENTRY_NAME)) {
    throw new McpgwError('MCPGW_E_INSTALL_CONFLICT', `${target.display} has an mcp_servers.${ENTRY_NAME} that mcpgw cannot move`, {
      hint: `rename or remove that entry, then install again`,
    });
  }
  const block = ourBlock(ENTRY_NAME, entry.value, eol);
  if (ourBlockText(current) !== block) current = appendBlock(removeOurBlock(current), block);
  if (!sameData(mcpServers(current)[ENTRY_NAME], entry.value))
    throw new McpgwError('MCPGW_E_INSTALL_CONFLICT', `${target.display}: the mcpgw table would not read back as written`, {
      hint: 'mcp_servers may be an inline table there: write it as [mcp_servers.NAME] tables, then install again',
    });
  return { text: current, moved, unmovable, addedInput: false };
}

function uninstallToml(text: string, record: InstallRecord | undefined): UninstallEdit {
  let current = removeOurBlock(text);
  const restored: string[] = [];
  const skipped: string[] = [];
  for (const m of record?.moved ?? []) {
    const next = appendBlock(current, m.text);
    let ok = false;
    try {
      ok = mcpServers(current)[m.name] === undefined && sameData(mcpServers(next)[m.name], m.value);
    } catch {
      ok = false;
    }
    if (!ok) {
      skipped.push(m.name);
      continue;
    }
    current = next;
    restored.push(m.name);
  }
  return { text: current, restored, skipped };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
