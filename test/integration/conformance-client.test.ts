// The official MCP conformance suite in client mode at 2026-07-28, with mcpgw as the client
// (issue 13 item 5; docs/conformance.md, client mode): every client scenario the revision's
// frozen requirement set scores (requirements/2026-07-28.yaml of the pinned package), then the
// 2025-11-25 client scenarios that are not auth (the auth ones at 2025-11-25 are
// conformance-auth.test.ts). One scenario at a time (2 cores): the CLI starts the scenario's
// mock servers and launches test/fixtures/conformance-client-driver.ts, which runs the gateway
// in-process with the mock as its upstream and drives it from a downstream SDK client.
//
// A scenario passes when the CLI exits 0 (no FAILURE or WARNING check, no timeout, a driver
// that exited 0 or a scenario that expects the client to give up) and wrote its checks.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/gateway.js';
import { badChecks, clientRequirements, listClientScenarios, NODE22, runClientScenario, summary } from '../helpers/conformance-client.js';

/** What requirements/2026-07-28.yaml scores (frozen at the revision's release): a change must be looked at. */
const SCORED_2026 = [
  'tools_call',
  'request-metadata',
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
  'sep-2322-client-request-state',
  'http-standard-headers',
  'http-custom-headers',
  'http-invalid-tool-headers',
  'json-schema-ref-no-deref',
];

/**
 * Run too, not scored at 2026-07-28: json-schema-2020-12-preservation (added after the
 * release). The extensions the set lists unscored (client credentials, enterprise-managed
 * authorization, DPoP, workload identity) are not run: mcpgw implements none (SPEC section 5).
 */
const UNSCORED_2026 = ['json-schema-2020-12-preservation'];
const EXTENSIONS_NOT_RUN = [
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/enterprise-managed-authorization',
  'auth/dpop',
  'auth/dpop-nonce',
  'auth/wif-jwt-bearer',
];

/**
 * The 2025-11-25 client scenarios that are not auth (scored at 2025-11-25, except
 * json-schema-2020-12-preservation), each meaningful for a gateway: the
 * gateway's own handshake (initialize), a call through it (tools_call), a server's elicitation
 * reaching the downstream client and its answer coming back (elicitation-sep1034-client-defaults:
 * the downstream SDK client applies the defaults, the gateway passes them through), the
 * gateway's upstream transport resuming a closed SSE stream (sse-retry), and the tool schemas
 * it lists kept intact (json-schema-2020-12-preservation).
 */
const LEGACY_2025 = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry', 'json-schema-2020-12-preservation'];

test(
  'conformance client mode at 2026-07-28: every scored scenario passes with mcpgw as the client',
  { timeout: 40 * 60_000 },
  async (t) => {
    assert.ok(existsSync(NODE22), `missing ${NODE22} (the node@22 dev dependency): run npm install`);
    assert.ok(!/\s/.test(ROOT), 'the conformance CLI splits --command on spaces: the checkout path must not contain any');
    const requirements = clientRequirements('2026-07-28');
    assert.deepEqual(requirements.scored, SCORED_2026);
    assert.deepEqual(
      requirements.notScored.map((e) => e.scenario),
      [...EXTENSIONS_NOT_RUN, ...UNSCORED_2026],
    );
    // At 2025-11-25 all but json-schema-2020-12-preservation are scored (its auth ones: conformance-auth.test.ts).
    assert.deepEqual(
      clientRequirements('2025-11-25').scored.filter((s) => !s.startsWith('auth/')),
      LEGACY_2025.filter((s) => s !== 'json-schema-2020-12-preservation'),
    );
    const known = new Set(listClientScenarios());
    for (const s of [...SCORED_2026, ...UNSCORED_2026, ...LEGACY_2025]) assert.ok(known.has(s), `the CLI knows no client scenario ${s}`);

    const outDir = mkdtempSync(join(tmpdir(), 'mcpgw-conformance-client-'));
    t.after(() => rmSync(outDir, { recursive: true, force: true }));
    const scored: Record<string, Set<string>> = {
      '2026-07-28': new Set(SCORED_2026),
      '2025-11-25': new Set(clientRequirements('2025-11-25').scored),
    };
    const runs: Array<[string, string]> = [
      ...[...SCORED_2026, ...UNSCORED_2026].map((s): [string, string] => [s, '2026-07-28']),
      ...LEGACY_2025.map((s): [string, string] => [s, '2025-11-25']),
    ];
    const lines: string[] = [];
    const failed: string[] = [];
    const started = Date.now();
    for (const [scenario, specVersion] of runs) {
      const label = `${scenario} @ ${specVersion}${scored[specVersion]!.has(scenario) ? '' : ' (not scored)'}`;
      await t.test(label, async (st) => {
        const outcome = await runClientScenario(scenario, outDir, { specVersion });
        const line = summary(label, outcome);
        lines.push(line);
        st.diagnostic(line);
        const bad = badChecks(outcome.checks);
        for (const c of bad) st.diagnostic(`  ${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
        if (outcome.code !== 0) {
          failed.push(label);
          st.diagnostic(outcome.output.slice(-6000));
        }
        assert.ok(outcome.checks.length > 0, `${label}: no checks.json was written`);
        assert.deepEqual(
          bad.map((c) => `${c.status} ${c.id}`),
          [],
          `${label}: failing or warning checks`,
        );
        assert.equal(outcome.code, 0, `${label}: the conformance CLI exited ${outcome.code}`);
      });
    }
    t.diagnostic(`${lines.length - failed.length} of ${lines.length} scenarios passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const line of lines) t.diagnostic(line);
    assert.deepEqual(failed, []);
  },
);
