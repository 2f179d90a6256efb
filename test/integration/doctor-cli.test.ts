// `mcpgw doctor` as users run it: bin/mcpgw.js in a child process. Exit statuses (0, 1, 2),
// the text layout (80 columns, markers, summary, no colour off a TTY), --json, and --offline
// proven to open no connection and start no process. Every run is checked for secrets and
// stack traces (helpers/doctor.ts).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { refusedPort } from '../helpers/ports.js';
import { cli, doctorEnv, oauthMetadataServer, silentListener, writeConfig } from '../helpers/doctor.js';

describe('mcpgw doctor (CLI)', { concurrency: 3 }, () => {
  test('exit 0: grouped, marked, within 80 columns, a summary line, no colour in a pipe', async (t) => {
    const path = writeConfig(t, {
      servers: {
        a: { command: 'true', args: ['--token', '$<env:DOCTOR_ARG_TOKEN>'] },
        b: { url: 'https://example.com/mcp', enabled: false },
      },
    });
    const r = await cli(['doctor', '--offline', '-c', path]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^mcpgw doctor: .*gateway\.yaml \(offline\)$/);
    assert.ok(lines.includes('gateway'));
    assert.ok(lines.includes('server a (stdio)'));
    assert.ok(lines.includes('server b (streamable-http, disabled)'));
    assert.ok(lines.some((l) => /^ {2}ok {5}the config is valid/.test(l)));
    assert.ok(lines.some((l) => /^ {2}warn {3}args\[1\] holds \$<env:DOCTOR_ARG_TOKEN>/.test(l)));
    assert.ok(lines.some((l) => /^ {9}MCPGW_W_ARGS_SECRET( {2}.*servers\.a\.args\[1\])?$/.test(l)));
    assert.match(lines.at(-1)!, /^0 errors, 1 warning, \d+ passed \(\d+\.\d+s\)$/);
    for (const line of lines) assert.ok(line.length <= 80, `over 80 columns: ${line}`);
    assert.ok(!r.stdout.includes('\x1b['), 'no colour when stdout is not a TTY');
  });

  test('exit 1 with errors: the fix and the code at the config line', async (t) => {
    const path = writeConfig(t, { servers: { gone: { command: 'mcpgw-doctor-no-such-command' } } });
    const r = await cli(['doctor', '-c', path]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /\n {2}error {2}the command "mcpgw-doctor-no-such-command" is not in any folder of the\n/);
    assert.match(r.stdout, /\n {9}fix: install it, give its full path in servers\.gone\.command/);
    assert.match(r.stdout, /\n {9}MCPGW_E_UPSTREAM_COMMAND( {2}|\n {9}).*gateway\.yaml:\d+:\d+ servers\.gone\.command\n/);
    assert.match(r.stdout, /\n1 error, 0 warnings, \d+ passed/);
  });

  test('--json: the documented schema, exit 1 with errors, no secret', async (t) => {
    const port = await refusedPort(t);
    const path = writeConfig(t, {
      servers: { api: { url: `http://127.0.0.1:${port}/mcp`, auth: { type: 'apiKey', value: 'Bearer $<env:DOCTOR_API_KEY>' } } },
    });
    const r = await cli(['doctor', '--json', '--timeout', '5', '-c', path]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), [
      'schemaVersion',
      'version',
      'config',
      'offline',
      'ok',
      'summary',
      'daemon',
      'groups',
      'findings',
    ]);
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.config, path);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.groups.map((g: { name: string }) => g.name),
      ['gateway', 'api'],
    );
    const refused = report.findings.find((f: { code: string }) => f.code === 'MCPGW_E_UPSTREAM_REFUSED');
    assert.deepEqual(Object.keys(refused).sort(), [
      'check',
      'code',
      'column',
      'file',
      'group',
      'hint',
      'line',
      'message',
      'path',
      'severity',
    ]);
    assert.equal(refused.group, 'api');
    assert.equal(refused.check, 'connect');
    assert.equal(report.summary.errors, 1);
  });

  test('exit 2 for usage errors: an unknown server, a bad --timeout', async (t) => {
    const path = writeConfig(t, { servers: { a: { command: 'true' } } });
    const unknown = await cli(['doctor', '-c', path, 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no server named "nope".*\[MCPGW_E_USAGE\]\n {2}hint: servers: a/);
    const timeout = await cli(['doctor', '-c', path, '--timeout', 'soon']);
    assert.equal(timeout.code, 2);
    assert.match(timeout.stderr, /--timeout must be a number of seconds/);
  });

  test('an invalid config: exit 1, its errors under the gateway, nothing else checked', async (t) => {
    const path = writeConfig(t, 'version: 1\nservers:\n  a: { command: true, url: http://x }\n');
    const r = await cli(['doctor', '--offline', '-c', path]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /MCPGW_E_CONFIG_SERVER_KIND/);
  });

  test('--offline touches no network and starts nothing; without it the same config does', async (t) => {
    const recorder = await silentListener(t);
    const oauth = await oauthMetadataServer(t);
    const dir = tempDir(t, 'mcpgw-doctor-offline-');
    const marker = join(dir, 'started');
    const url = `http://127.0.0.1:${recorder.port}/mcp`;
    const path = writeConfig(
      t,
      {
        // The daemon's address is the recorder too: looking for a daemon would connect to it.
        gateway: { listen: `127.0.0.1:${recorder.port}` },
        servers: {
          remote: { url, auth: { type: 'apiKey', value: '$<env:DOCTOR_API_KEY>' } },
          oauth: { url: oauth.replace(/:\d+\//, `:${recorder.port}/`), auth: { type: 'oauth' } },
          legacy: { url, transport: 'sse' },
          local: { command: 'sh', args: ['-c', `touch ${marker}`] },
        },
      },
      dir,
    );
    const offline = await cli(['doctor', '--offline', '-c', path]);
    assert.equal(recorder.connections(), 0, 'no connection in offline mode');
    assert.equal(existsSync(marker), false, 'no process started in offline mode');
    assert.match(offline.stdout, /--offline: no network, no server started/);
    const online = await cli(['doctor', '--timeout', '1', '-c', path], doctorEnv());
    assert.equal(online.code, 1);
    assert.ok(recorder.connections() > 0, 'the recorder does see connections when online');
    assert.equal(existsSync(marker), true, 'and the stdio server is started when online');
  });

  test('doctor --help exits 0 and lists --offline and --json', async () => {
    const r = await cli(['doctor', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--offline/);
    assert.match(r.stdout, /--json/);
  });
});
