// upstream/env.ts copies the SDK's safe environment list (importing it would load the SDK and
// zod before the early start, cli/run.ts): the copy must stay equal to the SDK's own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_INHERITED_ENV_VARS, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { childEnvironment, SDK_SAFE } from '../../src/upstream/env.js';

test("SDK_SAFE is the SDK's DEFAULT_INHERITED_ENV_VARS on this platform", () => {
  assert.deepEqual([...SDK_SAFE].sort(), [...DEFAULT_INHERITED_ENV_VARS].sort());
});

test("a stdio child gets what getDefaultEnvironment() gives, of those names, from this process's environment", () => {
  const spec = { kind: 'stdio' as const, command: 'x', args: [], env: {}, cwd: '/', inheritEnv: false };
  const ours = childEnvironment(spec, process.env);
  const sdk = getDefaultEnvironment();
  assert.deepEqual(Object.fromEntries(SDK_SAFE.filter((k) => k in ours).map((k) => [k, ours[k]])), sdk);
});

test('a value that starts with "()" (a shell function) is left out, as the SDK does', () => {
  const spec = { kind: 'stdio' as const, command: 'x', args: [], env: {}, cwd: '/', inheritEnv: false };
  assert.deepEqual(childEnvironment(spec, { HOME: '/home/u', SHELL: '() { :; }' }), { HOME: '/home/u' });
});
