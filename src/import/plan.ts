import { isAbsolute, relative, resolve } from 'node:path';
import type { Finding } from '../errors/error.js';
import { envName, secretCandidates, uniqueName, validServerName, VariableNames } from './naming.js';
import type { Candidate, Part, SourceResult, Value } from './types.js';

/**
 * The pure core of `mcpgw import`: which candidates are new, under which names, and which
 * variables their secrets and placeholders become. No I/O: the command reads, this decides,
 * merge.ts writes the text.
 */

/** A server already in gateway.yaml, as written (templates unexpanded). */
export interface ExistingServer {
  readonly name: string;
  readonly command?: string;
  readonly args?: readonly string[];
  readonly url?: string;
  readonly prefix?: string | boolean;
}

export interface PlanInput {
  readonly results: readonly SourceResult[];
  readonly existing: readonly ExistingServer[];
  /** Every NAME of a $<env:NAME> template in gateway.yaml. */
  readonly variables: ReadonlySet<string>;
  /** The config's folder: the gateway's default cwd. */
  readonly configDir: string;
  /** A variable's value where it is already set (the environment, the env file). */
  known(name: string): string | undefined;
}

export interface AddedServer {
  readonly name: string;
  readonly candidate: Candidate;
  /** The server as it goes into gateway.yaml. */
  readonly spec: Record<string, unknown>;
}

export interface PresentServer {
  readonly candidate: Candidate;
  /** The name it has in gateway.yaml (or got earlier in this import). */
  readonly as: string;
  readonly earlier: boolean;
}

/** A use of a variable, for the report: "github: env GITHUB_TOKEN". */
export interface VariableUse {
  readonly server: string;
  readonly where: string;
}

export interface Variable {
  readonly name: string;
  /** secret: its value is in the client file; env: the client read it from its environment; input: VS Code asked for it. */
  readonly kind: 'secret' | 'env' | 'input';
  /** Only for secrets. */
  readonly value?: string;
  readonly description?: string;
  readonly uses: VariableUse[];
}

export interface ImportPlan {
  readonly added: readonly AddedServer[];
  readonly present: readonly PresentServer[];
  readonly variables: readonly Variable[];
  readonly findings: readonly Finding[];
}

export function planImport(input: PlanInput): ImportPlan {
  const { accepted, present } = sortCandidates(input);
  const names = new VariableNames((n) => input.known(n));
  for (const v of input.variables) names.reserve(v);
  // Variables the clients read from their environment keep their names: reserve them first,
  // so that no secret takes one of them.
  for (const { candidate } of accepted) for (const part of partsOf(candidate)) if (part.kind === 'env') names.reserve(part.name);
  const variables = new VariableTable(names);
  const added = accepted.map(({ name, candidate }) => {
    const spec = toSpec(candidate, (value) => variables.render(value, name), input.configDir);
    // Variables passed through (Codex's env_vars): the daemon needs them in its environment.
    for (const n of candidate.inheritEnv ?? []) variables.allocate({ kind: 'env', name: n }, name, 'passed through (inheritEnv)');
    return { name, candidate, spec };
  });
  const findings = input.results.flatMap((r) => r.findings);
  return { added, present, variables: variables.all(), findings };
}

/** New candidates with their names; the others with where they already are (gateway.yaml, or earlier in this import). */
function sortCandidates(input: PlanInput): { accepted: Array<{ name: string; candidate: Candidate }>; present: PresentServer[] } {
  const existingNames = new Set<string>();
  for (const s of input.existing) {
    existingNames.add(s.name);
    if (typeof s.prefix === 'string') existingNames.add(s.prefix);
  }
  const accepted: Array<{ name: string; candidate: Candidate }> = [];
  const present: PresentServer[] = [];
  for (const result of input.results) {
    for (const candidate of result.candidates) {
      const earlier = accepted.find((a) => sameServer(candidate, a.candidate));
      if (earlier) {
        present.push({ candidate, as: earlier.name, earlier: true });
        continue;
      }
      const there = findExisting(candidate, input.existing, input.configDir);
      if (there) {
        present.push({ candidate, as: there.name, earlier: false });
        continue;
      }
      const taken = (n: string) => existingNames.has(n) || accepted.some((a) => a.name === n);
      accepted.push({ name: uniqueName(validServerName(candidate.name), taken), candidate });
    }
  }
  return { accepted, present };
}

/** The variables the values become, each with its uses. */
class VariableTable {
  private readonly variables = new Map<string, Variable>();

  constructor(private readonly names: VariableNames) {}

  all(): Variable[] {
    return [...this.variables.values()];
  }

  /** A value as gateway.yaml text: each part that is not text becomes $<env:NAME>. */
  render(value: Value, server: string): string {
    return value
      .map((part) => {
        if (part.kind === 'text') return escapeText(part.text);
        const variable = this.allocate(part, server);
        const fallback = part.kind !== 'secret' && part.fallback !== undefined ? `:-${part.fallback}` : '';
        return `$<env:${variable}${fallback}>`;
      })
      .join('');
  }

  /** The variable of a part (the same secret value or input gets the same one), its use recorded. */
  allocate(part: Exclude<Part, { kind: 'text' }>, server: string, how?: string): string {
    const n =
      part.kind === 'env'
        ? part.name
        : part.kind === 'input'
          ? this.names.forUnknown(`${part.file}\0${part.id}`, [envName(part.id)])
          : this.names.forValue(part.value, secretCandidates(server, part.label, part.scoped));
    let v = this.variables.get(n);
    if (!v) {
      v = {
        name: n,
        kind: part.kind,
        ...(part.kind === 'secret' ? { value: part.value } : {}),
        ...(part.kind === 'input' && part.description ? { description: part.description } : {}),
        uses: [],
      };
      this.variables.set(n, v);
    }
    const where =
      how ?? (part.kind === 'secret' ? part.where : part.kind === 'input' ? `VS Code input "${part.id}"` : 'from the environment');
    if (!v.uses.some((u) => u.server === server && u.where === where)) v.uses.push({ server, where });
    return n;
  }
}

/** The server as gateway.yaml has it: keys in the order of the docs. */
function toSpec(c: Candidate, render: (v: Value) => string, configDir: string): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  // Paths inside the config's folder are written relative to it, as the config's own paths are.
  const local = (path: string) => {
    if (!isAbsolute(path)) return path;
    const rel = relative(configDir, path);
    return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
  };
  if (c.command) {
    const command = render(c.command);
    spec.command = command.includes('/') ? local(command) : command;
  }
  if (c.args?.length) spec.args = c.args.map(render);
  if (c.env?.length) spec.env = Object.fromEntries(c.env.map(([k, v]) => [k, render(v)]));
  if (c.cwd) {
    const cwd = render(c.cwd);
    if (resolve(configDir, cwd) !== resolve(configDir)) spec.cwd = local(cwd);
  }
  if (c.inheritEnv?.length) spec.inheritEnv = [...c.inheritEnv];
  if (c.url) spec.url = render(c.url);
  if (c.transport === 'sse') spec.transport = 'sse';
  if (c.headers?.length) spec.headers = Object.fromEntries(c.headers.map(([k, v]) => [k, render(v)]));
  if (c.auth?.type === 'apiKey') {
    spec.auth = { type: 'apiKey', ...(c.auth.header ? { header: c.auth.header } : {}), value: render(c.auth.value) };
  } else if (c.auth?.type === 'oauth') {
    spec.auth = {
      type: 'oauth',
      ...(c.auth.clientId ? { clientId: render(c.auth.clientId) } : {}),
      ...(c.auth.clientSecret ? { clientSecret: render(c.auth.clientSecret) } : {}),
      ...(c.auth.scopes ? { scopes: [...c.auth.scopes] } : {}),
    };
  }
  if (c.enabled === false) spec.enabled = false;
  if (c.timeouts) spec.timeouts = { ...c.timeouts };
  if (c.tools)
    spec.tools = { ...(c.tools.allow ? { allow: [...c.tools.allow] } : {}), ...(c.tools.deny ? { deny: [...c.tools.deny] } : {}) };
  return spec;
}

function partsOf(c: Candidate): Part[] {
  const values: Value[] = [
    c.command ?? [],
    ...(c.args ?? []),
    ...(c.env ?? []).map(([, v]) => v),
    c.cwd ?? [],
    c.url ?? [],
    ...(c.headers ?? []).map(([, v]) => v),
  ];
  if (c.auth?.type === 'apiKey') values.push(c.auth.value);
  if (c.auth?.type === 'oauth') values.push(c.auth.clientId ?? [], c.auth.clientSecret ?? []);
  return values.flat();
}

/** Two candidates of this import: the same command and args, or the same url (secrets compared by value). */
function sameServer(a: Candidate, b: Candidate): boolean {
  const key = (v: Value | undefined) => JSON.stringify(v ?? null);
  if (a.url || b.url) return a.url !== undefined && b.url !== undefined && normalizeUrl(key(a.url)) === normalizeUrl(key(b.url));
  return key(a.command) === key(b.command) && key(a.args as Value | undefined) === key(b.args as Value | undefined);
}

/**
 * The server of gateway.yaml that a candidate already is, if any (the same command and args,
 * or the same url): what import reports as present, and what `connect --install` moves out of
 * the client's file.
 */
export function findExisting(c: Candidate, existing: readonly ExistingServer[], configDir: string): ExistingServer | undefined {
  return existing.find((s) => matchesExisting(c, s, configDir));
}

/** The servers of a gateway.yaml document as written (templates unexpanded). */
export function existingServersOf(doc: unknown): ExistingServer[] {
  const servers = (doc as { servers?: unknown } | null)?.servers;
  if (servers === null || typeof servers !== 'object' || Array.isArray(servers)) return [];
  return Object.entries(servers as Record<string, Record<string, unknown> | null>).map(([name, s]) => ({
    name,
    ...(typeof s?.command === 'string' ? { command: s.command } : {}),
    ...(Array.isArray(s?.args) ? { args: s.args.map(String) } : {}),
    ...(typeof s?.url === 'string' ? { url: s.url } : {}),
    ...(s?.prefix !== undefined ? { prefix: s.prefix as string | boolean } : {}),
  }));
}

/**
 * A candidate against a server of gateway.yaml, as written there. A secret or an input of the
 * candidate matches any $<env:NAME> at its place: an earlier import made it a variable.
 */
function matchesExisting(c: Candidate, s: ExistingServer, configDir: string): boolean {
  if (c.url) {
    if (s.url === undefined) return false;
    const text = textOf(c.url);
    if (text !== undefined && URL.canParse(text) && URL.canParse(s.url)) return new URL(text).href === new URL(s.url).href;
    return pattern(c.url).test(s.url);
  }
  if (!c.command || s.command === undefined) return false;
  const args = c.args ?? [];
  const theirs = s.args ?? [];
  // A command path is compared as the file it names (gateway.yaml's are relative to its folder).
  const command = textOf(c.command);
  const sameCommand =
    command !== undefined && command.includes('/') && s.command.includes('/')
      ? resolve(configDir, s.command) === resolve(configDir, command)
      : pattern(c.command).test(s.command);
  return sameCommand && args.length === theirs.length && args.every((a, i) => pattern(a).test(theirs[i]!));
}

function pattern(value: Value): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = value
    .map((p) => {
      if (p.kind === 'text') return escape(escapeText(p.text));
      if (p.kind === 'env') return escape(`$<env:${p.name}${p.fallback !== undefined ? `:-${p.fallback}` : ''}>`);
      return '\\$<env:[A-Za-z_][A-Za-z0-9_]*(?::-[^>]*)?>';
    })
    .join('');
  return new RegExp(`^${source}$`);
}

function textOf(value: Value): string | undefined {
  return value.every((p) => p.kind === 'text') ? value.map((p) => (p as { text: string }).text).join('') : undefined;
}

function normalizeUrl(key: string): string {
  try {
    const parts = JSON.parse(key) as Part[];
    const text = textOf(parts);
    return text !== undefined && URL.canParse(text) ? new URL(text).href : key;
  } catch {
    return key;
  }
}

/** Text written into gateway.yaml: a literal "$<" is "$$<" there. */
function escapeText(text: string): string {
  return text.replaceAll('$<', () => '$$<');
}
