/**
 * The fetch step and the channels against Google Calendar's API as documented (the nock fake):
 * what is requested, what reaches the inbox, what happens on 410, 404, 403 rateLimitExceeded.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renewChannels, stopAllChannels, findChannel, CHANNEL_TTL_MS, type ChannelContext } from './channels.ts';
import { googleCalendarApi, SyncTokenGone, type CalendarApi } from './client.ts';
import { GcStateSchema, type GcState } from './state.ts';
import { readChanges } from './sync.ts';
import { FakeGoogleCalendar } from './testing/fake-google.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';

const CAL = 'salon@group.calendar.google.com';
let now = new Date('2026-12-05T10:00:00Z');
let google: FakeGoogleCalendar;
let api: CalendarApi;

const appointment = (id: string, start: string, summary = 'Mme Dupont 06 12 34 56 78') => ({ id, summary, start: { dateTime: start }, end: { dateTime: new Date(new Date(start).getTime() + 45 * 60_000).toISOString() } });

beforeEach(() => {
  nock.disableNetConnect();
  now = new Date('2026-12-05T10:00:00Z');
  google = new FakeGoogleCalendar({ now: () => now });
  google.addCalendar(CAL, { summary: 'Salon' });
  api = googleCalendarApi('ya29.test-access-token');
});
afterEach(() => {
  google.close();
  nock.enableNetConnect();
});

describe('sync', () => {
  const fresh = { syncToken: null };
  it('a full sync pages through the calendar, then incremental syncs send the token and get only changes', async () => {
    for (let i = 0; i < 260; i++) google.putEvent(CAL, appointment(`e${i}`, '2026-12-07T13:30:00Z'));
    google.putEvent(CAL, appointment('old', '2026-12-01T13:30:00Z'));
    const first = await readChanges(api, CAL, fresh, now);
    expect(first).toMatchObject({ full: true, timeMin: '2026-12-04T10:00:00.000Z' });
    expect(first.events).toHaveLength(260);
    const lists = google.calls.filter((call) => call.path.endsWith('/events'));
    expect(lists.map((call) => ({ ...call.query, pageToken: call.query.pageToken ? 'x' : undefined }))).toEqual([
      { singleEvents: 'true', maxResults: '250', timeMin: '2026-12-04T10:00:00.000Z', pageToken: undefined },
      { singleEvents: 'true', maxResults: '250', timeMin: '2026-12-04T10:00:00.000Z', pageToken: 'x' },
    ]);
    expect(first.syncToken).not.toBeNull();

    google.putEvent(CAL, { id: 'e3', summary: 'moved', start: { dateTime: '2026-12-07T15:00:00Z' } });
    google.deleteEvent(CAL, 'e4');
    const second = await readChanges(api, CAL, { syncToken: first.syncToken }, now);
    expect(second).toMatchObject({ full: false, timeMin: null });
    expect(google.calls.at(-1)!.query).toEqual({ singleEvents: 'true', maxResults: '250', syncToken: first.syncToken });
    expect(second.events.map((event) => [event.id, event.status])).toEqual([
      ['e3', 'confirmed'],
      ['e4', 'cancelled'],
    ]);
    expect(second.syncToken).not.toBe(first.syncToken);
  });

  it('a cancelled instance of a recurring event comes as a stub', async () => {
    google.putEvent(CAL, { ...appointment('series_20261207', '2026-12-07T13:30:00Z'), recurringEventId: 'series', originalStartTime: { dateTime: '2026-12-07T13:30:00Z' } });
    const { syncToken } = await readChanges(api, CAL, fresh, now);
    google.deleteEvent(CAL, 'series_20261207');
    expect((await readChanges(api, CAL, { syncToken }, now)).events).toEqual([{ id: 'series_20261207', status: 'cancelled', recurringEventId: 'series', originalStartTime: { dateTime: '2026-12-07T13:30:00Z' } }]);
  });

  it('410 Gone: a full sync again, listing what the calendar still has', async () => {
    google.putEvent(CAL, appointment('keep', '2026-12-07T13:30:00Z'));
    google.putEvent(CAL, appointment('gone', '2026-12-07T14:30:00Z'));
    const first = await readChanges(api, CAL, fresh, now);
    google.deleteEvent(CAL, 'gone');
    google.invalidateSyncTokens();
    const again = await readChanges(api, CAL, { syncToken: first.syncToken }, now);
    expect(again).toMatchObject({ full: true });
    expect(again.events.map((event) => event.id)).toEqual(['keep']);
    const kinds = google.calls.filter((call) => call.path.endsWith('/events')).map((call) => (call.query.syncToken ? 'incremental' : 'full'));
    expect(kinds).toEqual(['full', 'incremental', 'full']);
  });

  it('errors say what happens next', async () => {
    google.failNext((call) => call.path.endsWith('/events'), 403, 'rateLimitExceeded');
    const error = await readChanges(api, CAL, fresh, now).catch((caught: unknown) => caught);
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
    updateState: async (change) => (state = GcStateSchema.parse(change(state) ?? state)),
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
