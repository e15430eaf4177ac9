import { describe, expect, it } from 'vitest';
import { InvalidTimeZoneError } from './local-time.ts';
import {
  DEFAULT_QUIET_HOURS_POLICY,
  QuietHoursPolicy,
  isSendAllowed,
  nextAllowedInstant,
} from './quiet-hours.ts';
import type { QuietHoursPolicyInput } from './quiet-hours.ts';

const policy = (input: QuietHoursPolicyInput): QuietHoursPolicy => QuietHoursPolicy.parse(input);
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

interface Case {
  name: string;
  at: string;
  zone?: string;
  policy?: QuietHoursPolicy;
  allowed: boolean;
  /** Expected nextAllowedInstant; when the instant is allowed it is the instant itself. */
  next?: string;
}

function check(c: Case): void {
  const instant = new Date(c.at);
  const zone = c.zone ?? 'Europe/Paris';
  const p = c.policy ?? DEFAULT_QUIET_HOURS_POLICY;
  expect(isSendAllowed(instant, zone, p)).toBe(c.allowed);
  const next = nextAllowedInstant(instant, zone, p);
  expect(next.toISOString()).toBe(new Date(c.allowed ? c.at : (c.next ?? 'missing')).toISOString());
  // The two functions must agree.
  expect(isSendAllowed(next, zone, p)).toBe(true);
}

describe('QuietHoursPolicy schema', () => {
  it('defaults to Monday–Saturday 08:00–20:00 with French public holidays blocked', () => {
    expect(QuietHoursPolicy.parse({})).toEqual({
      enabled: true,
      days: [1, 2, 3, 4, 5, 6],
      window: { start: '08:00', end: '20:00' },
      holidays: { blocked: true, country: 'FR' },
    });
    expect(DEFAULT_QUIET_HOURS_POLICY).toEqual(QuietHoursPolicy.parse({}));
  });

  it.each([
    { name: 'Alsace-Moselle (Moselle)', input: { holidays: { country: 'FR', state: '57' } } },
    { name: 'Martinique', input: { holidays: { state: 'MQ' } } },
    { name: 'whole day', input: { days: EVERY_DAY, window: { start: '00:00', end: '24:00' } } },
    { name: 'Mon–Fri 09:00–18:00, holidays off', input: { days: [1, 2, 3, 4, 5], window: { start: '09:00', end: '18:00' }, holidays: { blocked: false } } },
    { name: 'another country', input: { holidays: { country: 'BE' } } },
  ])('accepts $name', ({ input }) => {
    expect(QuietHoursPolicy.safeParse(input).success).toBe(true);
  });

  it.each([
    { name: 'no allowed day', input: { days: [] }, path: 'days', message: 'days is empty' },
    { name: 'weekday 0', input: { days: [0, 1] }, path: 'days.0', message: '1 (Monday) to 7 (Sunday)' },
    { name: 'weekday 8', input: { days: [8] }, path: 'days.0', message: '1 (Monday) to 7 (Sunday)' },
    { name: 'a weekday twice', input: { days: [1, 1] }, path: 'days', message: 'weekday 1 twice' },
    { name: 'empty window (start == end)', input: { window: { start: '09:00', end: '09:00' } }, path: 'window', message: 'window is empty' },
    { name: 'window crossing midnight', input: { window: { start: '22:00', end: '06:00' } }, path: 'window', message: 'crossing midnight' },
    { name: 'hour 25', input: { window: { start: '25:00' } }, path: 'window.start', message: '"HH:mm"' },
    { name: 'single-digit hour', input: { window: { start: '8:00' } }, path: 'window.start', message: '"HH:mm"' },
    { name: 'start at 24:00', input: { window: { start: '24:00', end: '24:00' } }, path: 'window.start', message: '"HH:mm"' },
    { name: 'end 24:30', input: { window: { end: '24:30' } }, path: 'window.end', message: '"24:00"' },
    { name: 'unknown country', input: { holidays: { country: 'XX' } }, path: 'holidays.country', message: 'no holiday calendar for country "XX"' },
    { name: 'lower-case country', input: { holidays: { country: 'fr' } }, path: 'holidays.country', message: 'upper-case ISO 3166-1' },
    { name: 'unknown French state', input: { holidays: { state: '75' } }, path: 'holidays.state', message: 'unknown state "75" for FR; known: 57, 67, 68' },
  ])('refuses $name with a clear message', ({ input, path, message }) => {
    const result = QuietHoursPolicy.safeParse(input);
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) ?? [];
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });
});

describe('default policy in Europe/Paris', () => {
  it.each<Case>([
    { name: 'Saturday 19:59 is allowed', at: '2026-06-13T17:59:00Z', allowed: true },
    { name: 'Saturday 19:59:59.999 is allowed (end exclusive)', at: '2026-06-13T17:59:59.999Z', allowed: true },
    { name: 'Saturday 20:00 → Monday 08:00', at: '2026-06-13T18:00:00Z', allowed: false, next: '2026-06-15T06:00:00Z' },
    { name: 'Saturday 08:00 is allowed (start inclusive)', at: '2026-06-13T06:00:00Z', allowed: true },
    { name: 'Saturday 07:59 → 08:00 the same day', at: '2026-06-13T05:59:00Z', allowed: false, next: '2026-06-13T06:00:00Z' },
    { name: 'Sunday noon → Monday 08:00', at: '2026-06-14T10:00:00Z', allowed: false, next: '2026-06-15T06:00:00Z' },
    { name: 'Saturday 20:30 before Easter Monday → Tuesday 08:00', at: '2026-04-04T18:30:00Z', allowed: false, next: '2026-04-07T06:00:00Z' },
    { name: 'Ascension (Thu 14 May 2026) → Friday 08:00', at: '2026-05-14T08:00:00Z', allowed: false, next: '2026-05-15T06:00:00Z' },
    { name: 'Wednesday 20:15 before Ascension → Friday 08:00', at: '2026-05-13T18:15:00Z', allowed: false, next: '2026-05-15T06:00:00Z' },
    { name: 'Whit Monday (25 May 2026) → Tuesday 08:00', at: '2026-05-25T08:00:00Z', allowed: false, next: '2026-05-26T06:00:00Z' },
    { name: 'Saturday evening before Whit Monday → Tuesday 08:00', at: '2026-05-23T19:00:00Z', allowed: false, next: '2026-05-26T06:00:00Z' },
    { name: '14 July (Tuesday) → Wednesday 08:00', at: '2026-07-14T07:00:00Z', allowed: false, next: '2026-07-15T06:00:00Z' },
    { name: '1 January (Thursday, CET) → Friday 08:00 CET', at: '2026-01-01T09:00:00Z', allowed: false, next: '2026-01-02T07:00:00Z' },
    { name: '31 Dec 2025 20:00 → 2 Jan 2026 08:00', at: '2025-12-31T19:00:00Z', allowed: false, next: '2026-01-02T07:00:00Z' },
    { name: '31 Dec 2026 20:00 → 2 Jan 2027 (Saturday) 08:00, across the year', at: '2026-12-31T19:00:00Z', allowed: false, next: '2027-01-02T07:00:00Z' },
    { name: 'Thursday 30 Apr 20:00 → Saturday 2 May (1 May is a holiday)', at: '2026-04-30T18:00:00Z', allowed: false, next: '2026-05-02T06:00:00Z' },
    { name: 'Christmas → Saturday 26 Dec 08:00 (not a holiday outside Alsace-Moselle)', at: '2026-12-25T09:00:00Z', allowed: false, next: '2026-12-26T07:00:00Z' },
    { name: 'Good Friday is an ordinary day outside Alsace-Moselle', at: '2026-04-03T08:00:00Z', allowed: true },
    { name: 'Pentecost Sunday stays blocked as a Sunday', at: '2026-05-24T08:00:00Z', allowed: false, next: '2026-05-26T06:00:00Z' },
    { name: "Mothers' Day (an observance) blocks nothing beyond Sunday", at: '2026-05-30T08:00:00Z', allowed: true },
    { name: 'Saturday 28 Mar 20:30 CET → Monday 30 Mar 08:00 CEST (spring forward on the Sunday)', at: '2026-03-28T19:30:00Z', allowed: false, next: '2026-03-30T06:00:00Z' },
    { name: 'Saturday 24 Oct 20:30 CEST → Monday 26 Oct 08:00 CET (fall back on the Sunday)', at: '2026-10-24T18:30:00Z', allowed: false, next: '2026-10-26T07:00:00Z' },
  ])('$name', check);
});

describe('contacts in other time zones: local window, policy country holidays on the local date', () => {
  it.each<Case>([
    { name: 'Martinique Saturday 19:30 is allowed (already Sunday in Paris)', zone: 'America/Martinique', at: '2026-06-13T23:30:00Z', allowed: true },
    { name: 'Martinique Saturday 20:30 → Monday 08:00 local', zone: 'America/Martinique', at: '2026-06-14T00:30:00Z', allowed: false, next: '2026-06-15T12:00:00Z' },
    { name: 'Martinique 14 July 10:00 → 15 July 08:00 local', zone: 'America/Martinique', at: '2026-07-14T14:00:00Z', allowed: false, next: '2026-07-15T12:00:00Z' },
    { name: 'Martinique 14 July 22:00 (15 July in Paris) → 15 July 08:00 local', zone: 'America/Martinique', at: '2026-07-15T02:00:00Z', allowed: false, next: '2026-07-15T12:00:00Z' },
    { name: 'Tokyo Saturday 08:30 is allowed (Friday night in Paris)', zone: 'Asia/Tokyo', at: '2026-06-12T23:30:00Z', allowed: true },
    { name: 'Tokyo 14 July 08:30 (13 July in Paris) is a holiday → 15 July 08:00 JST', zone: 'Asia/Tokyo', at: '2026-07-13T23:30:00Z', allowed: false, next: '2026-07-14T23:00:00Z' },
    { name: 'Tokyo 15 July 01:00 (still 14 July in Paris) → 15 July 08:00 JST', zone: 'Asia/Tokyo', at: '2026-07-14T16:00:00Z', allowed: false, next: '2026-07-14T23:00:00Z' },
    { name: 'Tokyo Sunday → Monday 08:00 JST', zone: 'Asia/Tokyo', at: '2026-06-14T03:00:00Z', allowed: false, next: '2026-06-14T23:00:00Z' },
  ])('$name', check);
});

describe('DST transitions in Europe/Paris (judged on the wall clock)', () => {
  const from0230 = policy({ days: EVERY_DAY, window: { start: '02:30', end: '20:00' } });
  const inGap = policy({ days: EVERY_DAY, window: { start: '02:00', end: '02:30' } });
  const until0230 = policy({ days: EVERY_DAY, window: { start: '00:00', end: '02:30' } });

  it.each<Case>([
    // 29 Mar 2026: 02:00 CET (01:00Z) jumps to 03:00 CEST.
    { name: 'spring: 01:30 CET, window from 02:30 → the jump, 03:00 CEST (not 03:30)', policy: from0230, at: '2026-03-29T00:30:00Z', allowed: false, next: '2026-03-29T01:00:00Z' },
    { name: 'spring: 01:59 CET is still outside', policy: from0230, at: '2026-03-29T00:59:00Z', allowed: false, next: '2026-03-29T01:00:00Z' },
    { name: 'spring: 03:00 CEST is inside', policy: from0230, at: '2026-03-29T01:00:00Z', allowed: true },
    { name: 'spring: window 02:00–02:30 never happens that day → next day 02:00 CEST', policy: inGap, at: '2026-03-29T00:30:00Z', allowed: false, next: '2026-03-30T00:00:00Z' },
    { name: 'spring: Saturday 02:15 CET is inside the gap window', policy: inGap, at: '2026-03-28T01:15:00Z', allowed: true },
    { name: 'spring: window until 02:30, 01:59 CET inside', policy: until0230, at: '2026-03-29T00:59:00Z', allowed: true },
    { name: 'spring: window until 02:30, 03:00 CEST → Monday 00:00 CEST', policy: until0230, at: '2026-03-29T01:00:00Z', allowed: false, next: '2026-03-29T22:00:00Z' },
    // 25 Oct 2026: 03:00 CEST (01:00Z) goes back to 02:00 CET; 02:00–02:59 happens twice.
    { name: 'autumn: 02:00 CEST, window from 02:30 → first 02:30 (CEST)', policy: from0230, at: '2026-10-25T00:00:00Z', allowed: false, next: '2026-10-25T00:30:00Z' },
    { name: 'autumn: 02:45 CEST inside', policy: from0230, at: '2026-10-25T00:45:00Z', allowed: true },
    { name: 'autumn: repeated 02:05 CET is before 02:30 again → second 02:30 (CET)', policy: from0230, at: '2026-10-25T01:05:00Z', allowed: false, next: '2026-10-25T01:30:00Z' },
    { name: 'autumn: window until 02:30, 02:45 CEST → the repeated 02:00 CET', policy: until0230, at: '2026-10-25T00:45:00Z', allowed: false, next: '2026-10-25T01:00:00Z' },
    { name: 'autumn: window until 02:30, second 02:30 (CET) → Monday 00:00 CET', policy: until0230, at: '2026-10-25T01:30:00Z', allowed: false, next: '2026-10-25T23:00:00Z' },
  ])('$name', check);
});

describe('custom and disabled policies', () => {
  const office = policy({ days: [1, 2, 3, 4, 5], window: { start: '09:00', end: '18:00' }, holidays: { blocked: false } });
  const disabled = policy({ enabled: false });
  const wholeDay = policy({ window: { start: '00:00', end: '24:00' } });
  const moselle = policy({ holidays: { country: 'FR', state: '57' } });
  const basRhin = policy({ holidays: { country: 'FR', state: '67' } });
  const hautRhin = policy({ holidays: { country: 'FR', state: '68' } });

  it.each<Case>([
    { name: 'office hours: Friday 17:59 allowed', policy: office, at: '2026-06-12T15:59:00Z', allowed: true },
    { name: 'office hours: Friday 18:00 → Monday 09:00', policy: office, at: '2026-06-12T16:00:00Z', allowed: false, next: '2026-06-15T07:00:00Z' },
    { name: 'office hours: Saturday → Monday 09:00', policy: office, at: '2026-06-13T08:00:00Z', allowed: false, next: '2026-06-15T07:00:00Z' },
    { name: 'office hours: Monday 08:59 → 09:00', policy: office, at: '2026-06-15T06:59:00Z', allowed: false, next: '2026-06-15T07:00:00Z' },
    { name: 'office hours, holidays off: 14 July 10:00 allowed', policy: office, at: '2026-07-14T08:00:00Z', allowed: true },
    { name: 'office hours, holidays off: Whit Monday allowed', policy: office, at: '2026-05-25T08:00:00Z', allowed: true },
    { name: 'disabled: Sunday 03:00 allowed', policy: disabled, at: '2026-06-14T01:00:00Z', allowed: true },
    { name: 'disabled: Christmas night allowed', policy: disabled, at: '2026-12-25T01:00:00Z', allowed: true },
    { name: 'whole day: Saturday 23:59 allowed', policy: wholeDay, at: '2026-06-13T21:59:00Z', allowed: true },
    { name: 'whole day: Sunday 00:00 → Monday 00:00', policy: wholeDay, at: '2026-06-13T22:00:00Z', allowed: false, next: '2026-06-14T22:00:00Z' },
    { name: 'Moselle: Good Friday → Saturday 08:00', policy: moselle, at: '2026-04-03T08:00:00Z', allowed: false, next: '2026-04-04T06:00:00Z' },
    { name: 'Bas-Rhin: Saturday 26 Dec → Monday 28 Dec 08:00', policy: basRhin, at: '2026-12-26T09:00:00Z', allowed: false, next: '2026-12-28T07:00:00Z' },
    { name: 'Haut-Rhin: 24 Dec 20:00 → Monday 28 Dec (25, 26 holidays, 27 Sunday)', policy: hautRhin, at: '2026-12-24T19:00:00Z', allowed: false, next: '2026-12-28T07:00:00Z' },
  ])('$name', check);
});

describe('errors', () => {
  it.each(['Europe/Pariss', 'Mars/Olympus_Mons', 'UTC+2', ''])('refuses the time zone %j, naming it', (zone) => {
    const at = new Date('2026-06-13T10:00:00Z');
    expect(() => isSendAllowed(at, zone, DEFAULT_QUIET_HOURS_POLICY)).toThrow(InvalidTimeZoneError);
    expect(() => isSendAllowed(at, zone, DEFAULT_QUIET_HOURS_POLICY)).toThrow(`Unknown time zone "${zone}"`);
    expect(() => nextAllowedInstant(at, zone, DEFAULT_QUIET_HOURS_POLICY)).toThrow(`Unknown time zone "${zone}"`);
  });

  it('refuses the time zone even when quiet hours are disabled', () => {
    expect(() => isSendAllowed(new Date('2026-06-13T10:00:00Z'), 'Nowhere/City', policy({ enabled: false }))).toThrow(
      InvalidTimeZoneError,
    );
  });

  it('refuses an invalid Date', () => {
    expect(() => nextAllowedInstant(new Date('not a date'), 'Europe/Paris', DEFAULT_QUIET_HOURS_POLICY)).toThrow(
      'instant is an invalid Date',
    );
  });

  it('stops with an explanation on a hand-built policy that allows nothing, instead of looping', () => {
    const broken: QuietHoursPolicy = { ...DEFAULT_QUIET_HOURS_POLICY, days: [] };
    expect(() => nextAllowedInstant(new Date('2026-06-13T10:00:00Z'), 'Europe/Paris', broken)).toThrow(
      /allows no sending minute.*QuietHoursPolicy/,
    );
  });
});

describe('nextAllowedInstant is the earliest instant isSendAllowed accepts', () => {
  // Scans minute by minute between each sample and its answer: nothing allowed may lie in between.
  const scenarios = [
    { zone: 'Europe/Paris', from: '2026-03-28T12:00:00Z' },
    { zone: 'Europe/Paris', from: '2026-10-24T12:00:00Z' },
    { zone: 'America/New_York', from: '2026-03-07T12:00:00Z' },
    { zone: 'America/New_York', from: '2026-10-31T12:00:00Z' },
    // Lord Howe Island shifts by 30 minutes (02:00 → 02:30 in October, 02:00 → 01:30 in April).
    { zone: 'Australia/Lord_Howe', from: '2026-04-04T00:00:00Z' },
    { zone: 'Australia/Lord_Howe', from: '2026-10-03T00:00:00Z' },
  ];
  const policies = {
    'default': DEFAULT_QUIET_HOURS_POLICY,
    'every day 02:30–20:00': policy({ days: EVERY_DAY, window: { start: '02:30', end: '20:00' }, holidays: { blocked: false } }),
    'every day 00:00–02:30': policy({ days: EVERY_DAY, window: { start: '00:00', end: '02:30' }, holidays: { blocked: false } }),
    'every day 01:45–02:15': policy({ days: EVERY_DAY, window: { start: '01:45', end: '02:15' }, holidays: { blocked: false } }),
  };
  const SAMPLE_STEP_MS = 193 * 60_000;
  const SPAN_MS = 2 * 86_400_000;

  for (const { zone, from } of scenarios) {
    for (const [label, p] of Object.entries(policies)) {
      it(`${zone} from ${from}, ${label}`, () => {
        const start = Date.parse(from);
        for (let t = start; t < start + SPAN_MS; t += SAMPLE_STEP_MS) {
          const next = nextAllowedInstant(new Date(t), zone, p).getTime();
          expect(next).toBeGreaterThanOrEqual(t);
          expect(isSendAllowed(new Date(next), zone, p)).toBe(true);
          for (let m = Math.floor(t / 60_000 + 1) * 60_000; m < next; m += 60_000) {
            if (isSendAllowed(new Date(m), zone, p)) {
              throw new Error(`${new Date(m).toISOString()} is allowed but next(${new Date(t).toISOString()}) = ${new Date(next).toISOString()}`);
            }
          }
        }
      });
    }
  }
});
