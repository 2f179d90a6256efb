import { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree, type Node, type ParseError } from 'jsonc-parser';

/**
 * Editing one entry of a client's JSON (or JSONC) file as text, for `mcpgw connect --install`:
 * the rest of the file keeps its bytes, comments included. jsonc-parser's `modify` would
 * re-format the line an insertion starts on (a one-line entry before ours would be spread
 * over several), so entries are cut and spliced by hand at the positions its parse tree
 * gives, and each result is checked against the expected data; a layout the splice does not
 * know falls back to `modify`. Pure: text in, text out.
 */

export interface JsonLayout {
  /** One level of indentation: "  ", "    " or "\t". */
  readonly unit: string;
  readonly eol: string;
}

/** A server entry taken out of a file: its data, its source text and its place. */
export interface CutEntry {
  readonly name: string;
  readonly value: unknown;
  /** The property as written (`"name": {...}`, with the comment lines just above it). */
  readonly text: string;
  /** Its position among the map's entries. */
  readonly index: number;
}

type Path = readonly string[];

export function layoutOf(text: string): JsonLayout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indents = [...text.matchAll(/\n([ \t]+)["}\]/]/g)].map((m) => m[1]!);
  if (indents.some((i) => i.startsWith('\t'))) return { unit: '\t', eol };
  const widths = indents.map((i) => i.length).filter((n) => n > 0);
  return { unit: ' '.repeat(widths.length > 0 ? Math.min(8, ...widths) : 2), eol };
}

export function parseValue(text: string): unknown {
  const tree = parse(text);
  return tree ? getNodeValue(tree) : undefined;
}

/** The value at `path`, or undefined. */
export function valueAt(text: string, path: readonly (string | number)[]): unknown {
  const tree = parse(text);
  const node = tree && findNodeAtLocation(tree, [...path]);
  return node ? getNodeValue(node) : undefined;
}

/** The names of the entries of the object at `path`, in file order (a name written twice once). */
export function entryNames(text: string, path: Path): string[] {
  const node = objectAt(text, path);
  return [...new Set((node?.children ?? []).map((p) => String(p.children?.[0]?.value)))];
}

/** Removes entry `name` of the object at `mapPath`; unchanged text when there is none. */
export function cutEntry(text: string, mapPath: Path, name: string): { text: string; cut?: CutEntry } {
  let current = text;
  let cut: CutEntry | undefined;
  // A name written twice: every definition goes; the last one is the one the client used.
  for (;;) {
    const map = objectAt(current, mapPath);
    const props = map?.children ?? [];
    const index = props.map((p) => p.children?.[0]?.value).lastIndexOf(name);
    if (!map || index < 0) return { text: current, cut };
    const prop = props[index]!;
    const start = leadingComments(current, prop.offset);
    const first = props.findIndex((p) => p.children?.[0]?.value === name);
    cut ??= { name, value: getNodeValue(prop.children![1]!), text: current.slice(start, prop.offset + prop.length), index: first };
    const expected = withoutProperty(current, map, index);
    const spliced = splice(current, spliceCut(current, map, index, start));
    current =
      spliced !== undefined && sameData(parseValue(spliced), expected)
        ? spliced
        : applyEdits(current, modify(current, [...mapPath, name], undefined, { formattingOptions: formatting(current) }));
  }
}

/** The document's data without one property (of a name that may be written twice). */
function withoutProperty(text: string, map: Node, index: number): unknown {
  const parts = (map.children ?? []).filter((_, i) => i !== index);
  const object = Object.fromEntries(parts.map((p) => [p.children![0]!.value as string, getNodeValue(p.children![1]!)]));
  const doc = parseValue(text.slice(0, map.offset) + JSON.stringify(object) + text.slice(map.offset + map.length));
  return doc;
}

/**
 * Sets entry `name` of the object at `mapPath` (created when missing) to `value`: replaced
 * where it is, else inserted at `index` (default: last). `raw`, the entry's own text from an
 * earlier cut, is used when it still reads as `value`.
 */
export function putEntry(
  text: string,
  mapPath: Path,
  name: string,
  value: unknown,
  options: { index?: number; raw?: string } = {},
): string {
  const expected = withEntry(parseValue(text), mapPath, name, value);
  let current = text;
  if (objectAt(current, mapPath)?.children?.some((p) => p.children?.[0]?.value === name)) {
    current = cutEntry(current, mapPath, name).text;
  }
  const attempt = insertByHand(current, mapPath, name, value, options);
  if (attempt !== undefined && sameData(parseValue(attempt), expected)) return attempt;
  return applyEdits(text, modify(text, [...mapPath, name], value, { formattingOptions: formatting(text) }));
}

/** Removes the array item at `path[index]`. */
export function removeItem(text: string, path: Path, index: number): string {
  return applyEdits(text, modify(text, [...path, index], undefined, { formattingOptions: formatting(text) }));
}

function parse(text: string): Node | undefined {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return errors.length === 0 ? tree : undefined;
}

function objectAt(text: string, path: Path): Node | undefined {
  const tree = parse(text);
  const node = tree && (path.length === 0 ? tree : findNodeAtLocation(tree, [...path]));
  return node?.type === 'object' ? node : undefined;
}

function formatting(text: string): { tabSize: number; insertSpaces: boolean; eol: string } {
  const { unit, eol } = layoutOf(text);
  return { tabSize: unit === '\t' ? 1 : unit.length, insertSpaces: unit !== '\t', eol };
}

/** The document's data with one entry set (or removed with undefined), for the checks. */
function withEntry(doc: unknown, mapPath: Path, name: string, value: unknown): unknown {
  const copy = structuredClone(doc ?? {}) as Record<string, unknown>;
  let node = copy;
  for (const segment of mapPath) {
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  if (value === undefined) delete node[name];
  else node[name] = structuredClone(value);
  return copy;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function splice(text: string, edits: readonly Edit[] | undefined): string | undefined {
  if (!edits) return undefined;
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const onOwnLine = (text: string, offset: number) => /^[ \t]*$/.test(text.slice(lineStart(text, offset), offset));

/** The start of the comment lines right above a property (or the property itself). */
function leadingComments(text: string, offset: number): number {
  if (!onOwnLine(text, offset)) return offset;
  let start = offset;
  for (;;) {
    const thisLine = lineStart(text, start);
    if (thisLine === 0) return start;
    const prev = lineStart(text, thisLine - 1);
    const line = text.slice(prev, thisLine).replace(/\r?\n$/, '');
    if (!/^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)$/.test(line)) return start;
    start = prev + (line.length - line.trimStart().length);
  }
}

/**
 * After a value: the offset past a comma (when there is one) and past the rest of the line
 * when that is only blanks and a comment, so a trailing `// comment` stays with its entry.
 */
function afterValue(text: string, end: number): { comma: boolean; lineEnd: number; commaAt: number } {
  let i = end;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const comma = text[i] === ',';
  const commaAt = comma ? i : end;
  if (comma) i++;
  const rest = /^[ \t]*(\/\/[^\r\n]*|\/\*[^\r\n]*?\*\/[ \t]*)?(?=\r?\n|$)/.exec(text.slice(i));
  return { comma, lineEnd: rest ? i + rest[0].length : i, commaAt };
}

/** The edits that cut property `index` (from `start`, its leading comments) out of its object. */
function spliceCut(text: string, map: Node, index: number, start: number): Edit[] | undefined {
  const props = map.children ?? [];
  const prop = props[index]!;
  const end = prop.offset + prop.length;
  const after = afterValue(text, end);
  const eolAt = (i: number) => (text.startsWith('\r\n', i) ? i + 2 : text[i] === '\n' ? i + 1 : i);
  if (!onOwnLine(text, start)) {
    // Entries on one line: the entry and the comma after it (or before it, for the last).
    if (after.comma) return [{ start, end: after.commaAt + 1 + (text[after.commaAt + 1] === ' ' ? 1 : 0), text: '' }];
    const prev = props[index - 1];
    if (!prev) return [{ start, end, text: '' }];
    const prevAfter = afterValue(text, prev.offset + prev.length);
    return [{ start: prevAfter.commaAt, end, text: '' }];
  }
  const lines: Edit = { start: lineStart(text, start), end: eolAt(after.lineEnd), text: '' };
  const next = props[index + 1];
  if (next) return onOwnLine(text, next.offset) ? [lines] : undefined;
  const prev = props[index - 1];
  if (!prev) {
    // The only entry: the object becomes {}.
    return [{ start: map.offset, end: map.offset + map.length, text: '{}' }];
  }
  // The last entry: the comma of the one before goes too, unless the file keeps trailing commas.
  const prevAfter = afterValue(text, prev.offset + prev.length);
  if (after.comma || !prevAfter.comma) return [lines];
  return [lines, { start: prevAfter.commaAt, end: prevAfter.commaAt + 1, text: '' }];
}

/** Inserts `"name": value` (or `raw`) into the object at `mapPath`, creating the path; undefined when unsure. */
function insertByHand(
  text: string,
  mapPath: Path,
  name: string,
  value: unknown,
  options: { index?: number; raw?: string },
): string | undefined {
  const tree = parse(text);
  if (!tree || tree.type !== 'object') return undefined;
  // The deepest existing object on the path; what is missing is inserted as one value.
  let node = tree;
  let depth = 0;
  for (const segment of mapPath) {
    const child = node.children?.find((p) => p.children?.[0]?.value === segment)?.children?.[1];
    if (!child) break;
    if (child.type !== 'object') return undefined;
    node = child;
    depth++;
  }
  let key = name;
  let data: unknown = value;
  for (const segment of [...mapPath.slice(depth)].reverse()) {
    data = { [key]: data };
    key = segment;
  }
  const raw = depth === mapPath.length && options.raw !== undefined && rawMatches(options.raw, name, value) ? options.raw : undefined;
  return insertChild(text, node, options.index, (style) => raw ?? `${JSON.stringify(key)}: ${style(data)}`);
}

/** Appends an item to the array at `path` (created when missing). */
export function appendItem(text: string, path: Path, item: unknown): string {
  const tree = parse(text);
  const list = tree && findNodeAtLocation(tree, [...path]);
  if (list?.type !== 'array') return putEntry(text, path.slice(0, -1), path[path.length - 1]!, [item]);
  const expected = parseValue(text) as Record<string, unknown>;
  let target: unknown = expected;
  for (const segment of path) target = (target as Record<string, unknown>)[segment];
  (target as unknown[]).push(item);
  const attempt = insertChild(text, list, undefined, (style) => style(item));
  if (attempt !== undefined && sameData(parseValue(attempt), expected)) return attempt;
  return applyEdits(
    text,
    modify(text, [...path, list.children?.length ?? 0], item, { formattingOptions: formatting(text), isArrayInsertion: true }),
  );
}

/** The longest line a value is written on in the style of its one-line neighbours. */
const COMPACT_WIDTH = 120;

/**
 * Splices a new child (a property or an item) into an object or array whose children each
 * start a line, at `index` (default: last), indented like them. `child` gets a renderer of
 * values in the neighbours' style: on one line (`{ "a": 1 }`) when they are, else indented.
 */
function insertChild(
  text: string,
  container: Node,
  index: number | undefined,
  child: (style: (value: unknown) => string) => string,
): string | undefined {
  const { unit, eol } = layoutOf(text);
  const children = container.children ?? [];
  const [open, close] = container.type === 'array' ? ['[', ']'] : ['{', '}'];
  const indentOf = (offset: number) => /^[ \t]*/.exec(text.slice(lineStart(text, offset)))![0];
  const outer = indentOf(container.offset);
  const inner = children[0] && onOwnLine(text, children[0].offset) ? indentOf(children[0].offset) : outer + unit;
  const at = Math.max(0, Math.min(index ?? children.length, children.length));
  const neighbour = children[at] ?? children[at - 1];
  const valueOf = (n: Node) => (n.type === 'property' ? n.children![1]! : n);
  const oneLine =
    neighbour !== undefined && !text.slice(valueOf(neighbour).offset, valueOf(neighbour).offset + valueOf(neighbour).length).includes('\n');
  const style = (value: unknown) => {
    const compact = compactJson(value);
    if (oneLine && inner.length + compact.length <= COMPACT_WIDTH) return compact;
    return JSON.stringify(value, null, unit).split('\n').join(`${eol}${inner}`);
  };
  const rendered = child(style);
  if (children.length === 0) {
    return (
      text.slice(0, container.offset) +
      `${open}${eol}${inner}${rendered}${eol}${outer}${close}` +
      text.slice(container.offset + container.length)
    );
  }
  if (!onOwnLine(text, children[0]!.offset)) return undefined;
  if (at < children.length) {
    const start = leadingComments(text, children[at]!.offset);
    return splice(text, [{ start, end: start, text: `${rendered},${eol}${inner}` }]);
  }
  const last = children[children.length - 1]!;
  const after = afterValue(text, last.offset + last.length);
  const edits: Edit[] = [{ start: after.lineEnd, end: after.lineEnd, text: `${eol}${inner}${rendered}${after.comma ? ',' : ''}` }];
  if (!after.comma) edits.push({ start: last.offset + last.length, end: last.offset + last.length, text: ',' });
  return splice(text, edits);
}

/** JSON on one line with a space after ":" and ",", inside braces: as people write it by hand. */
function compactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compactJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${compactJson(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

/** Equal as data: key order aside (jsonc-parser's objects have no prototype, so util's deep equality fails them). */
export function sameData(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function rawMatches(raw: string, name: string, value: unknown): boolean {
  const parsed = parse(`{${raw}}`);
  return parsed !== undefined && sameData(getNodeValue(parsed), { [name]: value });
}
