// What a new config changes (SPEC section 5, hot reload): only servers whose resolved
// definition changed are restarted (a new fingerprint); catalog settings update in place;
// listen, publicUrl and dataDir need a restart; everything else applies live. One row per
// rule, on plain config models.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigModel, GatewaySpec, ProfileSpec, ServerSpec } from '../../src/config/types.js';
import { describeChanges, summarizeChanges, type ChangeSummary } from '../../src/gateway/diff.js';

const GATEWAY: GatewaySpec = {
  listen: { host: '127.0.0.1', port: 8750 },
  publicUrl: 'http://localhost:8750',
  dataDir: '/srv/mcpgw/.mcpgw',
  bearerTokens: [],
  users: [],
  audit: { kind: 'off' },
  allowedHosts: [],
  allowedOrigins: [],
  allowUnauthenticatedNetwork: false,
  logLevel: 'info',
  sessionIdleTimeoutMs: 30 * 60_000,
  previousSessionKeys: [],
  sessionMaxAgeMs: 24 * 3_600_000,
  maxSessions: 1000,
  maxSessionsPerProfile: 250,
  shutdownGraceMs: 10_000,
  metrics: { enabled: true, auth: true },
};

/** A stdio server whose fingerprint is `fp-<name>` unless given. */
function server(name: string, changes: Partial<ServerSpec> = {}): ServerSpec {
  return {
    name,
    enabled: true,
    prefix: name,
    isolation: 'shared',
    protocol: 'auto',
    tools: { deny: [] },
    connectTimeoutMs: 60_000,
    callTimeoutMs: 120_000,
    transport: stdio(name),
    auth: { type: 'none' },
    fingerprint: `fp-${name}`,
    ...changes,
  };
}

function stdio(name: string, env: Record<string, string> = {}): ServerSpec['transport'] {
  return { kind: 'stdio', command: 'npx', args: [name], env, cwd: '/srv/mcpgw', inheritEnv: false };
}

function profile(name: string, servers: string[], changes: Partial<ProfileSpec> = {}): ProfileSpec {
  return { name, servers, tools: { deny: [] }, implicit: false, ...changes };
}

function model(
  servers: ServerSpec[],
  changes: { gateway?: Partial<GatewaySpec>; profiles?: ProfileSpec[]; digest?: string } = {},
): ConfigModel {
  return {
    file: '/srv/mcpgw/gateway.yaml',
    dir: '/srv/mcpgw',
    gateway: { ...GATEWAY, ...changes.gateway },
    servers,
    profiles: changes.profiles ?? [
      profile(
        'default',
        servers.map((s) => s.name),
        { implicit: true },
      ),
    ],
    secrets: [],
    files: [],
    warnings: [],
    digest: changes.digest ?? 'digest',
  };
}

const NOTHING: ChangeSummary = {
  added: [],
  removed: [],
  restarted: [],
  updated: [],
  profilesChanged: false,
  restartNeeded: [],
  changed: false,
};

interface Case {
  readonly rule: string;
  readonly before: ConfigModel | undefined;
  readonly after: ConfigModel;
  /** What differs from NOTHING. */
  readonly expect: Partial<ChangeSummary>;
  /** describeChanges of the result. */
  readonly line: string;
}

const fixed = [server('a'), server('b')];
const profiles = [profile('default', ['a', 'b']), profile('ro', ['b'])];

const cases: readonly Case[] = [
  {
    rule: 'the first config adds every enabled server',
    before: undefined,
    after: model([server('a'), server('off', { enabled: false }), server('b')]),
    expect: { added: ['a', 'b'], profilesChanged: true, changed: true },
    line: 'added a, b; profiles changed',
  },
  {
    rule: 'an equal model changes nothing',
    before: model(fixed, { profiles }),
    after: model([server('a'), server('b')], { profiles: [profile('default', ['a', 'b']), profile('ro', ['b'])] }),
    expect: {},
    line: 'no server or profile changed',
  },
  {
    rule: 'other file bytes (a comment, key order) with the same content change nothing',
    before: model(fixed, { digest: 'one' }),
    after: model(fixed, { digest: 'two' }),
    expect: {},
    line: 'no server or profile changed',
  },
  {
    rule: 'a new server is added; added keeps the order of the file',
    before: model([server('b')], { profiles }),
    after: model([server('c'), server('b'), server('a')], { profiles }),
    expect: { added: ['c', 'a'], changed: true },
    line: 'added c, a',
  },
  {
    rule: 'a server left out is removed',
    before: model([server('a'), server('b'), server('c')], { profiles }),
    after: model([server('b')], { profiles }),
    expect: { removed: ['a', 'c'], changed: true },
    line: 'removed a, c',
  },
  {
    rule: 'enabled: false removes a server; enabled again adds it',
    before: model(fixed, { profiles }),
    after: model([server('a', { enabled: false }), server('b')], { profiles }),
    expect: { removed: ['a'], changed: true },
    line: 'removed a',
  },
  {
    rule: 'a server disabled before and after is neither added nor removed',
    before: model([server('a', { enabled: false, prefix: 'x' })], { profiles }),
    after: model([server('a', { enabled: false, prefix: 'y' })], { profiles }),
    expect: {},
    line: 'no server or profile changed',
  },
  {
    rule: 'a new fingerprint (its connection changed) restarts the server, and only it',
    before: model(fixed, { profiles }),
    after: model([server('a', { fingerprint: 'fp-a-2', transport: stdio('a', { K: 'v' }) }), server('b')], {
      profiles,
    }),
    expect: { restarted: ['a'], changed: true },
    line: 'restarted a',
  },
  {
    rule: 'a catalog setting (prefix, tools filter, call timeout) with the same fingerprint updates without a restart',
    before: model([server('a'), server('b'), server('c')], { profiles }),
    after: model([server('a', { prefix: 'x' }), server('b', { tools: { deny: ['*delete*'] } }), server('c', { callTimeoutMs: 5_000 })], {
      profiles,
    }),
    expect: { updated: ['a', 'b', 'c'], changed: true },
    line: 'updated a, b, c',
  },
  {
    rule: 'a new fingerprint wins over a catalog change of the same server',
    before: model(fixed, { profiles }),
    after: model([server('a', { fingerprint: 'fp-a-2', prefix: 'x' }), server('b')], { profiles }),
    expect: { restarted: ['a'], changed: true },
    line: 'restarted a',
  },
  {
    rule: 'a profile change (members, filter, a new profile) is a profile change only',
    before: model(fixed, { profiles }),
    after: model(fixed, {
      profiles: [profile('default', ['b', 'a']), profile('ro', ['b'], { tools: { deny: ['b__x'] } }), profile('new', ['a'])],
    }),
    expect: { profilesChanged: true, changed: true },
    line: 'profiles changed',
  },
  {
    rule: 'listen, publicUrl and dataDir need a restart, in that order',
    before: model(fixed, { profiles }),
    after: model(fixed, {
      profiles,
      gateway: { dataDir: '/var/lib/mcpgw', publicUrl: 'https://gw.example.com', listen: { host: '127.0.0.1', port: 9000 } },
    }),
    expect: { restartNeeded: ['listen', 'publicUrl', 'dataDir'], changed: true },
    line: 'listen, publicUrl, dataDir need a restart',
  },
  {
    rule: 'a listen host change alone needs a restart too',
    before: model(fixed, { profiles }),
    after: model(fixed, { profiles, gateway: { listen: { host: '0.0.0.0', port: 8750 } } }),
    expect: { restartNeeded: ['listen'], changed: true },
    line: 'listen need a restart',
  },
  {
    rule: 'bearerTokens, allowedHosts, allowedOrigins and logLevel apply live: changed, no restart',
    before: model(fixed, { profiles }),
    after: model(fixed, {
      profiles,
      gateway: { bearerTokens: ['t'.repeat(32)], allowedHosts: ['gw.lan'], allowedOrigins: ['https://app.example'], logLevel: 'debug' },
    }),
    expect: { changed: true },
    line: 'no server or profile changed',
  },
  {
    rule: 'several kinds of change at once are all reported',
    before: model([server('a'), server('b'), server('c')], { profiles }),
    after: model([server('a', { fingerprint: 'new' }), server('b', { prefix: 'bb' }), server('d')], {
      profiles: [profile('default', ['a', 'b', 'd'])],
      gateway: { publicUrl: 'http://localhost:9999' },
    }),
    expect: {
      added: ['d'],
      removed: ['c'],
      restarted: ['a'],
      updated: ['b'],
      profilesChanged: true,
      restartNeeded: ['publicUrl'],
      changed: true,
    },
    line: 'added d; removed c; restarted a; updated b; profiles changed; publicUrl need a restart',
  },
];

describe('summarizeChanges and describeChanges', () => {
  for (const c of cases) {
    test(c.rule, () => {
      const summary = summarizeChanges(c.before, c.after);
      assert.deepEqual(summary, { ...NOTHING, ...c.expect });
      assert.equal(describeChanges(summary), c.line);
    });
  }
});
