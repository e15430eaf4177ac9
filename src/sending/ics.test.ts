import { describe, expect, it } from 'vitest';
import { calendarFile, escapeText, foldLine } from './ics.ts';

/** RFC 5545 §3.1 unfolding, then the lines. */
const unfold = (file: string) => file.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('iCalendar file (RFC 5545)', () => {
  const entry = {
    uid: 'salon.dupont@example.com/rdvclaire1',
    start: new Date('2026-12-10T09:00:00.000Z'),
    end: new Date('2026-12-10T09:45:00.000Z'),
    summary: 'Claire Martin — coupe, brushing; 45 min',
    location: 'Salon Dupont\n12 rue des Lilas, Lyon',
    stamp: new Date('2026-12-09T17:00:01.234Z'),
  };

  it('one VEVENT in UTC, METHOD:PUBLISH, CRLF line ends', () => {
    const file = calendarFile(entry);
    expect(file.endsWith('\r\n')).toBe(true);
    expect(file.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(unfold(file)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//connector-hub//reminders//FR',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      'UID:salon.dupont@example.com/rdvclaire1',
      'DTSTAMP:20261209T170001Z',
      'DTSTART:20261210T090000Z',
      'DTEND:20261210T094500Z',
      'SEQUENCE:0',
      'SUMMARY:Claire Martin — coupe\\, brushing\\; 45 min',
      'LOCATION:Salon Dupont\\n12 rue des Lilas\\, Lyon',
      'STATUS:CONFIRMED',
      'TRANSP:OPAQUE',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ]);
  });

  it.each([
    ['a\\b', 'a\\\\b'],
    ['un; deux, trois', 'un\\; deux\\, trois'],
    ['ligne 1\r\nligne 2\nligne 3', 'ligne 1\\nligne 2\\nligne 3'],
  ])('escapes the TEXT value %j', (value, escaped) => expect(escapeText(value)).toBe(escaped));

  it('folds long lines at 75 octets without splitting a UTF-8 character', () => {
    const line = `DESCRIPTION:${'é'.repeat(60)}${'x'.repeat(40)}🙂 fin`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const [index, part] of parts.entries()) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
      if (index > 0) expect(part.startsWith(' ')).toBe(true);
      // Each physical line is valid UTF-8 on its own.
      expect(Buffer.from(Buffer.from(part).toString('utf8')).equals(Buffer.from(part))).toBe(true);
    }
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  it('refuses an entry that ends before it starts', () => {
    expect(() => calendarFile({ ...entry, end: entry.start })).toThrow(RangeError);
  });
});
