/**
 * When a `wait` step ends: pure, in the contact's time zone. Durations are elapsed time; `untilDate`
 * reads a date from the run (an ISO instant, or a calendar date "YYYY-MM-DD" taken at midnight in
 * the contact's zone), shifts it by the offset and optionally moves it to a local time of day;
 * `window` is the next instant the quiet-hours rule allows (the sending core's own function, so a
 * wait and the send after it agree).
 */
import { DateTime } from 'luxon';
import { nextAllowedInstant, type QuietHoursPolicy } from '../sending/compliance/index.ts';
import { durationMs, offsetMs } from './duration.ts';
import { readPath, type PredicateContext } from './predicates.ts';
import type { WaitSpec } from './scenario.ts';

export type WaitEnd = { kind: 'until'; at: Date } | { kind: 'noDate'; reason: string };

/** A date value from a contact or event field; undefined when it is not one. */
export function dateValue(value: unknown, timeZone: string): DateTime | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof value === 'number') {
    const date = DateTime.fromMillis(value, { zone: timeZone });
    return date.isValid ? date : undefined;
  }
  const text = value.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? DateTime.fromISO(text, { zone: timeZone }) : DateTime.fromISO(text, { setZone: true }).setZone(timeZone);
  return date.isValid ? date : undefined;
}

export function waitEnd(spec: WaitSpec, context: PredicateContext, timeZone: string, now: Date, policy: QuietHoursPolicy): WaitEnd {
  switch (spec.kind) {
    case 'duration':
      return { kind: 'until', at: new Date(now.getTime() + durationMs(spec.duration)) };
    case 'window':
      return { kind: 'until', at: nextAllowedInstant(now, timeZone, spec.policy ?? policy) };
    case 'untilDate': {
      const raw = readPath(context, spec.field);
      const date = dateValue(raw, timeZone);
      if (!date) return { kind: 'noDate', reason: raw === undefined || raw === null || raw === '' ? `${spec.field} is empty` : `${spec.field} is not a date: ${JSON.stringify(raw)}` };
      let end = date.plus({ milliseconds: offsetMs(spec.offset) });
      if (spec.at !== undefined) {
        const [hour, minute] = spec.at.split(':').map(Number) as [number, number];
        end = end.set({ hour, minute, second: 0, millisecond: 0 });
      }
      return { kind: 'until', at: end.toJSDate() };
    }
  }
}

/**
 * This year's occurrence of a yearly date (birthday) in the contact's zone, shifted by `offsetDays`,
 * at the local time `at`. 29 February falls on 28 February in other years.
 */
export function yearlyOccurrence(value: unknown, year: number, offsetDays: number, at: string, timeZone: string): DateTime | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(?:\d{4}-|--)?(\d{2})-(\d{2})/.exec(value.trim());
  if (!match) return undefined;
  const [month, day] = [Number(match[1]), Number(match[2])];
  const [hour, minute] = at.split(':').map(Number) as [number, number];
  let date = DateTime.fromObject({ year, month, day: month === 2 && day === 29 && !DateTime.local(year).isInLeapYear ? 28 : day, hour, minute }, { zone: timeZone });
  if (!date.isValid) return undefined;
  date = date.plus({ days: offsetDays });
  return date;
}

/** The event a yearly date trigger starts a run with: its key is the local date of the occurrence. */
export function dateTriggerEvent(field: string, occurrence: DateTime): { id: null; type: 'date'; source: 'hub'; occurredAt: string; data: { field: string; date: string; year: number } } {
  return { id: null, type: 'date', source: 'hub', occurredAt: occurrence.toUTC().toISO()!, data: { field, date: occurrence.toISODate()!, year: occurrence.year } };
}
