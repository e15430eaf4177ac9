/**
 * Quiet hours for marketing SMS, per tenant, judged in the contact's time zone: deferred, never dropped.
 *
 * Default: Monday–Saturday, 08:00–20:00, French public holidays blocked. That is the conservative
 * practice of French platforms (no marketing SMS 20:00–08:00, on Sundays or on public holidays), often
 * presented as a legal rule although no statute sets these hours. The industry charter is looser (af2m
 * Business Messaging charter, 2024: working days 08:00–22:00), hence a per-tenant policy rather than a
 * constant. Transactional messages are exempt (see compliance-decision.ts).
 *
 * Rule: an instant is allowed when, on the contact's wall clock, its date is an allowed ISO weekday,
 * is not a public holiday of the policy's country/state (judged on the contact's local date, so a
 * contact in Tokyo is quiet on 14 July Tokyo time), and its time of day is in [start, end).
 *
 * `nextAllowedInstant` returns the earliest instant at or after the given one that `isSendAllowed`
 * accepts, exactly, so the two never disagree. Around DST changes that means:
 * - Spring forward, window start in the gap (start 02:30 on 29 Mar 2026 in Europe/Paris, where clocks
 *   jump 02:00 → 03:00): the window opens at the jump, 03:00 CEST (01:00Z), the first instant whose
 *   local time is past 02:30. Not 03:30, which is what shifting the nonexistent time by the gap (luxon's
 *   rule) would give. A window lying wholly in the gap (02:00–02:30) has no minute that day: the next
 *   allowed day is used.
 * - Fall back, repeated hour (25 Oct 2026 in Europe/Paris, 03:00 CEST → 02:00 CET): each occurrence of
 *   a wall time is judged on its own. A window starting at 02:30 opens at the first 02:30 (CEST); a
 *   window ending at 02:30 is open again during the repeated 02:00–02:30 (CET).
 * Windows are whole minutes and zone changes fall on whole minutes, so results are whole minutes
 * (except the given instant itself when it is already allowed).
 */
import { z } from 'zod';
import type { IANAZone } from 'luxon';
import { checkHolidayCalendar, holidayCalendarShape, isPublicHoliday } from './public-holidays.ts';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  assertValidInstant,
  ianaZone,
  offsetSegments,
  wallDay,
  wallMs,
} from './local-time.ts';

export const IsoWeekday = z
  .number()
  .int()
  .min(1, { error: 'an ISO weekday is 1 (Monday) to 7 (Sunday)' })
  .max(7, { error: 'an ISO weekday is 1 (Monday) to 7 (Sunday)' });

const START_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

export const QuietHoursPolicy = z
  .object({
    /** false: marketing SMS may leave at any time (the tenant takes responsibility). */
    enabled: z.boolean().default(true),
    /** Allowed ISO weekdays, 1 = Monday … 7 = Sunday. */
    days: z.array(IsoWeekday).default([1, 2, 3, 4, 5, 6]),
    /** Daily window on the contact's wall clock, start inclusive, end exclusive ("24:00" = end of day). */
    window: z
      .object({
        start: z
          .string()
          .regex(START_TIME, { error: 'window.start must be a local time "HH:mm" from "00:00" to "23:59", e.g. "08:00"' })
          .default('08:00'),
        end: z
          .string()
          .regex(END_TIME, { error: 'window.end must be a local time "HH:mm" from "00:01" to "24:00", e.g. "20:00"' })
          .default('20:00'),
      })
      .prefault({}),
    holidays: z
      .object({
        /** Block the public holidays of `country`/`state` (on the contact's local date). */
        blocked: z.boolean().default(true),
        ...holidayCalendarShape,
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    if (policy.days.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['days'],
        message:
          'days is empty, so no marketing SMS could ever be sent: list at least one ISO weekday (1 = Monday … 7 = Sunday); to turn quiet hours off, set enabled: false instead of emptying days',
      });
    }
    const seen = new Set<number>();
    for (const day of policy.days) {
      if (seen.has(day)) ctx.addIssue({ code: 'custom', path: ['days'], message: `days lists weekday ${day} twice` });
      seen.add(day);
    }
    const { start, end } = policy.window;
    if (START_TIME.test(start) && END_TIME.test(end)) {
      if (start === end) {
        ctx.addIssue({
          code: 'custom',
          path: ['window'],
          message: `window.start and window.end are both "${start}": the window is empty, so no marketing SMS could ever be sent; use e.g. "08:00"–"20:00", or "00:00"–"24:00" for the whole day`,
        });
      } else if (minutesOf(start) > minutesOf(end)) {
        ctx.addIssue({
          code: 'custom',
          path: ['window'],
          message: `window.start "${start}" is after window.end "${end}": windows crossing midnight are not supported; the window is one stretch of the day, start before end`,
        });
      }
    }
    checkHolidayCalendar(policy.holidays, ctx, ['holidays']);
  });
export type QuietHoursPolicy = z.infer<typeof QuietHoursPolicy>;
export type QuietHoursPolicyInput = z.input<typeof QuietHoursPolicy>;

export const DEFAULT_QUIET_HOURS_POLICY: QuietHoursPolicy = QuietHoursPolicy.parse({});

/** With a valid policy the search ends within a few days; this bounds a hand-built invalid one. */
const MAX_SEARCH_DAYS = 400;
/** Real UTC offsets lie within −12h … +14h: instants whose wall reading is on a day lie within this of it. */
const MAX_ABS_OFFSET_MS = 15 * HOUR_MS;

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function windowMs(policy: QuietHoursPolicy): { start: number; end: number } {
  return { start: minutesOf(policy.window.start) * MINUTE_MS, end: minutesOf(policy.window.end) * MINUTE_MS };
}

function dayAllowed(policy: QuietHoursPolicy, dayIndex: number): boolean {
  const day = wallDay(dayIndex * DAY_MS);
  if (!policy.days.includes(day.weekday)) return false;
  return !(policy.holidays.blocked && isPublicHoliday(day.isoDate, policy.holidays));
}

function allowedAt(zone: IANAZone, ms: number, policy: QuietHoursPolicy): boolean {
  if (!policy.enabled) return true;
  const wall = wallMs(zone, ms);
  const { dayIndex } = wallDay(wall);
  const timeOfDay = wall - dayIndex * DAY_MS;
  const window = windowMs(policy);
  return timeOfDay >= window.start && timeOfDay < window.end && dayAllowed(policy, dayIndex);
}

/** Whether a marketing SMS may leave at `instant` for a contact in `timeZone` (IANA name). */
export function isSendAllowed(instant: Date, timeZone: string, policy: QuietHoursPolicy): boolean {
  const ms = assertValidInstant(instant);
  return allowedAt(ianaZone(timeZone), ms, policy);
}

/**
 * `instant` itself when allowed, else the first allowed instant after it: the opening of the next
 * window on an allowed, non-holiday day of the contact's calendar (DST rules in the module comment).
 */
export function nextAllowedInstant(instant: Date, timeZone: string, policy: QuietHoursPolicy): Date {
  const ms = assertValidInstant(instant);
  const zone = ianaZone(timeZone);
  if (allowedAt(zone, ms, policy)) return new Date(ms);
  const window = windowMs(policy);
  // Start one day early: a fall-back change at midnight can bring the wall clock back to yesterday.
  const firstDay = wallDay(wallMs(zone, ms)).dayIndex - 1;
  for (let dayIndex = firstDay; dayIndex <= firstDay + MAX_SEARCH_DAYS; dayIndex++) {
    const opens = dayIndex * DAY_MS + window.start;
    const closes = dayIndex * DAY_MS + window.end;
    if (closes + MAX_ABS_OFFSET_MS <= ms || !dayAllowed(policy, dayIndex)) continue;
    // Instants t with wall(t) in [opens, closes): within each stretch of constant offset o,
    // that is t in [opens − o, closes − o). Stretches are in time order, so the first hit is the earliest.
    for (const segment of offsetSegments(zone, opens - MAX_ABS_OFFSET_MS, closes + MAX_ABS_OFFSET_MS)) {
      const from = Math.max(segment.start, opens - segment.offsetMs, ms);
      const until = Math.min(segment.end, closes - segment.offsetMs);
      if (from < until) return new Date(from);
    }
  }
  throw new Error(
    `quiet hours policy allows no sending minute within ${MAX_SEARCH_DAYS} days in ${timeZone} (days ${JSON.stringify(policy.days)}, window ${policy.window.start}–${policy.window.end}): parse the policy with QuietHoursPolicy, which refuses such policies`,
  );
}
