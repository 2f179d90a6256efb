#!/usr/bin/env node
// Derives src/config/schema.gen.ts (the types) and src/config/schema-validate.gen.ts (ajv's
// validator, compiled ahead of time) from schema/gateway.schema.json, the single source of
// truth. `npm run gen:types -- --check` exits 1 when a committed file is stale (the unit tests
// run the same comparison).
import { readFile, writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { compile } from 'json-schema-to-typescript';

const root = new URL('..', import.meta.url);
const target = new URL('src/config/schema.gen.ts', root);
const validatorTarget = new URL('src/config/schema-validate.gen.ts', root);

/** The options of the daemon's validator (src/config/schema.ts documents each one's reason). */
export const AJV_OPTIONS = { allErrors: true, useDefaults: true, discriminator: true, verbose: true, strict: true, allowUnionTypes: true };

/**
 * ajv's standalone code of the config validator: compiling the schema at start took ~250 ms,
 * the largest part of the daemon's start-up (issue 18, docs/performance.md).
 */
export async function generateValidator() {
  const schema = JSON.parse(await readFile(new URL('schema/gateway.schema.json', root), 'utf8'));
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  const code = standaloneCode.default(ajv, ajv.compile(schema));
  // ajv's ESM output still require()s its runtime helpers (ucs2length, equal).
  return [
    '/* Generated from schema/gateway.schema.json by `npm run gen:types`. Do not edit. */',
    '// @ts-nocheck',
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    code.replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}

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
  for (const [file, text] of [
    [target, await generateTypes()],
    [validatorTarget, await generateValidator()],
  ]) {
    const name = file.pathname.slice(root.pathname.length);
    if (process.argv.includes('--check')) {
      const current = await readFile(file, 'utf8').catch(() => '');
      if (current !== text) {
        console.error(`${name} is stale: run npm run gen:types`);
        process.exitCode = 1;
      }
    } else {
      await writeFile(file, text);
      console.log(`wrote ${name}`);
    }
  }
}
