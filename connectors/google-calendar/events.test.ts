import { describe, expect, it } from 'vitest';
import { appointmentEvents } from './event-types.ts';
import { appointmentDecision, vanishedDecision, type MappingContext } from './events.ts';
import type { GoogleEvent } from './payloads.ts';
import { phoneInText } from './people.ts';
import { whenOf } from './times.ts';

const CAL = 'salon@group.calendar.google.com';
const ctx = (now = '2026-12-05T10:00:00Z'): MappingContext => ({ installationId: 'ins_1', calendar: { id: CAL, name: 'Salon', timeZone: 'Europe/Paris' }, region: 'FR', now: new Date(now) });

// As events.list returns it (developers.google.com/workspace/calendar/api/v3/reference/events#resource).
const base: GoogleEvent = {
  kind: 'calendar#event',
  id: 'evt1',
  status: 'confirmed',
  updated: '2026-12-05T09:00:00.000Z',
  summary: 'Mme Dupont 06 12 34 56 78 — coupe',
  organizer: { email: CAL, self: true },
  creator: { email: 'accueil@salon.fr' },
  start: { dateTime: '2026-12-07T14:30:00+01:00', timeZone: 'Europe/Paris' },
  end: { dateTime: '2026-12-07T15:15:00+01:00', timeZone: 'Europe/Paris' },
};

const schemaOf = (type: string) => appointmentEvents.find((entry) => entry.type === type)!.data;
function applied(decision: ReturnType<typeof appointmentDecision>) {
  if (!decision.apply) throw new Error(`not applied: ${decision.note}`);
  for (const event of decision.events) expect(schemaOf(event.type).safeParse(event.data).success, `${event.type} matches its schema`).toBe(true);
  return decision;
}

describe('Google Calendar: who the appointment is for', () => {
  it.each([
    ['Mme Dupont 06 12 34 56 78 — coupe', '+33612345678'],
    ['Dupont +33 6 12 34 56 78', '+33612345678'],
    ['fixe 01 42 68 53 00 puis mobile 07 81 23 45 67', '+33781234567'],
    ['coupe 45 min', undefined],
    ['RDV salon 01 42 68 53 00', '+33142685300'],
  ])('finds the phone in %j', (text, phone) => expect(phoneInText([text], 'FR')).toBe(phone));

  it('an attendee is the customer, never the organizer, the calendar itself or a room', () => {
    const decision = applied(
      appointmentDecision(
        {
          ...base,
          summary: 'Coupe',
          attendees: [
            { email: CAL, organizer: true, self: true, responseStatus: 'accepted' },
            { email: 'salle-1@resource.calendar.google.com', resource: true, responseStatus: 'accepted' },
            { email: 'Claire.Dupont@example.fr', displayName: 'Claire Dupont', responseStatus: 'needsAction' },
          ],
        },
        undefined,
        ctx(),
      ),
    );
    expect(decision.events[0]!.contact).toEqual({ email: 'claire.dupont@example.fr', firstName: 'Claire', lastName: 'Dupont' });
  });

  it('no attendee and no phone: not an appointment, remembered as untracked', () => {
    const decision = appointmentDecision({ ...base, summary: 'Pause déjeuner' }, undefined, ctx());
    expect(decision).toMatchObject({ apply: true, events: [], memory: { status: 'untracked' } });
  });
});

describe('Google Calendar: times in the calendar\'s zone', () => {
  it('a dateTime typed in another zone is shown in the calendar\'s', () => {
    expect(whenOf({ dateTime: '2026-12-07T08:30:00-05:00', timeZone: 'America/New_York' }, 'Europe/Paris')).toEqual({ at: '2026-12-07T14:30:00.000+01:00', date: '2026-12-07', time: '14:30', day: 'lundi 7 décembre' });
  });
  it('summer time', () => expect(whenOf({ dateTime: '2026-07-01T09:00:00Z' }, 'Europe/Paris')?.time).toBe('11:00'));
  it('an all-day event starts at midnight in the calendar\'s zone, with no time', () => {
    expect(whenOf({ date: '2026-12-08' }, 'Europe/Paris')).toEqual({ at: '2026-12-08T00:00:00.000+01:00', date: '2026-12-08', time: null, day: 'mardi 8 décembre' });
  });
});

describe('Google Calendar: scheduled, rescheduled, cancelled', () => {
  const scheduled = () => applied(appointmentDecision(base, undefined, ctx()));

  it('a new appointment is scheduled, keyed by event and version', () => {
    const decision = scheduled();
    expect(decision.events).toMatchObject([{ type: 'appointment.scheduled', key: `appointment.scheduled:${CAL}/evt1:2026-12-05T09:00:00.000Z`, contact: { phone: '+33612345678' } }]);
    expect(decision.events[0]!.data).toMatchObject({ appointmentId: `${CAL}/evt1`, summary: base.summary, allDay: false, start: { time: '14:30', date: '2026-12-07' }, calendar: { id: CAL, timeZone: 'Europe/Paris' } });
    expect(decision.memory).toMatchObject({ status: 'scheduled', phone: '+33612345678', updated: base.updated });
  });

  it('the same version again (replay, 410 resync) changes nothing', () => {
    expect(appointmentDecision(base, scheduled().memory, ctx())).toMatchObject({ apply: false });
  });

  it('an older version arriving late changes nothing', () => {
    const memory = scheduled().memory;
    expect(appointmentDecision({ ...base, updated: '2026-12-05T08:00:00.000Z' }, memory, ctx())).toMatchObject({ apply: false });
  });

  it('a moved start reschedules with the old and new start', () => {
    const moved = { ...base, updated: '2026-12-05T09:30:00.000Z', start: { dateTime: '2026-12-07T16:00:00+01:00' }, end: { dateTime: '2026-12-07T16:45:00+01:00' } };
    const decision = applied(appointmentDecision(moved, { ...scheduled().memory, answer: 'confirmed' }, ctx()));
    expect(decision.events).toMatchObject([{ type: 'appointment.rescheduled', data: { start: { time: '16:00' }, previousStart: { time: '14:30' } } }]);
    expect(decision.memory.answer).toBeUndefined();
  });

  it('a change of title only is remembered without an event', () => {
    const decision = applied(appointmentDecision({ ...base, updated: '2026-12-05T09:30:00.000Z', summary: 'Mme Dupont 06 12 34 56 78 — coupe + couleur' }, scheduled().memory, ctx()));
    expect(decision.events).toEqual([]);
    expect(decision.memory.appointment?.summary).toContain('couleur');
  });

  it('a deleted event (a stub with only ids) cancels the scheduled appointment with its remembered data', () => {
    const decision = applied(appointmentDecision({ id: 'evt1', status: 'cancelled', updated: '2026-12-05T11:00:00.000Z' }, scheduled().memory, ctx()));
    expect(decision.events).toMatchObject([{ type: 'appointment.cancelled', data: { reason: 'deleted', summary: base.summary, start: { time: '14:30' } }, contact: { phone: '+33612345678' } }]);
    expect(decision.memory.status).toBe('cancelled');
  });

  it('a cancelled instance of a recurring series (id, recurringEventId, originalStartTime only) cancels that instance', () => {
    const instance: GoogleEvent = { ...base, id: 'series_20261207T133000Z', recurringEventId: 'series', originalStartTime: base.start };
    const memory = applied(appointmentDecision(instance, undefined, ctx())).memory;
    expect(memory.appointment?.recurringEventId).toBe('series');
    const decision = applied(appointmentDecision({ id: 'series_20261207T133000Z', status: 'cancelled', recurringEventId: 'series', originalStartTime: base.start }, memory, ctx()));
    expect(decision.events[0]).toMatchObject({ type: 'appointment.cancelled', key: `appointment.cancelled:${CAL}/series_20261207T133000Z:after:${base.updated}` });
  });

  it('a cancellation of something never scheduled is ignored', () => {
    expect(appointmentDecision({ id: 'other', status: 'cancelled' }, undefined, ctx())).toMatchObject({ apply: false });
  });

  it('the customer declining the invitation cancels it', () => {
    const invited = { ...base, summary: 'Coupe', attendees: [{ email: 'claire@example.fr', responseStatus: 'needsAction' as const }] };
    const memory = applied(appointmentDecision(invited, undefined, ctx())).memory;
    const decision = applied(appointmentDecision({ ...invited, updated: '2026-12-05T12:00:00.000Z', attendees: [{ email: 'claire@example.fr', responseStatus: 'declined' as const }] }, memory, ctx()));
    expect(decision.events).toMatchObject([{ type: 'appointment.cancelled', data: { reason: 'declined' } }]);
  });

  it('a past appointment seen by a first full sync is not announced', () => {
    expect(appointmentDecision(base, undefined, ctx('2026-12-08T10:00:00Z'))).toMatchObject({ apply: true, events: [], memory: { status: 'untracked' } });
  });

  it('an appointment gone from a full listing is cancelled once', () => {
    const memory = scheduled().memory;
    // The listing began after the version remembered (updated 09:00).
    const decision = applied(vanishedDecision(memory, '2026-12-05T09:30:00.000Z', ctx()));
    expect(decision.events).toMatchObject([{ type: 'appointment.cancelled', data: { reason: 'deleted' } }]);
    expect(vanishedDecision(decision.memory, '2026-12-05T09:30:00.000Z', ctx())).toMatchObject({ apply: false });
  });

  it('a full listing older than the version remembered cancels nothing (two syncs raced: a later one read it)', () => {
    const memory = scheduled().memory;
    expect(vanishedDecision(memory, '2026-12-05T08:59:59.000Z', ctx())).toMatchObject({ apply: false, note: expect.stringContaining('changed after this full listing') });
  });

  it('every example of the connector\'s event types matches its schema', () => {
    for (const entry of appointmentEvents) expect(entry.data.safeParse(entry.example).success, entry.type).toBe(true);
  });
});
