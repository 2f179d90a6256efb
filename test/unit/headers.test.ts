// SEP-2243 x-mcp-header annotations (2026-07-28 Streamable HTTP, "Schema Extension"): which tool
// definitions a client must leave out of tools/list, and why (upstream/headers.ts). The
// conformance suite's http-invalid-tool-headers serves the first dozen cases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tool } from '@modelcontextprotocol/client';
import { annotatedParams, invalidHeaderAnnotation, paramHeaders, screenTools } from '../../src/upstream/headers.js';

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const annotated = (header: unknown, type: unknown = 'string') => ({ type, 'x-mcp-header': header });

describe('invalidHeaderAnnotation', () => {
  const valid: Array<[string, unknown]> = [
    ['no annotation at all', object({ q: { type: 'string' } })],
    ['a string', object({ region: annotated('Region') })],
    ['an integer and a boolean', object({ n: annotated('Priority', 'integer'), v: annotated('Verbose', 'boolean') })],
    ['every tchar', object({ a: annotated("A!#$%&'*+-.^_`|~9") })],
    ['nested through properties only', object({ outer: object({ inner: annotated('Inner') }) })],
    ['a "properties" key that is a property name', object({ properties: annotated('Props') })],
    ['no schema', undefined],
  ];
  for (const [name, schema] of valid) test(`valid: ${name}`, () => assert.equal(invalidHeaderAnnotation(schema), undefined));

  const invalid: Array<[string, unknown, RegExp]> = [
    ['empty', object({ value: annotated('') }), /of property "value" is empty/],
    ['not a string', object({ value: annotated(7) }), /is empty/],
    ['a space', object({ value: annotated('My Region') }), /"My Region" of property "value" is not an HTTP header token/],
    ['a colon', object({ value: annotated('Region:Primary') }), /not an HTTP header token/],
    ['non-ASCII', object({ value: annotated('Région') }), /not an HTTP header token/],
    ['a tab', object({ value: annotated('Region\t1') }), /not an HTTP header token/],
    ['CR LF', object({ value: annotated('X\r\nInjected: 1') }), /not an HTTP header token/],
    ['on an object', object({ data: annotated('Data', 'object') }), /on type "object"/],
    ['on an array', object({ items: { ...annotated('Items', 'array'), items: { type: 'string' } } }), /on type "array"/],
    ['on null', object({ nil: annotated('Nil', 'null') }), /on type "null"/],
    ['on a number (2026-07-28 forbids it)', object({ score: annotated('Score', 'number') }), /on type "number"/],
    ['without a type', object({ x: { 'x-mcp-header': 'X' } }), /on type null/],
    ['with a type list', object({ x: annotated('X', ['string', 'null']) }), /on type \["string","null"\]/],
    ['repeated', object({ a: annotated('Region'), b: annotated('Region') }), /"Region" of property "b" repeats "Region"/],
    ['repeated in another case', object({ a: annotated('MyField'), b: annotated('myfield') }), /repeats "MyField"/],
    ['repeated at another depth', object({ a: annotated('Id'), o: object({ b: annotated('ID') }) }), /property "o.b" repeats "Id"/],
    ['on the root', { type: 'object', 'x-mcp-header': 'Root' }, /of the schema root/],
    ['under items', object({ list: { type: 'array', items: object({ x: annotated('X') }) } }), /reached through "properties" alone/],
    ['under anyOf', object({}, { anyOf: [object({ x: annotated('X') })] }), /<anyOf>/],
    ['under if/then', object({}, { if: object({}), then: object({ x: annotated('X') }) }), /<then>/],
    ['under $defs', object({ x: { $ref: '#/$defs/X' } }, { $defs: { X: annotated('X') } }), /<\$defs>/],
    ['under additionalProperties', object({}, { additionalProperties: annotated('X') }), /<additionalProperties>/],
    ['under patternProperties', object({}, { patternProperties: { '^x': annotated('X') } }), /<patternProperties>/],
  ];
  for (const [name, schema, reason] of invalid)
    test(`invalid: ${name}`, () => assert.match(invalidHeaderAnnotation(schema) ?? '(valid)', reason));
});

test('screenTools keeps the valid tools, in order, and names each one it leaves out with its reason', () => {
  const tool = (name: string, inputSchema: unknown) => ({ name, inputSchema }) as Tool;
  const tools = [
    tool('valid_tool', object({ region: annotated('Region') })),
    tool('invalid_empty_header', object({ value: annotated('') })),
    tool('plain', object({})),
    tool('invalid_number_header', object({ score: annotated('Score', 'number') })),
  ];
  const excluded: string[] = [];
  const kept = screenTools(tools, (t, reason) => excluded.push(`${t.name}: ${reason}`));
  assert.deepEqual(
    kept.map((t) => t.name),
    ['valid_tool', 'plain'],
  );
  assert.equal(excluded.length, 2);
  assert.match(excluded[0]!, /^invalid_empty_header: x-mcp-header of property "value" is empty$/);
  assert.match(excluded[1]!, /^invalid_number_header: .*on type "number"/);
});

test('the headers of a valid tool: nested values by their properties path; absent and null values send none', () => {
  const schema = object({ region: annotated('Region'), o: object({ n: annotated('N', 'integer') }), v: annotated('Verbose', 'boolean') });
  assert.deepEqual(
    annotatedParams(schema).map((a) => `${a.path.join('.')}=${a.header}`),
    ['region=Region', 'o.n=N', 'v=Verbose'],
  );
  assert.deepEqual(paramHeaders({ name: 't', inputSchema: schema } as Tool, { region: ' padded ', o: { n: 42 }, v: null }), {
    'mcp-param-region': `=?base64?${Buffer.from(' padded ').toString('base64')}?=`,
    'mcp-param-n': '42',
  });
});
