// deploy/observability/ (issue 17 item 3): every series the Grafana dashboard and the alert
// rules use is one a real daemon exposes, and the rules are valid for promtool when it is
// installed (Debian: apt-get install prometheus).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { connect, fixtureServer, ROOT, startGateway } from '../helpers/gateway.js';
import { scrape, valueOf } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

const DIR = join(ROOT, 'deploy/observability');

/** The PromQL expressions of the dashboard's panels and of the alert rules. */
function expressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(DIR, 'dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const rules = parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr))];
}

/** The series names an expression reads (ours and the process ones), histogram suffixes removed. */
function seriesOf(expr: string): string[] {
  // Label names are not series: drop matchers ({...}) and groupings (by/on/without (...)) first.
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(?:by|on|without|ignoring)\s*\([^)]*\)/g, '');
  const names = bare.match(/\b(?:mcp|mcpgw|process|nodejs)_[a-z0-9_]+/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|count|sum)$/, ''));
}

test('every series the dashboard and the alert rules read is in a real scrape', async (t) => {
  const gw = await startGateway(t, { version: 1, servers: { basic: fixtureServer('basic.ts', ['--tools', 'echo']) } });
  await waitFor(
    async () => valueOf(await scrape(gw.url), 'mcpgw_upstream_state', { server: 'basic', state: 'ready' }) === 1,
    'basic ready',
    30_000,
  );
  const client = await connect(t, gw.url);
  await client.callTool({ name: 'basic__echo', arguments: { text: 'x' } });
  const families = await scrape(gw.url);
  const wanted = new Set(expressions().flatMap(seriesOf));
  assert.ok(wanted.size >= 10, `the files reference ${wanted.size} series`);
  const missing = [...wanted].filter((name) => !families.has(name));
  assert.deepEqual(missing, [], `series not exposed: ${missing.join(', ')}`);
});

test('the alert rules pass promtool check rules', (t) => {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (probe.error) return t.skip('promtool is not installed (Debian package prometheus)');
  const run = spawnSync('promtool', ['check', 'rules', join(DIR, 'alerts.yml')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
