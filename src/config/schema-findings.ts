import type { Finding } from '../errors/error.js';
import { deref, gatewaySchema, type ErrorObject, type JsonSchema } from './schema.js';
import { formatPath, locate, type ConfigSource, type PathSegment } from './source.js';

/** Plain sentences for the patterns of the schema's $defs (ajv would print the regex). */
const PATTERN_SENTENCES: Record<string, string> = {
  name: 'must be a name of letters, digits, "-" and "_", 1 to 32 characters, starting and ending with a letter or digit',
  duration: 'must be a duration: a whole number and ms, s, m or h (500ms, 10s, 2m)',
  envName: 'must be an environment variable name (letters, digits and _, not starting with a digit)',
  headerName: 'must be an HTTP header name (letters, digits and -)',
  listen: 'must be host:port, e.g. 127.0.0.1:8750 or [::1]:8750',
  allowedOrigins: 'must be an origin: scheme://host[:port], no path',
  allowedHosts: 'must be a host name without scheme or path',
  scopes: 'must be an OAuth scope (no spaces or quotes)',
  prefix: 'must be true, false or a name of letters, digits, "-" and "_" (1 to 32 characters)',
};

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping (key: value lines)',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  integer: 'a whole number',
  'boolean,array': 'true, false or a list of names',
  'boolean,string': 'true, false or a name',
};

/**
 * Validates a resolved document against the schema, applying its defaults in place, and
 * returns one located, plain-language finding per problem.
 */
export function validateSchema(value: unknown, source: ConfigSource, skip: ReadonlySet<string>): Finding[] {
  const { schema, validate } = gatewaySchema();
  if (validate(value)) return [];
  // oneOf/if only summarize the branch errors; propertyNames only repeats the inner pattern
  // error (which names the key), in ajv's own words.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // A missing "type" is reported twice by ajv (required + discriminator): keep one.
    if (
      error.keyword === 'required' &&
      error.params.missingProperty === 'type' &&
      errors.some((e) => e.keyword === 'discriminator' && e.instancePath === error.instancePath)
    )
      continue;
    // An unknown type ("type: basic") fails both the enum and the discriminator: keep the enum.
    if (error.keyword === 'discriminator' && errors.some((e) => e.keyword === 'enum' && e.instancePath === `${error.instancePath}/type`))
      continue;
    // A misspelt required key ("server:" for "servers:") is one problem: the unknown key's
    // "did you mean" says it all, so the "missing" line would only repeat it.
    if (
      error.keyword === 'required' &&
      errors.some(
        (e) =>
          e.keyword === 'additionalProperties' &&
          e.instancePath === error.instancePath &&
          nearest(String(e.params.additionalProperty), [String(error.params.missingProperty)]) !== undefined,
      )
    )
      continue;
    const finding = describe(error, schema, source);
    if (skip.has(finding.path ?? '')) continue;
    const key = `${finding.path}|${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  return findings;
}

function pathOf(pointer: string, source: ConfigSource): PathSegment[] {
  if (pointer === '') return [];
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Array indices are numbers in yaml's tree; decide by walking the parsed value.
  const out: PathSegment[] = [];
  let node: unknown = source.value;
  for (const part of parts) {
    const index = Array.isArray(node) && /^\d+$/.test(part) ? Number(part) : part;
    out.push(index);
    node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[index] : undefined;
  }
  return out;
}

/** What describing one ajv error needs: the error, where it is, and the schema around it. */
interface Failure {
  readonly error: ErrorObject;
  readonly root: JsonSchema;
  readonly path: PathSegment[];
  /** The schema that failed, with $refs resolved. */
  readonly parent?: JsonSchema;
  /** The location of a config path (its key with `key`), as finding fields. */
  at(path: PathSegment[], key?: boolean): Pick<Finding, 'file' | 'line' | 'column' | 'path'>;
}

type Described = Pick<Finding, 'file' | 'line' | 'column' | 'path' | 'message' | 'hint'>;

function describe(error: ErrorObject, root: JsonSchema, source: ConfigSource): Finding {
  const failure: Failure = {
    error,
    root,
    path: pathOf(error.instancePath, source),
    parent: deref(root, error.parentSchema as JsonSchema | undefined),
    at: (p, key = false) => ({ file: source.file, ...locate(source, p, { key }), path: formatPath(p) || '(top level)' }),
  };
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  const described = propertyName !== undefined ? badName(failure, propertyName) : (KEYWORDS[error.keyword] ?? otherKeyword)(failure);
  return { code: 'MCPGW_E_CONFIG_SCHEMA', severity: 'error', ...described };
}

/** A key that does not match its pattern: a server, profile, variable or header name. */
function badName({ error, path, at }: Failure, propertyName: string): Described {
  const where = path.length > 0 ? String(path[path.length - 1]) : 'top level';
  const what = NAME_KINDS[where] ?? 'key';
  const sentence = patternSentence(error) ?? 'is not allowed here';
  const suggestion = /#\/\$defs\/name\//.test(error.schemaPath) ? suggestName(propertyName) : undefined;
  return {
    ...at([...path, propertyName], true),
    message: `${what} "${propertyName}" ${sentence}`,
    hint: suggestion ? `rename it, e.g. "${suggestion}"` : `rename "${propertyName}"`,
  };
}

const NAME_KINDS: Record<string, string> = {
  servers: 'server name',
  profiles: 'profile name',
  env: 'environment variable name',
  headers: 'header name',
};

/** One plain-language description per ajv keyword. */
const KEYWORDS: Record<string, (failure: Failure) => Described> = {
  additionalProperties: ({ error, root, path, parent, at }) => {
    const key = String(error.params.additionalProperty);
    const allowed = Object.keys(parent?.properties ?? {});
    const near = nearest(key, allowed);
    // A key one level too high ("bearerTokens" directly under gateway) is a common slip.
    const home = allowed.find((k) => Object.hasOwn(deref(root, parent?.properties?.[k])?.properties ?? {}, key));
    return {
      ...at([...path, key], true),
      message: `unknown key "${key}"`,
      hint: near
        ? `did you mean "${near}"?`
        : home
          ? `"${key}" belongs under "${home}" (${formatPath([...path, home, key])})`
          : allowed.length > 0
            ? `valid keys here: ${allowed.join(', ')}`
            : 'remove it',
    };
  },
  required: ({ error, path, at }) => {
    const key = String(error.params.missingProperty);
    return {
      ...at(path),
      path: formatPath([...path, key]),
      message: `missing required key "${key}"`,
      hint: key === 'version' ? 'add "version: 1" as the first line' : `add ${key}: ...`,
    };
  },
  discriminator: ({ root, path, parent, at }) => {
    const tagSchema = deref(root, parent)?.properties?.type as { enum?: string[] } | undefined;
    const options = tagSchema?.enum?.join(', ') ?? 'none, apiKey, oauth';
    return {
      ...at([...path, 'type']),
      path: formatPath([...path, 'type']),
      message: `type must be one of: ${options}`,
      hint: `write type: ${options.split(', ')[0]}`,
    };
  },
  type: wrongType,
  enum: ({ error, path, at }) => {
    const allowed = (error.params.allowedValues as unknown[]).map(String);
    const near = typeof error.data === 'string' ? nearest(error.data, allowed) : undefined;
    return {
      ...at(path),
      message: `must be one of: ${allowed.join(', ')}`,
      hint: near ? `did you mean "${near}"?` : `use one of: ${allowed.join(', ')}`,
    };
  },
  const: ({ error, path, at }) => {
    // version: "1" is the usual case: the right value as the wrong type.
    const want = error.params.allowedValue as unknown;
    const sameType = typeof want === typeof error.data;
    return {
      ...at(path),
      message: `must be ${JSON.stringify(want)}${sameType ? '' : `, not ${describeValue(error.data)}`}`,
      hint: typeof want === 'number' && typeof error.data === 'string' ? `write ${want} without quotes` : `write ${JSON.stringify(want)}`,
    };
  },
  pattern: ({ error, path, at }) => ({ ...at(path), message: patternSentence(error) ?? 'has an invalid format', hint: patternHint(error) }),
  minLength: ({ error, path, at }) => {
    const limit = Number(error.params.limit);
    if (limit <= 1) return { ...at(path), message: 'must not be empty', hint: 'give a value or remove the key' };
    // Says how long, never what the value is (it may be a secret from a template).
    return { ...at(path), message: `must be at least ${limit} characters`, hint: 'a random key: openssl rand -base64 32' };
  },
  uniqueItems: ({ error, path, at }) => {
    // Point at the repeat itself; ajv's i is the later of the two equal items.
    const i = Number(error.params.i);
    const item = Array.isArray(error.data) ? error.data[i] : undefined;
    return {
      ...at([...path, i]),
      message: typeof item === 'string' ? `"${item}" is listed twice` : `lists the same item twice (items ${error.params.j} and ${i})`,
      hint: 'remove the repeated item',
    };
  },
};

function otherKeyword({ error, path, at }: Failure): Described {
  return { ...at(path), message: error.message ?? 'is invalid', hint: 'see docs/configuration.md' };
}

function wrongType({ error, path, at }: Failure): Described {
  // "call: 10": the unit is what is missing, not quotes.
  if (error.schemaPath.startsWith('#/$defs/duration/') && typeof error.data === 'number') {
    return {
      ...at(path),
      message: `must be a duration with a unit, not the bare number ${error.data}`,
      hint: `add the unit: ${error.data}s, ${error.data}m or ${error.data}ms`,
    };
  }
  const want = ([] as string[]).concat(error.params.type as string | string[]).join(',');
  const byName = path.length === 1 && (path[0] === 'servers' || path[0] === 'profiles') && Array.isArray(error.data);
  return {
    ...at(path),
    message: `must be ${TYPE_WORDS[want] ?? want}, not ${describeValue(error.data)}`,
    hint:
      path.length === 0
        ? 'the file must be a mapping that starts with "version: 1"'
        : byName
          ? `${path[0]} are keyed by name: "name:" and its keys indented below, not "- name: ..."`
          : hintForType(want),
  };
}

function patternSentence(error: ErrorObject): string | undefined {
  const def = /#\/\$defs\/([A-Za-z]+)\//.exec(error.schemaPath)?.[1];
  if (def && PATTERN_SENTENCES[def]) return PATTERN_SENTENCES[def];
  const prop = /\/properties\/([A-Za-z]+)\/(items\/)?pattern$/.exec(error.schemaPath)?.[1];
  return prop ? PATTERN_SENTENCES[prop] : undefined;
}

/** An example of the expected form, for the patterns where one says more than the rule. */
const PATTERN_HINTS: Record<string, string> = {
  duration: 'the number and its unit, no space and no fraction: 90s rather than 1.5m or "90 seconds"',
  listen: 'e.g. 127.0.0.1:8750, or 0.0.0.0:8750 with gateway.auth.bearerTokens',
  allowedOrigins: 'e.g. https://app.example.com',
};

function patternHint(error: ErrorObject): string {
  const def =
    /#\/\$defs\/([A-Za-z]+)\//.exec(error.schemaPath)?.[1] ?? /\/properties\/([A-Za-z]+)\/(items\/)?pattern$/.exec(error.schemaPath)?.[1];
  return (def && PATTERN_HINTS[def]) || 'see docs/configuration.md';
}

function hintForType(want: string): string {
  if (want === 'array') return 'write a list: [a, b] or one "- item" per line';
  if (want === 'object') return 'write key: value lines indented under this key';
  if (want === 'string') return 'quote the value';
  if (want === 'boolean') return 'write true or false';
  return 'see docs/configuration.md';
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
}

/** A valid name close to an invalid one: other characters become "-", cut to 32. */
function suggestName(name: string): string | undefined {
  const trim = (t: string) => t.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  const candidate = trim(trim(name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/__+/g, '_')).slice(0, 32));
  return candidate !== '' && candidate !== name ? candidate : undefined;
}

/** The closest candidate by edit distance, if it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
