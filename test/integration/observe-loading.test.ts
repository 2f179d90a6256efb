// SPEC section 12: without OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_TRACES_EXPORTER no tracing SDK
// or exporter is loaded (@opentelemetry/api excepted: prom-client loads it); with one, they are.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ROOT, tempDir } from '../helpers/gateway.js';

function loadedModules(t: TestContext, env: Record<string, string>): string[] {
  const dir = tempDir(t);
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, `version: 1\ngateway: { dataDir: ${JSON.stringify(join(dir, 'data'))} }\nservers: {}\n`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/observe/loaded-modules.mts'), config], {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as string[];
}

const otel = (modules: string[]) => [...new Set(modules.flatMap((m) => /@opentelemetry\/([a-z-]+)/.exec(m)?.[1] ?? []))].sort();

test('no OpenTelemetry SDK or exporter module is loaded without OTEL_* variables; prom-client is', (t) => {
  const modules = loadedModules(t, {});
  assert.ok(
    modules.some((m) => m.includes('/prom-client/')),
    'prom-client serves /metrics',
  );
  assert.deepEqual(
    otel(modules).filter((p) => p !== 'api'),
    [],
  );
});

test('with OTEL_TRACES_EXPORTER set, the SDK and its exporter are loaded', (t) => {
  const modules = loadedModules(t, { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
  const loaded = otel(modules);
  assert.ok(loaded.includes('sdk-trace-base'), loaded.join(', '));
  assert.ok(loaded.includes('exporter-trace-otlp-proto'), loaded.join(', '));
});
