// schema/gateway.schema.json is the single source of truth (SPEC section 2): the committed
// types are what the generator makes of it now, and the schema itself is complete enough to
// document the format (descriptions) and to catch typos (closed objects).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
// @ts-expect-error: a plain .js script without types; it exports generateTypes().
import { generateTypes, generateValidator } from '../../scripts/gen-types.js';
import { type JsonSchema } from '../../src/config/schema.js';

const schemaUrl = new URL('../../schema/gateway.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as JsonSchema;

/** Every subschema with its JSON pointer, and whether it is the schema of a named property. */
function walk(
  node: JsonSchema,
  pointer: string,
  visit: (s: JsonSchema, pointer: string, isProperty: boolean) => void,
  isProperty = false,
): void {
  visit(node, pointer, isProperty);
  const children = (key: string) => (node[key] ?? {}) as Record<string, JsonSchema>;
  for (const [name, sub] of Object.entries(children('properties'))) walk(sub, `${pointer}/properties/${name}`, visit, true);
  for (const [name, sub] of Object.entries(children('$defs'))) walk(sub, `${pointer}/$defs/${name}`, visit, true);
  for (const key of ['items', 'additionalProperties', 'propertyNames']) {
    const sub = node[key];
    if (sub && typeof sub === 'object') walk(sub as JsonSchema, `${pointer}/${key}`, visit);
  }
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    ((node[key] ?? []) as JsonSchema[]).forEach((sub, i) => walk(sub, `${pointer}/${key}/${i}`, visit));
  }
}

function deref(s: JsonSchema): JsonSchema {
  return s.$ref ? deref(schema.$defs![s.$ref.replace('#/$defs/', '')]!) : s;
}

describe('schema and generated types', () => {
  test('src/config/schema.gen.ts is what scripts/gen-types.js generates from the schema now', async () => {
    const generated = (await generateTypes()) as string;
    const committed = readFileSync(new URL('../../src/config/schema.gen.ts', import.meta.url), 'utf8');
    assert.ok(committed === generated, 'src/config/schema.gen.ts is stale: run npm run gen:types');
  });

  test('src/config/schema-validate.gen.ts is the validator ajv compiles from the schema now', async () => {
    const generated = (await generateValidator()) as string;
    const committed = readFileSync(new URL('../../src/config/schema-validate.gen.ts', import.meta.url), 'utf8');
    assert.ok(committed === generated, 'src/config/schema-validate.gen.ts is stale: run npm run gen:types');
  });

  test('the schema is JSON Schema 2020-12 and compiles in strict mode', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: true, discriminator: true, allowUnionTypes: true });
    assert.doesNotThrow(() => ajv.compile(schema));
  });

  test('every property and definition has a description', () => {
    const missing: string[] = [];
    walk(schema, '#', (s, pointer, isProperty) => {
      if (isProperty && typeof s.description !== 'string') missing.push(pointer);
      if (typeof s.description === 'string' && s.description.trim().length < 5) missing.push(`${pointer} (too short)`);
    });
    assert.deepEqual(missing, []);
  });

  test('every object is closed: additionalProperties false or a schema', () => {
    const open: string[] = [];
    walk(schema, '#', (s, pointer) => {
      const isObject = s.type === 'object' || s.properties !== undefined;
      if (!isObject || s.additionalProperties !== undefined) return;
      // server.auth is a tagged union: each branch it may turn into is closed itself.
      const branches = (s.oneOf ?? []) as JsonSchema[];
      if (branches.length > 0 && branches.every((b) => deref(b).additionalProperties === false)) return;
      open.push(pointer);
    });
    assert.deepEqual(open, []);
  });

  test('every default is valid for its own property', () => {
    const ajv = new Ajv2020({ strict: false, discriminator: true, allowUnionTypes: true });
    const wrong: string[] = [];
    walk(schema, '#', (s, pointer) => {
      if (!('default' in s)) return;
      const check = ajv.compile({ ...s, $defs: schema.$defs });
      if (!check(structuredClone(s.default))) wrong.push(`${pointer}: ${JSON.stringify(s.default)}`);
    });
    assert.deepEqual(wrong, []);
  });
});
