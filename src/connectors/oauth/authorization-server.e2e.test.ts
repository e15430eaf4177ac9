/**
 * An authorization server chosen per installation (Salesforce's sandbox or My Domain): the flow, the refresh and the
 * revocation go to the server the install input named, never to the manifest's; a tenant-given server is checked
 * (https, a public host) when the flow starts and guarded (SSRF) on every token call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OAUTH, demoOAuthConnector } from '../../../test/support/oauth-connector.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../../test/support/oauth-server.ts';
import { TestBrowser } from '../../../test/support/browser.ts';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { freePort } from '../../../test/support/processes.ts';
import { InvalidInputError } from '../../errors.ts';
import { CREDENTIALS_PURPOSE, vaultContext } from '../deps.ts';
import { checkAuthorizationServer, parseAuthorizationServer } from './authorization-server.ts';
import { OAuthProviders } from './clients.ts';

const ACCOUNT = 'salon.dupont@example.com';

describe('the authorization server an install chooses', () => {
  const strict = { allowPrivateTargets: false };

  it('accepts an https origin only, without path or credentials', () => {
    expect(parseAuthorizationServer('https://acme.my.salesforce.com', strict)).toEqual({ origin: 'https://acme.my.salesforce.com' });
    expect(parseAuthorizationServer('https://acme.my.salesforce.com/', strict)).toEqual({ origin: 'https://acme.my.salesforce.com' });
    expect(parseAuthorizationServer('http://acme.my.salesforce.com', strict)).toEqual({ problem: 'expected an https:// address, got http://' });
    expect(parseAuthorizationServer('https://acme.my.salesforce.com/services/oauth2', strict)).toMatchObject({ problem: expect.stringContaining('without a path') });
    expect(parseAuthorizationServer('https://user:pw@acme.my.salesforce.com', strict)).toMatchObject({ problem: expect.stringContaining('no user name') });
    expect(parseAuthorizationServer('acme', strict)).toMatchObject({ problem: expect.stringContaining('expected an address') });
    // A self-hosted hub that allows private targets may use its own provider over http.
    expect(parseAuthorizationServer('http://127.0.0.1:8080', { allowPrivateTargets: true })).toEqual({ origin: 'http://127.0.0.1:8080' });
  });

  it('refuses a private host when the flow starts, naming the install field', async () => {
    for (const authServer of ['https://127.0.0.1', 'https://[::1]:8443', 'https://2130706433', 'https://localhost']) {
      const refusal = await checkAuthorizationServer(demoOAuthConnector, { apiUrl: 'https://api.example.com', authServer }, strict).catch((error: unknown) => error);
      expect(refusal, authServer).toBeInstanceOf(InvalidInputError);
      expect((refusal as InvalidInputError).issues, authServer).toEqual([{ path: 'body.authServer', message: expect.stringMatching(/loopback/) }]);
    }
    expect(await checkAuthorizationServer(demoOAuthConnector, { apiUrl: 'https://api.example.com' }, strict)).toBeUndefined();
  });

  it('reaches a chosen server through the SSRF guard on every token call', async () => {
    const providers = new OAuthProviders({ publicUrl: 'https://hub.example.com', oauthEndpoints: {}, network: strict });
    // DNS says localhost is loopback at connection time too: the refresh never leaves the hub.
    const provider = await providers.get(demoOAuthConnector, { clientId: 'id', clientSecret: 'secret', source: 'environment' }, 'https://localhost:9');
    const failure = await provider.getNewAccessTokenUsingRefreshToken({ access_token: 'a', refresh_token: 'r', token_type: 'Bearer' } as never, {}).catch((error: unknown) => error);
    expect(String((failure as Error).message)).toMatch(/loopback address/);
  });
});

describe('a flow at the chosen server, end to end', () => {
  let server: OAuthTestServer;
  let hub: TestHub;

  beforeAll(async () => {
    server = await startOAuthTestServer();
    const port = await freePort();
    // No endpoint override: the manifest's hosts do not exist, so every call that works went to the chosen server.
    hub = await startTestHub(
      'embedded',
      {
        PORT: String(port),
        HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
        HUB_OAUTH_DEMO_OAUTH_CLIENT_ID: server.clientId,
        HUB_OAUTH_DEMO_OAUTH_CLIENT_SECRET: server.clientSecret,
        // The local authorization server is on loopback, over http.
        HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      },
      { hub: { extraConnectors: [demoOAuthConnector] } },
    );
    server.allowRedirect(`${hub.url}/connectors/${DEMO_OAUTH}/oauth/callback`);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await server?.close();
  });

  it('authorizes, refreshes and revokes at the server the install named, and keeps it sealed with the tokens', async () => {
    const start = await hub.api(`/v1/connectors/${DEMO_OAUTH}/installations`, { body: { apiUrl: server.url, authServer: `${server.url}/` } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const page = await new TestBrowser().follow(start.body.authorizationUrl);
    expect(page.status, page.body).toBe(200);
    expect(page.hops.map((hop) => new URL(hop.url).origin)[1]).toBe(server.url);
    expect(server.tokenCalls.at(-1)).toMatchObject({ grantType: 'authorization_code', result: 'ok' });

    const [installation] = (await hub.api(`/v1/connectors/${DEMO_OAUTH}/installations`)).body.items as { id: string; account: string }[];
    expect(installation!.account).toBe(ACCOUNT);
    const [row] = await hub.hub.store.query<{ credentials_sealed: string; tenant_id: string }>('SELECT credentials_sealed, tenant_id FROM connector_installations WHERE id = $1', [installation!.id]);
    const tokens = JSON.parse(hub.hub.connectors.deps.vault.open(row!.credentials_sealed, vaultContext({ tenantId: row!.tenant_id, id: installation!.id }, CREDENTIALS_PURPOSE))) as { authorizationServer: string };
    expect(tokens.authorizationServer).toBe(server.url);

    // A 401 → a refresh at the chosen server (the manifest's token host does not resolve).
    server.expireAccessTokens(ACCOUNT);
    const refreshes = server.tokenCalls.filter((call) => call.grantType === 'refresh_token').length;
    const who = await hub.api(`/v1/connectors/${DEMO_OAUTH}/installations/${installation!.id}/actions/whoami`, { body: {} });
    expect(who.status, JSON.stringify(who.body)).toBe(200);
    expect(server.tokenCalls.filter((call) => call.grantType === 'refresh_token').slice(refreshes)).toMatchObject([{ result: 'ok' }]);

    const removed = await hub.api(`/v1/connectors/${DEMO_OAUTH}/installations/${installation!.id}`, { method: 'DELETE' });
    expect(removed.body.problems).toEqual([]);
    expect(server.revocations.at(-1)).toMatchObject({ hint: 'refresh_token' });
  });

  it('refuses a start link whose server is not an address, storing nothing', async () => {
    const refused = await hub.api(`/v1/connectors/${DEMO_OAUTH}/installations`, { body: { apiUrl: server.url, authServer: 'ftp://login.example.com' } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors ?? refused.body.issues).toEqual([{ path: 'body.authServer', message: 'expected an https:// address, got ftp://' }]);
  });
});
