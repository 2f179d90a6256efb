// What `mcpgw connect` reads of the config (issue 19 item 3): the daemon's address and token,
// with templates resolved only there, so a config full of secrets the client's environment
// lacks, or broken in its servers, still gives them; an unusable token is an error naming
// what is missing, never a template or a hash taken for a token.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDaemonAddress } from '../../src/config/address.js';
import { McpgwError } from '../../src/errors/error.js';

function withConfig(text: string, run: (path: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-address-'));
  try {
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, text);
    run(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SECRETS = `version: 1
gateway:
  listen: 127.0.0.1:8751
servers:
  github: { url: https://api.example.com/mcp, auth: { type: apiKey, value: "Bearer $<env:GITHUB_TOKEN>" } }
  local: { command: x, env: { KEY: "$<env:LOCAL_KEY>" }, nonsense: [1, 2] }
profiles:
  default: { servers: [github, local, missing] }
`;

test('unset variables, schema errors and bad references outside gateway do not matter', () => {
  withConfig(SECRETS, (path, dir) => {
    const a = readDaemonAddress(path, { env: {} });
    assert.deepEqual(a.listen, { host: '127.0.0.1', port: 8751 });
    assert.deepEqual(a.token, { kind: 'none' });
    assert.equal(a.dir, dir);
    assert.equal(a.publicUrl, undefined);
    assert.equal(a.dataDir, undefined, 'only resolved when asked for');
  });
});

test('the default listen address, publicUrl and dataDir when asked for', () => {
  withConfig('version: 1\ngateway:\n  publicUrl: "$<env:PUBLIC:-http://gw.local:9000/>"\n', (path, dir) => {
    const a = readDaemonAddress(path, { env: { MCPGW_DATA_DIR: '' }, fields: ['publicUrl', 'dataDir'] });
    assert.deepEqual(a.listen, { host: '127.0.0.1', port: 8750 });
    assert.equal(a.publicUrl, 'http://gw.local:9000');
    assert.equal(a.dataDir, join(dir, '.mcpgw'));
  });
  withConfig('version: 1\ngateway: { dataDir: data }\n', (path, dir) => {
    assert.equal(readDaemonAddress(path, { env: {}, fields: ['dataDir'] }).dataDir, join(dir, 'data'));
  });
});

test('the token: the first that resolves; $<file:> is read; an empty fallback is no token', () => {
  withConfig('version: 1\ngateway:\n  auth: { bearerTokens: ["$<env:GW_TOKEN>"] }\n', (path) => {
    assert.deepEqual(readDaemonAddress(path, { env: { GW_TOKEN: 'tok-0123456789' } }).token, { kind: 'value', value: 'tok-0123456789' });
  });
  withConfig('version: 1\ngateway:\n  auth: { bearerTokens: ["$<env:UNSET_ONE>", "$<file:token.txt>"] }\n', (path, dir) => {
    writeFileSync(join(dir, 'token.txt'), 'from-a-file-0123456789\n');
    assert.deepEqual(readDaemonAddress(path, { env: {} }).token, { kind: 'value', value: 'from-a-file-0123456789' });
  });
  withConfig('version: 1\ngateway:\n  auth: { bearerTokens: ["$<env:OPTIONAL:->"] }\n', (path) => {
    assert.deepEqual(readDaemonAddress(path, { env: {} }).token, { kind: 'none' });
  });
});

test('an unset token variable is an error naming it, at its place', () => {
  withConfig('version: 1\ngateway:\n  auth:\n    bearerTokens: ["$<env:GW_TOKEN>"]\n', (path) => {
    const token = readDaemonAddress(path, { env: {} }).token;
    assert.equal(token.kind, 'unknown');
    const err = (token as { error: McpgwError }).error;
    assert.equal(err.code, 'MCPGW_E_CONNECT_TOKEN');
    assert.match(err.message, /environment variable GW_TOKEN is not set/);
    assert.match(err.hint!, /set GW_TOKEN or MCPGW_TOKEN/);
    assert.deepEqual({ line: err.location?.line, path: err.location?.path }, { line: 4, path: 'gateway.auth.bearerTokens[0]' });
  });
});

test('a sha256: hash is not a token, nor are named users: MCPGW_TOKEN or --token is needed', () => {
  const hash = `sha256:${'ab'.repeat(32)}`;
  withConfig(`version: 1\ngateway:\n  auth: { bearerTokens: ["${hash}"] }\n`, (path) => {
    const token = readDaemonAddress(path, { env: {} }).token as { kind: string; error: McpgwError };
    assert.equal(token.kind, 'unknown');
    assert.match(token.error.message, /sha256: hashes/);
    assert.ok(!token.error.message.includes(hash));
    assert.match(token.error.hint!, /MCPGW_TOKEN.*--token/);
  });
  withConfig('version: 1\ngateway:\n  auth:\n    users:\n      alice: { tokens: ["$<env:ALICE_TOKEN>"] }\n', (path) => {
    const token = readDaemonAddress(path, { env: { ALICE_TOKEN: 'alice-0123456789' } }).token as { kind: string; error: McpgwError };
    assert.equal(token.kind, 'unknown');
    assert.match(token.error.message, /named users/);
  });
});

test('a bad or unresolvable listen address is a located error', () => {
  for (const [listen, message] of [
    ['"$<env:LISTEN>"', /environment variable LISTEN is not set/],
    ['localhost', /not host:port/],
    ['"127.0.0.1:99999"', /not host:port/],
  ] as const) {
    withConfig(`version: 1\ngateway:\n  listen: ${listen}\n`, (path) => {
      assert.throws(
        () => readDaemonAddress(path, { env: {} }),
        (err: McpgwError) => {
          assert.equal(err.code, 'MCPGW_E_CONFIG_INVALID');
          assert.equal(err.findings?.length, 1);
          assert.match(err.findings![0]!.message, message);
          assert.deepEqual([err.findings![0]!.line, err.findings![0]!.path], [3, 'gateway.listen']);
          return true;
        },
      );
    });
  }
});

test('a file that does not parse is the located parse error', () => {
  withConfig('version: 1\ngateway:\n  listen: [oops\n', (path) => {
    assert.throws(
      () => readDaemonAddress(path, { env: {} }),
      (err: McpgwError) => err.code === 'MCPGW_E_CONFIG_INVALID' && err.findings?.[0]?.code === 'MCPGW_E_CONFIG_PARSE',
    );
  });
});
