// The real SDK client's OAuth support, driven headlessly as a chosen user: an MCP client that
// signs in at the identity provider the way a desktop client would (discovery from the 401's
// `WWW-Authenticate: Bearer resource_metadata=...`, RFC 9728 and RFC 8414 metadata, dynamic
// registration unless given a client, PKCE, RFC 8707 resource, code exchange), with the
// interaction finished by followAuthorization as `user` (login_hint) instead of a browser.
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { followAuthorization, type CookieJar } from './oauth.js';

/** Never requested: the headless browser stops before it, as a native app's loopback listener would get the code. */
const REDIRECT = 'http://127.0.0.1:9/sdk-client/callback';

/** An in-memory OAuthClientProvider whose "browser" is followAuthorization, logging in as `user`. */
export class HeadlessProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier?: string;
  /** The authorization URLs the SDK sent the user to, in order. */
  readonly authorizations: URL[] = [];
  /** The code of the last authorization, once its redirect came back. */
  code?: string;
  readonly jar: CookieJar = new Map();

  constructor(
    readonly user: string,
    client?: OAuthClientInformationMixed,
  ) {
    this.client = client;
  }

  get redirectUrl() {
    return REDIRECT;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `sdk client of ${this.user}`,
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no PKCE verifier saved');
    return this.verifier;
  }

  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    const withHint = new URL(url);
    withHint.searchParams.set('login_hint', this.user);
    const run = await followAuthorization(withHint.href, { jar: this.jar, stopAt: /\/sdk-client\/callback\?/ });
    const back = new URL(run.visited.at(-1)!);
    if (!back.href.startsWith(REDIRECT)) throw new Error(`the authorization ended at ${back.href} (HTTP ${run.status}): ${run.body}`);
    const error = back.searchParams.get('error');
    if (error) throw new Error(`the authorization was refused: ${error} ${back.searchParams.get('error_description') ?? ''}`);
    this.code = back.searchParams.get('code') ?? undefined;
  }
}

export interface SignedIn {
  readonly client: Client;
  readonly provider: HeadlessProvider;
}

/**
 * Connects an SDK client to `url` as `user`: the first connect gets the 401, the SDK runs the
 * OAuth flow (its redirect handled headlessly), then the code is exchanged and a new transport
 * connects with the token. Closed after the test.
 */
export async function signInWithSdk(
  t: TestContext,
  url: string,
  user: string,
  options: { client?: OAuthClientInformationMixed } = {},
): Promise<SignedIn> {
  const provider = new HeadlessProvider(user, options.client);
  const connect = async () => {
    const client = new Client({ name: `sdk-${user}`, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    t.after(() => client.close());
    return client;
  };
  try {
    return { client: await connect(), provider };
  } catch (err) {
    if (!(err instanceof UnauthorizedError) || !provider.code) throw err;
  }
  const exchange = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  await exchange.finishAuth(provider.code);
  return { client: await connect(), provider };
}

/** The text of a tool call's first content block (throws on a tool error). */
export async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text?: string }[] };
  const text = result.content.find((c) => c.type === 'text')?.text ?? '';
  if (result.isError) throw new Error(`${name}: ${text}`);
  return text;
}
