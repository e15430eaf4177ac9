/**
 * Google Calendar on two hub processes sharing PostgreSQL (child processes: testing/hub-main.ts), the Calendar
 * API served over HTTP by the fake, OAuth by the local authorization server:
 * - a channel renewal run by both processes at once (the renewal schedule on one, a reconcile on the other)
 *   while a push's sync stores a new sync token: one live channel afterwards, the old one stopped, the token kept;
 * - the same calendar synced by both processes at once: every change announced once;
 * - a SIGKILL while a sync waits for Google: after the restart nothing is missed and no reminder is doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/support/browser.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../test/support/oauth-server.ts';
import { callHub, freePort, sharedHubEnv, startProcess, type RunningProcess } from '../../test/support/processes.ts';
import { createTestDatabase } from '../../test/support/stores.ts';
import { waitFor } from '../../test/support/wait.ts';
import type { Store } from '../../src/store/db.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { ACCOUNT, CONNECTOR, slot, tokenCheckAt, workingDay } from './testing/calendar-hub.ts';
import { FakeGoogleCalendar, type RecordedCall } from './testing/fake-google.ts';
import { GcStateSchema } from './state.ts';

const MAIN = new URL('./testing/hub-main.ts', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isList = (call: RecordedCall) => call.method === 'GET' && call.path.endsWith('/events');

describe('Google Calendar on two hub processes sharing PostgreSQL', { timeout: 120_000 }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let oauth: OAuthTestServer;
  let google: FakeGoogleCalendar;
  let store: Store;
  let apiKey = '';
  let installationId = '';
  let scenarioId = '';
  let env: Record<string, string> = {};
  const processes: Record<'a' | 'b', RunningProcess | undefined> = { a: undefined, b: undefined };
  const ports = { a: 0, b: 0 };

  const start = async (name: 'a' | 'b') => {
    processes[name] = await startProcess(MAIN, { ...env, PORT: String(ports[name]) }, ports[name]);
  };
  const api = (name: 'a' | 'b', path: string, init: { method?: string; body?: unknown } = {}) => callHub(processes[name]!.url, apiKey, path, init);
  const state = async () => GcStateSchema.parse((await store.query<{ state: unknown }>('SELECT state FROM connector_installations WHERE id = $1', [installationId]))[0]!.state).calendars[ACCOUNT]!;
  const settled = () => waitFor(async () => Number((await store.query<{ n: string }>(`SELECT count(*) AS n FROM connector_inbox WHERE installation_id = $1 AND status = 'pending'`, [installationId]))[0]!.n) === 0, 'the inbox to be processed', 60_000);
  const events = async (type: string) => (await api('a', `/v1/events?type=${type}&limit=100`)).body.items as { data: { eventId: string } }[];
  const ofEvent = async (type: string, eventId: string) => (await events(type)).filter((event) => event.data.eventId === eventId).length;
  const runs = async (eventId: string) => ((await api('a', `/v1/scenario-runs?scenarioId=${scenarioId}&limit=100`)).body.items as { key: string; status: string }[]).filter((run) => run.key === `${ACCOUNT}/${eventId}`);
  const forceDue = (schedule: string) => store.query(`UPDATE connector_schedules SET next_run_at = now() WHERE installation_id = $1 AND schedule = $2`, [installationId, schedule]);
  const scheduleRuns = async (schedule: string) => Number((await store.query<{ runs: string }>('SELECT runs FROM connector_schedules WHERE installation_id = $1 AND schedule = $2', [installationId, schedule]))[0]!.runs);
  const lastNote = async () => (await store.query<{ note: string | null }>('SELECT note FROM connector_inbox WHERE installation_id = $1 ORDER BY seq DESC LIMIT 1', [installationId]))[0]!.note;

  beforeAll(async () => {
    database = await createTestDatabase();
    oauth = await startOAuthTestServer();
    oauth.consent.account = ACCOUNT;
    google = new FakeGoogleCalendar({ acceptToken: tokenCheckAt(oauth) });
    google.addCalendar(ACCOUNT, { summary: 'Salon Dupont', primary: true });
    const googleRoot = await google.listen();
    [ports.a, ports.b] = [await freePort(), await freePort()];
    env = {
      ...sharedHubEnv(database.url, `http://127.0.0.1:${ports.a}`),
      HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID: oauth.clientId,
      HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_SECRET: oauth.clientSecret,
      TEST_OAUTH_SERVER: oauth.url,
      TEST_GOOGLE_API: googleRoot,
    };
    oauth.allowRedirect(`${env.HUB_PUBLIC_URL}/connectors/${CONNECTOR}/oauth/callback`);
    await start('a');
    await start('b');
    store = await openPostgresStore(database.url);
    apiKey = (await createApiKey(store, (await createTenant(store, 'Salon Dupont')).id, 'test')).key;
  }, 180_000);
  afterAll(async () => {
    await Promise.all(Object.values(processes).map((running) => running?.stop('SIGKILL')));
    google?.close();
    await Promise.all([store?.close(), oauth?.close()]);
    await database?.drop();
  });

  it('installs through one process; Google\'s first push reaches the other', async () => {
    const started = await api('b', `/v1/connectors/${CONNECTOR}/installations`, { body: { calendars: ['primary'] } });
    expect(started.status).toBe(202);
    const page = await new TestBrowser().follow(started.body.authorizationUrl);
    expect(page.status, page.body).toBe(200);
    const list = await api('a', `/v1/connectors/${CONNECTOR}/installations`);
    expect(list.body.items).toMatchObject([{ status: 'active', account: ACCOUNT }]);
    installationId = list.body.items[0].id;
    expect(google.liveChannels(ACCOUNT)).toHaveLength(1);
    expect(await google.deliverPushes()).toEqual([200]);
    await settled();
    expect((await state()).syncToken).not.toBeNull();
    const created = await api('a', '/v1/scenario-templates/appointment-reminders/instantiate', { body: { parameters: {} } });
    scenarioId = created.body.id;
    expect((await api('a', `/v1/scenarios/${scenarioId}/activate`, { method: 'POST' })).body.status).toBe('active');
  });

  it('a renewal run by both processes at once leaves one live channel, the old one stopped, and the sync token stored meanwhile', async () => {
    const old = google.liveChannels(ACCOUNT)[0]!;
    // The channel ends within the renewal margin (an hour left), in the hub's view.
    await store.query(`UPDATE connector_installations SET state = jsonb_set(state, '{calendars,${ACCOUNT},channel,expiration}', to_jsonb($2::bigint)) WHERE id = $1`, [installationId, Date.now() + 3_600_000]);
    // Google answers watch slowly: both renewals are in flight together, and a push's sync lands meanwhile.
    google.onCall = async (call) => {
      if (call.path.endsWith('/events/watch')) await sleep(600);
    };
    google.putEvent(ACCOUNT, { id: 'rdvx1', summary: 'Claire 06 12 34 56 78 — coupe', ...slot(workingDay(3), '14:30') });
    const renewsBefore = await scheduleRuns('renew-channels');
    try {
      await forceDue('renew-channels');
      const [reconciled] = await Promise.all([api('b', `/v1/connectors/${CONNECTOR}/installations/${installationId}/reconcile`, { method: 'POST' }), sleep(200).then(() => google.deliverPushes())]);
      expect(reconciled.status).toBe(200);
      await waitFor(async () => (await scheduleRuns('renew-channels')) > renewsBefore, 'the renewal schedule to run');
      await settled();
    } finally {
      google.onCall = undefined;
    }
    const watches = google.calls.filter((call) => call.path.endsWith('/events/watch'));
    expect(watches.length).toBeGreaterThanOrEqual(2);
    const live = google.liveChannels(ACCOUNT);
    expect(live).toHaveLength(1);
    const calendar = await state();
    expect(calendar.channel!.id).toBe(live[0]!.id);
    expect(calendar.retired).toEqual([]);
    expect(google.channels.get(old.id)!.stopped).toBe(true);
    expect(await ofEvent('appointment.scheduled', 'rdvx1')).toBe(1);
    // The token the push's sync stored was kept: the next read is incremental and finds nothing new.
    const lists = google.calls.filter(isList).length;
    await forceDue('sync');
    await waitFor(async () => google.calls.filter(isList).length > lists, 'the backstop sync');
    await settled();
    expect(google.calls.filter(isList).at(-1)!.query.syncToken).toBeDefined();
    expect(await lastNote()).toMatch(/^incremental sync of Salon Dupont: 0 event\(s\) read/);
  });

  it('the same calendar synced by both processes at once announces each change once', async () => {
    google.putEvent(ACCOUNT, { id: 'rdvy1', summary: 'Marc 07 81 23 45 67 — barbe', ...slot(workingDay(3), '16:00') });
    google.onCall = async (call) => {
      if (isList(call)) await sleep(300);
    };
    try {
      await Promise.all([google.deliverPushes(), forceDue('sync')]);
      await waitFor(async () => (await ofEvent('appointment.scheduled', 'rdvy1')) === 1, 'rdvy1 to be announced');
      await sleep(1_000);
      await settled();
    } finally {
      google.onCall = undefined;
    }
    expect(await ofEvent('appointment.scheduled', 'rdvy1')).toBe(1);
    await waitFor(async () => (await runs('rdvy1')).length === 1, 'rdvy1\'s run');
    expect(await runs('rdvy1')).toMatchObject([{ status: 'waiting' }]);
  });

  it('SIGKILL while a sync waits for Google: after the restart nothing is missed and no reminder is doubled', async () => {
    await processes.b!.stop();
    const day = workingDay(4);
    google.putEvent(ACCOUNT, { id: 'rdvz1', summary: 'Léa 06 23 45 67 89 — brushing', ...slot(day, '11:00') });
    google.putEvent(ACCOUNT, { id: 'rdvx1', ...slot(day, '17:00') });
    let reached!: () => void;
    const atGoogle = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    google.onCall = async (call) => {
      if (!isList(call)) return;
      reached();
      await held;
    };
    try {
      // Google's pushes are stored (200) before anything is read; the read then hangs at Google and the process dies.
      expect(await google.deliverPushes()).toEqual([200, 200]);
      await atGoogle;
      await processes.a!.stop('SIGKILL');
    } finally {
      google.onCall = undefined;
      release();
    }
    await start('a');
    await settled();
    expect(await ofEvent('appointment.scheduled', 'rdvz1')).toBe(1);
    expect(await ofEvent('appointment.rescheduled', 'rdvx1')).toBe(1);
    // One reminder run per appointment: rdvx1's first run ended by the move, one waiting for the new time.
    const statuses = async () => [(await runs('rdvz1')).map((run) => run.status), (await runs('rdvx1')).map((run) => run.status).sort()];
    await waitFor(async () => JSON.stringify(await statuses()) === JSON.stringify([['waiting'], ['exited', 'waiting']]), 'the runs after the restart');
    await sleep(1_000);
    expect(await statuses()).toEqual([['waiting'], ['exited', 'waiting']]);
    expect(await ofEvent('appointment.scheduled', 'rdvx1')).toBe(1);
  });
});
