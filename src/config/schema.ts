import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

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

/** The schema and its compiled validator; compiled once per process (reloads reuse it). */
export function gatewaySchema(): { schema: JsonSchema; validate: ValidateFunction } {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JsonSchema;
    const ajv = new Ajv2020({
      allErrors: true,
      useDefaults: true,
      discriminator: true,
      verbose: true,
      strict: true,
      allowUnionTypes: true,
    });
    compiled = { schema, validate: ajv.compile(schema) };
  }
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
