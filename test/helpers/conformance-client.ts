// The conformance suite's client mode, one scenario per CLI process, with mcpgw as the client
// (test/fixtures/conformance-client-driver.ts): the CLI (Node 22) starts the scenario's mock
// servers and launches the driver (Node 20, through tsx), which runs the gateway in-process.
// Shared by conformance-auth.test.ts and conformance-client.test.ts.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './gateway.js';

export const NODE22 = join(ROOT, 'node_modules/node/bin/node');
const PACKAGE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance');
export const CLI = join(PACKAGE, 'dist/index.js');
export const DRIVER = join(ROOT, 'test/fixtures/conformance-client-driver.ts');
/** Per scenario (the CLI's default is 30 s; a loaded CI machine starts tsx slowly). */
export const SCENARIO_TIMEOUT_MS = 60_000;

export interface Check {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  readonly errorMessage?: string;
}

export interface Outcome {
  /** The CLI's exit code: 0 when no check failed or warned, the driver did not time out, and it exited 0 (or may fail). */
  readonly code: number | null;
  readonly checks: readonly Check[];
  /** The CLI's output; it quotes the driver's stdout and stderr (the gateway's log) when the driver exited non-zero. */
  readonly output: string;
  readonly ms: number;
}

/** The client scenarios the pinned CLI knows (`conformance list --client`), by name. */
export function listClientScenarios(): string[] {
  return [...execFileSync(NODE22, [CLI, 'list', '--client'], { encoding: 'utf8' }).matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]!);
}

/** The frozen client requirement set of a revision: what it scores, and what it runs unscored (with why). */
export function clientRequirements(revision: string): { scored: string[]; notScored: Array<{ scenario: string; reason: string }> } {
  const doc = parse(readFileSync(join(PACKAGE, 'requirements', `${revision}.yaml`), 'utf8')) as {
    client?: string[];
    not_scored?: Array<{ scenario: string; leg: string; reason: string }>;
  };
  return {
    scored: [...(doc.client ?? [])],
    notScored: (doc.not_scored ?? []).filter((e) => e.leg === 'client').map(({ scenario, reason }) => ({ scenario, reason })),
  };
}

function findChecks(dir: string): Check[] {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'checks.json')
      return JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')) as Check[];
  }
  return [];
}

/**
 * Runs one scenario, at `specVersion` when given (else the CLI's default for it), its results
 * in a folder of its own under `outDir`.
 */
export function runClientScenario(scenario: string, outDir: string, options: { specVersion?: string } = {}): Promise<Outcome> {
  const started = Date.now();
  const dir = mkdtempSync(join(outDir, `${scenario.replace(/\//g, '_')}-`));
  // The CLI splits --command on spaces and appends the server URL; it runs it with a shell.
  const command = `${process.execPath} --import tsx ${DRIVER}`;
  const args = [CLI, 'client', '--command', command, '--scenario', scenario, '--timeout', String(SCENARIO_TIMEOUT_MS), '-o', dir];
  if (options.specVersion) args.push('--spec-version', options.specVersion);
  return new Promise((resolve, reject) => {
    // cwd: tsx is resolved from the working folder.
    const child = spawn(NODE22, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, checks: existsSync(dir) ? findChecks(dir) : [], output, ms: Date.now() - started }));
  });
}

/** One line per scenario: `PASS name: N passed, N failed, N warnings (T s)`. */
export function summary(scenario: string, { code, checks, ms }: Outcome): string {
  const count = (status: Check['status']) => checks.filter((c) => c.status === status).length;
  return `${code === 0 ? 'PASS' : 'FAIL'} ${scenario}: ${count('SUCCESS')} passed, ${count('FAILURE')} failed, ${count('WARNING')} warnings (${(ms / 1000).toFixed(1)} s)`;
}

/** The checks that fail a scenario (FAILURE, and WARNING: a single scenario exits 1 on either). */
export function badChecks(checks: readonly Check[]): Check[] {
  return checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
}
