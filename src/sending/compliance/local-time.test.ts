import { describe, expect, it } from 'vitest';
import { HOUR_MS, InvalidTimeZoneError, ianaZone, offsetSegments, wallDay, wallMs } from './local-time.ts';

describe('local time helpers', () => {
  it('cuts at the exact millisecond of a DST change (Europe/Paris, 29 Mar 2026 01:00Z)', () => {
    const zone = ianaZone('Europe/Paris');
    const from = Date.parse('2026-03-28T12:00:00Z');
    const to = Date.parse('2026-03-30T12:00:00Z');
    expect(offsetSegments(zone, from, to)).toEqual([
      { start: from, end: Date.parse('2026-03-29T01:00:00Z'), offsetMs: HOUR_MS },
      { start: Date.parse('2026-03-29T01:00:00Z'), end: to, offsetMs: 2 * HOUR_MS },
    ]);
  });

  it('returns one segment when the offset does not change', () => {
    const zone = ianaZone('Asia/Tokyo');
    const from = Date.parse('2026-03-28T12:00:00Z');
    expect(offsetSegments(zone, from, from + 48 * HOUR_MS)).toEqual([
      { start: from, end: from + 48 * HOUR_MS, offsetMs: 9 * HOUR_MS },
    ]);
  });

  it('reads the local date and ISO weekday on the wall clock', () => {
    const zone = ianaZone('Asia/Tokyo');
    // Monday 13 July 23:30Z is Tuesday 14 July 08:30 in Tokyo.
    expect(wallDay(wallMs(zone, Date.parse('2026-07-13T23:30:00Z')))).toMatchObject({ isoDate: '2026-07-14', weekday: 2 });
  });

  it('names an unknown zone', () => {
    expect(() => ianaZone('Europe/Atlantis')).toThrow(new InvalidTimeZoneError('Europe/Atlantis'));
    expect(() => ianaZone('Europe/Atlantis')).toThrow('Unknown time zone "Europe/Atlantis"');
  });
});
