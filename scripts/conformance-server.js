#!/usr/bin/env node
// Runs the MCP conformance suite (@modelcontextprotocol/conformance, server mode) against a
// Streamable HTTP URL, one scenario at a time (the CI machine has 2 cores), and prints one
// line per scenario and a closing `N passed, N failed`. See docs/conformance.md; the logic
// lives in scripts/conformance.js, shared with test/integration/conformance.test.ts.
//
//   node scripts/conformance-server.js --url http://127.0.0.1:8750/mcp
//   node scripts/conformance-server.js --fixture      # starts test/fixtures/servers/conformance-everything.ts
//   options: --scenario NAME (repeatable), --spec-version V, --timeout SECONDS (per scenario, default 120),
//            --keep DIR (keep each scenario's checks.json under DIR)
import { parseArgs } from 'node:util';
import { describeResult, missingFiles, runSuite, startFixture } from './conformance.js';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    fixture: { type: 'boolean' },
    scenario: { type: 'string', multiple: true },
    'spec-version': { type: 'string' },
    timeout: { type: 'string', default: '120' },
    keep: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help || (!opts.url && !opts.fixture)) {
  console.log(
    'usage: node scripts/conformance-server.js (--url URL | --fixture) [--scenario NAME]... [--spec-version V] [--timeout S] [--keep DIR]',
  );
  process.exit(opts.help ? 0 : 2);
}
for (const p of missingFiles()) {
  console.error(`missing ${p}: run npm install`);
  process.exit(2);
}

let fixture;
let results = [];
try {
  if (!opts.url) fixture = startFixture();
  const url = opts.url ?? (await fixture.url);
  // Without --scenario, one CLI process runs every scenario, one after another.
  console.log(`conformance server suite against ${url} (${opts.scenario ? `${opts.scenario.length} scenarios` : 'every server scenario'})`);
  results = await runSuite(url, {
    scenarios: opts.scenario,
    specVersion: opts['spec-version'],
    timeoutMs: Number(opts.timeout) * 1000,
    keep: opts.keep,
    onResult: (r) => console.log(describeResult(r).join('\n')),
  });
} finally {
  fixture?.stop();
}
const failed = results.filter((r) => !r.passed).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
