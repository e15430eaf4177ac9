/**
 * Wall-clock arithmetic in a contact's IANA time zone, with luxon's zone data (the runtime's ICU tz
 * database). A "wall" value is the local clock reading expressed as epoch milliseconds as if it were UTC:
 * `wall = instant + offset(instant)`. Around a DST change the mapping instant → wall jumps (spring: a
 * range of wall times never happens; autumn: a range happens twice), so code that needs "the instants
 * whose wall reading is in a range" works segment by segment between offset changes (see `offsetSegments`).
 */
import { DateTime, IANAZone } from 'luxon';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export class InvalidTimeZoneError extends Error {
  readonly timeZone: string;

  constructor(timeZone: string) {
    super(`Unknown time zone "${timeZone}": expected an IANA zone name such as "Europe/Paris" or "America/Martinique"`);
    this.name = 'InvalidTimeZoneError';
    this.timeZone = timeZone;
  }
}

// isValidZone builds an Intl.DateTimeFormat on every call: the costliest step of a quiet-hours check.
// Only valid names are kept (~600 in the tz database; spelling variants such as "europe/paris" are
// also valid, so the map is cleared past a bound rather than left to grow).
const validZones = new Map<string, IANAZone>();

/** The zone, or an `InvalidTimeZoneError` naming it. Fixed offsets ("UTC+2") are refused: contacts carry IANA names. */
export function ianaZone(timeZone: string): IANAZone {
  let zone = validZones.get(timeZone);
  if (zone === undefined) {
    if (!IANAZone.isValidZone(timeZone)) throw new InvalidTimeZoneError(timeZone);
    zone = IANAZone.create(timeZone);
    if (validZones.size >= 2_000) validZones.clear();
    validZones.set(timeZone, zone);
  }
  return zone;
}

export function assertValidInstant(instant: Date, name = 'instant'): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

/** UTC offset in milliseconds in effect at `ms`. */
export function offsetMs(zone: IANAZone, ms: number): number {
  return zone.offset(ms) * MINUTE_MS;
}

export function wallMs(zone: IANAZone, ms: number): number {
  return ms + offsetMs(zone, ms);
}

/** The local calendar day of a wall value: ISO date and ISO weekday (1 = Monday … 7 = Sunday). */
export function wallDay(wall: number): { dayIndex: number; isoDate: string; weekday: number } {
  const dayIndex = Math.floor(wall / DAY_MS);
  const day = DateTime.fromMillis(dayIndex * DAY_MS, { zone: 'utc' });
  return { dayIndex, isoDate: day.toISODate() ?? '', weekday: day.weekday };
}

export interface OffsetSegment {
  /** First millisecond with this offset (inclusive). */
  start: number;
  /** First millisecond with the next offset (exclusive). */
  end: number;
  offsetMs: number;
}

/** Offset changes of a zone are months apart (the closest in the tz database this century are weeks). */
const SAMPLE_STEP_MS = 6 * HOUR_MS;

/**
 * [from, to) cut where the zone's offset changes. Offsets are sampled every 6 hours and each change is
 * located to the millisecond by bisection, so two changes less than 6 hours apart would be missed;
 * no zone in the tz database does that in this century.
 */
export function offsetSegments(zone: IANAZone, from: number, to: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  let start = from;
  let current = offsetMs(zone, from);
  let probe = from;
  while (probe < to) {
    const next = Math.min(probe + SAMPLE_STEP_MS, to);
    const nextOffset = offsetMs(zone, next);
    if (nextOffset !== current) {
      // Invariant: offset(lo) === current, offset(hi) !== current.
      let lo = probe;
      let hi = next;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (offsetMs(zone, mid) === current) lo = mid;
        else hi = mid;
      }
      segments.push({ start, end: hi, offsetMs: current });
      start = hi;
      current = offsetMs(zone, hi);
    }
    probe = next;
  }
  segments.push({ start, end: to, offsetMs: current });
  return segments;
}
