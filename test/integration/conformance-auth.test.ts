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
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/gateway.js';
import { badChecks, listClientScenarios, NODE22, runClientScenario, summary } from '../helpers/conformance-client.js';

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
 * metadata-issuer-mismatch) run at 2026-07-28 in conformance-client.test.ts; the extensions
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
test(
  'conformance client mode: every auth and 2025-03-26 back-compat scenario passes with mcpgw as the client',
  { timeout: 20 * 60_000 },
  async (t) => {
    assert.ok(existsSync(NODE22), `missing ${NODE22} (the node@22 dev dependency): run npm install`);
    assert.ok(!/\s/.test(ROOT), 'the conformance CLI splits --command on spaces: the checkout path must not contain any');

    // The pinned CLI knows exactly these auth scenarios: a new one must be looked at, not skipped silently.
    const listed = listClientScenarios().filter((s) => s.startsWith('auth/'));
    assert.deepEqual([...listed].sort(), [...AUTH_SUITE, ...BACKCOMPAT, ...NOT_RUN].sort());

    const outDir = mkdtempSync(join(tmpdir(), 'mcpgw-conformance-auth-'));
    t.after(() => rmSync(outDir, { recursive: true, force: true }));
    const results: string[] = [];
    const failed: string[] = [];
    const started = Date.now();
    for (const scenario of [...AUTH_SUITE, ...BACKCOMPAT]) {
      await t.test(scenario, async (st) => {
        const outcome = await runClientScenario(scenario, outDir);
        const line = summary(scenario, outcome);
        results.push(line);
        st.diagnostic(line);
        const bad = badChecks(outcome.checks);
        for (const c of bad) st.diagnostic(`  ${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
        if (outcome.code !== 0) {
          failed.push(scenario);
          // The CLI prints the driver's stdout and stderr (the gateway's log) when it exits non-zero.
          st.diagnostic(outcome.output.slice(-6000));
        }
        assert.ok(outcome.checks.length > 0, `${scenario}: no checks.json was written`);
        assert.deepEqual(
          bad.map((c) => `${c.status} ${c.id}`),
          [],
          `${scenario}: failing or warning checks`,
        );
        assert.equal(outcome.code, 0, `${scenario}: the conformance CLI exited ${outcome.code}`);
      });
    }
    t.diagnostic(
      `${results.length - failed.length} of ${results.length} scenarios passed in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const line of results) t.diagnostic(line);
    assert.deepEqual(failed, []);
  },
);
