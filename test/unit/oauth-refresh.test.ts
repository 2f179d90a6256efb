// When the OAuth service refreshes an access token before use (regressions found by
// test/integration/oauth.test.ts): the margin for short-lived tokens, and a token without a
// refresh token inside the margin.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OAuthService, refreshDue } from '../../src/auth/oauth-service.js';
import { TokenStore } from '../../src/auth/store.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';

const root = mkdtempSync(join(tmpdir(), 'mcpgw-refresh-'));
after(() => rmSync(root, { recursive: true, force: true }));
const KEY = 'a-key-for-the-refresh-unit-tests-0123456789';
const MIN = 60_000;

test('refreshDue: 60 s before expiry for long-lived tokens, half the lifetime for short ones', () => {
  const now = 1_000_000_000;
  const hour = { accessToken: 'a', refreshToken: 'r', expiresAt: now + 30 * MIN };
  assert.equal(refreshDue(hour, now - 30 * MIN, now), false);
  assert.equal(refreshDue(hour, now - 30 * MIN, now + 29 * MIN - 1), false);
  assert.equal(refreshDue(hour, now - 30 * MIN, now + 29 * MIN), true);
  // A 2 s token: fresh is not due (it used to be due from the start: one refresh per request).
  const short = { accessToken: 'a', refreshToken: 'r', expiresAt: now + 2000 };
  assert.equal(refreshDue(short, now, now), false);
  assert.equal(refreshDue(short, now, now + 999), false);
  assert.equal(refreshDue(short, now, now + 1000), true);
  assert.equal(refreshDue(short, now, now + 5000), true);
  assert.equal(refreshDue({ accessToken: 'a' }, now, now), false, 'no expiry: never due');
  // A storedAt after the expiry (another write) leaves no margin, but an expired token is still due.
  assert.equal(refreshDue(short, now + 3000, now + 1999), false);
  assert.equal(refreshDue(short, now + 3000, now + 2000), true);
});

test('a token without a refresh token is still sent inside the margin, until it expires', async (t) => {
  const dir = join(root, 'no-refresh');
  const config = join(root, 'gateway.yaml');
  writeFileSync(
    config,
    `version: 1\ngateway: { dataDir: ${dir} }\nservers:\n  s: { url: "http://127.0.0.1:9/mcp", auth: { type: oauth } }\n`,
  );
  const model = loadConfig(config, { env: {} }).model!;
  const store = await TokenStore.open({ dataDir: dir, key: KEY });
  const now = Date.now();
  // An hour-long token with 30 s left: inside the 60 s margin, and no way to refresh it.
  await store.update('s', () => ({
    serverUrl: 'http://127.0.0.1:9/mcp',
    issuer: 'http://127.0.0.1:9',
    resource: 'http://127.0.0.1:9/mcp',
    tokens: { accessToken: 'still-good', expiresAt: now + 30_000 },
    updatedAt: now - 3570_000,
  }));
  await store.close();
  const service = new OAuthService({
    dataDir: dir,
    publicUrl: 'http://localhost:8750',
    env: { OAUTH_ENCRYPTION_KEY: KEY },
    log: createLogger('test'),
    onAuthorized: () => undefined,
  });
  t.after(() => service.close());
  await service.setServers(model.servers);
  // Before: "needs authorization: the access token expired" 30 s before it did.
  assert.deepEqual(await service.providerFor('s').headers(), { authorization: 'Bearer still-good' });
});
