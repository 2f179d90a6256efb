// The error registry (src/errors/codes.ts) is the one source of every code: docs/errors.md
// documents each code with its cause and its fix, and nothing that is not a code; the
// sources name no code the registry lacks and type no JSON-RPC error code of their own; and
// each code's exit status, HTTP status and JSON-RPC code agree with one another.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';
import { CODES, type CodeInfo } from '../../src/errors/codes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const docs = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
const registry = Object.entries(CODES) as Array<[string, CodeInfo]>;

/** The entries: heading code -> the text up to the next heading. */
function entries(): Map<string, string> {
  const out = new Map<string, string>();
  const parts = docs.split(/^### /m).slice(1);
  for (const part of parts) {
    const code = /^`(MCPGW_[A-Z_]+)`\n/.exec(part)?.[1];
    assert.ok(code, `an entry heading that is not a code: ### ${part.split('\n')[0]}`);
    assert.ok(!out.has(code), `${code} has two entries`);
    out.set(code, part.split(/^## /m)[0]!);
  }
  return out;
}

test('every code has an entry with its cause and its fix', () => {
  const documented = entries();
  const missing = Object.keys(CODES).filter((code) => !documented.has(code));
  assert.deepEqual(missing, [], `codes without an entry in docs/errors.md: ${missing.join(', ')}`);
  for (const [code, text] of documented) {
    assert.match(text, /\*\*Cause\.\*\* \S/, `${code}: no cause`);
    assert.match(text, /\*\*Fix\.\*\* \S/, `${code}: no fix`);
  }
});

test('every entry is a code of the registry', () => {
  const unknown = [...entries().keys()].filter((code) => !(code in CODES));
  assert.deepEqual(unknown, [], `entries for codes that do not exist: ${unknown.join(', ')}`);
});

test('the severity in a code name matches its entry', () => {
  for (const [code, text] of entries()) {
    if (code.startsWith('MCPGW_W_')) assert.match(text, /\*\*Cause\.\*\* \(warning\)/, `${code} is a warning`);
    if (code.startsWith('MCPGW_I_'))
      assert.match(text, /\*\*Cause\.\*\* \((passed|information)/, `${code} is a passed check or information`);
  }
});

test('every code has its doc line, and a name that says error, warning or information', () => {
  for (const [code, info] of registry) {
    assert.match(code, /^MCPGW_[EWI]_[A-Z0-9]+(_[A-Z0-9]+)*$/, code);
    assert.match(info.doc, /^[A-Z`$a-z].*\S[.)]$/, `${code}: the doc line is one sentence`);
    assert.ok(!info.doc.includes('\n'), `${code}: the doc line is one line`);
  }
});

test('the HTTP status and JSON-RPC code an entry states are the registry’s', () => {
  const wrong: string[] = [];
  for (const [code, text] of entries()) {
    const info = CODES[code as keyof typeof CODES];
    const cause = /\*\*Cause\.\*\*(.*)/.exec(text)?.[1] ?? '';
    for (const [, status] of cause.matchAll(/\bHTTP (\d{3})\b/g)) if (Number(status) !== info.http) wrong.push(`${code}: HTTP ${status}`);
    for (const [, rpc] of cause.matchAll(/JSON-RPC (?:error \()?(-\d{5})\b/g))
      if (Number(rpc) !== info.jsonrpc) wrong.push(`${code}: JSON-RPC ${rpc}`);
  }
  assert.deepEqual(wrong, [], 'docs/errors.md and src/errors/codes.ts disagree');
});

/** JSON-RPC 2.0's own codes that say the client is at fault (parse error, invalid request, method not found, invalid params). */
const CLIENT_FAULT = new Set([-32700, -32600, -32601, -32602]);
const INTERNAL = -32603;

test('exit, HTTP and JSON-RPC mappings are consistent: 4xx is a client fault, 5xx and -32603 the gateway’s', () => {
  const wrong: string[] = [];
  for (const [code, { exit, http, jsonrpc }] of registry) {
    if (!(exit === 1 || (exit === 2 && code === 'MCPGW_E_USAGE'))) wrong.push(`${code}: exit ${exit} (2 is for usage errors only)`);
    if (!Number.isInteger(http) || http < 400 || http > 599) wrong.push(`${code}: HTTP ${http} is not an error status`);
    if (!Number.isInteger(jsonrpc) || jsonrpc < -32768 || jsonrpc > -32000) wrong.push(`${code}: ${jsonrpc} is outside JSON-RPC's range`);
    const clientStatus = http < 500;
    if (CLIENT_FAULT.has(jsonrpc) && !clientStatus) wrong.push(`${code}: JSON-RPC ${jsonrpc} blames the client, HTTP ${http} the gateway`);
    if (jsonrpc === INTERNAL && clientStatus)
      wrong.push(`${code}: JSON-RPC ${jsonrpc} is an internal error, HTTP ${http} blames the client`);
  }
  assert.deepEqual(wrong, []);
});

test('each of mcpgw’s own JSON-RPC codes (-32002 to -32099) has one meaning', () => {
  // -32000 (a generic server error) and -32001 (the SDK's session-not-found and request
  // timeout) are shared by design: the SDK's transports and clients give them those meanings.
  const owners = new Map<number, string[]>();
  for (const [code, { jsonrpc }] of registry) {
    if (jsonrpc > -32002 || jsonrpc < -32099) continue;
    owners.set(jsonrpc, [...(owners.get(jsonrpc) ?? []), code]);
  }
  const shared = [...owners].filter(([, codes]) => codes.length > 1).map(([n, codes]) => `${n}: ${codes.join(', ')}`);
  assert.deepEqual(shared, []);
});

/** Every TypeScript file under src/. */
function sources(): Array<{ file: string; source: ts.SourceFile }> {
  const dir = join(ROOT, 'src');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => {
      const file = relative(ROOT, join(dir, f));
      return { file, source: ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true) };
    });
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

test('every code the sources name (new McpgwError(...), code: ...) is registered', () => {
  const unknown: string[] = [];
  for (const { file, source } of sources()) {
    walk(source, (node) => {
      if (!ts.isStringLiteralLike(node)) return;
      for (const [name] of node.text.matchAll(/\bMCPGW_[EWI]_[A-Z0-9_]+/g)) {
        if (!(name in CODES)) unknown.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name}`);
      }
    });
  }
  assert.deepEqual(unknown, [], 'codes that are not in src/errors/codes.ts');
});

/**
 * JSON-RPC error codes typed in place instead of coming from a registered code. These are in
 * files the 2026-07-28 protocol work rewrites (issue 12, item 1): each entry goes when its
 * literal does, and a stale entry fails too.
 */
const PENDING = new Set<string>();

test('no JSON-RPC error code is typed outside the registry', () => {
  const found = new Set<string>();
  for (const { file, source } of sources()) {
    if (file === 'src/errors/codes.ts' || file.startsWith('src/errors/codes/')) continue;
    walk(source, (node) => {
      if (!ts.isPrefixUnaryExpression(node) || node.operator !== ts.SyntaxKind.MinusToken || !ts.isNumericLiteral(node.operand)) return;
      const value = -Number(node.operand.text);
      if (value <= -32000 && value >= -32768) found.add(`${file} ${value}`);
    });
  }
  const typed = [...found].filter((f) => !PENDING.has(f));
  assert.deepEqual(typed, [], 'throw or render a registered McpgwError code instead (src/errors/codes.ts, src/errors/render.ts)');
  const stale = [...PENDING].filter((p) => !found.has(p));
  assert.deepEqual(stale, [], 'these literals are gone: remove them from PENDING');
});

test('each code is registered in one area file only (a spread would hide a second one)', async () => {
  const dir = join(ROOT, 'src/errors/codes');
  const seen = new Map<string, string>();
  const twice: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'info.ts')) {
    const area = (await import(join(dir, file))) as Record<string, Record<string, CodeInfo>>;
    for (const table of Object.values(area)) {
      for (const code of Object.keys(table)) {
        if (seen.has(code)) twice.push(`${code}: ${seen.get(code)} and ${file}`);
        seen.set(code, file);
      }
    }
  }
  assert.deepEqual(twice, []);
  assert.equal(seen.size, registry.length);
});
