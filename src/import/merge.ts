import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, stringify, visit, type Node, type YAMLMap } from 'yaml';
import { McpgwError } from '../errors/error.js';

/**
 * Adds servers to gateway.yaml's text, keeping every byte of what is there: the yaml Document
 * API finds where the servers map (and the default profile's list) end, the new entries are
 * rendered by it too, and the text is spliced there. The result is parsed again and must
 * equal the old document plus the new servers; if the layout was too unusual for the splice
 * (a flow-style top level, say), the Document is edited and printed whole instead, which keeps
 * comments and order but may respace some lines.
 */

export const SCHEMA_LINE = '# yaml-language-server: $schema=https://raw.githubusercontent.com/mcpgw/mcpgw/main/schema/gateway.schema.json';

export interface MergeGroup {
  /** A comment line above the group (without "# "). */
  readonly comment: string;
  readonly servers: ReadonlyArray<{ readonly name: string; readonly spec: Record<string, unknown> }>;
}

export interface MergeResult {
  readonly text: string;
  /** The profile the servers were added to, when gateway.yaml lists profiles and has a default one. */
  readonly profile?: string;
  /** gateway.yaml lists profiles but none named default: the new servers are in no profile. */
  readonly noProfile: boolean;
}

const PROFILE = 'default';

interface Edit {
  readonly at: number;
  readonly end?: number;
  readonly text: string;
}

export function mergeServers(original: string | undefined, groups: readonly MergeGroup[]): MergeResult {
  const servers = groups.flatMap((g) => g.servers);
  if (original === undefined) {
    const text = `${SCHEMA_LINE}\nversion: 1\n\nservers:\n${blockLines(groups, 2, 2, false).join('\n')}\n`;
    return { text, noProfile: false };
  }
  const crlf = original.includes('\r\n');
  const source = crlf ? original.replaceAll('\r\n', '\n') : original;
  const doc = parseDocument(source);
  const before = doc.toJS() as Record<string, unknown>;
  const profiles = before.profiles as Record<string, { servers?: string[] }> | undefined;
  const profile = profiles && Array.isArray(profiles[PROFILE]?.servers) ? PROFILE : undefined;
  const expected = structuredClone(before);
  expected.servers = { ...((before.servers as Record<string, unknown>) ?? {}) };
  for (const s of servers) (expected.servers as Record<string, unknown>)[s.name] = s.spec;
  if (profile) (expected.profiles as Record<string, { servers: string[] }>)[profile]!.servers.push(...servers.map((s) => s.name));

  let text = splice(source, doc, groups, profile);
  if (text === undefined || !isDeepStrictEqual(parsed(text), expected)) text = reprint(source, groups, profile);
  if (!isDeepStrictEqual(parsed(text), expected)) {
    throw new McpgwError('MCPGW_E_IMPORT_RESULT', 'the servers could not be merged into gateway.yaml', {
      hint: 'this is a bug in mcpgw import; please report it with the layout of your gateway.yaml (nothing was written)',
    });
  }
  return {
    text: crlf ? text.replaceAll('\n', '\r\n') : text,
    ...(profile ? { profile } : {}),
    noProfile: profiles !== undefined && !profile,
  };
}

function parsed(text: string): unknown {
  const doc = parseDocument(text);
  return doc.errors.length > 0 ? undefined : doc.toJS();
}

/** The text with the new entries inserted, or undefined when the layout is not the usual one. */
function splice(text: string, doc: Document.Parsed, groups: readonly MergeGroup[], profile: string | undefined): string | undefined {
  const root = doc.contents;
  if (!isMap(root) || root.flow) return undefined;
  const starts = lineStarts(text);
  const names = groups.flatMap((g) => g.servers.map((s) => s.name));
  const servers = serverEdits(text, starts, root, groups);
  const members = profile ? profileEdits(text, starts, doc.getIn(['profiles', profile, 'servers'], true), names) : [];
  if (!servers || !members) return undefined;
  let out = text;
  for (const edit of [...servers, ...members].sort((a, b) => b.at - a.at))
    out = out.slice(0, edit.at) + edit.text + out.slice(edit.end ?? edit.at);
  return out;
}

/** The edits that add the entries to the servers map (a new one at the end when there is none). */
function serverEdits(text: string, starts: readonly number[], root: YAMLMap, groups: readonly MergeGroup[]): Edit[] | undefined {
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'servers');
  if (!pair) {
    const tail = text.endsWith('\n') ? '' : '\n';
    const gap = /(^|\n)\s*\n$/.test(text + tail) ? '' : '\n';
    return [{ at: text.length, text: `${tail}${gap}servers:\n${blockLines(groups, 2, 2, false).join('\n')}\n` }];
  }
  const value = pair.value as Node | null;
  const keyStart = (pair.key as Node).range![0];
  const keyColumn = keyStart - starts[lineOf(starts, keyStart)]!;
  if (isMap(value) && value.flow) return flowMapEdits(text, value, keyColumn, groups);
  if (isMap(value) && value.items.length > 0) return blockMapEdits(text, starts, value, keyStart, keyColumn, groups);
  return undefined;
}

/** servers: { a: ... } gets the entries in flow style; servers: {} becomes a block map. */
function flowMapEdits(text: string, value: YAMLMap, keyColumn: number, groups: readonly MergeGroup[]): Edit[] | undefined {
  const [start, end] = value.range!;
  if (text[end - 1] !== '}') return undefined;
  if (value.items.length > 0) {
    let k = end - 2;
    while (k > start && /\s/.test(text[k]!)) k--;
    const entries = groups.flatMap((g) => g.servers.map((s) => `${key(s.name)}: ${flowText(s.spec)}`)).join(', ');
    return [{ at: k + 1, text: text[k] === ',' ? ` ${entries}` : `, ${entries}` }];
  }
  let colon = start - 1;
  while (colon >= 0 && text[colon] !== ':') colon--;
  if (colon < 0 || keyColumn !== 0) return undefined;
  // A comment after the {} stays on the servers line.
  const eol = text.indexOf('\n', end);
  return [
    { at: colon + 1, end, text: '' },
    { at: eol < 0 ? text.length : eol, text: `\n${blockLines(groups, 2, 2, false).join('\n')}` },
  ];
}

/** After the last line of a block servers map, indented like its entries (and theirs nested alike). */
function blockMapEdits(
  text: string,
  starts: readonly number[],
  value: YAMLMap,
  keyStart: number,
  keyColumn: number,
  groups: readonly MergeGroup[],
): Edit[] {
  const first = value.items[0]!;
  const entryStart = (first.key as Node).range![0];
  const entryColumn = entryStart - starts[lineOf(starts, entryStart)]!;
  const firstValue = first.value;
  let unit = 2;
  if (isMap(firstValue) && !firstValue.flow && firstValue.items.length > 0) {
    const s = (firstValue.items[0]!.key as Node).range![0];
    unit = Math.max(1, s - starts[lineOf(starts, s)]! - entryColumn);
  }
  const lines = text.split('\n');
  let last = lineOf(starts, keyStart);
  for (let i = last + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    if (indent <= keyColumn) break;
    last = i;
  }
  const at = last + 1 < starts.length ? starts[last + 1]! : text.length;
  const lead = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return [{ at, text: `${lead}${blockLines(groups, entryColumn, unit, lines[last]!.trim() !== '').join('\n')}\n` }];
}

/** The edits that add the names to the default profile's list, flow or block. */
function profileEdits(text: string, starts: readonly number[], seq: unknown, names: readonly string[]): Edit[] | undefined {
  if (!isSeq(seq)) return undefined;
  const lastItem = seq.items[seq.items.length - 1] as Node | undefined;
  if (seq.flow) {
    if (lastItem) return [{ at: lastItem.range![1], text: names.map((n) => `, ${key(n)}`).join('') }];
    if (text[seq.range![0]] === '[') return [{ at: seq.range![0] + 1, text: names.map(key).join(', ') }];
    return undefined;
  }
  if (!lastItem) return undefined;
  const line = lineOf(starts, lastItem.range![0]);
  const dash = text.lastIndexOf('-', lastItem.range![0]);
  if (dash < starts[line]!) return undefined;
  const indent = dash - starts[line]!;
  const endLine = lineOf(starts, Math.max(lastItem.range![1] - 1, lastItem.range![0]));
  const at = endLine + 1 < starts.length ? starts[endLine + 1]! : text.length;
  const lead = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return [{ at, text: `${lead}${names.map((n) => `${' '.repeat(indent)}- ${key(n)}\n`).join('')}` }];
}

/** The whole document edited and printed by the yaml library (the fallback). */
function reprint(text: string, groups: readonly MergeGroup[], profile: string | undefined): string {
  const doc = parseDocument(text);
  if (!doc.has('servers') || !isMap(doc.get('servers', true))) doc.set('servers', doc.createNode({}));
  const map = doc.get('servers', true) as YAMLMap;
  for (const group of groups) {
    group.servers.forEach((s, i) => {
      const node = styled(s.spec);
      const k = doc.createNode(s.name) as Scalar;
      if (i === 0) {
        k.commentBefore = ` ${group.comment}`;
        k.spaceBefore = map.items.length > 0;
      }
      map.items.push(doc.createPair(k, node));
    });
  }
  if (profile) {
    const seq = doc.getIn(['profiles', profile, 'servers'], true);
    if (isSeq(seq)) for (const g of groups) for (const s of g.servers) seq.items.push(doc.createNode(s.name));
  }
  return doc.toString({ lineWidth: 0 });
}

/** The lines of the new entries, indented by `indent`, nested by `unit`; a blank line before each group. */
function blockLines(groups: readonly MergeGroup[], indent: number, unit: number, blankFirst: boolean): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  groups.forEach((group, i) => {
    if (i > 0 || blankFirst) lines.push('');
    lines.push(`${pad}# ${group.comment}`);
    for (const s of group.servers) {
      const doc = new Document();
      doc.contents = doc.createNode({ [s.name]: s.spec }) as Node;
      style(doc);
      const body = doc.toString({ indent: unit, lineWidth: 0, flowCollectionPadding: false }).replace(/\n$/, '');
      for (const line of body.split('\n')) lines.push(line === '' ? '' : `${pad}${line}`);
    }
  });
  return lines;
}

/** Lists on one line with quoted items (args: ["-y", "pkg"]), templates in double quotes, as in the examples. */
function style(doc: Document): void {
  visit(doc, {
    Seq(_, node) {
      node.flow = true;
    },
    Scalar(_, node, path) {
      if (typeof node.value !== 'string') return;
      const parent = path[path.length - 1];
      if (isSeq(parent) || (node.value.includes('$<') && isPair(parent) && parent.value === node)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

function styled(spec: Record<string, unknown>): Node {
  const inner = new Document();
  inner.contents = inner.createNode(spec) as Node;
  style(inner);
  return inner.contents as Node;
}

function flowText(spec: Record<string, unknown>): string {
  const doc = new Document();
  doc.contents = doc.createNode(spec, { flow: true }) as Node;
  style(doc);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trim();
}

/** A name as a YAML key or list item: quoted when it would read as something else (123, true). */
function key(name: string): string {
  return stringify(name, { lineWidth: 0 }).trim();
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (i + 1 <= text.length) starts.push(i + 1);
  if (starts[starts.length - 1] === text.length) starts.pop();
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
