import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import validateGenerated from './schema-validate.gen.js';

/** schema/gateway.schema.json, the single source of truth for the file format. */
export const SCHEMA_URL = new URL('../../schema/gateway.schema.json', import.meta.url);

export type JsonSchema = {
  readonly [key: string]: unknown;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly $defs?: Readonly<Record<string, JsonSchema>>;
  readonly $ref?: string;
  readonly default?: unknown;
  readonly description?: string;
};

let compiled: { schema: JsonSchema; validate: ValidateFunction } | undefined;

/**
 * The schema and its validator: ajv's code for it, generated ahead of time by `npm run
 * gen:types` (src/config/schema-validate.gen.ts; compiling it at start took ~250 ms). ajv's
 * options there (scripts/gen-types.js): allErrors (every finding at once), useDefaults (the
 * schema's defaults fill the model), discriminator (server.auth by `type`), verbose (the
 * failing schema in each error, for the hints), strict and allowUnionTypes.
 */
export function gatewaySchema(): { schema: JsonSchema; validate: ValidateFunction } {
  compiled ??= {
    schema: JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JsonSchema,
    validate: validateGenerated as unknown as ValidateFunction,
  };
  return compiled;
}

export type { ErrorObject };

/** Follows a local $ref (#/$defs/x) to its schema. */
export function deref(root: JsonSchema, schema: JsonSchema | undefined): JsonSchema | undefined {
  let current = schema;
  for (let i = 0; current?.$ref && i < 10; i++) {
    const name = current.$ref.replace(/^#\/\$defs\//, '');
    current = root.$defs?.[name];
  }
  return current;
}
