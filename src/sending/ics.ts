/**
 * One event as an iCalendar file (RFC 5545), for an email's `.ics` attachment: the customer's calendar
 * application adds the appointment with one click. Written here rather than with a library because the hub
 * needs one VEVENT and every rule it must follow fits on this page:
 * - lines end with CRLF and are folded at 75 octets (§3.1), never inside a UTF-8 character, continuation
 *   lines starting with one space;
 * - TEXT values escape backslash, semicolon, comma and newlines (§3.3.11);
 * - times are UTC (`19980119T070000Z`, §3.3.5 form #2): no VTIMEZONE needed, every client shows local time;
 * - METHOD:PUBLISH (RFC 5546 §3.2.1): a copy for the customer's calendar, not an invitation to answer;
 * - UID is stable per appointment and SEQUENCE grows with its changes, so a later file updates the entry.
 */

export interface CalendarEntry {
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  location?: string | undefined;
  description?: string | undefined;
  /** Revision of the entry: a later file with a higher sequence replaces an earlier one (its time moved). */
  sequence?: number;
  /** When the file is made (DTSTAMP). */
  stamp: Date;
}

export const ICS_CONTENT_TYPE = 'text/calendar; charset=utf-8; method=PUBLISH';

const utc = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 5545 §3.1), never splitting a UTF-8 character. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    if (octets + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function calendarFile(entry: CalendarEntry): string {
  if (!(entry.end.getTime() > entry.start.getTime())) throw new RangeError('the end of a calendar entry must be after its start');
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//connector-hub//reminders//FR',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${escapeText(entry.uid)}`,
    `DTSTAMP:${utc(entry.stamp)}`,
    `DTSTART:${utc(entry.start)}`,
    `DTEND:${utc(entry.end)}`,
    `SEQUENCE:${entry.sequence ?? 0}`,
    `SUMMARY:${escapeText(entry.summary)}`,
    ...(entry.location ? [`LOCATION:${escapeText(entry.location)}`] : []),
    ...(entry.description ? [`DESCRIPTION:${escapeText(entry.description)}`] : []),
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
