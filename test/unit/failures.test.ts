// Connection failures become registered codes, and whether a retry makes sense comes with
// the code (upstream/failures.ts): nothing downstream reads them back out of messages.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../../src/config/types.js';
import { McpgwError } from '../../src/errors/error.js';
import { classifyConnectError } from '../../src/upstream/failures.js';
import { StdioProcessTransport } from '../../src/upstream/stdio.js';

const stdio = {
  name: 's',
  auth: { type: 'none' },
  transport: { kind: 'stdio', command: 'srv', args: [], env: {}, cwd: '/', inheritEnv: false },
} as unknown as ServerSpec;
const http = (auth: string) =>
  ({
    name: 'h',
    auth: { type: auth },
    transport: { kind: 'http', url: 'http://127.0.0.1:1/mcp', transport: 'streamable-http', headers: {} },
  }) as unknown as ServerSpec;
const httpError = (status: number) => new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `HTTP ${status}`, { status });
const network = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

describe('classifyConnectError', () => {
  const cases: Array<[string, unknown, ServerSpec, string, boolean]> = [
    ['401 with OAuth: needs authorization', httpError(401), http('oauth'), 'MCPGW_E_SERVER_NEEDS_AUTH', false],
    ['403 with an API key: the key is refused', httpError(403), http('apiKey'), 'MCPGW_E_UPSTREAM_API_KEY', false],
    ['401 without auth: auth is required', httpError(401), http('none'), 'MCPGW_E_UPSTREAM_AUTH_REQUIRED', false],
    ['404: no MCP endpoint there', httpError(404), http('none'), 'MCPGW_E_UPSTREAM_NOT_FOUND', false],
    ['405: no MCP endpoint there', httpError(405), http('none'), 'MCPGW_E_UPSTREAM_NOT_FOUND', false],
    ['503: the server is failing, retried', httpError(503), http('none'), 'MCPGW_E_UPSTREAM_SERVER_ERROR', true],
    ['418: an unexpected status', httpError(418), http('none'), 'MCPGW_E_UPSTREAM_HTTP_STATUS', false],
    ['refused, retried', network('ECONNREFUSED'), http('none'), 'MCPGW_E_UPSTREAM_REFUSED', true],
    ['DNS, retried', network('ENOTFOUND'), http('none'), 'MCPGW_E_UPSTREAM_DNS', true],
    ['reset, retried', network('ECONNRESET'), http('none'), 'MCPGW_E_UPSTREAM_UNREACHABLE', true],
    ['a bad certificate is not retried', network('DEPTH_ZERO_SELF_SIGNED_CERT'), http('none'), 'MCPGW_E_UPSTREAM_TLS', false],
    ['an initialize error', new ProtocolError(-32602, 'bad'), http('none'), 'MCPGW_E_UPSTREAM_INITIALIZE', false],
    [
      'no revision in common',
      new SdkError(SdkErrorCode.EraNegotiationFailed, 'no overlap'),
      http('none'),
      'MCPGW_E_UPSTREAM_PROTOCOL',
      false,
    ],
    ['a handshake timeout, retried', new SdkError(SdkErrorCode.RequestTimeout, 'slow'), http('none'), 'MCPGW_E_SERVER_TIMEOUT', true],
    ['our own connect timeout, retried', new McpgwError('MCPGW_E_SERVER_TIMEOUT', 'slow'), stdio, 'MCPGW_E_SERVER_TIMEOUT', true],
    [
      'a transient failure of the token endpoint, retried',
      new McpgwError('MCPGW_E_OAUTH_TOKEN', 'down', { details: { transient: true } }),
      http('oauth'),
      'MCPGW_E_OAUTH_TOKEN',
      true,
    ],
    [
      'a refused refresh is not retried',
      new McpgwError('MCPGW_E_OAUTH_TOKEN', 'invalid_grant'),
      http('oauth'),
      'MCPGW_E_OAUTH_TOKEN',
      false,
    ],
  ];
  for (const [what, err, spec, code, retry] of cases) {
    test(what, () => {
      const failure = classifyConnectError(err, spec);
      assert.equal(failure.code, code);
      assert.equal(failure.retry, retry);
    });
  }

  test('stdio: a missing or non-executable command is not retried; an exit is, with its last stderr line', () => {
    const transport = new StdioProcessTransport({ command: 'srv', args: [], env: {}, cwd: '/' });
    const enoent = classifyConnectError(Object.assign(new Error('spawn srv ENOENT'), { code: 'ENOENT' }), stdio, transport);
    assert.deepEqual([enoent.code, enoent.retry], ['MCPGW_E_UPSTREAM_COMMAND', false]);
    const eacces = classifyConnectError(Object.assign(new Error('spawn srv EACCES'), { code: 'EACCES' }), stdio, transport);
    assert.deepEqual([eacces.code, eacces.retry], ['MCPGW_E_UPSTREAM_COMMAND', false]);
    transport.exit = { code: 3, signal: null };
    transport.lastStderr.push('boom');
    const exited = classifyConnectError(new Error('Connection closed'), stdio, transport);
    assert.deepEqual(
      [exited.code, exited.retry, exited.message],
      ['MCPGW_E_UPSTREAM_EXITED', true, 'the process exited with code 3: boom'],
    );
    transport.exit = { code: null, signal: 'SIGKILL' };
    assert.equal(classifyConnectError(new Error('x'), stdio, transport).code, 'MCPGW_E_UPSTREAM_EXITED');
    // Stopped by the transport itself (a stdout line over the cap): that reason, not the signal; retried.
    transport.exit = { code: null, signal: 'SIGTERM' };
    transport.failure = new McpgwError('MCPGW_E_UPSTREAM_LINE_TOO_LONG', 'wrote a line of over 32 MiB on stdout');
    const long = classifyConnectError(new Error('Connection closed'), stdio, transport);
    assert.deepEqual(
      [long.code, long.retry, long.message],
      ['MCPGW_E_UPSTREAM_LINE_TOO_LONG', true, 'wrote a line of over 32 MiB on stdout'],
    );
  });
});
