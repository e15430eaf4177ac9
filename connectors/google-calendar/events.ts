/**
 * A calendar event (as `events.list` returns it) + what the hub remembers of it → appointment
 * events. Pure: the sync fetches, the inbox calls this inside its transaction.
 *
 * Rules:
 * - an event with no customer (no attendee email, no phone in the text) is not an appointment;
 * - past appointments are never announced (a first full sync reads the calendar's history);
 * - an older or identical `updated` than the remembered one changes nothing (replays, a 410 resync
 *   reading everything again, two syncs racing);
 * - "cancelled" (deleted, or a cancelled instance of a recurring series, which carries only ids) or
 *   the customer declining cancels a scheduled appointment; a moved start reschedules it.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import type { EventDraft } from '../../src/connectors/connector.ts';
import type { Decision } from '../../src/connectors/decision.ts';
import type { JsonObject } from '../../src/connectors/connector.ts';
import type { Appointment, When } from './event-types.ts';
import type { GoogleEvent } from './payloads.ts';
import { customerOf, type Customer } from './people.ts';
import { sameInstant, whenOf } from './times.ts';

export interface CalendarRef {
  id: string;
  name: string;
  timeZone: string;
}

export interface MappingContext {
  installationId: string;
  calendar: CalendarRef;
  region: CountryCode;
  now: Date;
}

/** What the hub remembers per calendar event (`appt:<calendar>:<event>`); phone and email top-level for `findByField`. */
export interface AppointmentMemory {
  status: 'scheduled' | 'cancelled' | 'untracked';
  /** Google's `updated` of the version last applied; null for a stub that had none. */
  updated: string | null;
  appointment: Appointment | null;
  phone?: string;
  email?: string;
  /** Set by the OUI/NON replies (actions.ts). */
  answer?: 'confirmed' | 'declined';
}

export const appointmentKey = (calendarId: string, eventId: string) => `appt:${calendarId}:${eventId}`;

/**
 * The customer's answer as the hub wrote it into the event (actions.ts, private extended properties:
 * visible to the hub only). It counts for the start it answered: a moved appointment asks again.
 */
export const ANSWER_PROPERTIES = { answer: 'hubAnswer', at: 'hubAnswerAt', text: 'hubAnswerText', start: 'hubAnswerStart' } as const;

function answerOf(event: GoogleEvent, start: When): { answer: 'confirmed' | 'declined'; at: string; text: string } | undefined {
  const props = event.extendedProperties?.private ?? {};
  const answer = props[ANSWER_PROPERTIES.answer];
  if (answer !== 'confirmed' && answer !== 'declined') return undefined;
  const answered = props[ANSWER_PROPERTIES.start];
  if (!answered || new Date(answered).getTime() !== new Date(start.at).getTime()) return undefined;
  return { answer, at: props[ANSWER_PROPERTIES.at] ?? event.updated ?? '', text: props[ANSWER_PROPERTIES.text] ?? '' };
}

const skip = (note: string): Decision<AppointmentMemory> => ({ apply: false, note });

function contactOf(customer: Customer): NonNullable<EventDraft['contact']> {
  const [firstName, ...rest] = (customer.name ?? '').split(/\s+/).filter(Boolean);
  return {
    ...(customer.phone ? { phone: customer.phone } : {}),
    ...(customer.email ? { email: customer.email } : {}),
    ...(firstName ? { firstName } : {}),
    ...(rest.length > 0 ? { lastName: rest.join(' ').slice(0, 100) } : {}),
  };
}

function contactFromMemory(memory: AppointmentMemory): EventDraft['contact'] {
  if (!memory.phone && !memory.email) return undefined;
  return { ...(memory.phone ? { phone: memory.phone } : {}), ...(memory.email ? { email: memory.email } : {}) };
}

function appointmentOf(event: GoogleEvent, start: When, end: When, ctx: MappingContext): Appointment {
  return {
    appointmentId: `${ctx.calendar.id}/${event.id}`,
    eventId: event.id,
    ...(event.recurringEventId ? { recurringEventId: event.recurringEventId } : {}),
    calendar: { installationId: ctx.installationId, ...ctx.calendar },
    summary: (event.summary ?? '').slice(0, 500),
    location: event.location?.slice(0, 500) ?? null,
    allDay: start.time === null,
    timeZone: ctx.calendar.timeZone,
    start,
    end,
    ...(event.htmlLink ? { htmlLink: event.htmlLink } : {}),
  };
}

function draft(type: string, key: string, data: JsonObject, contact: EventDraft['contact'], occurredAt: string | undefined): EventDraft {
  return { type, key, data, ...(contact ? { contact } : {}), ...(occurredAt ? { occurredAt } : {}) };
}

function cancelled(memory: AppointmentMemory, reason: 'deleted' | 'declined', updated: string | null, ctx: MappingContext): Decision<AppointmentMemory> {
  const appointment = memory.appointment!;
  return {
    apply: true,
    memory: { ...memory, status: 'cancelled', updated: updated ?? memory.updated },
    // A stub or a vanished event has no `updated`: the version cancelled names the event instead.
    events: [draft('appointment.cancelled', `appointment.cancelled:${appointment.appointmentId}:${updated ?? `after:${memory.updated ?? appointment.start.at}`}`, { ...appointment, reason } as unknown as JsonObject, contactFromMemory(memory), updated ?? ctx.now.toISOString())],
  };
}

const isNewer = (updated: string | undefined, memory: AppointmentMemory | undefined) =>
  memory === undefined || memory.updated === null || updated === undefined || new Date(updated).getTime() > new Date(memory.updated).getTime();

export function appointmentDecision(event: GoogleEvent, memory: AppointmentMemory | undefined, ctx: MappingContext): Decision<AppointmentMemory> {
  if (event.status === 'cancelled') {
    if (memory?.status !== 'scheduled' || !memory.appointment) return skip(`event ${event.id} cancelled: no scheduled appointment to cancel`);
    if (!isNewer(event.updated, memory)) return skip(`event ${event.id}: cancellation older than the known version`);
    return cancelled(memory, 'deleted', event.updated ?? null, ctx);
  }
  if (!isNewer(event.updated, memory)) return skip(`event ${event.id}: version ${event.updated ?? '?'} already applied`);
  const updated = event.updated ?? null;
  const start = whenOf(event.start, ctx.calendar.timeZone);
  const end = whenOf(event.end, ctx.calendar.timeZone) ?? start;
  if (!start || !end) return skip(`event ${event.id}: no usable start`);
  const customer = customerOf(event, ctx.region, ctx.calendar.id);
  const wasScheduled = memory?.status === 'scheduled' && memory.appointment !== null;

  if (!customer) {
    // Someone removed the phone and the attendee: no one to remind any more.
    if (wasScheduled) return cancelled({ ...memory, updated }, 'deleted', updated, ctx);
    return { apply: true, memory: { status: 'untracked', updated, appointment: null }, events: [], note: `event ${event.id}: no customer (no attendee email, no phone in the title, description or place)` };
  }
  const appointment = appointmentOf(event, start, end, ctx);
  const remembered: AppointmentMemory = {
    status: 'scheduled',
    updated,
    appointment,
    ...(customer.phone ? { phone: customer.phone } : {}),
    ...(customer.email ? { email: customer.email } : {}),
    ...(memory?.answer ? { answer: memory.answer } : {}),
  };
  if (customer.responseStatus === 'declined') {
    if (wasScheduled) return cancelled({ ...remembered, appointment }, 'declined', updated, ctx);
    return { apply: true, memory: { ...remembered, status: 'cancelled' }, events: [], note: `event ${event.id}: the customer declined` };
  }
  const past = new Date(end.at).getTime() < ctx.now.getTime();
  if (!wasScheduled) {
    if (past) return { apply: true, memory: { ...remembered, status: 'untracked' }, events: [], note: `event ${event.id}: in the past` };
    return withAnswer({ apply: true, memory: remembered, events: [draft('appointment.scheduled', `appointment.scheduled:${appointment.appointmentId}:${updated ?? start.at}`, appointment as unknown as JsonObject, contactOf(customer), updated ?? undefined)] }, event, customer);
  }
  const previous = memory!.appointment!;
  if (sameInstant(previous.start, start)) return withAnswer({ apply: true, memory: remembered, events: [], note: `event ${event.id}: changed, same time` }, event, customer);
  if (past) return { apply: true, memory: remembered, events: [], note: `event ${event.id}: moved into the past` };
  const { answer: _previousAnswer, ...unanswered } = remembered;
  return {
    apply: true,
    // A moved appointment asks for a new confirmation.
    memory: unanswered,
    events: [draft('appointment.rescheduled', `appointment.rescheduled:${appointment.appointmentId}:${start.at}:${updated ?? ''}`, { ...appointment, previousStart: previous.start } as unknown as JsonObject, contactOf(customer), updated ?? undefined)],
  };
}

/** The answer the hub wrote into the event (a reply OUI/NON), announced once per answer. */
function withAnswer(decision: Decision<AppointmentMemory> & { apply: true }, event: GoogleEvent, customer: Customer): Decision<AppointmentMemory> {
  const appointment = decision.memory.appointment!;
  const found = answerOf(event, appointment.start);
  if (!found || decision.memory.answer === found.answer) return decision;
  const reply = { text: found.text, at: found.at };
  return {
    ...decision,
    memory: { ...decision.memory, answer: found.answer },
    events: [...decision.events, draft(`appointment.${found.answer}`, `appointment.${found.answer}:${appointment.appointmentId}:${found.at}`, { ...appointment, reply } as unknown as JsonObject, contactOf(customer), found.at || undefined)],
  };
}

/**
 * After a full sync (first one, or after a 410): remembered scheduled appointments the calendar no
 * longer lists were deleted while the token was invalid — a full listing omits deleted events.
 */
export function vanishedDecision(memory: AppointmentMemory, listedUpdated: string | null, ctx: MappingContext): Decision<AppointmentMemory> {
  if (memory.status !== 'scheduled' || !memory.appointment) return skip('not scheduled');
  // Remembered from a version newer than the listing: another sync read it after this one listed the calendar.
  if (memory.updated !== null && listedUpdated !== null && new Date(memory.updated).getTime() > new Date(listedUpdated).getTime()) {
    return skip('changed after this full listing (read by a later sync): kept');
  }
  return cancelled(memory, 'deleted', null, ctx);
}
