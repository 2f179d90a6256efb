#!/usr/bin/env node
// Runs the MCP conformance suite (@modelcontextprotocol/conformance, server mode) against a
// Streamable HTTP URL, one scenario at a time (the CI machine has 2 cores), and prints one
// line per scenario and a closing `N passed, N failed`. See docs/conformance.md; the logic
// lives in scripts/conformance.js, shared with the conformance tests.
//
//   node scripts/conformance-server.js --url http://127.0.0.1:8750/mcp --spec-version 2025-11-25
//   node scripts/conformance-server.js --fixture --requirements 2026-07-28
//   options: --fixture (starts test/fixtures/servers/conformance-v2.ts, both revisions) or
//            --fixture-v1 (conformance-everything.ts, SDK v1, 2025 only); --spec-version V |
//            --requirements V; --scenario NAME (repeatable); --timeout SECONDS (per scenario,
//            default 120); --keep DIR (each scenario's checks.json); --json FILE (the results)
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeResult, FIXTURES, missingFiles, runSuite, startFixture } from './conformance.js';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    fixture: { type: 'boolean' },
    'fixture-v1': { type: 'boolean' },
    scenario: { type: 'string', multiple: true },
    'spec-version': { type: 'string' },
    requirements: { type: 'string' },
    timeout: { type: 'string', default: '120' },
    keep: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help || (!opts.url && !opts.fixture && !opts['fixture-v1'])) {
  console.log(
    'usage: node scripts/conformance-server.js (--url URL | --fixture | --fixture-v1) [--spec-version V | --requirements V]\n' +
      '         [--scenario NAME]... [--timeout S] [--keep DIR] [--json FILE]',
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
  if (!opts.url) fixture = startFixture({ file: opts['fixture-v1'] ? FIXTURES.v1 : FIXTURES.v2, stderr: 'ignore' });
  const url = opts.url ?? (await fixture.url);
  const what = opts.requirements
    ? `requirements ${opts.requirements}`
    : opts['spec-version']
      ? `spec version ${opts['spec-version']}`
      : 'every scenario';
  console.log(`conformance server suite against ${url} (${opts.scenario ? `${opts.scenario.length} scenarios, ` : ''}${what})`);
  results = await runSuite(url, {
    scenarios: opts.scenario,
    specVersion: opts['spec-version'],
    requirements: opts.requirements,
    timeoutMs: Number(opts.timeout) * 1000,
    keep: opts.keep,
    onResult: (r) => console.log(describeResult(r).join('\n')),
  });
} finally {
  fixture?.stop();
}
if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
const failed = results.filter((r) => !r.passed);
const scored = results.filter((r) => r.scored !== undefined);
let summary = `${results.length - failed.length} passed, ${failed.length} failed`;
if (scored.length > 0) {
  const scoredFailed = failed.filter((r) => r.scored).length;
  summary += `; scored: ${results.filter((r) => r.scored).length - scoredFailed} passed, ${scoredFailed} failed`;
}
console.log(summary);
// With --requirements only the scored scenarios decide the exit code (the CLI's rule).
process.exitCode = (opts.requirements ? failed.filter((r) => r.scored !== false) : failed).length > 0 ? 1 : 0;
