import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { parseDocument } from 'yaml';
import { loadConfig } from '../config/load.js';
import { McpgwError } from '../errors/error.js';
import { renderFindingText } from '../errors/render.js';
import { mergeServers, type MergeGroup } from '../import/merge.js';
import { isValidServerName } from '../import/naming.js';
import { existingServersOf, planImport, type ExistingServer, type ImportPlan, type Variable } from '../import/plan.js';
import { displayOf, readSource, sourcesFor, type Host } from '../import/sources.js';
import type { SourceResult } from '../import/types.js';
import { appendEnvFile, readEnvFile, writeAtomic, type WriteHooks } from '../import/write.js';
import { out, type CommandContext } from './command-context.js';

/**
 * `mcpgw import --from CLIENT|PATH [--dry-run|--yes] [--save-secrets FILE]`: the servers of a
 * client's config merged into gateway.yaml (issue 19). Reads everything first, decides, checks
 * the result as `validate --no-secrets` would, then writes (the env file first, so a
 * gateway.yaml naming variables never lands without their values when they were asked for).
 */

export interface ImportOptions {
  readonly from?: readonly string[];
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  /** --save-secrets: the .env-style file the secrets' values go to. */
  readonly saveSecrets?: string;
}

/** What tests replace: the machine the clients' files are looked for on, stdin, write hooks. */
export interface ImportIO {
  readonly host?: Partial<Host>;
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly hooks?: WriteHooks;
}

/** What every step of one import knows. */
interface Run {
  readonly ctx: CommandContext;
  readonly host: Host;
  readonly configPath: string;
  readonly configDisplay: string;
}

export async function runImport(ctx: CommandContext, options: ImportOptions, io: ImportIO = {}): Promise<number> {
  if (options.dryRun && options.yes)
    throw new McpgwError('MCPGW_E_USAGE', '--dry-run and --yes exclude each other', { hint: 'pass one of them' });
  const from = options.from ?? [];
  if (from.length === 0)
    throw new McpgwError('MCPGW_E_USAGE', '--from is required', { hint: 'mcpgw import --from claude-desktop (or a file path)' });
  const host: Host = { home: ctx.env.HOME || homedir(), platform: process.platform, cwd: process.cwd(), env: ctx.env, ...io.host };
  const run: Run = { ctx, host, configPath: ctx.configPath, configDisplay: displayOf(ctx.configPath, host) };
  const { configPath, configDisplay } = run;
  const envFile = options.saveSecrets !== undefined ? resolve(host.cwd, options.saveSecrets) : undefined;

  // 1. Every client file, read and converted: any bad file stops everything before a write.
  const seen = new Set<string>();
  const sources = from.flatMap((f) => sourcesFor(f, host)).filter((s) => !seen.has(s.path) && seen.add(s.path));
  const results = sources.flatMap((s) => readSource(s, host));

  // 2. gateway.yaml as it is: refused when invalid (unset variables are fine: --no-secrets).
  const text = readGatewayYaml(run);
  const envValues = envFile ? readEnvFile(envFile) : new Map<string, string>();
  const plan = planImport({
    results,
    existing: existingServers(text),
    variables: new Set([...(text ?? '').matchAll(/\$<env:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)),
    configDir: dirname(configPath),
    known: (name) => (ctx.env[name] ? ctx.env[name] : envValues.get(name)),
  });
  for (const f of plan.findings) out(ctx.stderr, renderFindingText(f));
  report(ctx, results, plan, configDisplay);
  if (plan.added.length === 0) {
    out(ctx.stdout, `Nothing new to import: ${configDisplay} is unchanged.`);
    return 0;
  }

  // 3. The merge, checked like `mcpgw validate --no-secrets`, with the secrets' values supplied.
  const secrets = plan.variables.filter((v): v is Variable & { value: string } => v.kind === 'secret' && v.value !== undefined);
  const merged = checkedMerge(run, text, plan, secrets);
  if (!(await approved(run, options, io, text, merged.text, plan))) return 0;

  // 4. The env file first, then gateway.yaml, each atomically.
  const wroteEnv = envFile ? await saveSecrets(run, envFile, secrets, envValues) : undefined;
  const now = text !== undefined ? readFileSync(configPath, 'utf8') : existsSync(configPath) ? '' : undefined;
  if (now !== text) {
    throw new McpgwError('MCPGW_E_IMPORT_WRITE', `${configDisplay} changed during the import; it was left as it is now`, {
      hint: 'run the import again',
    });
  }
  await writeAtomic(configPath, merged.text, { hooks: io.hooks });
  variablesReport(ctx, plan, wroteEnv, host);
  const where = merged.profile ? ` (and to profile "${merged.profile}")` : '';
  out(ctx.stdout, `${text !== undefined ? 'Updated' : 'Created'} ${configDisplay}: ${plural(plan.added.length, 'server')} added${where}.`);
  if (merged.noProfile) {
    out(ctx.stdout, `${configDisplay} lists profiles and none is named default: add the new servers to a profile to reach them.`);
  }
  return 0;
}

/** The secrets' values appended to the --save-secrets file (those it lacks); its name, for the report. */
async function saveSecrets(
  run: Run,
  envFile: string,
  secrets: ReadonlyArray<Variable & { value: string }>,
  had: ReadonlyMap<string, string>,
) {
  if (secrets.length === 0) return undefined;
  const fresh = secrets.filter((v) => had.get(v.name) !== v.value);
  if (fresh.length > 0) {
    const header = `# Secrets of the servers in ${run.configDisplay}, moved here by mcpgw import. Keep this file private.`;
    await appendEnvFile(envFile, fresh, header);
  }
  return displayOf(envFile, run.host);
}

/** gateway.yaml's text, undefined when there is none yet; an invalid one stops the import. */
function readGatewayYaml({ ctx, host, configPath, configDisplay }: Run): string | undefined {
  if (!existsSync(configPath)) return undefined;
  const before = loadConfig(configPath, { env: ctx.env, noSecrets: true });
  if (!before.model) {
    for (const f of before.findings.filter((x) => x.severity === 'error'))
      out(ctx.stderr, renderFindingText({ ...f, file: f.file && displayOf(f.file, host) }));
    throw new McpgwError('MCPGW_E_IMPORT_CONFIG', `${configDisplay} is invalid; nothing was imported`, {
      hint: `fix it first (mcpgw validate -c ${configDisplay}), then import again`,
    });
  }
  return readFileSync(configPath, 'utf8');
}

/** The new servers merged in, one group per client file, and the result validated as the daemon would. */
function checkedMerge({ ctx, configPath, configDisplay }: Run, text: string | undefined, plan: ImportPlan, secrets: readonly Variable[]) {
  const groups: MergeGroup[] = [];
  for (const a of plan.added) {
    const comment = `Imported from ${a.candidate.source.label}: ${a.candidate.source.display}`;
    const group = groups[groups.length - 1];
    if (group?.comment === comment) (group.servers as Array<{ name: string; spec: Record<string, unknown> }>).push(a);
    else groups.push({ comment, servers: [a] });
  }
  const merged = mergeServers(text, groups);
  const check = loadConfig(configPath, {
    env: { ...ctx.env, ...Object.fromEntries(secrets.map((v) => [v.name, v.value])) },
    noSecrets: true,
    text: merged.text,
  });
  if (!check.model) {
    for (const f of check.findings.filter((x) => x.severity === 'error')) out(ctx.stderr, renderFindingText({ ...f, file: configDisplay }));
    throw new McpgwError('MCPGW_E_IMPORT_RESULT', `the merged ${configDisplay} would not validate; nothing was written`, {
      hint: 'this is a bug in mcpgw import: please report it with the client file (its secrets removed)',
    });
  }
  return merged;
}

/** False for a dry run (the diff shown); on a terminal without --yes, the user confirms the diff. */
async function approved(run: Run, options: ImportOptions, io: ImportIO, text: string | undefined, merged: string, plan: ImportPlan) {
  const { ctx, configDisplay } = run;
  const diff = () =>
    createTwoFilesPatch(text !== undefined ? configDisplay : '/dev/null', configDisplay, text ?? '', merged, undefined, undefined, {
      context: 3,
      headerOptions: FILE_HEADERS_ONLY,
    });
  if (options.dryRun) {
    out(ctx.stdout, diff());
    variablesReport(ctx, plan, undefined, run.host);
    out(ctx.stdout, `Dry run: nothing written (${plural(plan.added.length, 'server')} would be added to ${configDisplay}).`);
    return false;
  }
  const stdin = io.stdin ?? process.stdin;
  if (options.yes || !stdin.isTTY || !ctx.isTTY) return true;
  out(ctx.stdout, diff());
  if (!(await confirm(stdin, ctx.stderr, `Write these changes to ${configDisplay}? [y/N] `))) {
    throw new McpgwError('MCPGW_E_IMPORT_DECLINED', 'not confirmed; nothing was written', {
      hint: 'run again and answer y, or pass --yes',
    });
  }
  return true;
}

/** The servers of gateway.yaml as written (templates unexpanded). */
function existingServers(text: string | undefined): ExistingServer[] {
  return text === undefined ? [] : existingServersOf(parseDocument(text).toJS());
}

/** Per file: + added (with the reason for a new name), = already present. */
function report(ctx: CommandContext, results: readonly SourceResult[], plan: ImportPlan, configDisplay: string): void {
  for (const result of results) {
    out(ctx.stdout, `${result.source.label} (${result.source.display}):`);
    if (result.candidates.length === 0) out(ctx.stdout, '  no MCP servers');
    for (const c of result.candidates) {
      const added = plan.added.find((a) => a.candidate === c);
      if (added) {
        const why = added.name === c.name ? '' : isValidServerName(c.name) ? ' (the name was taken)' : ' (not a valid server name)';
        out(ctx.stdout, `  + ${added.name}${added.name === c.name ? '' : `  renamed from "${c.name}"${why}`}`);
        continue;
      }
      const present = plan.present.find((p) => p.candidate === c)!;
      out(ctx.stdout, `  = ${c.name}  already ${present.earlier ? 'imported above' : `in ${configDisplay}`} as "${present.as}"`);
    }
  }
  const open = plan.added.filter(
    (a) => typeof a.spec.url === 'string' && !a.spec.url.includes('$<env:') && a.spec.auth === undefined && a.spec.headers === undefined,
  );
  if (open.length > 0) {
    out(
      ctx.stdout,
      `Remote servers without credentials: ${open.map((a) => a.name).join(', ')}. If one needs OAuth, give it "auth: { type: oauth }" and run "mcpgw auth login NAME".`,
    );
  }
}

/** The variables to set: never their values, which only go to the env file. */
function variablesReport(ctx: CommandContext, plan: ImportPlan, envFile: string | undefined, host: Host): void {
  const width = Math.max(0, ...plan.variables.map((v) => v.name.length));
  const line = (v: Variable, note = '') => {
    const uses = v.uses.map((u) => `${u.server}: ${u.where}`).join('; ');
    const description = v.description ? ` (${v.description})` : '';
    return `  ${v.name.padEnd(width)}  ${uses}${description}${note}`;
  };
  const secrets = plan.variables.filter((v) => v.kind === 'secret');
  const needed = plan.variables.filter((v) => v.kind !== 'secret');
  if (secrets.length > 0) {
    out(ctx.stdout, `Secrets are not copied into the config; the daemon reads them from these variables:`);
    for (const v of secrets) out(ctx.stdout, line(v, host.env[v.name] === v.value ? '  (set in this environment)' : ''));
    if (envFile) {
      out(ctx.stdout, `Their values are in ${envFile} (mode 0600). Load it where the daemon runs: set -a; . ${envFile}; set +a`);
    } else {
      out(ctx.stdout, 'Set them where the daemon runs, or import with --save-secrets FILE to have their values written to a private file.');
    }
  }
  if (needed.length > 0) {
    out(ctx.stdout, 'The clients took these from their environment or asked for them; set them for the daemon too:');
    for (const v of needed) out(ctx.stdout, line(v, host.env[v.name] ? '  (set in this environment)' : ''));
  }
}

async function confirm(stdin: NodeJS.ReadableStream, stderr: NodeJS.WritableStream, question: string): Promise<boolean> {
  const rl = createInterface({ input: stdin, output: stderr, terminal: false });
  try {
    stderr.write(question);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
