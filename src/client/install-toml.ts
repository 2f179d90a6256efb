import { parse, stringify } from 'smol-toml';
import { sameData } from './install-json.js';

/**
 * Editing Codex's config.toml as text, for `mcpgw connect --install codex`: a TOML library
 * would print the file again without its comments. Our table goes at the end between marker
 * comments; a server's own `[mcp_servers.NAME]` table (with its sub-tables and the comment
 * lines just above it) is cut out as a block. Every result is parsed and compared with the
 * data expected; a server written in a form the cut does not know (dotted keys, an inline
 * table) stays where it is. Pure: text in, text out.
 */

export const BEGIN = '# BEGIN mcpgw';
export const END = '# END mcpgw';

export interface CutTable {
  readonly name: string;
  readonly value: unknown;
  /** The table's lines as written. */
  readonly text: string;
}

interface Line {
  readonly text: string;
  /** The table a header line opens ([a.b] or [[a.b]]), as key segments. */
  readonly header?: readonly string[];
}

function linesOf(text: string): Line[] {
  return text.split('\n').map((line) => ({ text: line, ...headerOf(line) }));
}

/** [a."b.c".d] -> ['a', 'b.c', 'd']; undefined for any other line. */
function headerOf(line: string): { header?: string[] } {
  const m =
    /^[ \t]*\[\[?[ \t]*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)[ \t]*\]\]?[ \t]*(#.*)?\r?$/.exec(
      line,
    );
  if (!m) return {};
  const keys = [...m[1]!.matchAll(/[A-Za-z0-9_-]+|"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((k) =>
    k[1] !== undefined ? (JSON.parse(`"${k[1]}"`) as string) : (k[2] ?? k[0]),
  );
  return { header: keys };
}

const isComment = (line: string) => /^[ \t]*#/.test(line);
const isBlank = (line: string) => /^[ \t]*\r?$/.test(line);

export function mcpServers(text: string): Record<string, unknown> {
  const doc = parse(text) as Record<string, unknown>;
  const servers = doc.mcp_servers;
  return servers !== null && typeof servers === 'object' && !Array.isArray(servers) ? (servers as Record<string, unknown>) : {};
}

/** Our marked block: its line range, or undefined. */
function markedBlock(lines: readonly Line[]): { start: number; end: number } | undefined {
  const start = lines.findIndex((l) => l.text.startsWith(BEGIN));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.text.startsWith(END));
  return end < 0 ? undefined : { start, end };
}

/** The table of `name` under mcp_servers, with its sub-tables and the comments just above it. */
function tableBlock(lines: readonly Line[], name: string): { start: number; end: number } | undefined {
  const own = (h: readonly string[] | undefined) => h !== undefined && h[0] === 'mcp_servers' && h[1] === name;
  const first = lines.findIndex((l) => own(l.header) && l.header!.length === 2);
  if (first < 0) return undefined;
  let end = first + 1;
  while (end < lines.length && !(lines[end]!.header && !own(lines[end]!.header))) end++;
  // The comments (and blank lines) before the next table belong to it, not to this one.
  while (end > first + 1 && (isBlank(lines[end - 1]!.text) || isComment(lines[end - 1]!.text))) end--;
  let start = first;
  while (start > 0 && isComment(lines[start - 1]!.text)) start--;
  return { start, end };
}

function remove(lines: readonly Line[], range: { start: number; end: number }): Line[] {
  let end = range.end;
  // Where a blank line (or the start) is before it, the blank lines after it go too: no gap.
  if (range.start === 0 || isBlank(lines[range.start - 1]!.text)) while (end < lines.length && isBlank(lines[end]!.text)) end++;
  return [...lines.slice(0, range.start), ...lines.slice(end)];
}

const join = (lines: readonly Line[]) => lines.map((l) => l.text).join('\n');

/** Cuts [mcp_servers.NAME]; undefined when it is not written as such a table (or the cut would change anything else). */
export function cutTable(text: string, name: string): { text: string; cut: CutTable } | undefined {
  const lines = linesOf(text);
  const range = tableBlock(lines, name);
  if (!range) return undefined;
  const before = parse(text) as Record<string, unknown>;
  const value = mcpServers(text)[name];
  const result = join(remove(lines, range));
  try {
    const expected = structuredClone(before);
    delete (expected.mcp_servers as Record<string, unknown>)[name];
    if (!sameData(parse(result), expected)) return undefined;
  } catch {
    return undefined;
  }
  return { text: result, cut: { name, value, text: join(lines.slice(range.start, range.end)) } };
}

/** The block we write: [mcp_servers.mcpgw] between the markers. */
export function ourBlock(name: string, entry: Record<string, unknown>, eol: string): string {
  const table = stringify({ mcp_servers: { [name]: entry } }).trimEnd();
  return [`${BEGIN} (mcpgw connect --install codex; mcpgw connect --uninstall codex removes it)`, table, END]
    .join('\n')
    .replaceAll('\n', eol);
}

/** Our block as it is in the file, or undefined. */
export function ourBlockText(text: string): string | undefined {
  const lines = linesOf(text);
  const range = markedBlock(lines);
  return range ? join(lines.slice(range.start, range.end + 1)) : undefined;
}

/** The text without our marked block. */
export function removeOurBlock(text: string): string {
  const lines = linesOf(text);
  const range = markedBlock(lines);
  if (!range) return text;
  let start = range.start;
  // The blank line we put before it goes with it.
  if (start > 0 && isBlank(lines[start - 1]!.text)) start--;
  return join([...lines.slice(0, start), ...lines.slice(range.end + 1)]);
}

/** Appends a block of lines at the end, after one blank line. */
export function appendBlock(text: string, block: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (text.trim() === '') return `${block}${eol}`;
  const body = text.replace(/(\r?\n)*$/, '');
  return `${body}${eol}${eol}${block}${eol}`;
}
