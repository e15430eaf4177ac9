/**
 * An event's start or end in the calendar's time zone. Google gives `dateTime` with an offset
 * (and the zone it was typed in, which may differ from the calendar's), or `date` alone for an
 * all-day event, which is a local date with no instant: it is taken at midnight in the calendar's
 * zone, the moment the salon's day starts.
 */
import { DateTime } from 'luxon';
import type { When } from './event-types.ts';
import type { EventDateTime } from './payloads.ts';

const dayFormat = new Map<string, Intl.DateTimeFormat>();

function dayInWords(date: DateTime): string {
  const zone = date.zoneName ?? 'UTC';
  let format = dayFormat.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: zone });
    dayFormat.set(zone, format);
  }
  return format.format(date.toJSDate());
}

export function whenOf(value: EventDateTime | undefined, calendarTimeZone: string): When | undefined {
  if (!value) return undefined;
  let date: DateTime;
  if (value.dateTime) date = DateTime.fromISO(value.dateTime, { setZone: true }).setZone(calendarTimeZone);
  else if (value.date) date = DateTime.fromISO(value.date, { zone: calendarTimeZone });
  else return undefined;
  if (!date.isValid) return undefined;
  return { at: date.toISO()!, date: date.toISODate()!, time: value.dateTime ? date.toFormat('HH:mm') : null, day: dayInWords(date) };
}

/** Two Whens are the same moment (offsets may be spelled differently). */
export const sameInstant = (a: When, b: When) => new Date(a.at).getTime() === new Date(b.at).getTime() && a.time === b.time;
