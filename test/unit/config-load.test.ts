// loadConfig end to end on files in a temp folder: defaults, paths, secrets, the model's
// invariants (frozen, fingerprints, digest) and how findings are reported.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig, type LoadOptions } from '../../src/config/load.js';
import type { ConfigModel, ServerSpec } from '../../src/config/types.js';

const root = mkdtempSync(join(tmpdir(), 'mcpgw-load-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

/** Writes `text` as gateway.yaml in a folder of its own (plus other files) and loads it. */
function load(text: string, options: LoadOptions & { files?: Record<string, string> } = {}) {
  const dir = join(root, `case-${++count}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, text);
  return { dir, file, ...loadConfig(file, { env: options.env ?? {}, noSecrets: options.noSecrets }) };
}

function model(text: string, options: Parameters<typeof load>[1] = {}): ConfigModel & { dir: string } {
  const r = load(text, options);
  assert.ok(r.model, `expected a valid config, got: ${r.findings.map((f) => `${f.line}:${f.column} ${f.message}`).join('; ')}`);
  return r.model;
}

const server = (m: ConfigModel, name: string): ServerSpec => m.servers.find((s) => s.name === name)!;

describe('defaults', () => {
  test('a file with only "version: 1" gets every gateway default', () => {
    const m = model('version: 1\n');
    assert.deepEqual(m.gateway, {
      listen: { host: '127.0.0.1', port: 8750 },
      publicUrl: 'http://localhost:8750',
      dataDir: join(m.dir, '.mcpgw'),
      bearerTokens: [],
      users: [],
      audit: { kind: 'off' },
      allowedHosts: [],
      allowedOrigins: [],
      allowUnauthenticatedNetwork: false,
      clientMetadataUrl: undefined,
      logLevel: 'info',
      sessionIdleTimeoutMs: 30 * 60_000,
      previousSessionKeys: [],
      sessionMaxAgeMs: 24 * 3_600_000,
      maxSessions: 1000,
      maxSessionsPerProfile: 250,
      shutdownGraceMs: 10_000,
      metrics: { enabled: true, auth: true },
    });
    assert.deepEqual(m.servers, []);
    assert.deepEqual(m.profiles, [{ name: 'default', servers: [], tools: { deny: [] }, implicit: true }]);
    assert.deepEqual([m.secrets, m.files, m.warnings], [[], [], []]);
  });

  test('server defaults: stdio and http timeouts differ, prefix is the name, auth none, protocol auto', () => {
    const m = model(
      'version: 1\nservers:\n  s: { command: npx }\n  h: { url: "https://h.example.com/mcp" }\n  k: { url: "https://k.example.com/mcp", auth: { type: apiKey, value: v } }\n',
    );
    const s = server(m, 's');
    assert.deepEqual(
      { ...s, fingerprint: undefined },
      {
        name: 's',
        enabled: true,
        prefix: 's',
        isolation: 'shared',
        protocol: 'auto',
        tools: { deny: [] },
        connectTimeoutMs: 60_000,
        callTimeoutMs: 120_000,
        transport: { kind: 'stdio', command: 'npx', args: [], env: {}, cwd: m.dir, inheritEnv: false },
        auth: { type: 'none' },
        fingerprint: undefined,
      },
    );
    const h = server(m, 'h');
    assert.equal(h.connectTimeoutMs, 15_000);
    assert.deepEqual(h.transport, { kind: 'http', url: 'https://h.example.com/mcp', transport: 'streamable-http', headers: {} });
    assert.deepEqual(h.auth, { type: 'none' });
    assert.deepEqual(server(m, 'k').auth, { type: 'apiKey', header: 'Authorization', value: 'v' });
  });

  test('prefix: false is "", a string is itself; durations become milliseconds', () => {
    const m = model(
      'version: 1\nservers:\n  a: { command: x, prefix: false, timeouts: { connect: 1500ms, call: 2m } }\n  b: { command: y, prefix: other }\n',
    );
    assert.equal(server(m, 'a').prefix, '');
    assert.equal(server(m, 'b').prefix, 'other');
    assert.deepEqual([server(m, 'a').connectTimeoutMs, server(m, 'a').callTimeoutMs], [1500, 120_000]);
  });

  test('the implicit profile lists every server in file order, disabled ones included', () => {
    const m = model('version: 1\nservers:\n  z: { command: x }\n  a: { command: x, enabled: false }\n  m: { command: x }\n');
    assert.deepEqual(m.profiles, [{ name: 'default', servers: ['z', 'a', 'm'], tools: { deny: [] }, implicit: true }]);
  });

  test('with profiles there is no implicit default, and an unlisted enabled server is a warning', () => {
    const r = load(
      'version: 1\nservers:\n  a: { command: x }\n  b: { command: x }\n  c: { command: x, enabled: false }\nprofiles:\n  ro: { servers: [a], tools: { deny: ["*delete*"] } }\n',
    );
    assert.ok(r.model);
    assert.deepEqual(r.model.profiles, [{ name: 'ro', servers: ['a'], tools: { deny: ['*delete*'] }, implicit: false }]);
    assert.deepEqual(
      r.findings.map((f) => [f.code, f.path]),
      [['MCPGW_W_CONFIG_UNUSED_SERVER', 'servers.b']],
    );
    assert.deepEqual(r.model.warnings, r.findings);
  });
});

describe('the model', () => {
  test('is deeply frozen', () => {
    const m = model('version: 1\nservers:\n  a: { command: x, args: [y], env: { K: v } }\n');
    assert.ok(Object.isFrozen(m));
    assert.ok(Object.isFrozen(m.gateway.listen));
    assert.ok(Object.isFrozen(m.servers));
    const a = server(m, 'a');
    assert.ok(a.transport.kind === 'stdio' && Object.isFrozen(a.transport.args) && Object.isFrozen(a.transport.env));
    assert.throws(() => {
      (m.gateway as { logLevel: string }).logLevel = 'debug';
    }, TypeError);
    assert.throws(() => {
      (m.servers as ServerSpec[]).push(a);
    }, TypeError);
  });

  test('records secrets with their labels, only for values from env and files', () => {
    const m = model(
      [
        'version: 1',
        'gateway:',
        '  auth: { bearerTokens: ["$<file:token.txt>", literal-token] }',
        '  logLevel: "$<env:LEVEL:-warn>"',
        '  dataDir: "$<env:DATA>"',
        'servers:',
        '  a:',
        '    command: "$<env:CMD>"',
        '    args: ["--key=$<env:KEY>"]',
        '    env: { K: "$<env:KEY>" }',
        '  b:',
        '    url: "https://$<env:HOST>/mcp"',
        '    auth: { type: apiKey, value: "Bearer $<env:API>" }',
      ].join('\n'),
      {
        env: { KEY: 'key-value', CMD: 'npx', HOST: 'h.example.com', API: 'api-value', DATA: '/srv/data' },
        files: { 'token.txt': 'file-value\n' },
      },
    );
    assert.deepEqual(m.secrets, [
      { value: 'file-value', label: '$<file:token.txt>' },
      { value: 'key-value', label: '$<env:KEY>' },
      { value: 'api-value', label: '$<env:API>' },
    ]);
    assert.deepEqual(m.gateway.bearerTokens, ['file-value', 'literal-token']);
    assert.equal(m.gateway.logLevel, 'warn');
    assert.equal(m.gateway.dataDir, '/srv/data');
  });

  test('relative paths start at the config folder, not the working folder', () => {
    const m = model(
      [
        'version: 1',
        'gateway: { dataDir: state, auth: { bearerTokens: ["$<file:secrets/t>"] } }',
        'servers:',
        '  a: { command: ./bin/srv, cwd: work }',
        '  b: { command: ../tools/srv }',
        '  c: { command: npx, cwd: /abs }',
      ].join('\n'),
      { files: { 'secrets/t': 'tok' } },
    );
    assert.notEqual(process.cwd(), m.dir);
    assert.equal(m.gateway.dataDir, join(m.dir, 'state'));
    assert.deepEqual(m.gateway.bearerTokens, ['tok']);
    assert.deepEqual(m.files, [join(m.dir, 'secrets/t')]);
    const t = (name: string) => server(m, name).transport as { command: string; cwd: string };
    assert.deepEqual([t('a').command, t('a').cwd], [join(m.dir, 'bin/srv'), join(m.dir, 'work')]);
    assert.deepEqual([t('b').command, t('b').cwd], [join(m.dir, '../tools/srv'), m.dir]);
    assert.deepEqual([t('c').command, t('c').cwd], ['npx', '/abs'], 'a bare command is searched on PATH');
  });

  test('dataDir: the file, else MCPGW_DATA_DIR, else STATE_DIRECTORY, else <dir>/.mcpgw', () => {
    const env = { MCPGW_DATA_DIR: '/from/mcpgw', STATE_DIRECTORY: '/from/systemd:/second' };
    assert.equal(model('version: 1\ngateway: { dataDir: /from/file }\n', { env }).gateway.dataDir, '/from/file');
    assert.equal(model('version: 1\n', { env }).gateway.dataDir, '/from/mcpgw');
    assert.equal(model('version: 1\n', { env: { STATE_DIRECTORY: '/from/systemd:/second' } }).gateway.dataDir, '/from/systemd');
    const m = model('version: 1\n', { env: { MCPGW_DATA_DIR: '', STATE_DIRECTORY: '' } });
    assert.equal(m.gateway.dataDir, join(m.dir, '.mcpgw'), 'empty variables count as unset');
  });

  test('publicUrl: http://localhost:PORT for loopback and wildcard hosts, else the host', () => {
    const tokens = 'auth: { bearerTokens: [t] }';
    const url = (listen: string) => model(`version: 1\ngateway: { listen: "${listen}", ${tokens} }\n`).gateway.publicUrl;
    assert.equal(url('127.0.0.1:9000'), 'http://localhost:9000');
    assert.equal(url('localhost:9001'), 'http://localhost:9001');
    assert.equal(url('[::1]:9002'), 'http://localhost:9002');
    assert.equal(url('0.0.0.0:9003'), 'http://localhost:9003');
    assert.equal(url('192.168.1.5:9004'), 'http://192.168.1.5:9004');
    assert.equal(url('[fd00::5]:9005'), 'http://[fd00::5]:9005');
    assert.equal(
      model('version: 1\ngateway: { publicUrl: "https://gw.example.com/base/" }\n').gateway.publicUrl,
      'https://gw.example.com/base',
      'no trailing slash',
    );
  });

  test('an empty fallback leaves an optional key absent', () => {
    const m = model(
      'version: 1\nservers:\n  g:\n    url: https://g.example.com/mcp\n    auth: { type: oauth, clientId: "$<env:ID:->", clientSecret: "$<env:SECRET:->" }\n',
    );
    assert.deepEqual(server(m, 'g').auth, { type: 'oauth', allowInsecureHttp: false, tokens: 'shared' });
  });

  test('auth.tokens: perUser by default with users or oidc, shared without; an explicit value wins', () => {
    const servers =
      '\nservers:\n  g: { url: https://g.example.com/mcp, auth: { type: oauth } }\n  s: { url: https://s.example.com/mcp, auth: { type: oauth, tokens: shared } }\n';
    const users = 'version: 1\ngateway:\n  auth:\n    users:\n      alice: { tokens: ["sha256:' + 'a'.repeat(64) + '"] }' + servers;
    const team = model(users);
    assert.equal((server(team, 'g').auth as { tokens: string }).tokens, 'perUser');
    assert.equal((server(team, 's').auth as { tokens: string }).tokens, 'shared');
    const single = model('version: 1' + servers);
    assert.equal((server(single, 'g').auth as { tokens: string }).tokens, 'shared');
  });
});

describe('fingerprint and digest', () => {
  const base = {
    command: 'npx',
    args: '[a]',
    env: '{ K: "$<env:K>" }',
    cwd: '/srv/a',
    prefix: 'true',
    isolation: 'shared',
    tools: '{ deny: [] }',
    connect: '10s',
    call: '20s',
    enabled: 'true',
  };
  type Parts = typeof base;
  const stdio = (p: Partial<Parts> = {}, env: Record<string, string> = { K: 'v1' }) => {
    const q = { ...base, ...p };
    const text = `version: 1\nservers:\n  a:\n    command: ${q.command}\n    args: ${q.args}\n    env: ${q.env}\n    cwd: ${q.cwd}\n    prefix: ${q.prefix}\n    isolation: ${q.isolation}\n    tools: ${q.tools}\n    timeouts: { connect: ${q.connect}, call: ${q.call} }\n    enabled: ${q.enabled}\n`;
    return model(text, { env });
  };
  const fp = (m: ConfigModel) => server(m, 'a').fingerprint;

  test('is the same for the same definition in another load, even in another folder', () => {
    assert.match(fp(stdio()), /^[0-9a-f]{64}$/);
    assert.equal(fp(stdio()), fp(stdio()));
  });

  test('a stdio server without cwd runs in the config folder: moving the file changes it', () => {
    const text = 'version: 1\nservers:\n  a: { command: npx }\n';
    assert.notEqual(fp(model(text)), fp(model(text)));
  });

  test('does not change with what needs no new connection', () => {
    const before = fp(stdio());
    for (const change of [{ prefix: 'false' }, { prefix: 'other' }, { tools: '{ deny: ["x*"] }' }, { call: '5m' }, { enabled: 'false' }]) {
      assert.equal(fp(stdio(change)), before, JSON.stringify(change));
    }
  });

  test('changes with what the connection is made of, a secret value included', () => {
    const before = fp(stdio());
    for (const change of [
      { command: 'node' },
      { args: '[b]' },
      { env: '{ K: "$<env:K>", L: x }' },
      { cwd: '/srv/b' },
      { isolation: 'session' },
      { connect: '11s' },
    ]) {
      assert.notEqual(fp(stdio(change)), before, JSON.stringify(change));
    }
    assert.notEqual(fp(stdio({}, { K: 'v2' })), before, 'a rotated secret reconnects');
  });

  test('http: url, headers and auth count; tools do not', () => {
    const http = (extra: string) => fp(model(`version: 1\nservers:\n  a: { url: "https://a.example.com/mcp"${extra} }\n`));
    const before = http('');
    assert.equal(http(', tools: { allow: [x] }'), before);
    assert.notEqual(http(', headers: { X: y }'), before);
    assert.notEqual(http(', transport: sse'), before);
    assert.notEqual(http(', auth: { type: apiKey, value: k }'), before);
  });

  test('digest: equal for equal bytes and values; any byte or resolved value changes it', () => {
    const text = 'version: 1\nservers:\n  a: { command: x, env: { K: "$<env:K>" } }\n';
    const d = (t: string, k = 'v') => model(t, { env: { K: k } }).digest;
    assert.equal(d(text), d(text));
    assert.notEqual(d(`${text}# a comment\n`), d(text));
    assert.notEqual(d(text, 'w'), d(text));
  });
});

describe('findings', () => {
  const broken = [
    'version: 1', // 1
    'gateway:', // 2
    '  logLevel: loud', // 3
    'servers:', // 4
    '  a:', // 5
    '    command: x', // 6
    '    url: https://a.example.com/mcp', // 7
    '    env: { K: "$<env:MISSING>" }', // 8
    '  b: { command: y, timeouts: { call: soon } }', // 9
    '  c: { url: "$<vault:x>", enabld: true }', // 10
    'profiles:', // 11
    '  default: { servers: [a, b, ghost] }', // 12
  ].join('\n');

  test('every problem of every stage is reported at once, sorted by position', () => {
    const r = load(broken);
    assert.equal(r.model, undefined);
    assert.deepEqual(
      r.findings.map((f) => [f.line, f.code, f.path]),
      [
        [3, 'MCPGW_E_CONFIG_SCHEMA', 'gateway.logLevel'],
        [5, 'MCPGW_E_CONFIG_SERVER_KIND', 'servers.a'],
        [8, 'MCPGW_E_CONFIG_ENV', 'servers.a.env.K'],
        [9, 'MCPGW_E_CONFIG_SCHEMA', 'servers.b.timeouts.call'],
        [10, 'MCPGW_W_CONFIG_UNUSED_SERVER', 'servers.c'],
        [10, 'MCPGW_E_CONFIG_TEMPLATE', 'servers.c.url'],
        [10, 'MCPGW_E_CONFIG_SCHEMA', 'servers.c.enabld'],
        [12, 'MCPGW_E_CONFIG_REFERENCE', 'profiles.default.servers[2]'],
      ],
    );
    for (let i = 1; i < r.findings.length; i++) {
      const [p, q] = [r.findings[i - 1]!, r.findings[i]!];
      assert.ok(p.line! < q.line! || (p.line === q.line && p.column! <= q.column!), 'sorted by line, then column');
    }
    for (const f of r.findings) assert.equal(f.file, r.file);
  });

  test('a template that failed raises no schema or check noise about its raw text', () => {
    const r = load('version: 1\nservers:\n  a: { url: "$<env:URL>", timeouts: { call: "$<env:CALL>" } }\n');
    assert.deepEqual(
      r.findings.map((f) => [f.code, f.path]),
      [
        ['MCPGW_E_CONFIG_ENV', 'servers.a.url'],
        ['MCPGW_E_CONFIG_ENV', 'servers.a.timeouts.call'],
      ],
    );
  });

  test("a disabled server's unset variable is a warning; --no-secrets makes every one a warning", () => {
    const text =
      'version: 1\nservers:\n  on: { command: x, env: { K: "$<env:K1>" } }\n  off: { command: x, enabled: false, env: { K: "$<env:K2>" } }\n';
    const strict = load(text);
    assert.deepEqual(
      strict.findings.map((f) => [f.severity, f.path]),
      [
        ['error', 'servers.on.env.K'],
        ['warning', 'servers.off.env.K'],
      ],
    );
    assert.match(strict.findings[1]!.message, /the server is disabled$/);
    const lax = load(text, { noSecrets: true });
    assert.ok(lax.model);
    assert.deepEqual(
      lax.findings.map((f) => [f.severity, f.code]),
      [
        ['warning', 'MCPGW_W_CONFIG_ENV_DISABLED'],
        ['warning', 'MCPGW_W_CONFIG_ENV_DISABLED'],
      ],
    );
  });

  test('--no-secrets still reports malformed templates as errors', () => {
    const r = load('version: 1\nservers:\n  a: { command: x, env: { K: "$<env:K" } }\n', { noSecrets: true });
    assert.deepEqual(
      r.findings.map((f) => [f.severity, f.code]),
      [['error', 'MCPGW_E_CONFIG_TEMPLATE']],
    );
  });

  test('files lists the config file and every file a template named, readable or not', () => {
    const r = load('version: 1\ngateway: { auth: { bearerTokens: ["$<file:a.txt>", "$<file:b.txt>"] } }\n', { files: { 'a.txt': 'x' } });
    assert.deepEqual(r.files, [r.file, join(r.dir, 'a.txt'), join(r.dir, 'b.txt')]);
  });

  test('a secret never appears in a finding, even when a check quotes the value', () => {
    const secret = 'sup3r-s3cret-name';
    const r = load(
      'version: 1\nservers:\n  a: { command: x, prefix: "$<env:S>" }\n  b: { command: y, prefix: "$<env:S>" }\n  c: { command: z, env: { X: "$<env:S>" }, headers: { H: "$<env:S>" } }\nprofiles:\n  p: { servers: [a, b, "$<env:S>"] }\n',
      { env: { S: secret } },
    );
    assert.ok(r.findings.length >= 3);
    const text = JSON.stringify(r.findings);
    assert.ok(!text.includes(secret), text);
    assert.ok(text.includes('$<env:S>'), 'the template is shown instead');
  });

  test('loadConfig never throws on odd documents', () => {
    for (const text of [
      'hello',
      '42',
      '~',
      '[]',
      'version: 1\nservers: ~',
      'version: 1\nservers: [a]',
      'version: 1\nprofiles: []',
      'version: 1\nprofiles: { d: { servers: ~ } }',
      'version: 1\nservers: { a: { auth: ~, url: "https://x" } }',
      'a: *b',
      'version: 1\ngateway: { listen: "1.2.3.4:99999", auth: { bearerTokens: t } }',
      '!!binary aGVsbG8=',
      'version: 1\n? [a]\n: b',
    ]) {
      const r = load(text);
      assert.equal(r.model, undefined, text);
      assert.ok(
        r.findings.some((f) => f.severity === 'error'),
        text,
      );
    }
  });
});
