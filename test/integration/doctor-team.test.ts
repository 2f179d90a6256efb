// doctor on team mode (issue 15 item 6). The OIDC issuer against real servers: the
// oidc-provider fixture (good, and named by another host so its metadata names another
// issuer), a closed port, a listener answering 404 everywhere, and one whose jwks_uri answers
// 404. Then config-only runs: the audience tokens must carry, profiles nobody can use, perUser
// tokens with one identity. Each finding's code, fix and place; no secret in any report.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { doctor, statusServer } from '../helpers/doctor.js';
import { startAuthorizationServer } from '../helpers/oauth.js';
import { refusedPort } from '../helpers/ports.js';

/** A user token given through a template: it must appear nowhere in a report. */
const ALICE_TOKEN = 'doctor-team-alice-token-0123456789abcdef';
const env = { ALICE_TOKEN };

function teamConfig(gateway: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gateway: { ...gateway, auth: { users: { alice: { tokens: ['$<env:ALICE_TOKEN>'], groups: ['eng'] } }, ...(gateway.auth as object) } },
    servers: {},
    ...extra,
  };
}

async function oidcFindings(t: TestContext, issuer: string) {
  const d = await doctor(t, teamConfig({ auth: { oidc: { issuer, scopes: ['mcp'] } } }), { env, timeoutMs: 10_000 });
  assert.ok(!JSON.stringify(d.report).includes(ALICE_TOKEN), 'no user token');
  return d.report.findings.filter((f) => f.check === 'oidc');
}

/** Metadata for its own origin as issuer, with a jwks_uri that answers 404. */
async function issuerWithoutKeys(t: TestContext): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/oauth-authorization-server')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: origin,
          authorization_endpoint: `${origin}/auth`,
          token_endpoint: `${origin}/token`,
          jwks_uri: `${origin}/jwks`,
          response_types_supported: ['code'],
        }),
      );
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('doctor: the OIDC issuer and its keys, live', { concurrency: true }, () => {
  test('the oidc-provider fixture: MCPGW_I_OIDC_OK; named by another host: MCPGW_E_OIDC_ISSUER with the issuer it names', async (t) => {
    const as = await startAuthorizationServer(t, { scopes: 'mcp', accounts: { alice: ['eng'], bob: ['ops'] } });
    const [ok, ...rest] = await oidcFindings(t, as.issuer);
    assert.equal(rest.length, 0);
    assert.equal(ok!.code, 'MCPGW_I_OIDC_OK', ok!.message);
    assert.match(ok!.message, new RegExp(`${as.issuer} answers: .*\\d+ keys? at ${as.issuer}/jwks`));

    const other = as.issuer.replace('127.0.0.1', 'localhost');
    const [f] = await oidcFindings(t, other);
    assert.equal(f!.code, 'MCPGW_E_OIDC_ISSUER');
    assert.equal(f!.severity, 'error');
    assert.match(f!.message, new RegExp(`names another issuer, "${as.issuer}"`));
    assert.equal(f!.hint, `set gateway.auth.oidc.issuer: "${as.issuer}"`);
    assert.equal(f!.path, 'gateway.auth.oidc.issuer');
    assert.ok(f!.line);
  });

  test('a closed port and a server without metadata: MCPGW_E_OIDC_ISSUER with the reason and the fix', async (t) => {
    const closed = `http://127.0.0.1:${await refusedPort(t)}`;
    const [refused] = await oidcFindings(t, closed);
    assert.equal(refused!.code, 'MCPGW_E_OIDC_ISSUER');
    assert.match(refused!.message, /cannot be discovered: connection refused/);
    assert.match(refused!.hint ?? '', /check gateway\.auth\.oidc\.issuer and that this machine reaches it/);

    const notFound = new URL(await statusServer(t, 404)).origin;
    const [none] = await oidcFindings(t, notFound);
    assert.equal(none!.code, 'MCPGW_E_OIDC_ISSUER');
    assert.match(none!.message, /publishes no OAuth or OpenID metadata/);
    assert.match(none!.hint ?? '', /set gateway\.auth\.oidc\.issuer to the issuer your provider names/);
  });

  test('a jwks_uri that answers 404: MCPGW_E_OIDC_JWKS naming the URL', async (t) => {
    const issuer = await issuerWithoutKeys(t);
    const [f, ...rest] = await oidcFindings(t, issuer);
    assert.equal(rest.length, 0);
    assert.equal(f!.code, 'MCPGW_E_OIDC_JWKS');
    assert.match(f!.message, new RegExp(`${issuer}/jwks answers HTTP 404, so no access token can be checked`));
    assert.match(f!.hint ?? '', new RegExp(`check ${issuer}/jwks from this machine`));
  });
});

describe('doctor: team mode from the config', { concurrency: true }, () => {
  test('oidc without publicUrl beyond loopback: MCPGW_W_OIDC_AUDIENCE with the URLs; with it, or on loopback: the URLs as information', async (t) => {
    const oidc = { issuer: 'https://login.example.com/realms/eng' };
    const profiles = { profiles: { eng: { servers: [] }, default: { servers: [] } } };
    const wide = await doctor(t, teamConfig({ listen: '0.0.0.0:18750', auth: { oidc } }, profiles), { env, offline: true });
    const w = wide.get('MCPGW_W_OIDC_AUDIENCE', 'gateway');
    assert.match(
      w.message,
      /aud = http:\/\/localhost:18750\/mcp, http:\/\/localhost:18750\/mcp\/eng, http:\/\/localhost:18750\/mcp\/default/,
    );
    assert.match(w.hint ?? '', /set gateway\.publicUrl to the URL clients use/);
    assert.equal(w.path, 'gateway.listen');
    assert.ok(!wide.codes().includes('MCPGW_I_OIDC_AUDIENCE'));

    const set = await doctor(t, teamConfig({ listen: '0.0.0.0:18750', publicUrl: 'https://mcp.example.com/', auth: { oidc } }, profiles), {
      env,
      offline: true,
    });
    assert.ok(!set.codes().includes('MCPGW_W_OIDC_AUDIENCE'));
    assert.match(set.get('MCPGW_I_OIDC_AUDIENCE').message, /aud = https:\/\/mcp\.example\.com\/mcp, https:\/\/mcp\.example\.com\/mcp\/eng/);

    const local = await doctor(t, teamConfig({ listen: '127.0.0.1:18751', auth: { oidc } }, profiles), { env, offline: true });
    assert.match(local.get('MCPGW_I_OIDC_AUDIENCE').message, /http:\/\/localhost:18751\/mcp.*publicUrl is not set/);
    assert.equal(local.report.summary.passed, local.report.findings.filter((f) => /_OK$/.test(f.code)).length, 'a note, not a pass');
  });

  test('a profile nobody can use: MCPGW_W_PROFILE_UNREACHABLE; open to OIDC users only: MCPGW_I_PROFILE_OIDC_ONLY', async (t) => {
    const profiles = {
      profiles: { eng: { servers: [], access: { groups: ['eng'] } }, ops: { servers: [], access: { users: ['carol'], groups: ['ops'] } } },
    };
    const users = await doctor(t, teamConfig({}, profiles), { env, offline: true });
    const f = users.get('MCPGW_W_PROFILE_UNREACHABLE', 'gateway');
    assert.equal(users.codes().filter((c) => c === 'MCPGW_W_PROFILE_UNREACHABLE').length, 1, 'eng is reachable');
    assert.match(
      f.message,
      /nobody can use profile "ops": it allows the user carol and the group ops, and the gateway's identities \(alice\)/,
    );
    assert.match(f.hint ?? '', /add the users to gateway\.auth\.users or give one of them a listed group, or fix profiles\.ops\.access/);
    assert.equal(f.path, 'profiles.ops.access');

    const open = { profiles: { mine: { servers: [], access: { users: ['alice'] } } } };
    const local = await doctor(t, { servers: {}, ...open }, { offline: true });
    assert.match(local.get('MCPGW_W_PROFILE_UNREACHABLE').message, /identities \(local \(no inbound auth\)\)/);
    const owner = await doctor(t, { gateway: { auth: { bearerTokens: ['$<env:MCPGW_TOKEN>'] } }, servers: {}, ...open }, { offline: true });
    assert.match(owner.get('MCPGW_W_PROFILE_UNREACHABLE').message, /owner \(bearerTokens\)/);

    const issuer = 'https://login.example.com';
    const claims = await doctor(t, teamConfig({ auth: { oidc: { issuer, groupsClaim: 'groups' } } }, profiles), { env, offline: true });
    assert.ok(!claims.codes().includes('MCPGW_W_PROFILE_UNREACHABLE'));
    assert.match(
      claims.get('MCPGW_I_PROFILE_OIDC_ONLY').message,
      /"ops" is for OIDC users only: .*sub is carol, or a token whose groups has ops/,
    );

    const groupsOnly = { profiles: { ops: { servers: [], access: { groups: ['ops'] } } } };
    const noClaim = await doctor(t, teamConfig({ auth: { oidc: { issuer } } }, groupsOnly), { env, offline: true });
    const g = noClaim.get('MCPGW_W_PROFILE_UNREACHABLE');
    assert.match(g.message, /no groupsClaim/);
    assert.match(g.hint ?? '', /set gateway\.auth\.oidc\.groupsClaim/);

    const emptyList = { profiles: { none: { servers: [], access: {} } } };
    const empty = await doctor(t, teamConfig({ auth: { oidc: { issuer, groupsClaim: 'groups' } } }, emptyList), { env, offline: true });
    assert.match(empty.get('MCPGW_W_PROFILE_UNREACHABLE').message, /"none": its access list is empty/);
  });

  test('perUser tokens with one identity: MCPGW_W_PERUSER_ONE_IDENTITY; with users, or shared, nothing', async (t) => {
    const server = (tokens?: string) => ({
      gh: { url: 'https://example.com/mcp', auth: { type: 'oauth', ...(tokens ? { tokens } : {}) } },
    });
    const alone = await doctor(t, { servers: server('perUser') }, { offline: true });
    const f = alone.get('MCPGW_W_PERUSER_ONE_IDENTITY', 'gh');
    assert.match(f.message, /one identity, local \(no inbound auth\): every call uses its one authorization, as with shared/);
    assert.match(f.hint ?? '', /gateway\.auth\.users or gateway\.auth\.oidc\), or write tokens: shared/);
    assert.equal(f.path, 'servers.gh.auth.tokens');
    assert.equal(f.severity, 'warning');

    const owner = await doctor(
      t,
      { gateway: { auth: { bearerTokens: ['$<env:MCPGW_TOKEN>'] } }, servers: server('perUser') },
      { offline: true },
    );
    assert.match(owner.get('MCPGW_W_PERUSER_ONE_IDENTITY', 'gh').message, /owner \(gateway\.auth\.bearerTokens\)/);

    for (const [what, config] of [
      ['the default (shared) without users', { servers: server() }],
      ['perUser with users', teamConfig({}, { servers: server('perUser') })],
      ['the default (perUser) with users', teamConfig({}, { servers: server() })],
    ] as const) {
      const d = await doctor(t, config, { env, offline: true });
      assert.ok(!d.codes().includes('MCPGW_W_PERUSER_ONE_IDENTITY'), what);
    }
  });
});
