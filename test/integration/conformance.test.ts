// The official MCP conformance suite (server mode, @modelcontextprotocol/conformance
// 0.2.0-alpha.12, every scenario of --spec-version 2025-11-25) directly against the
// conformance-everything fixture (SDK v1) over HTTP, then through the gateway with that fixture
// as its only upstream (stdio, prefix: false): every scenario that passes directly must pass
// through the gateway too (issue 3; docs/conformance.md). The runner is scripts/conformance.js,
// the same code as `node scripts/conformance-server.js`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeResult, missingFiles, runSuite, startFixture, type ScenarioResult } from '../../scripts/conformance.js';
import { fixtureServer, startGateway, waitReady } from '../helpers/gateway.js';

test('every scenario passing against the fixture passes through the gateway', { timeout: 300_000 }, async (t) => {
  assert.deepEqual(missingFiles(), [], 'the conformance CLI and node@22 are dev dependencies: run npm install');
  // Kills the CLI of the scenario in flight when the test ends early (timeout, failure).
  const abort = new AbortController();
  t.after(() => abort.abort());
  const fixture = startFixture({ stderr: 'pipe' });
  t.after(() => fixture.stop());
  const gw = await startGateway(t, {
    version: 1,
    servers: { everything: fixtureServer('conformance-everything.ts', ['--stdio'], { prefix: false }) },
  });
  const [directUrl] = await Promise.all([fixture.url, waitReady(gw.url, ['everything'])]);

  const run = async (label: string, url: string): Promise<ScenarioResult[]> => {
    const started = Date.now();
    // Every server scenario of the revision, one at a time, in one CLI process (scripts/conformance.js).
    const results = await runSuite(url, {
      specVersion: '2025-11-25',
      timeoutMs: 60_000,
      signal: abort.signal,
      onResult: (r) => {
        if (!r.passed) t.diagnostic(`${label}: ${describeResult(r).join('\n')}`);
      },
    });
    t.diagnostic(`${label}: ${results.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return results;
  };
  const direct = await run('direct', directUrl);
  fixture.stop();
  const gateway = await run('gateway', `${gw.url}/mcp`);

  const passing = (results: ScenarioResult[]) => results.filter((r) => r.passed).map((r) => r.scenario);
  const passDirect = passing(direct);
  const passGateway = passing(gateway);
  t.diagnostic(`direct: ${passDirect.length}/${direct.length} passed: ${passDirect.join(', ')}`);
  t.diagnostic(`gateway: ${passGateway.length}/${gateway.length} passed: ${passGateway.join(', ')}`);
  assert.ok(passDirect.length > 0, 'no scenario passed against the fixture directly: the runner itself is broken');
  assert.deepEqual(
    gateway.map((r) => r.scenario),
    direct.map((r) => r.scenario),
    'both runs cover the same scenarios',
  );
  assert.deepEqual(
    passDirect.filter((s) => !passGateway.includes(s)),
    [],
    'scenarios that pass directly but fail through the gateway',
  );
});
