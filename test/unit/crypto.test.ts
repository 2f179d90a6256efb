// The token store's envelope (SPEC section 5): AES-256-GCM under a scrypt-derived key with a
// per-file salt, the header authenticated, and errors that tell a wrong key from a damaged file.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { deriveStoreKey, newStoreKey, parseEnvelope, seal, unseal, type StoreKey } from '../../src/auth/crypto.js';
import { McpgwError } from '../../src/errors/error.js';

const SECRET = 'a'.repeat(32) + 'b'.repeat(32);
const PLAIN = JSON.stringify({ servers: { gh: { tokens: { accessToken: 'gho_plaintext_access' } } } });
const FILE = '/data/oauth-store.json';

let key: StoreKey;
before(async () => {
  key = await newStoreKey(SECRET);
});

function open(text: string, k = key): string {
  return unseal(parseEnvelope(text, FILE), k, FILE);
}

function edit(text: string, change: (e: Record<string, any>) => void): string {
  const e = JSON.parse(text);
  change(e);
  return JSON.stringify(e);
}

function rejects(fn: () => unknown, code: string, pattern?: RegExp): McpgwError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof McpgwError, `not an McpgwError: ${err}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(`${err.message}\n${err.hint}`, pattern);
    return err;
  }
  assert.fail('did not throw');
}

/** Flips one bit of a base64 field, keeping it valid base64 of the same length. */
function flip(b64: string, index = 0): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index]! ^= 0x01;
  return bytes.toString('base64');
}

describe('envelope', () => {
  test('round trip, in the documented format', () => {
    const text = seal(PLAIN, key);
    assert.equal(open(text), PLAIN);
    const e = JSON.parse(text);
    assert.deepEqual(Object.keys(e), ['format', 'version', 'kdf', 'cipher', 'check', 'iv', 'tag', 'data']);
    assert.equal(e.format, 'mcpgw-oauth-store');
    assert.equal(e.version, 1);
    assert.equal(e.cipher, 'aes-256-gcm');
    assert.deepEqual({ ...e.kdf, salt: undefined }, { name: 'scrypt', N: 32768, r: 8, p: 1, salt: undefined });
    assert.equal(Buffer.from(e.kdf.salt, 'base64').length, 16);
    assert.equal(Buffer.from(e.iv, 'base64').length, 12);
    assert.equal(Buffer.from(e.tag, 'base64').length, 16);
    assert.ok(!text.includes('gho_plaintext_access'));
  });

  test('every write gets a fresh IV; the salt stays with the key', () => {
    const a = JSON.parse(seal(PLAIN, key));
    const b = JSON.parse(seal(PLAIN, key));
    assert.notEqual(a.iv, b.iv);
    assert.notEqual(a.data, b.data);
    assert.equal(a.kdf.salt, b.kdf.salt);
  });

  test('two stores get different salts', async () => {
    const other = await newStoreKey(SECRET);
    assert.notEqual(other.kdf.salt, key.kdf.salt);
    assert.notDeepEqual(other.enc, key.enc);
  });

  test('the same secret and salt derive the same key (how a reopened file is read)', async () => {
    const again = await deriveStoreKey(SECRET, key.kdf);
    assert.equal(open(seal(PLAIN, key), again), PLAIN);
  });

  test('a wrong key is MCPGW_E_STORE_DECRYPT: restore the key, or move the file away and log in again', async () => {
    const text = seal(PLAIN, key);
    const wrong = await deriveStoreKey('z'.repeat(64), key.kdf);
    const err = rejects(() => open(text, wrong), 'MCPGW_E_STORE_DECRYPT', /restore the key/);
    assert.match(err.hint!, /move \/data\/oauth-store.json away and log in again/);
    assert.ok(!`${err.message}${err.hint}`.includes(SECRET));
  });

  test('modified ciphertext or tag under the right key is MCPGW_E_STORE_CORRUPT, not "wrong key"', () => {
    const text = seal(PLAIN, key);
    rejects(() => open(edit(text, (e) => (e.data = flip(e.data, 5)))), 'MCPGW_E_STORE_CORRUPT', /modified or damaged/);
    rejects(() => open(edit(text, (e) => (e.tag = flip(e.tag)))), 'MCPGW_E_STORE_CORRUPT');
    rejects(() => open(edit(text, (e) => (e.iv = flip(e.iv)))), 'MCPGW_E_STORE_CORRUPT');
  });

  test('the header is authenticated: a changed kdf or key check does not decrypt', async () => {
    const text = seal(PLAIN, key);
    const moved = edit(text, (e) => (e.kdf.N = 16384));
    rejects(() => open(moved, { ...key, kdf: parseEnvelope(moved, FILE).kdf }), 'MCPGW_E_STORE_CORRUPT');
    rejects(() => open(edit(text, (e) => (e.check = flip(e.check)))), 'MCPGW_E_STORE_DECRYPT');
  });

  test('key order and whitespace in the file do not matter', () => {
    const e = JSON.parse(seal(PLAIN, key));
    const reordered = JSON.stringify({
      data: e.data,
      tag: e.tag,
      iv: e.iv,
      check: e.check,
      cipher: e.cipher,
      kdf: { salt: e.kdf.salt, p: 1, r: 8, N: 32768, name: 'scrypt' },
      version: 1,
      format: e.format,
    });
    assert.equal(open(reordered), PLAIN);
  });

  test('an unknown version says so, and what to do', () => {
    const text = edit(seal(PLAIN, key), (e) => (e.version = 2));
    const err = rejects(() => parseEnvelope(text, FILE), 'MCPGW_E_STORE_VERSION', /format version 2; this mcpgw reads version 1/);
    assert.match(err.hint!, /newer mcpgw/);
  });

  test('not JSON, not ours, or malformed fields are MCPGW_E_STORE_CORRUPT', () => {
    const text = seal(PLAIN, key);
    rejects(() => parseEnvelope('{"servers": {', FILE), 'MCPGW_E_STORE_CORRUPT', /not valid JSON/);
    rejects(() => parseEnvelope('{"servers": {}}', FILE), 'MCPGW_E_STORE_CORRUPT', /not an mcpgw OAuth token store/);
    rejects(() => parseEnvelope('[]', FILE), 'MCPGW_E_STORE_CORRUPT');
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.iv = 'AAAA')),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /iv/,
    );
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.data = 'not base64!')),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /data/,
    );
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.cipher = 'aes-128-cbc')),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /cipher/,
    );
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => delete e.check),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /key check/,
    );
  });

  test('kdf parameters that would cost too much memory are refused before deriving', () => {
    const text = seal(PLAIN, key);
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.kdf.N = 2 ** 24)),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /kdf/,
    );
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.kdf.N = 3000)),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /kdf/,
    );
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.kdf.r = 1000)),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /kdf/,
    );
    rejects(
      () =>
        parseEnvelope(
          edit(text, (e) => (e.kdf.name = 'pbkdf2')),
          FILE,
        ),
      'MCPGW_E_STORE_CORRUPT',
      /kdf/,
    );
  });
});
