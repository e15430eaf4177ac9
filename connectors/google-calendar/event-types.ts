/**
 * The appointment events this connector contributes to the catalog: what a calendar event became
 * for the hub (a customer's appointment), in the calendar's time zone. `start.day` and
 * `start.time` are ready for an SMS ("{{ event.data.start.day }} à {{ event.data.start.time }}")
 * because templates have no date formatting.
 */
import { z } from 'zod';
import { defineEventType } from '../../src/bus/catalog/define.ts';

const When = z.object({
  at: z.string().describe('The instant, ISO 8601 with the calendar\'s offset ("2026-12-07T14:30:00.000+01:00"); all-day: midnight there.'),
  date: z.string().describe('Local date "2026-12-07".'),
  time: z.string().nullable().describe('Local time "14:30"; null for an all-day appointment.'),
  day: z.string().describe('The day in words, in French ("lundi 7 décembre").'),
});
export type When = z.infer<typeof When>;

const Calendar = z.object({ installationId: z.string(), id: z.string(), name: z.string(), timeZone: z.string() });

export const AppointmentSchema = z.object({
  appointmentId: z.string().describe('"<calendar id>/<event id>": unique across the tenant\'s calendars.'),
  eventId: z.string(),
  recurringEventId: z.string().optional().describe('For an instance of a recurring appointment, the series\' event id.'),
  calendar: Calendar,
  summary: z.string(),
  location: z.string().nullable(),
  allDay: z.boolean(),
  timeZone: z.string(),
  start: When,
  end: When,
  htmlLink: z.string().optional(),
});
export type Appointment = z.infer<typeof AppointmentSchema>;

const exampleWhen = (at: string, time: string): When => ({ at, date: '2026-12-07', time, day: 'lundi 7 décembre' });
const example: Appointment = {
  appointmentId: 'salon@group.calendar.google.com/7d3k2m1p9q',
  eventId: '7d3k2m1p9q',
  calendar: { installationId: 'ins_1', id: 'salon@group.calendar.google.com', name: 'Salon', timeZone: 'Europe/Paris' },
  summary: 'Mme Dupont — coupe',
  location: null,
  allDay: false,
  timeZone: 'Europe/Paris',
  start: exampleWhen('2026-12-07T14:30:00.000+01:00', '14:30'),
  end: exampleWhen('2026-12-07T15:15:00.000+01:00', '15:15'),
};

const Reply = z.object({ text: z.string(), at: z.string(), messageId: z.string().optional() });

export const appointmentEvents = [
  defineEventType({
    type: 'appointment.scheduled',
    title: 'Appointment scheduled',
    description: 'A customer\'s appointment appeared in a followed calendar (an attendee with an email, or a phone number in the title, description or place).',
    data: AppointmentSchema,
    example,
  }),
  defineEventType({
    type: 'appointment.rescheduled',
    title: 'Appointment rescheduled',
    description: 'An appointment moved: `start` is the new time, `previousStart` the old one.',
    data: AppointmentSchema.extend({ previousStart: When }),
    example: { ...example, start: exampleWhen('2026-12-07T16:00:00.000+01:00', '16:00'), end: exampleWhen('2026-12-07T16:45:00.000+01:00', '16:45'), previousStart: example.start },
  }),
  defineEventType({
    type: 'appointment.cancelled',
    title: 'Appointment cancelled',
    description: 'An appointment was deleted from the calendar, or the customer declined the invitation.',
    data: AppointmentSchema.extend({ reason: z.enum(['deleted', 'declined']) }),
    example: { ...example, reason: 'deleted' as const },
  }),
  defineEventType({
    type: 'appointment.confirmed',
    title: 'Appointment confirmed',
    description: 'The customer answered the reminder "OUI"; the hub marked the event in Google Calendar.',
    data: AppointmentSchema.extend({ reply: Reply }),
    example: { ...example, reply: { text: 'OUI', at: '2026-12-06T17:02:11.000Z' } },
  }),
  defineEventType({
    type: 'appointment.declined',
    title: 'Appointment declined',
    description: 'The customer answered the reminder "NON"; the hub marked the event in Google Calendar.',
    data: AppointmentSchema.extend({ reply: Reply }),
    example: { ...example, reply: { text: 'NON', at: '2026-12-06T17:02:11.000Z' } },
  }),
];
