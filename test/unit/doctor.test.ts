// The pure parts of doctor: secret spotting in args, .gitignore matching, reading HTTP
// failures and challenges, and the 80-column text rendering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChallenge, classifyNetworkError, explainTls } from '../../src/doctor/http-probe.js';
import { isIgnoredBy, parseIgnore } from '../../src/doctor/gitignore.js';
import { renderText, wrap } from '../../src/doctor/report-text.js';
import { buildCatalog } from '../../src/gateway/catalog.js';
import { findArgSecrets, templateLabels } from '../../src/doctor/exposed-secrets.js';
import type { DoctorReport } from '../../src/doctor/types.js';

describe('secrets in args', () => {
  test('templates after a secret flag or with a secret-sounding name; file templates always', () => {
    assert.deepEqual(
      findArgSecrets(['--token', '$<env:GH>', '--level', '$<env:LOG_LEVEL>', '$<env:API_KEY>', '--cfg=$<file:./secret.txt>']),
      [
        { index: 1, what: '$<env:GH>' },
        { index: 4, what: '$<env:API_KEY>' },
        { index: 5, what: '$<file:./secret.txt>' },
      ],
    );
  });

  test('literal values: --flag=value, the value after a flag, token shapes; never the value itself', () => {
    const found = findArgSecrets([
      '--api-key=abc123',
      '--password',
      'hunter2',
      '--verbose',
      'ghp_abcdefghijklmnopqrstuvwxyz012345',
      '--auth-type',
      'basic',
      '--token=true',
    ]);
    assert.deepEqual(found, [
      { index: 0, what: 'a literal value for --api-key' },
      { index: 2, what: 'a literal value after --password' },
      { index: 4, what: 'a literal value that looks like a token' },
    ]);
    assert.ok(!JSON.stringify(found).includes('hunter2'));
  });

  test('templateLabels gives the label of each template (without its fallback); $$< is a literal, not a template', () => {
    assert.deepEqual(templateLabels('Bearer $<env:KEY:-x> and $<file:/run/s>'), ['$<env:KEY>', '$<file:/run/s>']);
    assert.deepEqual(templateLabels('$$<env:NOT>'), []);
  });
});

describe('.gitignore matching', () => {
  const ignored = (text: string, path: string, base = '') => isIgnoredBy(parseIgnore(text, base), path);
  test('names, anchored paths, globs, **, negation, and ignored ancestors', () => {
    assert.equal(ignored('.mcpgw/\n', '.mcpgw'), true);
    assert.equal(ignored('.mcpgw\n', 'deploy/.mcpgw'), true, 'a name without / matches at any depth');
    assert.equal(ignored('/.mcpgw\n', 'deploy/.mcpgw'), false, 'a leading / anchors');
    assert.equal(ignored('deploy/*\n', 'deploy/.mcpgw'), true);
    assert.equal(ignored('**/state\n', 'a/b/state'), true);
    assert.equal(ignored('*.json\n', '.mcpgw'), false);
    assert.equal(ignored('.mcpgw\n!.mcpgw\n', '.mcpgw'), false, 'the last match wins');
    assert.equal(ignored('deploy/\n', 'deploy/.mcpgw'), true, 'inside an ignored folder');
    assert.equal(ignored('# comment\n\n', '.mcpgw'), false);
    assert.equal(ignored('data\n', 'sub/data', 'sub'), true, 'rules of a nested .gitignore apply below it');
    assert.equal(ignored('data\n', 'other/data', 'sub'), false, '...and only there');
  });
});

describe('HTTP failures', () => {
  test('fetch failures are classified by their cause: refused, dns, tls, timeout, other', () => {
    const fail = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
    assert.equal(classifyNetworkError(fail('ECONNREFUSED'), 1000).reason, 'refused');
    assert.equal(classifyNetworkError(fail('ENOTFOUND'), 1000).reason, 'dns');
    assert.deepEqual(classifyNetworkError(fail('DEPTH_ZERO_SELF_SIGNED_CERT'), 1000), {
      reason: 'tls',
      detail: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    assert.equal(classifyNetworkError(fail('ERR_SSL_WRONG_VERSION_NUMBER'), 1000).reason, 'tls');
    assert.deepEqual(classifyNetworkError(new DOMException('timed out', 'TimeoutError'), 2500), {
      reason: 'timeout',
      detail: 'no answer within 2.5s',
    });
    assert.equal(classifyNetworkError(fail('ECONNRESET'), 1000).reason, 'other');
  });

  test('TLS codes get a plain explanation and a fix', () => {
    assert.match(explainTls('ERR_SSL_WRONG_VERSION_NUMBER').what, /does not speak TLS/);
    assert.match(explainTls('SELF_SIGNED_CERT_IN_CHAIN').fix, /NODE_EXTRA_CA_CERTS/);
    assert.match(explainTls('ERR_TLS_CERT_ALTNAME_INVALID').what, /another host name/);
    assert.match(explainTls('CERT_HAS_EXPIRED').what, /expired/);
  });

  test('parseChallenge reads the scheme, resource_metadata, scope and error of a WWW-Authenticate header', () => {
    assert.deepEqual(
      parseChallenge(
        'Bearer resource_metadata="https://a.example/.well-known/oauth-protected-resource", scope="read write", error="insufficient_scope"',
      ),
      {
        scheme: 'Bearer',
        resourceMetadataUrl: 'https://a.example/.well-known/oauth-protected-resource',
        scope: 'read write',
        error: 'insufficient_scope',
      },
    );
    assert.equal(parseChallenge(null), undefined);
    assert.equal(parseChallenge('Basic realm="x"')?.scheme, 'Basic');
  });
});

describe('text rendering', () => {
  const report: DoctorReport = {
    schemaVersion: 1,
    version: 't',
    config: '/etc/mcpgw/gateway.yaml',
    offline: false,
    ok: false,
    summary: { errors: 1, warnings: 1, passed: 1, durationMs: 1234 },
    daemon: { running: false },
    groups: [
      { name: 'gateway', kind: 'gateway' },
      { name: 'gh', kind: 'server', transport: 'streamable-http', enabled: true },
      { name: 'idle', kind: 'server', transport: 'stdio', enabled: true },
    ],
    findings: [
      {
        code: 'MCPGW_I_CONFIG_OK',
        severity: 'info',
        message: 'the config is valid: 2 servers, 1 profile',
        group: 'gateway',
        check: 'config',
      },
      {
        code: 'MCPGW_E_UPSTREAM_TLS',
        severity: 'error',
        message:
          "TLS failed with api.example.com:443: the server's certificate is not signed by a trusted authority (SELF_SIGNED_CERT_IN_CHAIN)",
        hint: 'give mcpgw the CA that signed it: set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in its environment',
        file: '/etc/mcpgw/gateway.yaml',
        line: 12,
        column: 10,
        path: 'servers.gh.url',
        group: 'gh',
        check: 'connect',
      },
      { code: 'MCPGW_W_INSECURE_HTTP', severity: 'warning', message: 'a warning', group: 'gh', check: 'security' },
    ],
  };

  test('groups, markers, fix and code lines, a summary; 80 columns; plain without colour', () => {
    const text = renderText(report);
    assert.equal(
      text,
      [
        'mcpgw doctor: /etc/mcpgw/gateway.yaml',
        '',
        'gateway',
        '  ok     the config is valid: 2 servers, 1 profile',
        '',
        'server gh (streamable-http)',
        "  error  TLS failed with api.example.com:443: the server's certificate is not",
        '         signed by a trusted authority (SELF_SIGNED_CERT_IN_CHAIN)',
        '         fix: give mcpgw the CA that signed it: set',
        '              NODE_EXTRA_CA_CERTS=/path/to/ca.pem in its environment',
        '         MCPGW_E_UPSTREAM_TLS  /etc/mcpgw/gateway.yaml:12:10 servers.gh.url',
        '  warn   a warning',
        '         MCPGW_W_INSECURE_HTTP',
        '',
        'server idle (stdio)',
        '  -      nothing to report',
        '',
        '1 error, 1 warning, 1 passed (1.2s)',
        '',
      ].join('\n'),
    );
    for (const line of text.split('\n')) assert.ok(line.length <= 80, line);
  });

  test('the text report has ANSI colour only with color: true', () => {
    assert.ok(!renderText(report).includes('\x1b['));
    assert.match(renderText(report, { color: true }), /\x1b\[31merror/);
  });

  test('wrap keeps long words whole and folds newlines', () => {
    assert.deepEqual(wrap('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
    assert.deepEqual(wrap(`see ${'u'.repeat(20)} now`, 10), ['see', 'u'.repeat(20), 'now']);
    assert.deepEqual(wrap('one\ntwo', 80), ['one two']);
  });
});

describe('catalog drops as data', () => {
  test('a collision names the member listed first; an overlong name has no winner', () => {
    const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });
    const member = (name: string, tools: string[]) => ({
      name,
      prefix: '',
      tools: { deny: [] },
      ready: true,
      lists: { tools: tools.map(tool), prompts: [], resources: [], resourceTemplates: [] },
    });
    const { drops, warnings } = buildCatalog([member('a', ['x']), member('b', ['x', 'y'.repeat(129)])], { deny: [] });
    assert.deepEqual(drops, [
      { kind: 'tool', name: 'x', server: 'b', winner: 'a' },
      { kind: 'tool', name: 'y'.repeat(129), server: 'b' },
    ]);
    assert.equal(warnings.length, 2);
  });
});
