// The status page (GET /, issue 8) in headless Chromium: servers, states, tool counts, the
// Authorize button of a server that needs authorization, the last reload error, and the same
// access rules as /status. Skips with a message where Debian's chromium is not installed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureServer, ROOT, startGateway } from '../helpers/gateway.js';
import { startRelay } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';

test(
  'the status page shows states, tools, an Authorize button and the reload error',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` },
  async (t) => {
    // A server that demands OAuth: every request gets 401, so it waits in needs_auth.
    const locked = createServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end());
    await new Promise<void>((resolve) => locked.listen(0, '127.0.0.1', resolve));
    t.after(() => locked.close());
    const lockedUrl = `http://127.0.0.1:${(locked.address() as AddressInfo).port}/mcp`;
    // The listen port is a relay's, so publicUrl (http://localhost:<it>) leads to this gateway:
    // the Authorize button posts there.
    const relay = await startRelay(t);
    const publicUrl = `http://localhost:${relay.port}`;
    const config = {
      version: 1,
      gateway: { listen: `127.0.0.1:${relay.port}`, auth: { bearerTokens: ['page-token-0123456789'] } },
      servers: {
        alpha: fixtureServer('basic.ts', ['--name', 'alpha', '--tools', 'echo,add']),
        remote: { url: lockedUrl, auth: { type: 'oauth' } },
      },
    };
    const gw = await startGateway(t, config, {
      relay,
      env: { OAUTH_ENCRYPTION_KEY: 'k'.repeat(40) },
      allowErrors: [/config rejected/],
    });
    const auth = { authorization: 'Bearer page-token-0123456789' };
    await waitFor(async () => {
      const s = (await (await fetch(`${gw.url}/status`, { headers: auth })).json()) as any;
      return s.servers.alpha.state === 'ready' && s.servers.remote.state === 'needs_auth';
    }, 'alpha ready and remote needing authorization');
    gw.writeConfig('version: 1\nservers: [oops\n');
    await waitFor(
      async () => ((await (await fetch(`${gw.url}/status`, { headers: auth })).json()) as any).config.lastError,
      'the reload error',
    );

    assert.equal((await fetch(`${gw.url}/`)).status, 401, 'same access rules as /status');

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    t.after(() => browser.close());
    // Basic auth with the token as password, as a browser user would type it.
    const context = await browser.newContext({ httpCredentials: { username: 'me', password: 'page-token-0123456789' } });
    const page = await context.newPage();
    const response = await page.goto(`${publicUrl}/`);
    assert.equal(response?.status(), 200);
    const alpha = page.locator('tr[data-server="alpha"]');
    assert.match(await alpha.innerText(), /ready/);
    assert.match(await alpha.innerText(), /\b2\b/);
    const remote = page.locator('tr[data-server="remote"]');
    assert.match(await remote.innerText(), /needs auth/);
    // With bearer tokens the button posts a single-use link minted for the signed-in viewer
    // (issue 14: /oauth/start needs the caller's identity).
    const button = remote.getByRole('button', { name: 'Authorize' });
    const action = await remote.locator('form').getAttribute('action');
    assert.match(action ?? '', new RegExp(`^${publicUrl}/oauth/start/remote\\?ticket=v1\\.`));
    assert.match(await page.getByRole('alert').innerText(), /rejected/);
    assert.equal(await alpha.getByRole('button', { name: 'Authorize' }).count(), 0);
    // The page reloads itself.
    assert.equal(await page.locator('meta[http-equiv="refresh"]').getAttribute('content'), '5');

    if (process.env.UPDATE_SCREENSHOT) {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.setViewportSize({ width: 1100, height: 720 });
      await page.screenshot({ path: join(ROOT, 'docs/status-page.png'), fullPage: true });
    }
    // Clicking Authorize posts to /oauth/start (discovery fails here: an explanatory page).
    await button.click();
    await page.waitForURL(/\/oauth\/start\/remote/);
    assert.match(await page.locator('h1').innerText(), /Authorization could not start/);
  },
);
