/**
 * OAuth connectors end to end, at the HTTP level: a live hub (embedded and PostgreSQL) with a test OAuth connector,
 * a local authorization server (test/support/oauth-server.ts: authorize + token with PKCE verification, rotating
 * refresh tokens, revocation) and a browser with its cookie jar following the redirects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OAUTH, demoOAuthConnector } from '../../../test/support/oauth-connector.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../../test/support/oauth-server.ts';
import { TestBrowser } from '../../../test/support/browser.ts';
import { startTestHub, type TestHub, type TestHubMode } from '../../../test/support/hub.ts';
import { freePort } from '../../../test/support/processes.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { reconcile } from '../lifecycle.ts';
import { listSchedules } from '../schedules.ts';

const ACCOUNT = 'salon.dupont@example.com';

describe.each<TestHubMode>(['embedded', 'postgres'])('OAuth connector install, tokens and reconnect (%s)', (mode) => {
  let server: OAuthTestServer;
  let hub: TestHub;
  let installationId = '';
  let firstCallback = '';

  const api = (path: string, init?: Parameters<TestHub['api']>[1]) => hub.api(path, init);
  const startInstall = async (body: Record<string, unknown> = { apiUrl: server.url }) => {
    const answer = await api(`/v1/connectors/${DEMO_OAUTH}/installations`, { body });
    expect(answer.status).toBe(202);
    return answer.body as { authorizationUrl: string; expiresAt: string; flowId: string; callbackUrl: string };
  };
  const installations = async () => (await api(`/v1/connectors/${DEMO_OAUTH}/installations?includeUninstalled=true`)).body.items as { id: string; status: string; account: string }[];
  const refreshes = () => server.tokenCalls.filter((call) => call.grantType === 'refresh_token');
  const whoami = () => api(`/v1/connectors/${DEMO_OAUTH}/installations/${installationId}/actions/whoami`, { body: {} });
  const events = async (type: string) => (await api(`/v1/events?type=${type}&limit=100`)).body.items as { id: string; data: Record<string, unknown> }[];

  beforeAll(async () => {
    server = await startOAuthTestServer();
    const port = await freePort();
    hub = await startTestHub(
      mode,
      {
        PORT: String(port),
        HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
        HUB_OAUTH_DEMO_OAUTH_CLIENT_ID: server.clientId,
        HUB_OAUTH_DEMO_OAUTH_CLIENT_SECRET: server.clientSecret,
      },
      { hub: { extraConnectors: [demoOAuthConnector], oauthEndpoints: { [DEMO_OAUTH]: { authorizeUrl: `${server.url}/authorize`, tokenUrl: `${server.url}/token`, revokeUrl: `${server.url}/revoke` } } } },
    );
    server.allowRedirect(`${hub.url}/connectors/${DEMO_OAUTH}/oauth/callback`);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await server?.close();
  });

  it('installs through the authorization code flow with PKCE: authorize, exchange, account, stored sealed', async () => {
    const start = await startInstall({ apiUrl: server.url, label: 'Salon' });
    expect(start.authorizationUrl.startsWith(`${hub.url}/connectors/${DEMO_OAUTH}/oauth/start/`)).toBe(true);
    expect(start.callbackUrl).toBe(`${hub.url}/connectors/${DEMO_OAUTH}/oauth/callback`);
    expect(await installations()).toEqual([]);

    const browser = new TestBrowser();
    const result = await browser.follow(start.authorizationUrl);
    expect(result.status, result.body).toBe(200);
    expect(result.body).toContain('Demo OAuth is connected');
    expect(result.body).toContain(ACCOUNT);
    // start → provider's authorize → hub's callback.
    expect(result.hops.map((hop) => new URL(hop.url).pathname)).toEqual([new URL(start.authorizationUrl).pathname, '/authorize', `/connectors/${DEMO_OAUTH}/oauth/callback`]);
    firstCallback = result.hops[2]!.url;
    const authorize = server.authorizeRequests.at(-1)!;
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.get('scope')).toBe('things.read things.write');
    expect(authorize.get('access_type')).toBe('offline');
    expect(authorize.get('redirect_uri')).toBe(start.callbackUrl);
    expect(authorize.get('state')!.startsWith(`${start.flowId}.`)).toBe(true);
    // The server hashed the verifier the hub sent to the challenge, and authenticated the client.
    expect(server.tokenCalls.at(-1)).toMatchObject({ grantType: 'authorization_code', clientAuth: 'header', result: 'ok' });
    // The flow's cookies are cleared once used.
    expect(browser.cookiesFor(start.callbackUrl)).toEqual({});

    const [installed] = await installations();
    expect(installed).toMatchObject({ status: 'active', account: ACCOUNT });
    installationId = installed!.id;
    const detail = (await api(`/v1/connectors/${DEMO_OAUTH}/installations/${installationId}`)).body;
    expect(detail.settings).toEqual({ apiUrl: server.url, label: 'Salon' });
    expect(detail.remote).toEqual([{ kind: 'channel', name: 'things', externalId: 'chan-1', status: 'active' }]);
    expect(detail.rules).toEqual({});

    const who = await whoami();
    expect(who.body.result).toEqual({ account: ACCOUNT });
    const token = server.apiCalls.at(-1)!.token;
    const [row] = await hub.hub.store.query<{ credentials_sealed: string }>('SELECT credentials_sealed FROM connector_installations WHERE id = $1', [installationId]);
    expect(row!.credentials_sealed).not.toContain(token);
    expect(row!.credentials_sealed).not.toContain('rt.');
    // Its schedule exists from the install on.
    expect(await listSchedules(hub.hub.connectors.deps, hub.tenantId, installationId, new Date())).toMatchObject([{ schedule: 'tick', everyMs: 60_000, running: false }]);
  });

  it('lists the connector\'s event types in the catalog, next to the core\'s', async () => {
    const items = (await api('/v1/event-types')).body.items as { type: string; contributedBy: string; example: unknown }[];
    expect(items.find((item) => item.type === 'demo.thing_changed')).toMatchObject({ contributedBy: DEMO_OAUTH, example: { thingId: 'thing-1' } });
    expect(items.find((item) => item.type === 'connector.reauthorization_required')).toMatchObject({ contributedBy: 'connectors' });
    expect(items.find((item) => item.type === 'order.created')).toMatchObject({ contributedBy: 'core' });
    const connector = (await api(`/v1/connectors/${DEMO_OAUTH}`)).body;
    expect(connector).toMatchObject({ auth: 'oauth2', oauth: { scopes: ['things.read', 'things.write'] }, emits: ['demo.thing_changed'] });
  });

  it('refuses a replayed callback, a forged or expired state, another browser, a revoked starter, and a denial — storing nothing', async () => {
    const before = { installations: (await installations()).length, exchanges: server.tokenCalls.length };
    // Replay of the first callback, in the same browser.
    const replay = await new TestBrowser().get(firstCallback);
    expect(replay.response.status).toBe(400);
    expect(replay.body).toContain('already used');

    // A state whose signature was altered.
    const forged = await startInstall();
    const altered = forged.authorizationUrl.replace(/.$/, (char) => (char === 'A' ? 'B' : 'A'));
    const forgedPage = await new TestBrowser().get(altered);
    expect(forgedPage.response.status).toBe(400);
    expect(forgedPage.body).toContain('not valid');

    // Expired before it was opened, and expired between consent and callback.
    const late = await startInstall();
    await hub.hub.store.query(`UPDATE connector_oauth_flows SET expires_at = now() - interval '1 minute' WHERE id = $1`, [late.flowId]);
    const latePage = await new TestBrowser().follow(late.authorizationUrl);
    expect(latePage.status).toBe(400);
    expect(latePage.body).toContain('expired');
    const slow = await startInstall();
    const slowBrowser = new TestBrowser();
    const atProvider = await slowBrowser.follow(slow.authorizationUrl, { stopAt: (url) => url.includes('/oauth/callback') });
    await hub.hub.store.query(`UPDATE connector_oauth_flows SET expires_at = now() - interval '1 second' WHERE id = $1`, [slow.flowId]);
    const slowPage = await slowBrowser.get(atProvider.url);
    expect(slowPage.response.status).toBe(400);
    expect(slowPage.body).toContain('expired');

    // The callback reached from a browser that did not start the flow (no state cookie): refused, and the flow is spent.
    const stolen = await startInstall();
    const victim = new TestBrowser();
    const callback = (await victim.follow(stolen.authorizationUrl, { stopAt: (url) => url.includes('/oauth/callback') })).url;
    const other = await new TestBrowser().get(callback);
    expect(other.response.status).toBe(400);
    expect(other.body).toContain('another browser');
    expect((await victim.get(callback)).body).toContain('already used');

    // The API key that started it was revoked before the browser came back.
    const extra = await api('/v1/api-keys', { body: { name: 'temporary' } });
    expect(extra.status).toBe(201);
    const byRevoked = await hub.api(`/v1/connectors/${DEMO_OAUTH}/installations`, { body: { apiUrl: server.url }, apiKey: extra.body.key });
    expect(byRevoked.status).toBe(202);
    expect((await api(`/v1/api-keys/${extra.body.id}/revoke`, { method: 'POST' })).status).toBe(200);
    const revokedPage = await new TestBrowser().follow(byRevoked.body.authorizationUrl);
    expect(revokedPage.status).toBe(403);

    // The admin declines at the provider.
    server.consent.decision = 'deny';
    try {
      const denied = await new TestBrowser().follow((await startInstall()).authorizationUrl);
      expect(denied.status).toBe(200);
      expect(denied.body).toContain('declined');
    } finally {
      server.consent.decision = 'approve';
    }
    expect((await installations()).length).toBe(before.installations);
    // No code of these flows was exchanged (the state is checked first).
    expect(server.tokenCalls.length).toBe(before.exchanges);
    const outcomes = await hub.hub.store.query<{ outcome: string | null }>('SELECT outcome FROM connector_oauth_flows WHERE outcome IS NOT NULL ORDER BY created_at');
    expect(outcomes.map((row) => row.outcome)).toEqual(expect.arrayContaining(['installed', 'failed', 'denied']));
  });

  it('starts from a console button: GET …/installations/authorize redirects to the authorization URL', async () => {
    const response = await fetch(`${hub.url}/v1/connectors/${DEMO_OAUTH}/installations/authorize?apiUrl=${encodeURIComponent(server.url)}`, { redirect: 'manual', headers: { authorization: `Bearer ${hub.apiKey}` } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${hub.url}/connectors/${DEMO_OAUTH}/oauth/start/oaf_`));
    expect((await api(`/v1/connectors/${DEMO_OAUTH}/installations`, { body: { apiUrl: 'not a url' } })).status).toBe(400);
    expect((await api(`/v1/connectors/${DEMO_OAUTH}/installations`, { body: { apiUrl: server.url, rules: {} } })).status).toBe(400);
  });

  it('refreshes the token on a 401 and before it expires, saving the new one sealed', async () => {
    server.expireAccessTokens(ACCOUNT);
    const rejectedBefore = server.rejected;
    const refreshesBefore = refreshes().length;
    expect((await whoami()).status).toBe(200);
    expect(server.rejected).toBe(rejectedBefore + 1);
    expect(refreshes().length).toBe(refreshesBefore + 1);
    expect(refreshes().at(-1)!.result).toBe('ok');

    // A token that expires within the minute is refreshed before the call: no 401 this time.
    server.accessTokenSeconds = 30;
    server.expireAccessTokens(ACCOUNT);
    expect((await whoami()).status).toBe(200);
    server.accessTokenSeconds = 3600;
    const rejected = server.rejected;
    const count = refreshes().length;
    expect((await whoami()).status).toBe(200);
    expect(refreshes().length).toBe(count + 1);
    expect(server.rejected).toBe(rejected);
    // And then it is used as is.
    expect((await whoami()).status).toBe(200);
    expect(refreshes().length).toBe(count + 1);
  });

  it('fetches on a body-less notification outside the inbox transaction, then decides', async () => {
    if (mode === 'postgres') {
      // While the demo API answers the fetch step, no session of the hub is inside a transaction.
      server.apiDelayMs = 300;
      server.onApiCall = async (path) => {
        if (path !== '/api/changes') return;
        const [open] = await hub.hub.store.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
        openTransactions.push(open!.count);
      };
    }
    const openTransactions: number[] = [];
    try {
      const notify = (number: number) => fetch(`${hub.url}/connectors/${DEMO_OAUTH}/${installationId}/notify`, { method: 'POST', headers: { 'x-message-number': String(number) } });
      expect((await notify(1)).status).toBe(200);
      expect((await notify(1)).status).toBe(200);
      const [changed] = await waitFor(async () => {
        const found = await events('demo.thing_changed');
        return found.length > 0 && found;
      }, 'the event of the fetched change');
      expect(changed!.data).toMatchObject({ thingId: 'thing-1', name: 'Coupe Mme Dupont' });
      // The entry is marked processed just after its events are published: wait for it, not for the event.
      const inbox = await waitFor(async () => {
        const rows = await hub.hub.store.query<{ status: string; fetched: { data: { items: unknown[] } } }>('SELECT status, fetched FROM connector_inbox WHERE installation_id = $1', [installationId]);
        return rows.every((row) => row.status !== 'pending') && rows;
      }, 'the notification processed');
      expect(inbox).toHaveLength(1);
      expect(inbox[0]!.status).toBe('processed');
      expect(inbox[0]!.fetched.data.items).toHaveLength(1);
      const [state] = await hub.hub.store.query<{ state: { cursor: number; channel: unknown } }>('SELECT state FROM connector_installations WHERE id = $1', [installationId]);
      expect(state!.state.cursor).toBe(1);
      expect(state!.state.channel).toBeTruthy();
      if (mode === 'postgres') expect(openTransactions).toEqual([0]);
    } finally {
      server.apiDelayMs = 0;
      server.onApiCall = undefined;
    }
  });

  it('on invalid_grant: status reauthorize, one event, no more calls; a reconnect keeps the id, cursors and memory', async () => {
    server.revokeAccount(ACCOUNT);
    server.expireAccessTokens(ACCOUNT);
    const refused = await whoami();
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('needs to be reconnected');
    expect(refreshes().at(-1)!.result).toBe('invalid_grant');
    const [waiting] = await installations();
    expect(waiting).toMatchObject({ id: installationId, status: 'reauthorize' });
    const reauth = await waitFor(async () => {
      const found = await events('connector.reauthorization_required');
      return found.length > 0 && found;
    }, 'the reauthorization event');
    expect(reauth).toHaveLength(1);
    expect(reauth[0]!.data).toMatchObject({ connector: DEMO_OAUTH, installationId, account: ACCOUNT });

    // Nothing calls the provider or the API any more.
    const calls = { token: server.tokenCalls.length, api: server.apiCalls.length, rejected: server.rejected };
    expect((await whoami()).status).toBe(422);
    const notified = await fetch(`${hub.url}/connectors/${DEMO_OAUTH}/${installationId}/notify`, { method: 'POST', headers: { 'x-message-number': '2' } });
    expect(notified.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect({ token: server.tokenCalls.length, api: server.apiCalls.length, rejected: server.rejected }).toEqual(calls);
    const pending = await hub.hub.store.query<{ status: string }>(`SELECT status FROM connector_inbox WHERE installation_id = $1 ORDER BY seq`, [installationId]);
    expect(pending.map((entry) => entry.status)).toEqual(['processed', 'pending']);
    expect((await events('connector.reauthorization_required'))).toHaveLength(1);
    // Neither an admin's nor the hourly reconcile calls the system, nor hides the status behind "error".
    expect((await api(`/v1/connectors/${DEMO_OAUTH}/installations/${installationId}/reconcile`, { method: 'POST' })).status).toBe(409);
    expect(await reconcile(hub.hub.connectors.deps, hub.tenantId, installationId)).toBeUndefined();
    expect((await installations()).find((one) => one.id === installationId)!.status).toBe('reauthorize');

    // Reconnecting with another account is refused; with the same account, the same installation is active again.
    const reconnect = async () => {
      const answer = await api(`/v1/connectors/${DEMO_OAUTH}/installations/${installationId}/reconnect`, { body: { apiUrl: server.url } });
      expect(answer.status).toBe(202);
      return new TestBrowser().follow(answer.body.authorizationUrl);
    };
    server.consent.account = 'someone.else@example.com';
    const wrong = await reconnect();
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain(`but this installation is for ${ACCOUNT}`);
    expect((await installations()).find((one) => one.id === installationId)!.status).toBe('reauthorize');
    server.consent.account = ACCOUNT;
    const page = await reconnect();
    expect(page.status, page.body).toBe(200);
    expect(page.body).toContain('reconnected');
    const all = await installations();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: installationId, status: 'active' });
    expect((await whoami()).status).toBe(200);
    // The notification that waited is processed now, on the same memory: thing-1 at a newer version only.
    await waitFor(async () => (await hub.hub.store.query<{ status: string }>(`SELECT status FROM connector_inbox WHERE installation_id = $1 AND status = 'pending'`, [installationId])).length === 0, 'the waiting notification processed');
    const [state] = await hub.hub.store.query<{ state: { cursor: number } }>('SELECT state FROM connector_installations WHERE id = $1', [installationId]);
    expect(state!.state.cursor).toBe(2);
    const memory = await hub.hub.store.query<{ key: string }>('SELECT key FROM connector_memory WHERE installation_id = $1', [installationId]);
    expect(memory.map((row) => row.key)).toEqual(['thing:thing-1']);
  });

  it('uninstall revokes the grant at the provider and stops the schedules', async () => {
    const revocations = server.revocations.length;
    const answer = await api(`/v1/connectors/${DEMO_OAUTH}/installations/${installationId}`, { method: 'DELETE' });
    expect(answer.status).toBe(200);
    expect(answer.body.problems).toEqual([]);
    expect(answer.body.changes).toEqual(['stopped channel chan-1']);
    expect(server.revocations.slice(revocations)).toEqual([{ token: expect.stringMatching(/^rt\./), hint: 'refresh_token' }]);
    expect(await listSchedules(hub.hub.connectors.deps, hub.tenantId, installationId, new Date())).toEqual([]);
    expect((await whoami()).status).toBe(404);
    expect((await api(`/v1/connectors/${DEMO_OAUTH}/oauth-client`)).body).toMatchObject({ configured: true, source: 'environment', clientId: server.clientId });
  });
});
