/**
 * What the hub does in Google Calendar: mark an appointment confirmed or declined (the customer's
 * SMS answer), create an appointment (a booking from another system), cancel one. Every action is
 * also a scenario step (`google-calendar.mark-appointment`), which is how the reminder scenario
 * writes OUI/NON back.
 *
 * The mark is written three ways, each for someone: the event's colour (the receptionist sees it
 * at a glance), a line at the end of the description (who answered what, when), and private
 * extended properties (read back by the sync, which publishes appointment.confirmed/declined
 * once: the event then comes from what Google holds, whoever wrote it). A retried step finds its
 * mark already there and writes nothing.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineAction } from '../../src/connectors/action.ts';
import type { ActionContext } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { authorizedApi } from './authorized-api.ts';
import { ANSWER_PROPERTIES } from './events.ts';
import type { Credentials, Settings } from './manifest.ts';
import { whenOf } from './times.ts';

type Context = ActionContext<Settings, Credentials>;

/** Google's event colour ids (colors.get): 10 "Basil" (green), 11 "Tomato" (red). */
export const ANSWER_COLORS = { confirmed: '10', declined: '11' } as const;

const AppointmentId = z
  .string()
  .trim()
  .regex(/^[^/\s]+\/[^/\s]+$/, 'expected "<calendar id>/<event id>", as event.data.appointmentId gives it')
  .describe('The appointment, "<calendar id>/<event id>": "{{ event.data.appointmentId }}" in a scenario.');

function split(appointmentId: string, ctx: Context): { calendarId: string; eventId: string; timeZone: string } {
  const cut = appointmentId.lastIndexOf('/');
  const calendarId = appointmentId.slice(0, cut);
  const calendar = ctx.settings.calendars.find((candidate) => candidate.id === calendarId);
  if (!calendar) throw new ExternalSystemError('refused', `The calendar ${calendarId} is not followed by this installation (${ctx.settings.calendars.map((candidate) => candidate.id).join(', ')}).`, { field: 'appointmentId' });
  return { calendarId, eventId: appointmentId.slice(cut + 1), timeZone: calendar.timeZone };
}

const markAppointment = defineAction({
  id: 'mark-appointment',
  title: 'Mark an appointment confirmed or declined',
  description: 'Writes the customer\'s answer into the Google Calendar event: its colour (green / red), a line in the description and a private property; the hub then publishes appointment.confirmed or appointment.declined.',
  input: z
    .object({
      appointmentId: AppointmentId,
      answer: z.enum(['confirmed', 'declined']).describe('"confirmed" (OUI) or "declined" (NON).'),
      replyText: z.string().max(500).default('').describe('What the customer wrote, kept in the event: "{{ lastEvent.data.text }}".'),
    })
    .strict(),
  async run(input, ctx: Context) {
    const { calendarId, eventId, timeZone } = split(input.appointmentId, ctx);
    const api = authorizedApi(ctx.auth);
    const event = await api.getEvent(calendarId, eventId);
    if (event.status === 'cancelled') throw new ExternalSystemError('refused', `The appointment ${input.appointmentId} was deleted from the calendar: nothing to mark.`);
    const start = whenOf(event.start, timeZone);
    if (!start) throw new ExternalSystemError('invalid-response', `The event ${eventId} has no start.`);
    const props = event.extendedProperties?.private ?? {};
    if (props[ANSWER_PROPERTIES.answer] === input.answer && props[ANSWER_PROPERTIES.start] === start.at) return { appointmentId: input.appointmentId, answer: input.answer, changed: false, colorId: ANSWER_COLORS[input.answer] };
    const at = new Date();
    const local = DateTime.fromJSDate(at, { zone: timeZone }).toFormat("dd/MM 'à' HH:mm");
    const line = input.answer === 'confirmed' ? `✅ Confirmé par SMS le ${local}` : `❌ Annulé par le client par SMS le ${local}`;
    const quoted = input.replyText.trim() ? ` (« ${input.replyText.trim().slice(0, 160)} »)` : '';
    await api.patchEvent(calendarId, eventId, {
      colorId: ANSWER_COLORS[input.answer],
      description: `${event.description ? `${event.description}\n` : ''}${line}${quoted}`.slice(0, 8_000),
      extendedProperties: {
        private: { [ANSWER_PROPERTIES.answer]: input.answer, [ANSWER_PROPERTIES.at]: at.toISOString(), [ANSWER_PROPERTIES.text]: input.replyText.slice(0, 500), [ANSWER_PROPERTIES.start]: start.at },
      },
    });
    return { appointmentId: input.appointmentId, answer: input.answer, changed: true, colorId: ANSWER_COLORS[input.answer] };
  },
});

/** Google's client-chosen event ids: base32hex (a-v, 0-9), 5 to 1024 characters; hex is a subset of it. */
export const eventIdFor = (calendarId: string, idempotencyKey: string) => `hub${createHash('sha256').update(`${calendarId}\n${idempotencyKey}`).digest('hex').slice(0, 40)}`;

const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 with an offset, e.g. "2026-12-07T14:30:00+01:00".');

const createAppointment = defineAction({
  id: 'create-appointment',
  title: 'Create an appointment',
  description: 'Adds an event to a followed calendar (a booking taken elsewhere); with a phone in the title or an attendee email it becomes an appointment like any other.',
  input: z
    .object({
      calendarId: z.string().min(1).max(254).describe('A followed calendar\'s id.'),
      summary: z.string().trim().min(1).max(500).describe('The title, e.g. "Mme Dupont 06 12 34 56 78 — coupe".'),
      start: Instant,
      end: Instant,
      description: z.string().max(8_000).optional(),
      location: z.string().max(500).optional(),
      attendeeEmail: z.email().optional().describe('The customer, invited by Google when set.'),
    })
    .strict()
    .refine((input) => new Date(input.end) > new Date(input.start), { error: 'end must be after start', path: ['end'] }),
  async run(input, ctx: Context) {
    const calendar = ctx.settings.calendars.find((candidate) => candidate.id === input.calendarId);
    if (!calendar) throw new ExternalSystemError('refused', `The calendar ${input.calendarId} is not followed by this installation.`, { field: 'calendarId' });
    const api = authorizedApi(ctx.auth);
    // A retried step must not book twice: the idempotency key names the event (an id of ours, base32hex as Google
    // requires). Google may not detect a duplicate id at once, so an event already there is looked up first.
    const id = ctx.idempotencyKey === undefined ? undefined : eventIdFor(calendar.id, ctx.idempotencyKey);
    const found = (event: { id: string; htmlLink?: string | undefined }) => ({ appointmentId: `${calendar.id}/${event.id}`, htmlLink: event.htmlLink ?? null });
    if (id !== undefined) {
      const existing = await api.getEvent(calendar.id, id).catch((error: unknown) => {
        if (error instanceof ExternalSystemError && error.kind === 'not-found') return undefined;
        throw error;
      });
      if (existing) return found(existing);
    }
    const created = await api.insertEvent(calendar.id, {
      ...(id === undefined ? {} : { id }),
      summary: input.summary,
      start: { dateTime: input.start, timeZone: calendar.timeZone },
      end: { dateTime: input.end, timeZone: calendar.timeZone },
      ...(input.description ? { description: input.description } : {}),
      ...(input.location ? { location: input.location } : {}),
      ...(input.attendeeEmail ? { attendees: [{ email: input.attendeeEmail }] } : {}),
      ...(ctx.idempotencyKey ? { extendedProperties: { private: { hubIdempotencyKey: ctx.idempotencyKey } } } : {}),
    }).catch(async (error: unknown) => {
      // The same id inserted meanwhile (two tries at once): the event exists, once.
      if (id !== undefined && error instanceof ExternalSystemError && error.status === 409) return api.getEvent(calendar.id, id);
      throw error;
    });
    return found(created);
  },
});

const cancelAppointment = defineAction({
  id: 'cancel-appointment',
  title: 'Cancel an appointment',
  description: 'Deletes the event from the calendar (attendees are told by Google); the hub publishes appointment.cancelled.',
  input: z.object({ appointmentId: AppointmentId }).strict(),
  async run(input, ctx: Context) {
    const { calendarId, eventId } = split(input.appointmentId, ctx);
    try {
      await authorizedApi(ctx.auth).deleteEvent(calendarId, eventId);
    } catch (error) {
      // Already deleted: 410 (refused) or 404; what was asked is done.
      if (error instanceof ExternalSystemError && (error.status === 410 || error.kind === 'not-found')) return { appointmentId: input.appointmentId, changed: false };
      throw error;
    }
    return { appointmentId: input.appointmentId, changed: true };
  },
});

export const actions = [markAppointment, createAppointment, cancelAppointment];
