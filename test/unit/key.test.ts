// Where the OAuth encryption key comes from (SPEC section 5): env, a named file, or a systemd
// credential; problems name the variable or file and never show the key.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveEncryptionKey } from '../../src/auth/key.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpgw-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'k'.repeat(20) + '0123456789abcdef';
const OTHER = 'o'.repeat(40);
const keyFile = join(dir, 'key.txt');
writeFileSync(keyFile, `${KEY}\n`);
const creds = join(dir, 'creds');
mkdirSync(creds);
writeFileSync(join(creds, 'oauth-encryption-key'), `${OTHER}\r\n`);

function assertNoKeyIn(text: string | undefined, key: string) {
  assert.ok(text === undefined || !text.includes(key), `leaks the key: ${text}`);
}

describe('resolveEncryptionKey', () => {
  test('OAUTH_ENCRYPTION_KEY wins over the file and the credential', () => {
    const r = resolveEncryptionKey({
      OAUTH_ENCRYPTION_KEY: KEY,
      OAUTH_ENCRYPTION_KEY_FILE: join(dir, 'nope'),
      CREDENTIALS_DIRECTORY: creds,
    });
    assert.deepEqual(r, { key: KEY, source: 'env' });
  });

  test('an empty OAUTH_ENCRYPTION_KEY counts as unset', () => {
    const r = resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY: '', OAUTH_ENCRYPTION_KEY_FILE: keyFile });
    assert.equal(r.source, 'file');
    assert.equal(r.key, KEY);
  });

  test('OAUTH_ENCRYPTION_KEY_FILE: the file without its trailing newline, before the credential', () => {
    const r = resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY_FILE: keyFile, CREDENTIALS_DIRECTORY: creds });
    assert.deepEqual(r, { key: KEY, source: 'file', file: keyFile });
  });

  test('$CREDENTIALS_DIRECTORY/oauth-encryption-key (systemd LoadCredential=), CRLF stripped', () => {
    const r = resolveEncryptionKey({ CREDENTIALS_DIRECTORY: creds });
    assert.deepEqual(r, { key: OTHER, source: 'credentials', file: join(creds, 'oauth-encryption-key') });
  });

  test('only one trailing newline is removed: the rest is part of the key', () => {
    const f = join(dir, 'two.txt');
    writeFileSync(f, `${KEY}\n\n`);
    assert.equal(resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY_FILE: f }).key, `${KEY}\n`);
  });

  test('nothing set: MCPGW_E_KEY_MISSING naming the variables, with how to generate one', () => {
    const r = resolveEncryptionKey({});
    assert.equal(r.source, 'none');
    assert.equal(r.key, undefined);
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_MISSING');
    assert.match(r.problem!.message, /OAUTH_ENCRYPTION_KEY and OAUTH_ENCRYPTION_KEY_FILE are unset/);
    assert.match(r.problem!.hint!, /openssl rand -hex 32/);
  });

  test('a credentials folder without our credential is "missing", and says where it looked', () => {
    const empty = join(dir, 'empty-creds');
    mkdirSync(empty);
    const r = resolveEncryptionKey({ CREDENTIALS_DIRECTORY: empty });
    assert.equal(r.source, 'none');
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_MISSING');
    assert.match(r.problem!.message, /empty-creds has no oauth-encryption-key/);
  });

  test('a named file that does not exist is unreadable, not a reason to try the credential', () => {
    const missing = join(dir, 'missing.txt');
    const r = resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY_FILE: missing, CREDENTIALS_DIRECTORY: creds });
    assert.equal(r.source, 'file');
    assert.equal(r.key, undefined);
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_UNREADABLE');
    assert.ok(r.problem!.message.includes(missing) && r.problem!.message.includes('OAUTH_ENCRYPTION_KEY_FILE'));
    assert.match(r.problem!.message, /no such file/);
    assert.match(r.problem!.hint!, /openssl rand -hex 32/);
  });

  test('a folder given as the key file is unreadable', () => {
    const r = resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY_FILE: creds });
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_UNREADABLE');
    assert.match(r.problem!.message, /it is a folder/);
  });

  test('a credential without read permission is unreadable', { skip: process.getuid?.() === 0 ? 'root reads anything' : false }, () => {
    const locked = join(dir, 'locked-creds');
    mkdirSync(locked);
    writeFileSync(join(locked, 'oauth-encryption-key'), OTHER);
    chmodSync(join(locked, 'oauth-encryption-key'), 0o000);
    const r = resolveEncryptionKey({ CREDENTIALS_DIRECTORY: locked });
    assert.equal(r.source, 'credentials');
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_UNREADABLE');
    assert.match(r.problem!.message, /permission denied/);
  });

  test('shorter than 32 characters: MCPGW_E_KEY_SHORT names the source, never the key', () => {
    const short = 'short-secret-value-1234';
    const r = resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY: short });
    assert.equal(r.source, 'env');
    assert.equal(r.key, undefined);
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_SHORT');
    assert.match(r.problem!.message, /OAUTH_ENCRYPTION_KEY is 23 characters long; at least 32/);
    assert.match(r.problem!.hint!, /openssl rand -hex 32/);
    assertNoKeyIn(r.problem!.message, short);
    assertNoKeyIn(r.problem!.hint, short);
    assertNoKeyIn(JSON.stringify(r.problem!.details), short);
  });

  test('exactly 32 characters is enough', () => {
    assert.equal(resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY: 'x'.repeat(32) }).key, 'x'.repeat(32));
  });

  test('a short or empty key file names the file', () => {
    const f = join(dir, 'short.txt');
    writeFileSync(f, 'abc\n');
    const r = resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY_FILE: f });
    assert.equal(r.problem?.code, 'MCPGW_E_KEY_SHORT');
    assert.ok(r.problem!.message.includes(f));
    assertNoKeyIn(r.problem!.message.replace(f, ''), 'abc');
    const e = join(dir, 'empty.txt');
    writeFileSync(e, '\n');
    assert.match(resolveEncryptionKey({ OAUTH_ENCRYPTION_KEY_FILE: e }).problem!.message, /is empty/);
  });
});
