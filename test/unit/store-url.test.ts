// gateway.store.url: libpq URLs as PostgreSQL takes them (a Unix socket folder in ?host=, no
// host before the path), described in messages without the password, and a URL from a
// template left to the store to check when it opens (MCPGW_E_STORE_DB_URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseDbUrl } from '../../src/config/db-url.js';
import { loadConfig } from '../../src/config/load.js';
import { describeUrl } from '../../src/store/pg-errors.js';

test('libpq URLs with a socket folder, a port, credentials or none', () => {
  // Bug: a socket URL with credentials (postgresql://u:pw@/db?host=...) was "(an unparsable URL)" in every message.
  assert.deepEqual(parseDbUrl('postgresql://app:s3cret@/mcpgw?host=%2Frun%2Fpostgresql&port=5433'), {
    user: 'app',
    host: '/run/postgresql',
    port: '5433',
    database: 'mcpgw',
  });
  assert.deepEqual(parseDbUrl('postgres://app@db.example.com/mcpgw'), {
    user: 'app',
    host: 'db.example.com',
    port: '5432',
    database: 'mcpgw',
  });
  assert.deepEqual(parseDbUrl('postgresql:///mcpgw?host=/tmp'), { user: '', host: '/tmp', port: '5432', database: 'mcpgw' });
  for (const bad of ['mysql://app:pw@db/x', 'db.example.com:5432', '']) assert.equal(parseDbUrl(bad), undefined, bad);
  assert.equal(describeUrl('postgresql://app:s3cret@/mcpgw?host=/run/postgresql'), 'app@/run/postgresql:5432/mcpgw');
  assert.equal(describeUrl('postgresql://app:s3cret@db:6432/mcpgw'), 'app@db:6432/mcpgw');
  assert.equal(describeUrl('https://app:s3cret@db/x'), '(an unparsable URL)');
});

const config = (url: string) => stringify({ version: 1, gateway: { store: { type: 'postgres', url } } });
const errors = (text: string, env: Record<string, string> = {}) =>
  loadConfig('/config/gateway.yaml', { text, env })
    .findings.filter((f) => f.severity === 'error')
    .map((f) => f.code);

test('store.url: a literal is checked at load; one from a template when the store opens', () => {
  assert.deepEqual(errors(config('mysql://app@db/x')), ['MCPGW_E_CONFIG_URL']);
  assert.deepEqual(errors(config('postgresql://app@/x?host=/run/postgresql')), []);
  // Bug: the check read the resolved value as "written", so a template never counted as one.
  assert.deepEqual(errors(config('$<env:DATABASE_URL>'), { DATABASE_URL: 'mysql://app:pw@db/x' }), []);
  assert.deepEqual(errors(config('$<env:DATABASE_URL>'), { DATABASE_URL: 'postgresql://app:pw@/x?host=/tmp' }), []);
});
