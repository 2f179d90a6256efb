import { dirname, resolve } from 'node:path';
import { McpgwError, type Finding } from '../errors/error.js';
import { checkConfig, type CheckIssue } from './checks.js';
import { normalize } from './normalize.js';
import { resolveTree } from './resolve.js';
import type { McpgwGatewayConfiguration } from './schema.gen.js';
import { formatPath, locate, readConfigSource } from './source.js';
import type { Secret } from './templates.js';
import type { ConfigModel } from './types.js';
import { validateSchema } from './schema-findings.js';

export interface LoadOptions {
  /** Environment for $<env:> templates and dataDir defaults; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** CI without secrets: unset variables and unreadable files are warnings (validate --no-secrets). */
  readonly noSecrets?: boolean;
  /** The file's contents, instead of reading it (a merge checked before it is written). */
  readonly text?: string;
}

export interface LoadResult {
  /** Present when there is no error-level finding. */
  readonly model?: ConfigModel;
  /** Every problem, errors and warnings, sorted by position. */
  readonly findings: readonly Finding[];
  /** The config file (first) and every file its templates read (or tried to): what a reload watches. */
  readonly files: readonly string[];
}

/**
 * The model of a load, for what cannot go on without one (run, auth, connect); otherwise
 * MCPGW_E_CONFIG_INVALID, located at the file and carrying every finding (the CLI prints
 * them, then `message` and `hint`).
 */
export function requireModel(result: LoadResult, message: string, hint?: string): ConfigModel {
  if (result.model) return result.model;
  throw new McpgwError('MCPGW_E_CONFIG_INVALID', message, { hint, location: { file: result.files[0] }, findings: result.findings });
}

/**
 * Parse -> resolve templates -> schema (with defaults) -> cross-checks -> normalize.
 * Never throws for a bad file: everything wrong is returned as located findings.
 */
export function loadConfig(path: string, options: LoadOptions = {}): LoadResult {
  const file = resolve(path);
  const dir = dirname(file);
  const env = options.env ?? process.env;
  const { source, findings: readFindings } = readConfigSource(file, options.text);
  if (!source) return { findings: readFindings, files: [file] };

  const raw = source.value;
  const templateFiles = new Set<string>();
  const tree = resolveTree(raw, { env, baseDir: dir, files: templateFiles });
  const findings: Finding[] = [];
  const at = (path: readonly (string | number)[], key = false) => ({ file, ...locate(source, path, { key }), path: formatPath(path) });

  for (const issue of tree.issues) {
    const serverName = issue.path[0] === 'servers' ? String(issue.path[1]) : undefined;
    const disabled =
      serverName !== undefined && (raw as { servers?: Record<string, { enabled?: unknown }> })?.servers?.[serverName]?.enabled === false;
    const soft = issue.problem.missing && (options.noSecrets || disabled);
    findings.push({
      code: soft ? 'MCPGW_W_CONFIG_ENV_DISABLED' : issue.problem.code,
      severity: soft ? 'warning' : 'error',
      // Quote the value as written (never its resolved text), unless the message already does.
      message: `${issue.problem.message}${issue.problem.message.includes(issue.raw) ? '' : ` (in "${issue.raw}")`}${disabled && soft ? '; the server is disabled' : ''}`,
      hint: issue.problem.hint,
      ...at(issue.path),
    });
  }

  const asWritten = structuredClone(tree.value) as McpgwGatewayConfiguration;
  const doc = structuredClone(tree.value) as McpgwGatewayConfiguration;
  const schemaFindings = validateSchema(doc, source, tree.unresolved);
  findings.push(...schemaFindings);
  for (const issue of crossCheck(doc, asWritten, tree.templated)) {
    if (tree.unresolved.has(formatPath(issue.path))) continue;
    findings.push({ code: issue.code, severity: issue.severity, message: issue.message, hint: issue.hint, ...at(issue.path, issue.key) });
  }
  findings.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  redactFindings(findings, tree.secrets);
  const files = [file, ...templateFiles];
  if (findings.some((f) => f.severity === 'error')) return { findings, files };
  const model = normalize({
    file,
    dir,
    doc,
    env,
    secrets: tree.secrets,
    files: [...templateFiles],
    warnings: findings,
    sourceText: source.text,
  });
  return { model, findings, files };
}

/** Shorter values are not redacted by value: they would mangle ordinary words in messages. */
const MIN_REDACTED_LENGTH = 8;

/**
 * A last guard for SPEC section 2 (messages quote the template, never the value): a check
 * that quotes a resolved value (a prefix or profile member taken from a variable) shows the
 * template's label instead.
 */
function redactFindings(findings: Finding[], secrets: readonly Secret[]): void {
  const long = secrets.filter((s) => s.value.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.value.length - a.value.length);
  if (long.length === 0) return;
  const redact = (text: string) => long.reduce((out, s) => out.split(s.value).join(s.label), text);
  findings.forEach((f, i) => {
    findings[i] = { ...f, message: redact(f.message), ...(f.hint !== undefined ? { hint: redact(f.hint) } : {}) };
  });
}

/**
 * The cross-checks assume the schema's shapes; on a document with schema errors they still
 * run (all problems at once), and a shape they cannot walk just ends them early.
 */
function crossCheck(
  doc: McpgwGatewayConfiguration,
  asWritten: McpgwGatewayConfiguration,
  templated: ReadonlyMap<string, string>,
): CheckIssue[] {
  try {
    return checkConfig(doc, asWritten, templated);
  } catch {
    return [];
  }
}
