#!/usr/bin/env node
// Derives src/config/schema.gen.ts from schema/gateway.schema.json, the single source of
// truth. `npm run gen:types -- --check` exits 1 when the committed file is stale (the unit
// tests run the same comparison).
import { readFile, writeFile } from 'node:fs/promises';
import { compile } from 'json-schema-to-typescript';

const root = new URL('..', import.meta.url);
const target = new URL('src/config/schema.gen.ts', root);

export async function generateTypes() {
  const schema = JSON.parse(await readFile(new URL('schema/gateway.schema.json', root), 'utf8'));
  // ajv's discriminator is not JSON Schema; the generator only needs oneOf.
  return compile(schema, 'GatewayFile', {
    bannerComment: '/* Generated from schema/gateway.schema.json by `npm run gen:types`. Do not edit. */',
    additionalProperties: false,
    strictIndexSignatures: true,
    style: { singleQuote: true },
    unreachableDefinitions: false,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await generateTypes();
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error('src/config/schema.gen.ts is stale: run npm run gen:types');
      process.exit(1);
    }
  } else {
    await writeFile(target, text);
    console.log('wrote src/config/schema.gen.ts');
  }
}
