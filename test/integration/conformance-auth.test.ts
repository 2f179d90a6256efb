// The official MCP conformance suite in client mode, auth scenarios, with mcpgw as the client
// under test (issue 5, first acceptance criterion; docs/conformance.md, client mode).
//
// Every scenario of `--suite auth` and of `--suite backcompat` (the 2025-03-26 auth scenarios)
// runs on its own, one after another: the suite would run them in parallel, and the machine
// has 2 cores. The CLI (Node 22) starts the scenario's mock MCP server and authorization
// server, then launches test/fixtures/conformance-client-driver.ts (Node 20, through tsx), which
// runs the gateway in-process and authorizes headlessly. A scenario passes when the CLI exits 0:
// for a single scenario that means no FAILURE and no WARNING check, no timeout, and a driver
// that exited 0 (or, for scenarios that expect the client to give up, any exit code).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/gateway.js';

const NODE22 = join(ROOT, 'node_modules/node/bin/node');
const CLI = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const DRIVER = join(ROOT, 'test/fixtures/conformance-client-driver.ts');

/** `--suite auth` of conformance 0.2.0-alpha.12, as in 0.1.16 (the 4 metadata scenarios, then the rest). */
const AUTH_SUITE = [
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/pre-registration',
];
/** `--suite backcompat`: the 2025-03-26 authorization scenarios. */
const BACKCOMPAT = ['auth/2025-03-26-oauth-metadata-backcompat', 'auth/2025-03-26-oauth-endpoint-fallback'];
/**
 * auth/ scenarios of the CLI that are in neither suite: not run here. The 2026-07-28 ones (the
 * suite's `draft` list; 0.2.0-alpha.12 added authorization-server-migration, the iss-* set and
 * metadata-issuer-mismatch) belong to the 2026-07-28 client run of issue 13; the extensions
 * (alpha.12 renamed cross-app-access-complete-flow to enterprise-managed-authorization and added
 * dpop, dpop-nonce, wif-jwt-bearer) are not in SPEC section 5.
 */
const NOT_RUN = [
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
  'auth/authorization-server-migration',
  'auth/iss-supported',
  'auth/iss-not-advertised',
  'auth/iss-supported-missing',
  'auth/iss-wrong-issuer',
  'auth/iss-unexpected',
  'auth/iss-normalized',
  'auth/metadata-issuer-mismatch',
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/enterprise-managed-authorization',
  'auth/dpop',
  'auth/dpop-nonce',
  'auth/wif-jwt-bearer',
];
/** Per scenario (the CLI's default is 30 s; a loaded CI machine starts tsx slowly). */
const SCENARIO_TIMEOUT_MS = 60_000;

interface Check {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  readonly errorMessage?: string;
}

interface Outcome {
  readonly code: number | null;
  readonly checks: readonly Check[];
  readonly output: string;
  readonly ms: number;
}

function runScenario(scenario: string, outDir: string): Promise<Outcome> {
  const started = Date.now();
  // The CLI splits --command on spaces and appends the server URL; it runs it with a shell.
  const command = `${process.execPath} --import tsx ${DRIVER}`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      NODE22,
      [CLI, 'client', '--command', command, '--scenario', scenario, '--timeout', String(SCENARIO_TIMEOUT_MS), '-o', outDir],
      {
        cwd: ROOT, // tsx is resolved from the working folder
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const dir = readdirSync(join(outDir, 'auth'), { withFileTypes: true }).find(
        (e) => e.isDirectory() && e.name.startsWith(`${scenario.slice('auth/'.length)}-`),
      );
      const file = dir ? join(outDir, 'auth', dir.name, 'checks.json') : undefined;
      const checks = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Check[]) : [];
      resolve({ code, checks, output, ms: Date.now() - started });
    });
  });
}

test(
  'conformance client mode: every auth and 2025-03-26 back-compat scenario passes with mcpgw as the client',
  { timeout: 20 * 60_000 },
  async (t) => {
    assert.ok(existsSync(NODE22), `missing ${NODE22} (the node@22 dev dependency): run npm install`);
    assert.ok(!/\s/.test(ROOT), 'the conformance CLI splits --command on spaces: the checkout path must not contain any');

    // The pinned CLI knows exactly these auth scenarios: a new one must be looked at, not skipped silently.
    const listed = [...execFileSync(NODE22, [CLI, 'list', '--client'], { encoding: 'utf8' }).matchAll(/^\s+- (auth\/\S+)/gm)].map(
      (m) => m[1]!,
    );
    assert.deepEqual([...listed].sort(), [...AUTH_SUITE, ...BACKCOMPAT, ...NOT_RUN].sort());

    const outDir = mkdtempSync(join(tmpdir(), 'mcpgw-conformance-auth-'));
    t.after(() => rmSync(outDir, { recursive: true, force: true }));
    const results: string[] = [];
    const failed: string[] = [];
    const started = Date.now();
    for (const scenario of [...AUTH_SUITE, ...BACKCOMPAT]) {
      await t.test(scenario, async (st) => {
        const { code, checks, output, ms } = await runScenario(scenario, outDir);
        const count = (status: Check['status']) => checks.filter((c) => c.status === status).length;
        const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
        const line = `${code === 0 ? 'PASS' : 'FAIL'} ${scenario}: ${count('SUCCESS')} passed, ${count('FAILURE')} failed, ${count('WARNING')} warnings (${(ms / 1000).toFixed(1)} s)`;
        results.push(line);
        st.diagnostic(line);
        for (const c of bad) st.diagnostic(`  ${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
        if (code !== 0) {
          failed.push(scenario);
          // The CLI prints the driver's stdout and stderr (the gateway's log) when it exits non-zero.
          st.diagnostic(output.slice(-6000));
        }
        assert.ok(checks.length > 0, `${scenario}: no checks.json was written`);
        assert.deepEqual(
          bad.map((c) => `${c.status} ${c.id}`),
          [],
          `${scenario}: failing or warning checks`,
        );
        assert.equal(code, 0, `${scenario}: the conformance CLI exited ${code}`);
      });
    }
    t.diagnostic(
      `${results.length - failed.length} of ${results.length} scenarios passed in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const line of results) t.diagnostic(line);
    assert.deepEqual(failed, []);
  },
);
