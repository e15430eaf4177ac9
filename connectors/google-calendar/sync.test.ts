/**
 * The fetch step and the channels against Google Calendar's API as documented (the nock fake):
 * what is requested, what reaches the inbox, what happens on 410, 404, 403 rateLimitExceeded.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renewChannels, stopAllChannels, findChannel, CHANNEL_TTL_MS, type ChannelContext } from './channels.ts';
import { googleCalendarApi, SyncTokenGone, type CalendarApi } from './client.ts';
import { CalendarStateSchema, GcStateSchema, type GcState } from './state.ts';
import { syncCalendar, EVENT_KIND, FULL_SYNC_KIND } from './sync.ts';
import { FakeGoogleCalendar } from './testing/fake-google.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';

const CAL = 'salon@group.calendar.google.com';
let now = new Date('2026-12-05T10:00:00Z');
let google: FakeGoogleCalendar;
let api: CalendarApi;

interface Entry {
  kind: string;
  dedupeKey: string;
  body: { calendarId: string; event?: { id: string; status?: string }; seen?: string[] };
}
let inbox: Map<string, Entry>;
const receive = async (request: { kind: string; dedupeKey: string; body: string }) => {
  const duplicate = inbox.has(request.dedupeKey);
  if (!duplicate) inbox.set(request.dedupeKey, { kind: request.kind, dedupeKey: request.dedupeKey, body: JSON.parse(request.body) as Entry['body'] });
  return { id: request.dedupeKey, duplicate };
};

const appointment = (id: string, start: string, summary = 'Mme Dupont 06 12 34 56 78') => ({ id, summary, start: { dateTime: start }, end: { dateTime: new Date(new Date(start).getTime() + 45 * 60_000).toISOString() } });

beforeEach(() => {
  nock.disableNetConnect();
  now = new Date('2026-12-05T10:00:00Z');
  google = new FakeGoogleCalendar({ now: () => now });
  google.addCalendar(CAL, { summary: 'Salon' });
  api = googleCalendarApi('ya29.test-access-token');
  inbox = new Map();
});
afterEach(() => {
  google.close();
  nock.enableNetConnect();
});

describe('sync', () => {
  it('a full sync pages through the calendar, then incremental syncs send the token and get only changes', async () => {
    for (let i = 0; i < 260; i++) google.putEvent(CAL, appointment(`e${i}`, '2026-12-07T13:30:00Z'));
    const calendar = CalendarStateSchema.parse({ name: 'Salon', timeZone: 'Europe/Paris' });
    const first = await syncCalendar(api, CAL, calendar, receive, now);
    expect(first).toMatchObject({ full: true, received: 261 });
    const lists = google.calls.filter((call) => call.path.endsWith('/events'));
    expect(lists.map((call) => ({ ...call.query, pageToken: call.query.pageToken ? 'x' : undefined }))).toEqual([
      { singleEvents: 'true', maxResults: '250', timeMin: '2026-12-04T10:00:00.000Z', pageToken: undefined },
      { singleEvents: 'true', maxResults: '250', timeMin: '2026-12-04T10:00:00.000Z', pageToken: 'x' },
    ]);
    expect([...inbox.values()].filter((entry) => entry.kind === FULL_SYNC_KIND)[0]!.body.seen).toHaveLength(260);

    google.putEvent(CAL, { id: 'e3', summary: 'moved', start: { dateTime: '2026-12-07T15:00:00Z' } });
    google.deleteEvent(CAL, 'e4');
    const second = await syncCalendar(api, CAL, { ...calendar, syncToken: first.syncToken }, receive, now);
    expect(second).toMatchObject({ full: false, received: 2 });
    expect(google.calls.at(-1)!.query).toEqual({ singleEvents: 'true', maxResults: '250', syncToken: first.syncToken });
    expect([...inbox.values()].slice(-2).map((entry) => [entry.kind, entry.body.event?.id, entry.body.event?.status])).toEqual([
      [EVENT_KIND, 'e3', 'confirmed'],
      [EVENT_KIND, 'e4', 'cancelled'],
    ]);
    // The same sync again (a crash before the token was saved): everything is a duplicate.
    expect(await syncCalendar(api, CAL, { ...calendar, syncToken: first.syncToken }, receive, now)).toMatchObject({ received: 0, duplicates: 2 });
  });

  it('410 Gone: a full sync again, whose listing says which events still exist', async () => {
    google.putEvent(CAL, appointment('keep', '2026-12-07T13:30:00Z'));
    google.putEvent(CAL, appointment('gone', '2026-12-07T14:30:00Z'));
    const calendar = CalendarStateSchema.parse({ name: 'Salon', timeZone: 'Europe/Paris' });
    const first = await syncCalendar(api, CAL, calendar, receive, now);
    google.deleteEvent(CAL, 'gone');
    google.invalidateSyncTokens();
    const again = await syncCalendar(api, CAL, { ...calendar, syncToken: first.syncToken }, receive, now);
    expect(again).toMatchObject({ full: true, received: 1, duplicates: 1 });
    const statuses = google.calls.filter((call) => call.path.endsWith('/events')).map((call) => (call.query.syncToken ? 'incremental' : 'full'));
    expect(statuses).toEqual(['full', 'incremental', 'full']);
    const fullSyncs = [...inbox.values()].filter((entry) => entry.kind === FULL_SYNC_KIND);
    expect(fullSyncs.at(-1)!.body.seen).toEqual(['keep']);
  });

  it('errors say what happens next', async () => {
    google.failNext((call) => call.path.endsWith('/events'), 403, 'rateLimitExceeded');
    const error = await syncCalendar(api, CAL, CalendarStateSchema.parse({ name: 'S', timeZone: 'Europe/Paris' }), receive, now).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect(error).toMatchObject({ kind: 'server', code: 'rateLimitExceeded', transient: true });
    const unauthorized = await googleCalendarApi('expired').listEvents(CAL, {}).catch((caught: unknown) => caught);
    expect(unauthorized).toMatchObject({ kind: 'auth', status: 401 });
    await expect(api.listEvents(CAL, { syncToken: 'tok.nope.1' })).rejects.toMatchObject({ kind: 'refused', status: 400 });
    const { nextSyncToken } = await api.listEvents(CAL, {});
    google.invalidateSyncTokens();
    await expect(api.listEvents(CAL, { syncToken: nextSyncToken! })).rejects.toBeInstanceOf(SyncTokenGone);
  });
});

describe('channels', () => {
  let state: GcState;
  const ctx = (): ChannelContext => ({
    api,
    state: () => state,
    saveState: async (next) => void (state = GcStateSchema.parse(next)),
    seal: (plaintext) => `sealed:${plaintext}`,
    address: 'https://hub.example.com/connectors/google-calendar/ins_1/push',
    installationId: 'ins_1',
    now: () => now,
  });
  beforeEach(() => {
    state = GcStateSchema.parse({ calendars: { [CAL]: { name: 'Salon', timeZone: 'Europe/Paris' } } });
  });

  it('creates one channel with an expiration, keeps it until a day before its end, then replaces and stops the old one', async () => {
    expect(await renewChannels(ctx())).toEqual([expect.stringMatching(/^created channel for calendar/)]);
    const watch = google.calls.find((call) => call.path.endsWith('/events/watch'))!;
    expect(watch.body).toMatchObject({ type: 'web_hook', address: 'https://hub.example.com/connectors/google-calendar/ins_1/push', expiration: String(now.getTime() + CHANNEL_TTL_MS) });
    expect((watch.body as { id: string }).id).toMatch(/^hub-ins_1-/);
    const first = state.calendars[CAL]!.channel!;
    expect(first.expiration).toBe(now.getTime() + CHANNEL_TTL_MS);
    expect(first.tokenSealed).toBe(`sealed:${(watch.body as { token: string }).token}`);

    now = new Date(now.getTime() + 5 * 24 * 3_600_000);
    expect(await renewChannels(ctx())).toEqual([]);
    now = new Date(now.getTime() + 36 * 3_600_000);
    const changes = await renewChannels(ctx());
    expect(changes).toEqual([expect.stringMatching(/^renewed channel/), `stopped channel ${first.id}`]);
    expect(google.liveChannels(CAL).map((channel) => channel.id)).toEqual([state.calendars[CAL]!.channel!.id]);
    expect(google.calls.find((call) => call.path === '/calendar/v3/channels/stop')!.body).toEqual({ id: first.id, resourceId: first.resourceId });
    expect(state.calendars[CAL]!.retired).toEqual([]);
  });

  it('a crash between creating the new channel and stopping the old: the next pass stops the orphan', async () => {
    await renewChannels(ctx());
    const old = state.calendars[CAL]!.channel!;
    google.failNext((call) => call.path === '/calendar/v3/channels/stop', 503, 'backendError');
    await expect(renewChannels(ctx(), { force: true })).rejects.toMatchObject({ kind: 'server' });
    expect(state.calendars[CAL]!.retired.map((channel) => channel.id)).toEqual([old.id]);
    expect(findChannel(state, old.id)).toBeDefined();
    expect(await renewChannels(ctx())).toEqual([`stopped channel ${old.id}`]);
    expect(google.liveChannels(CAL)).toHaveLength(1);
  });

  it('a deleted calendar (404) ends its channel and is not watched again', async () => {
    await renewChannels(ctx());
    google.deleteCalendar(CAL);
    now = new Date(now.getTime() + 6.5 * 24 * 3_600_000);
    const changes = await renewChannels(ctx());
    expect(changes[0]).toMatch(/no longer exists at Google/);
    expect(state.calendars[CAL]!.goneAt).not.toBeNull();
    const watches = google.calls.filter((call) => call.path.endsWith('/watch')).length;
    expect(await renewChannels(ctx())).toEqual([]);
    expect(google.calls.filter((call) => call.path.endsWith('/watch'))).toHaveLength(watches);
  });

  it('uninstall stops every channel; one already ended is not a problem', async () => {
    await renewChannels(ctx());
    const result = await stopAllChannels(ctx());
    expect(result.problems).toEqual([]);
    expect(google.liveChannels()).toEqual([]);
    expect(state.calendars[CAL]!.channel).toBeNull();
  });
});
