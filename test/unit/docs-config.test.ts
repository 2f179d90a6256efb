// docs/configuration.md documents the whole file format: every key of the schema has a table
// row (| `key` | type | default | meaning |), and the row shows the schema's default and
// allowed values, so the reference cannot drift from schema/gateway.schema.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { JsonSchema } from '../../src/config/schema.js';
import { CODES } from '../../src/errors/codes.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/gateway.schema.json', import.meta.url), 'utf8')) as JsonSchema;
const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** Table rows by key: the text of every row whose first cell is `key`. */
const rows = new Map<string, string[]>();
for (const line of docs.split('\n')) {
  const key = /^\| `([^`]+)` \|/.exec(line)?.[1];
  if (key) rows.set(key, [...(rows.get(key) ?? []), line]);
}

interface Property {
  readonly name: string;
  readonly pointer: string;
  readonly schema: JsonSchema;
}

function deref(s: JsonSchema): JsonSchema {
  return s.$ref ? { ...deref(schema.$defs![s.$ref.replace('#/$defs/', '')]!), ...s, $ref: undefined } : s;
}

/** Every named property of the format, wherever it is defined. */
function properties(): Property[] {
  const out: Property[] = [];
  const walk = (node: JsonSchema, pointer: string) => {
    for (const [name, sub] of Object.entries(node.properties ?? {})) {
      out.push({ name, pointer: `${pointer}/properties/${name}`, schema: deref(sub) });
      walk(sub, `${pointer}/properties/${name}`);
    }
    for (const [name, sub] of Object.entries(node.$defs ?? {})) walk(sub, `${pointer}/$defs/${name}`);
    for (const key of ['items', 'additionalProperties']) {
      const sub = node[key];
      if (sub && typeof sub === 'object') walk(sub as JsonSchema, `${pointer}/${key}`);
    }
    for (const sub of (node.oneOf ?? []) as JsonSchema[]) walk(sub, pointer);
  };
  walk(schema, '#');
  return out;
}

/** A default as the docs write it: `127.0.0.1:8750`, `false`, `[]`, `{ type: none }`. */
function asWritten(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(asWritten).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${k}: ${asWritten(v)}`).join(', ')} }`;
  }
  return String(value);
}

describe('docs/configuration.md', () => {
  const all = properties();

  test('the schema walk finds the whole format', () => {
    assert.ok(all.length >= 45, `${all.length} properties`);
    for (const name of ['listen', 'bearerTokens', 'clientMetadataUrl', 'inheritEnv', 'allowInsecureHttp', 'connect', 'deny']) {
      assert.ok(
        all.some((p) => p.name === name),
        name,
      );
    }
  });

  test('every property of the schema has a table row', () => {
    const missing = [...new Set(all.filter((p) => !rows.has(p.name)).map((p) => `${p.name} (${p.pointer})`))];
    assert.deepEqual(missing, [], 'add a row "| `key` | type | default | meaning |" to docs/configuration.md');
  });

  test('every default of the schema is shown in a row of its key', () => {
    const wrong: string[] = [];
    for (const p of all) {
      if (!('default' in p.schema)) continue;
      const shown = `\`${asWritten(p.schema.default)}\``;
      if (!(rows.get(p.name) ?? []).some((row) => row.split(' | ')[2]?.includes(shown))) wrong.push(`${p.name}: ${shown}`);
    }
    assert.deepEqual(wrong, [], 'the default column of these rows does not show the schema default');
  });

  test('every allowed value of an enum or const is shown in a row of its key', () => {
    const wrong: string[] = [];
    for (const p of all) {
      const values = [...((p.schema.enum ?? []) as unknown[]), ...('const' in p.schema ? [p.schema.const] : [])];
      for (const value of values) {
        if (!(rows.get(p.name) ?? []).some((row) => row.includes(`\`${String(value)}\``))) wrong.push(`${p.name}: ${String(value)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('every config error code and every template form is explained', () => {
    const codes = Object.keys(CODES).filter((c) => c.includes('_CONFIG_'));
    assert.ok(codes.length >= 10);
    assert.deepEqual(
      codes.filter((c) => !docs.includes(`\`${c}\``)),
      [],
    );
    for (const form of ['$<env:NAME>', '$<env:NAME:-fallback>', '$<file:PATH>', '$$<']) assert.ok(docs.includes(`\`${form}\``), form);
  });

  test('the sections the SPEC asks for are there', () => {
    for (const heading of [
      '## Templates',
      '## Secrets',
      '## Paths',
      '## The environment of a stdio server',
      '## Exposed names and globs',
      '## What applies live and what needs a restart',
    ]) {
      assert.ok(docs.includes(`\n${heading}\n`), heading);
    }
  });
});
