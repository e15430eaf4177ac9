/**
 * The booking action against the Calendar API as documented (the nock fake): a scenario step retried with its
 * idempotency key books once, whether the first try's answer was lost or two tries raced.
 */
import nock from 'nock';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext, AuthorizedClient } from '../../src/connectors/connector.ts';
import { actions, eventIdFor } from './actions.ts';
import { googleCalendar } from './index.ts';
import type { Credentials, Settings } from './manifest.ts';
import { FakeGoogleCalendar } from './testing/fake-google.ts';

const CAL = 'salon@group.calendar.google.com';
const create = googleCalendar.actions['create-appointment']!;
const schema = actions.find((action) => action.id === 'create-appointment')!.input;
let google: FakeGoogleCalendar;

const auth: AuthorizedClient = { accessToken: async () => 'ya29.test-access-token', withToken: (call) => call('ya29.test-access-token'), tokenInfo: () => ({}) };
const context = (idempotencyKey?: string) =>
  ({
    settings: { account: CAL, calendars: [{ id: CAL, name: 'Salon', timeZone: 'Europe/Paris' }], phoneRegion: 'FR', backstopSyncMinutes: 5 },
    auth,
    log: pino({ level: 'silent' }),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  }) as unknown as ActionContext<Settings, Credentials>;
const booking = schema.parse({ calendarId: CAL, summary: 'Mme Dupont 06 12 34 56 78 — coupe', start: '2026-12-10T14:30:00+01:00', end: '2026-12-10T15:15:00+01:00' });
const inserts = () => google.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/events'));

beforeEach(() => {
  nock.disableNetConnect();
  google = new FakeGoogleCalendar();
  google.addCalendar(CAL, { summary: 'Salon' });
});
afterEach(() => {
  google.close();
  nock.enableNetConnect();
});

describe('create-appointment', () => {
  it('a step retried with its idempotency key books once, under an id derived from the key', async () => {
    const key = 'scn:run_1:reserver:0';
    const first = await create.run(booking, context(key));
    const again = await create.run(booking, context(key));
    const id = eventIdFor(CAL, key);
    expect(id).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(first).toEqual({ appointmentId: `${CAL}/${id}`, htmlLink: expect.any(String) });
    expect(again).toEqual(first);
    expect(inserts()).toHaveLength(1);
    expect(inserts()[0]!.body).toMatchObject({ id, start: { dateTime: '2026-12-10T14:30:00+01:00', timeZone: 'Europe/Paris' }, extendedProperties: { private: { hubIdempotencyKey: key } } });
  });

  it('two tries at once: the second insert answers 409 duplicate, and the event booked by the first is returned', async () => {
    const key = 'scn:run_2:reserver:0';
    // Both look the event up before either inserts: both insert, Google keeps the first and answers 409 to the other.
    const [a, b] = await Promise.all([create.run(booking, context(key)), create.run(booking, context(key))]);
    expect(a).toEqual(b);
    expect(inserts()).toHaveLength(2);
    expect(google.event(CAL, eventIdFor(CAL, key))).toBeDefined();
    expect(google.calls.filter((call) => call.method === 'GET' && call.path.endsWith(`/events/${eventIdFor(CAL, key)}`)).length).toBeGreaterThanOrEqual(2);
  });

  it('through the API (no idempotency key) Google chooses the id', async () => {
    const made = (await create.run(booking, context())) as { appointmentId: string };
    expect(made.appointmentId).toMatch(new RegExp(`^${CAL}/[0-9a-f]+$`));
    expect(inserts()[0]!.body).not.toHaveProperty('id');
  });
});
