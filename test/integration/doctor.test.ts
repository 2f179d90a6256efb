// mcpgw doctor, in-process: each case provokes one condition with real files, real processes
// and real loopback sockets, and checks the code, the verdict (exit status 1 iff an error) and
// that no secret is in the report (helpers/doctor.ts checks every report).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runDoctor } from '../../src/doctor/runner.js';
import type { Check } from '../../src/doctor/types.js';
import { startHttpFixture, tempDir } from '../helpers/gateway.js';
import { refusedPort } from '../helpers/ports.js';
import {
  doctor,
  doctorEnv,
  fixture,
  oauthMetadataServer,
  processesWith,
  SECRETS,
  selfSignedServer,
  silentListener,
  statusServer,
  wrapReport,
  writeConfig,
  writeStore,
} from '../helpers/doctor.js';

const HOUR = 3600_000;

describe('doctor: config, key, store', { concurrency: true }, () => {
  test('a missing env var: MCPGW_E_CONFIG_ENV naming the variable, under its server', async (t) => {
    const d = await doctor(t, {
      servers: { api: { url: 'http://127.0.0.1:9/mcp', auth: { type: 'apiKey', value: '$<env:DOCTOR_UNSET_KEY>' } } },
    });
    const f = d.get('MCPGW_E_CONFIG_ENV', 'api');
    assert.match(f.message, /DOCTOR_UNSET_KEY/);
    assert.equal(f.path, 'servers.api.auth.value');
    assert.ok(f.line);
    assert.equal(d.report.ok, false);
  });

  test('a valid config passes: MCPGW_I_CONFIG_OK, exit status 0', async (t) => {
    const d = await doctor(t, { servers: { off: { command: 'true', enabled: false } } });
    assert.deepEqual(d.codes('gateway'), ['MCPGW_I_CONFIG_OK', 'MCPGW_I_DAEMON_STOPPED']);
    d.get('MCPGW_I_SERVER_DISABLED', 'off');
    assert.equal(d.report.ok, true);
  });

  test('name collision in the config: MCPGW_E_CONFIG_COLLISION', async (t) => {
    const d = await doctor(t, { servers: { a: { command: 'true', prefix: 'x' }, b: { command: 'true', prefix: 'x' } } }, { offline: true });
    d.get('MCPGW_E_CONFIG_COLLISION');
    assert.equal(d.report.ok, false);
  });

  test('OAuth without a key: MCPGW_E_KEY_MISSING; with a short one: MCPGW_E_KEY_SHORT', async (t) => {
    const config = { servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } };
    const missing = await doctor(t, config, { offline: true, env: { OAUTH_ENCRYPTION_KEY: undefined } });
    assert.match(missing.get('MCPGW_E_KEY_MISSING', 'gateway').message, /OAUTH_ENCRYPTION_KEY/);
    assert.equal(missing.report.ok, false);
    const short = await doctor(t, config, { offline: true, env: { OAUTH_ENCRYPTION_KEY: 'too-short-key-123' } });
    assert.match(short.get('MCPGW_E_KEY_SHORT', 'gateway').message, /17 characters/);
    assert.ok(!JSON.stringify(short.report).includes('too-short-key-123'));
    assert.equal(short.report.ok, false);
  });

  test('a store written with another key: MCPGW_E_STORE_DECRYPT with the way out', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    await writeStore(join(dir, '.mcpgw'), { gh: { serverUrl: 'https://example.com/mcp' } }, 'a-different-encryption-key-0123456789abcdef');
    const d = await doctor(t, { servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } }, { offline: true, dir });
    const f = d.get('MCPGW_E_STORE_DECRYPT', 'gateway');
    assert.match(f.hint!, /restore the key|move .* away/);
    assert.equal(d.report.ok, false);
    d.get('MCPGW_I_KEY_OK', 'gateway');
  });

  test('a damaged store: MCPGW_E_STORE_CORRUPT', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    mkdirSync(join(dir, '.mcpgw'), { mode: 0o700 });
    writeFileSync(join(dir, '.mcpgw', 'oauth-store.json'), 'not json at all', { mode: 0o600 });
    const d = await doctor(t, { servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } }, { offline: true, dir });
    d.get('MCPGW_E_STORE_CORRUPT', 'gateway');
    assert.equal(d.report.ok, false);
  });

  test('a store with mode 0644: MCPGW_W_STORE_PERMISSIONS with the chmod, exit 0', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    const dataDir = join(dir, '.mcpgw');
    await writeStore(dataDir, {
      gh: { serverUrl: 'https://example.com/mcp', tokens: { accessToken: SECRETS.access, expiresAt: Date.now() + 10 * HOUR } },
    });
    chmodSync(join(dataDir, 'oauth-store.json'), 0o644);
    const d = await doctor(t, { servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } }, { offline: true, dir });
    assert.match(d.get('MCPGW_W_STORE_PERMISSIONS', 'gateway').hint!, /chmod 600/);
    d.get('MCPGW_I_OAUTH_TOKEN_VALID', 'gh');
    assert.equal(d.report.ok, true);
  });

  test('a store of a newer format: MCPGW_E_STORE_VERSION; an unreadable key file: MCPGW_E_KEY_UNREADABLE', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    mkdirSync(join(dir, '.mcpgw'), { mode: 0o700 });
    writeFileSync(join(dir, '.mcpgw', 'oauth-store.json'), JSON.stringify({ format: 'mcpgw-oauth-store', version: 99 }), { mode: 0o600 });
    const config = { servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } };
    const d = await doctor(t, config, { offline: true, dir });
    assert.match(d.get('MCPGW_E_STORE_VERSION', 'gateway').hint!, /upgrade mcpgw/);
    const keyFile = await doctor(t, config, {
      offline: true,
      env: { OAUTH_ENCRYPTION_KEY: undefined, OAUTH_ENCRYPTION_KEY_FILE: join(dir, 'no-such-key') },
    });
    assert.match(keyFile.get('MCPGW_E_KEY_UNREADABLE', 'gateway').message, /OAUTH_ENCRYPTION_KEY_FILE names .*no-such-key/);
    assert.equal(keyFile.report.ok, false);
  });

  test('a check that does not finish in time: MCPGW_W_DOCTOR_TIMEOUT, and doctor still ends', async (t) => {
    const path = writeConfig(t, { servers: {} });
    const hang: Check = { id: 'hang', title: 'a check that hangs', scope: 'gateway', run: () => new Promise(() => undefined) };
    const report = await runDoctor({ configPath: path, env: doctorEnv(), version: 'test', timeoutMs: 300 }, [hang]);
    const d = wrapReport(report, path);
    assert.match(d.get('MCPGW_W_DOCTOR_TIMEOUT', 'gateway').message, /"a check that hangs" did not finish/);
    assert.equal(report.ok, true);
  });

  test('a data dir that is a file: MCPGW_E_STORE_IO', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    writeFileSync(join(dir, 'data'), 'x');
    const d = await doctor(
      t,
      { gateway: { dataDir: './data' }, servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } },
      { offline: true, dir },
    );
    assert.equal(d.get('MCPGW_E_STORE_IO', 'gateway').path, 'gateway.dataDir');
    assert.equal(d.report.ok, false);
  });

  test('a data dir inside a git work tree, not ignored: MCPGW_W_DATADIR_IN_GIT; ignored: nothing', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    mkdirSync(join(dir, '.git'));
    const config = { servers: { gh: { url: 'https://example.com/mcp', auth: { type: 'oauth' } } } };
    const d = await doctor(t, config, { offline: true, dir });
    assert.match(d.get('MCPGW_W_DATADIR_IN_GIT', 'gateway').hint!, /"\/\.mcpgw\/"/);
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n.mcpgw/\n');
    const ignored = await doctor(t, config, { offline: true, dir });
    assert.ok(!ignored.codes().includes('MCPGW_W_DATADIR_IN_GIT'));
    d.get('MCPGW_I_STORE_OK', 'gateway');
  });
});

describe('doctor: tokens', () => {
  test('token states, from one store: not authorized, another url, refreshable, expired, expiring, valid', async (t) => {
    const url = 'https://example.com/mcp';
    const dir = tempDir(t, 'mcpgw-doctor-');
    const now = Date.now();
    await writeStore(join(dir, '.mcpgw'), {
      fresh: { serverUrl: url },
      moved: { serverUrl: 'https://old.example.com/mcp', tokens: { accessToken: SECRETS.access } },
      refreshable: { serverUrl: url, tokens: { accessToken: SECRETS.access, refreshToken: SECRETS.refresh, expiresAt: now - HOUR } },
      expired: { serverUrl: url, tokens: { accessToken: SECRETS.access, expiresAt: now - 2 * HOUR } },
      expiring: { serverUrl: url, tokens: { accessToken: SECRETS.access, expiresAt: now + 10 * 60_000 } },
      valid: { serverUrl: url, tokens: { accessToken: SECRETS.access, refreshToken: SECRETS.refresh, expiresAt: now + 10 * HOUR } },
    });
    const names = ['fresh', 'moved', 'refreshable', 'expired', 'expiring', 'valid', 'absent'];
    const d = await doctor(
      t,
      { servers: Object.fromEntries(names.map((n) => [n, { url, auth: { type: 'oauth' } }])) },
      { offline: true, dir },
    );
    for (const name of ['fresh', 'absent']) {
      const f = d.get('MCPGW_E_OAUTH_NOT_AUTHORIZED', name);
      assert.match(f.hint!, new RegExp(`mcpgw auth login ${name}`));
      assert.match(f.hint!, new RegExp(`/oauth/start/${name}`));
    }
    assert.match(d.get('MCPGW_E_OAUTH_NOT_AUTHORIZED', 'moved').message, /old\.example\.com/);
    d.get('MCPGW_I_OAUTH_REFRESHABLE', 'refreshable');
    assert.match(d.get('MCPGW_E_OAUTH_EXPIRED', 'expired').hint!, /mcpgw auth login expired/);
    d.get('MCPGW_W_OAUTH_TOKEN_EXPIRING', 'expiring');
    assert.match(d.get('MCPGW_I_OAUTH_TOKEN_VALID', 'valid').message, /refresh token stored/);
    assert.equal(d.report.ok, false);
    assert.deepEqual(d.report.summary.errors, 4);
  });
});

describe('doctor: stdio servers', { concurrency: true }, () => {
  test('a missing command: MCPGW_E_UPSTREAM_COMMAND at its line, nothing spawned', async (t) => {
    const d = await doctor(t, { servers: { gone: { command: 'mcpgw-doctor-no-such-command' } } });
    const f = d.get('MCPGW_E_UPSTREAM_COMMAND', 'gone');
    assert.equal(f.path, 'servers.gone.command');
    assert.ok(f.line);
    assert.deepEqual(d.codes('gone'), ['MCPGW_E_UPSTREAM_COMMAND']);
    assert.equal(d.report.ok, false);
  });

  test('a command that is not executable: MCPGW_E_UPSTREAM_COMMAND', async (t) => {
    const dir = tempDir(t, 'mcpgw-doctor-');
    writeFileSync(join(dir, 'server.sh'), '#!/bin/sh\n', { mode: 0o644 });
    const d = await doctor(t, { servers: { sh: { command: './server.sh' } } }, { dir });
    assert.match(d.get('MCPGW_E_UPSTREAM_COMMAND', 'sh').message, /not executable/);
  });

  test('a command that exits at once: MCPGW_E_UPSTREAM_EXITED with its stderr', async (t) => {
    const d = await doctor(t, { servers: { crash: fixture('crash-on-start.ts') } });
    const f = d.get('MCPGW_E_UPSTREAM_EXITED', 'crash');
    assert.match(f.message, /exited with code 1.*fatal/);
    assert.match(f.hint!, /crash-on-start\.ts/);
    assert.equal(d.report.ok, false);
  });

  test('a server that never answers initialize: MCPGW_E_SERVER_TIMEOUT within the budget, process stopped', async (t) => {
    const marker = `doctor-marker-${process.pid}-${Date.now()}`;
    const started = Date.now();
    const d = await doctor(t, { servers: { mute: fixture('never-initialize.ts', [marker]) } }, { timeoutMs: 1500 });
    assert.ok(Date.now() - started < 8000, 'doctor ends soon after its budget');
    assert.match(d.get('MCPGW_E_SERVER_TIMEOUT', 'mute').message, /did not answer initialize within 1\.5s/);
    assert.deepEqual(processesWith(marker), []);
    assert.equal(d.report.ok, false);
  });

  test('secrets in args: MCPGW_W_ARGS_SECRET names the variable, never the value', async (t) => {
    const d = await doctor(
      t,
      { servers: { s: { command: 'true', args: ['--token', '$<env:DOCTOR_ARG_TOKEN>', '--api-key=literal-value-xyz', '--verbose'] } } },
      { offline: true },
    );
    const found = d.report.findings.filter((f) => f.code === 'MCPGW_W_ARGS_SECRET');
    assert.equal(found.length, 2);
    assert.match(found[0]!.message, /args\[1\] holds \$<env:DOCTOR_ARG_TOKEN>/);
    assert.match(found[1]!.message, /args\[2\].*--api-key/);
    assert.ok(!JSON.stringify(d.report).includes('literal-value-xyz'));
    assert.equal(d.report.ok, true);
  });

  test('offline: the command is looked up, nothing started', async (t) => {
    const d = await doctor(t, { servers: { crash: fixture('crash-on-start.ts') } }, { offline: true });
    assert.deepEqual(d.codes('crash'), ['MCPGW_I_COMMAND_FOUND']);
    d.get('MCPGW_I_OFFLINE', 'gateway');
  });

  test('tools: a working server, zero tools, names too long, dropped, and collisions', async (t) => {
    const long = `tool_${'x'.repeat(40)}`;
    // Five servers at once: the budget is generous, a passing run takes what the servers need.
    const huge = `t${'y'.repeat(130)}`;
    const d = await doctor(t, {
      servers: {
        twin: fixture('named-tools.ts', ['alpha,gamma'], { prefix: false }),
        first: fixture('named-tools.ts', ['alpha'], { prefix: false }),
        empty: fixture('named-tools.ts', []),
        filtered: fixture('named-tools.ts', ['alpha'], { tools: { allow: ['nothing_*'] } }),
        longish: fixture('named-tools.ts', [`${long},dotted.name,${huge}`], { prefix: 'a-rather-long-prefix-of-servers' }),
      },
      profiles: { default: { servers: ['first', 'twin', 'empty', 'filtered', 'longish'] } },
    });
    assert.match(d.get('MCPGW_I_UPSTREAM_OK', 'twin').message, /initialized in .*: 2 tools, 0 prompts, 0 resources/);
    assert.match(d.get('MCPGW_W_ZERO_TOOLS', 'empty').message, /no tools, prompts or resources/);
    assert.match(d.get('MCPGW_W_ZERO_TOOLS', 'filtered').message, /filter leaves none/);
    assert.match(d.get('MCPGW_W_LONG_NAME', 'longish').message, /2 tool names are over 64 characters or with "\."/);
    assert.match(d.get('MCPGW_W_NAME_DROPPED', 'longish').message, /over 128/);
    const collision = d.get('MCPGW_W_TOOL_COLLISION', 'twin');
    assert.match(collision.message, /"first" \(listed first\).*tool alpha/);
    assert.ok(!d.codes('first').includes('MCPGW_W_TOOL_COLLISION'));
    assert.equal(d.report.ok, true);
  });
});

describe('doctor: HTTP servers', { concurrency: true }, () => {
  test('HTTP 401 without auth configured: MCPGW_E_UPSTREAM_AUTH_REQUIRED (OAuth offered)', async (t) => {
    const url = await statusServer(t, 401, {
      'www-authenticate': 'Bearer resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource"',
    });
    const d = await doctor(t, { servers: { api: { url } } });
    const f = d.get('MCPGW_E_UPSTREAM_AUTH_REQUIRED', 'api');
    assert.match(f.message, /HTTP 401.*offers OAuth/);
    assert.match(f.hint!, /type: oauth/);
    assert.equal(d.report.ok, false);
  });

  test('HTTP 403 to the API key: MCPGW_E_UPSTREAM_API_KEY quoting the template, not the key', async (t) => {
    const url = await statusServer(t, 403);
    const d = await doctor(t, { servers: { api: { url, auth: { type: 'apiKey', header: 'X-Api-Key', value: '$<env:DOCTOR_API_KEY>' } } } });
    const f = d.get('MCPGW_E_UPSTREAM_API_KEY', 'api');
    assert.match(f.message, /X-Api-Key \(HTTP 403\)/);
    assert.match(f.hint!, /\$<env:DOCTOR_API_KEY>/);
    assert.equal(d.report.ok, false);
  });

  test('HTTP 404: MCPGW_E_UPSTREAM_NOT_FOUND; 500: MCPGW_E_UPSTREAM_SERVER_ERROR; 400: MCPGW_E_UPSTREAM_HTTP_STATUS', async (t) => {
    const [u404, u500, u400] = await Promise.all([statusServer(t, 404), statusServer(t, 500), statusServer(t, 400)]);
    const d = await doctor(t, { servers: { a: { url: u404 }, b: { url: u500 }, c: { url: u400 } } });
    d.get('MCPGW_E_UPSTREAM_NOT_FOUND', 'a');
    d.get('MCPGW_E_UPSTREAM_SERVER_ERROR', 'b');
    d.get('MCPGW_E_UPSTREAM_HTTP_STATUS', 'c');
    assert.equal(d.report.ok, false);
  });

  test('HTTP 200 that is not MCP: MCPGW_E_UPSTREAM_INITIALIZE', async (t) => {
    const url = await statusServer(t, 200, { 'content-type': 'text/html' }, '<html>hello</html>');
    const d = await doctor(t, { servers: { web: { url } } });
    d.get('MCPGW_E_UPSTREAM_INITIALIZE', 'web');
  });

  test('connection refused: MCPGW_E_UPSTREAM_REFUSED', async (t) => {
    const port = await refusedPort(t);
    const d = await doctor(t, { servers: { down: { url: `http://127.0.0.1:${port}/mcp` } } });
    assert.match(d.get('MCPGW_E_UPSTREAM_REFUSED', 'down').message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.equal(d.report.ok, false);
  });

  test('unknown host: MCPGW_E_UPSTREAM_DNS', async (t) => {
    const d = await doctor(t, { servers: { typo: { url: 'http://mcpgw-doctor-test.invalid/mcp' } } });
    d.get('MCPGW_E_UPSTREAM_DNS', 'typo');
  });

  test('a listener that never answers: MCPGW_E_UPSTREAM_UNREACHABLE within the budget', async (t) => {
    const silent = await silentListener(t);
    const started = Date.now();
    const d = await doctor(t, { servers: { slow: { url: `http://127.0.0.1:${silent.port}/mcp` } } }, { timeoutMs: 1000 });
    assert.ok(Date.now() - started < 5000);
    assert.match(d.get('MCPGW_E_UPSTREAM_UNREACHABLE', 'slow').message, /no answer within/);
  });

  test('TLS: https to a plain-http port, and a self-signed certificate: MCPGW_E_UPSTREAM_TLS', async (t) => {
    const plain = (await statusServer(t, 200)).replace('http:', 'https:');
    const selfSigned = await selfSignedServer(t);
    const servers: Record<string, unknown> = { plain: { url: plain } };
    if (selfSigned) servers.signed = { url: selfSigned };
    const d = await doctor(t, { servers });
    assert.match(d.get('MCPGW_E_UPSTREAM_TLS', 'plain').message, /does not speak TLS/);
    if (selfSigned) assert.match(d.get('MCPGW_E_UPSTREAM_TLS', 'signed').hint!, /NODE_EXTRA_CA_CERTS/);
    assert.equal(d.report.ok, false);
  });

  test('the real HTTP fixture: API key accepted, API key rejected (401), stored OAuth token accepted and refused', async (t) => {
    const { url } = await startHttpFixture(t, ['--require-header', `Authorization: Bearer ${SECRETS.access}`]);
    const dir = tempDir(t, 'mcpgw-doctor-');
    const later = Date.now() + 10 * HOUR;
    await writeStore(join(dir, '.mcpgw'), {
      good: { serverUrl: url, tokens: { accessToken: SECRETS.access, expiresAt: later } },
      revoked: {
        serverUrl: `${url}?revoked`,
        tokens: { accessToken: SECRETS.wrongAccess, refreshToken: SECRETS.refresh, expiresAt: later },
      },
    });
    const d = await doctor(
      t,
      {
        servers: {
          keyed: { url, auth: { type: 'apiKey', value: `Bearer ${SECRETS.access}` } },
          wrong: { url, auth: { type: 'apiKey', value: '$<env:DOCTOR_API_KEY>' } },
          good: { url, auth: { type: 'oauth' } },
          revoked: { url: `${url}?revoked`, auth: { type: 'oauth' } },
        },
      },
      { dir },
    );
    assert.match(d.get('MCPGW_I_UPSTREAM_OK', 'keyed').message, /connected and initialized/);
    d.get('MCPGW_W_LITERAL_SECRET', 'keyed');
    assert.match(d.get('MCPGW_E_UPSTREAM_API_KEY', 'wrong').message, /HTTP 401/);
    d.get('MCPGW_I_UPSTREAM_OK', 'good');
    d.get('MCPGW_I_OAUTH_TOKEN_VALID', 'good');
    assert.match(d.get('MCPGW_E_OAUTH_TOKEN_REJECTED', 'revoked').hint!, /mcpgw auth login revoked/);
    assert.equal(d.report.ok, false);
  });
});

describe('doctor: OAuth discovery', { concurrency: true }, () => {
  test('metadata without S256: MCPGW_E_OAUTH_NO_PKCE', async (t) => {
    const url = await oauthMetadataServer(t, { s256: false });
    const d = await doctor(t, { servers: { idp: { url, auth: { type: 'oauth' } } } });
    assert.match(d.get('MCPGW_E_OAUTH_NO_PKCE', 'idp').message, /S256.*plain/);
    d.get('MCPGW_I_UPSTREAM_OK', 'idp');
    assert.equal(d.report.ok, false);
  });

  test('no registration endpoint and no clientId: MCPGW_E_OAUTH_REGISTRATION; a clientId fixes it', async (t) => {
    const url = await oauthMetadataServer(t, { registration: false });
    const d = await doctor(t, { servers: { idp: { url, auth: { type: 'oauth' } } } });
    assert.match(d.get('MCPGW_E_OAUTH_REGISTRATION', 'idp').hint!, /auth\.clientId/);
    const fixed = await doctor(t, { servers: { idp: { url, auth: { type: 'oauth', clientId: 'mcpgw-test-client' } } } });
    assert.match(fixed.get('MCPGW_I_OAUTH_OK', 'idp').message, /PKCE S256, client by the pre-registered client/);
  });

  test('good metadata: MCPGW_I_OAUTH_OK, then the token state', async (t) => {
    const url = await oauthMetadataServer(t);
    const d = await doctor(t, { servers: { idp: { url, auth: { type: 'oauth' } } } });
    assert.match(d.get('MCPGW_I_OAUTH_OK', 'idp').message, /dynamic registration/);
    d.get('MCPGW_E_OAUTH_NOT_AUTHORIZED', 'idp');
  });

  test('metadata for another resource: MCPGW_E_OAUTH_DISCOVERY', async (t) => {
    const url = await oauthMetadataServer(t, { resource: 'https://elsewhere.example.com/mcp' });
    const d = await doctor(t, { servers: { idp: { url, auth: { type: 'oauth' } } } });
    assert.match(d.get('MCPGW_E_OAUTH_DISCOVERY', 'idp').message, /elsewhere\.example\.com/);
    assert.equal(d.report.ok, false);
  });

  test('a server without any metadata: MCPGW_W_OAUTH_FALLBACK', async (t) => {
    const url = await statusServer(t, 401);
    const d = await doctor(t, { servers: { bare: { url, auth: { type: 'oauth' } } } });
    d.get('MCPGW_W_OAUTH_FALLBACK', 'bare');
  });
});

describe('doctor: settings', { concurrency: true }, () => {
  test('insecure settings: MCPGW_W_INSECURE_NETWORK, MCPGW_W_INSECURE_HTTP, MCPGW_W_LITERAL_SECRET', async (t) => {
    const d = await doctor(
      t,
      {
        gateway: { listen: '0.0.0.0:0', allowUnauthenticatedNetwork: true },
        servers: {
          plain: { url: 'http://mcp.example.com/mcp', auth: { type: 'apiKey', value: '$<env:DOCTOR_API_KEY>' } },
          lax: {
            url: 'https://mcp.example.com/mcp',
            auth: { type: 'oauth', allowInsecureHttp: true, clientId: 'c', clientSecret: 'literal-client-secret' },
          },
          env: { command: 'true', env: { API_TOKEN: 'literal-env-token' } },
        },
      },
      { offline: true },
    );
    assert.match(d.get('MCPGW_W_INSECURE_NETWORK', 'gateway').message, /without bearer tokens/);
    assert.match(d.get('MCPGW_W_INSECURE_HTTP', 'plain').message, /API key travel unencrypted/);
    assert.match(d.get('MCPGW_W_INSECURE_HTTP', 'lax').message, /allowInsecureHttp/);
    assert.match(d.get('MCPGW_W_LITERAL_SECRET', 'lax').hint!, /\$<env:LAX_CLIENT_SECRET>/);
    assert.equal(d.get('MCPGW_W_LITERAL_SECRET', 'env').path, 'servers.env.env.API_TOKEN');
    const text = JSON.stringify(d.report);
    assert.ok(!text.includes('literal-client-secret') && !text.includes('literal-env-token'));
  });

  test('publicUrl on another port than listen: MCPGW_W_CALLBACK_URL at the publicUrl line', async (t) => {
    const d = await doctor(
      t,
      { gateway: { listen: '127.0.0.1:8750', publicUrl: 'http://localhost:9000' }, servers: {} },
      { offline: true },
    );
    const f = d.get('MCPGW_W_CALLBACK_URL', 'gateway');
    assert.match(f.message, /port 9000.*listens on 8750/);
    assert.equal(f.path, 'gateway.publicUrl');
  });

  test('the listen port taken by another program: MCPGW_E_LISTEN', async (t) => {
    const other = await silentListener(t);
    const d = await doctor(t, { gateway: { listen: `127.0.0.1:${other.port}` }, servers: {} }, { timeoutMs: 2000 });
    assert.match(d.get('MCPGW_E_LISTEN', 'gateway').message, /taken by another program/);
    assert.equal(d.report.ok, false);
  });

  test('an unknown SERVER is a usage error', async (t) => {
    await assert.rejects(
      doctor(t, { servers: { a: { command: 'true' } } }, { servers: ['b'] }),
      (err: { code?: string }) => err.code === 'MCPGW_E_USAGE',
    );
  });

  test('SERVER... narrows the checks; a named disabled server is checked', async (t) => {
    const d = await doctor(
      t,
      { servers: { a: { command: 'mcpgw-doctor-missing-a' }, b: { command: 'mcpgw-doctor-missing-b', enabled: false } } },
      { servers: ['b'] },
    );
    assert.deepEqual(
      d.report.groups.map((g) => g.name),
      ['gateway', 'b'],
    );
    d.get('MCPGW_E_UPSTREAM_COMMAND', 'b');
  });
});
