/**
 * Two hub processes on one PostgreSQL, with the test OAuth connector and a local authorization server whose
 * refresh tokens rotate (a spent one is invalid_grant and revokes the grant): the refresh is spent exactly once
 * when both processes need a new token at the same moment; a schedule runs once per slot whichever process ticks,
 * is taken over when the process running it dies, survives restarts, and stops at uninstall.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../../test/support/browser.ts';
import { DEMO_OAUTH } from '../../../test/support/oauth-connector.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../../test/support/oauth-server.ts';
import { freePort, startProcess, type RunningProcess } from '../../../test/support/processes.ts';
import { createTestDatabase } from '../../../test/support/stores.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { Store } from '../../store/db.ts';
import { openPostgresStore } from '../../store/postgres-store.ts';
import { createApiKey } from '../../tenancy/api-keys.ts';
import { createTenant } from '../../tenancy/tenants.ts';

const MAIN = new URL('../../../test/support/oauth-hub-main.ts', import.meta.url).pathname;
const ACCOUNT = 'garage.martin@example.com';

describe('OAuth connector on two hub processes sharing PostgreSQL', { timeout: 120_000 }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: OAuthTestServer;
  let store: Store;
  let apiKey = '';
  let installationId = '';
  let env: Record<string, string> = {};
  const processes: Record<'a' | 'b', RunningProcess | undefined> = { a: undefined, b: undefined };
  const ports = { a: 0, b: 0 };

  const start = async (name: 'a' | 'b') => {
    processes[name] = await startProcess(MAIN, { ...env, PORT: String(ports[name]) }, ports[name]);
    return processes[name];
  };
  const api = async (name: 'a' | 'b', path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${processes[name]!.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };
  const ticks = () => server.apiCalls.filter((call) => call.path === '/api/tick').length;
  const forceDue = () => store.query(`UPDATE connector_schedules SET next_run_at = now() WHERE installation_id = $1 RETURNING schedule`, [installationId]);

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startOAuthTestServer();
    server.consent.account = ACCOUNT;
    ports.a = await freePort();
    ports.b = await freePort();
    env = {
      DATABASE_URL: database.url,
      HUB_SECRET_KEY: randomBytes(32).toString('base64'),
      HUB_PUBLIC_URL: `http://127.0.0.1:${ports.a}`,
      HUB_LOG_LEVEL: 'error',
      HUB_SMPP_PORT: 'off',
      HUB_OAUTH_DEMO_OAUTH_CLIENT_ID: server.clientId,
      HUB_OAUTH_DEMO_OAUTH_CLIENT_SECRET: server.clientSecret,
      TEST_OAUTH_SERVER: server.url,
    };
    server.allowRedirect(`${env.HUB_PUBLIC_URL}/connectors/${DEMO_OAUTH}/oauth/callback`);
    await start('a');
    await start('b');
    store = await openPostgresStore(database.url);
    const tenant = await createTenant(store, 'Garage Martin');
    apiKey = (await createApiKey(store, tenant.id, 'test')).key;
  }, 180_000);
  afterAll(async () => {
    for (const running of Object.values(processes)) await running?.stop('SIGKILL');
    await store?.close();
    await server?.close();
    await database?.drop();
  });

  it('installs through a flow started on one process and finished on the other', async () => {
    // Tokens that expire within the refresh margin: the next calls need a refresh.
    server.accessTokenSeconds = 30;
    const started = await api('b', `/v1/connectors/${DEMO_OAUTH}/installations`, { body: { apiUrl: server.url } });
    expect(started.status).toBe(202);
    const page = await new TestBrowser().follow(started.body.authorizationUrl);
    expect(page.status, page.body).toBe(200);
    const list = await api('a', `/v1/connectors/${DEMO_OAUTH}/installations`);
    expect(list.body.items).toMatchObject([{ status: 'active', account: ACCOUNT }]);
    installationId = list.body.items[0].id;
    server.accessTokenSeconds = 3600;
  });

  it('spends the rotating refresh token exactly once when both processes need a new token at once', async () => {
    // Keep the schedule out of the way: only the actions refresh here.
    await store.query(`UPDATE connector_schedules SET next_run_at = now() + interval '1 hour' WHERE installation_id = $1`, [installationId]);
    server.refreshDelayMs = 500;
    const refreshesBefore = server.tokenCalls.filter((call) => call.grantType === 'refresh_token').length;
    const apiBefore = server.apiCalls.length;
    try {
      const calls = await Promise.all(
        (['a', 'b', 'a', 'b', 'a', 'b'] as const).map((name) => api(name, `/v1/connectors/${DEMO_OAUTH}/installations/${installationId}/actions/whoami`, { body: {} })),
      );
      expect(calls.map((call) => call.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(calls.map((call) => call.body.result.account)).toEqual(Array(6).fill(ACCOUNT));
    } finally {
      server.refreshDelayMs = 0;
    }
    const refreshes = server.tokenCalls.filter((call) => call.grantType === 'refresh_token').slice(refreshesBefore);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.result).toBe('ok');
    // Every call used the one new token; the grant is intact.
    const used = new Set(server.apiCalls.slice(apiBefore).map((call) => call.token));
    expect(used.size).toBe(1);
    expect(server.rejected).toBe(0);
    const [row] = await store.query<{ status: string; credentials_version: number; refresh_lease_owner: string | null }>(
      'SELECT status, credentials_version, refresh_lease_owner FROM connector_installations WHERE id = $1',
      [installationId],
    );
    expect(row).toMatchObject({ status: 'active', refresh_lease_owner: null });
  });

  it('runs each due slot of a schedule once, whichever of the two processes ticks', async () => {
    const before = ticks();
    for (let slot = 1; slot <= 4; slot++) {
      expect(await forceDue()).toHaveLength(1);
      await waitFor(async () => ticks() >= before + slot, `slot ${slot} run`, 15_000);
      // Both processes tick every 200 ms: a second run of the same slot would show up by now.
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(ticks()).toBe(before + slot);
    }
    const [row] = await store.query<{ runs: string; lease_owner: string | null; next_run_at: Date }>('SELECT runs, lease_owner, next_run_at FROM connector_schedules WHERE installation_id = $1', [installationId]);
    expect(Number(row!.runs)).toBe(4);
    expect(row!.lease_owner).toBeNull();
    expect(row!.next_run_at.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('takes over a run whose process died once its lease expires, and keeps the schedule across restarts', async () => {
    server.apiDelayMs = 5_000;
    let arrived = false;
    server.onApiCall = async (path) => {
      if (path === '/api/tick') arrived = true;
    };
    try {
      const before = ticks();
      await forceDue();
      await waitFor(async () => arrived, 'a run calling the API');
      const [leased] = await store.query<{ lease_owner: string }>('SELECT lease_owner FROM connector_schedules WHERE installation_id = $1', [installationId]);
      const holder = (['a', 'b'] as const).find((name) => leased!.lease_owner.split(':')[1] === String(processes[name]!.child.pid))!;
      expect(holder).toBeDefined();
      await processes[holder]!.stop('SIGKILL');
      processes[holder] = undefined;
      server.apiDelayMs = 0;
      // The lease (2 minutes) runs out: simulated, rather than waited for.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(ticks()).toBe(before);
      await store.query(`UPDATE connector_schedules SET lease_until = now() WHERE installation_id = $1`, [installationId]);
      await waitFor(async () => ticks() === before + 1, 'the other process taking the run over', 15_000);
      // The killed process starts again: the schedule is still there and runs on either.
      await start(holder);
      await forceDue();
      await waitFor(async () => ticks() === before + 2, 'a run after the restart', 15_000);
    } finally {
      server.apiDelayMs = 0;
      server.onApiCall = undefined;
    }
  });

  it('stops the schedule at uninstall, on every process', async () => {
    const uninstalled = await api('a', `/v1/connectors/${DEMO_OAUTH}/installations/${installationId}`, { method: 'DELETE' });
    expect(uninstalled.status).toBe(200);
    expect(uninstalled.body.problems).toEqual([]);
    const before = ticks();
    expect(await forceDue()).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(ticks()).toBe(before);
    expect(server.revocations.at(-1)).toMatchObject({ hint: 'refresh_token' });
  });
});
