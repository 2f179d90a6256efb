// The systemd unit (issue 8): hardened, with the state dir, credentials and reload wired the
// way mcpgw reads them (STATE_DIRECTORY, CREDENTIALS_DIRECTORY/oauth-encryption-key, SIGHUP).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const unit = readFileSync(new URL('../../examples/mcpgw.service', import.meta.url), 'utf8');
const directives = new Map<string, string[]>();
for (const line of unit.split('\n')) {
  const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
  if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
}
const one = (name: string) => directives.get(name)?.[0];

test('the systemd unit is hardened and wired to what mcpgw reads', () => {
  assert.equal(one('DynamicUser'), 'yes');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('StateDirectory'), 'mcpgw');
  assert.equal(one('StateDirectoryMode'), '0700');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.match(one('ExecStart') ?? '', /mcpgw run/);
  // The credential name is the one resolveEncryptionKey looks for.
  assert.ok(directives.get('LoadCredential')?.some((v) => v.startsWith('oauth-encryption-key:')));
  assert.equal(directives.has('MemoryDenyWriteExecute'), false, "Node's JIT needs W+X memory");
});
