/**
 * Public holidays by country and subdivision, from `date-holidays` (3.37.0), judged on a local
 * calendar date ("YYYY-MM-DD") so the caller decides whose date it is (the contact's).
 *
 * What counts as a holiday: entries of type `public` or `bank` (date-holidays' types: public, bank,
 * school, optional, observance). `observance` days are not days off (Pentecost Sunday, Mothers' Day in
 * FR) and `optional`/`school` are not closures for everyone, so they do not block sending.
 *
 * France, checked against the library's data (data/countries/FR.yaml) and Code du travail L3133-1:
 * 1 Jan, Easter Monday, 1 May, 8 May, Ascension, Whit Monday, 14 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec are
 * all `public` in 3.37.0; Pentecost Sunday is `observance` (a Sunday anyway). Subdivisions: "57"
 * (Moselle), "67" (Bas-Rhin), "68" (Haut-Rhin) add Good Friday and 26 Dec (local law of Alsace-Moselle,
 * Code du travail L3134-13); "GP", "MQ", "GF", "RE", "YT", "MF", "BL" add the overseas days.
 *
 * Good Friday is legally a holiday only in communes with a Protestant temple or a mixed church; the
 * library (and we) block it in the three departments as a whole, which errs on the quiet side.
 *
 * Guard: Whit Monday is the day other libraries get wrong — it is also the "journée de solidarité"
 * (worked in many companies), and the Ruby `holidays` definitions had it as informal from 2023 to 2026
 * (holidays/definitions#253, #282, #328). It is still a statutory holiday, so for FR the statutory list is
 * forced to `public` through the library's own `setHoliday` (its Easter computation is right); a data
 * change upstream cannot silently reopen sending on those days. A test pins the library's FR list.
 */
import Holidays from 'date-holidays';
import { z } from 'zod';

/** Code du travail L3133-1, in date-holidays' rule grammar ("easter 50" = Easter Sunday + 50 days). */
const FRENCH_STATUTORY_HOLIDAYS: ReadonlyArray<{ rule: string; fr: string; en: string }> = [
  { rule: '01-01', fr: "Jour de l'an", en: "New Year's Day" },
  { rule: 'easter 1', fr: 'Lundi de Pâques', en: 'Easter Monday' },
  { rule: '05-01', fr: 'Fête du travail', en: 'Labour Day' },
  { rule: '05-08', fr: 'Victoire 1945', en: 'Victory Day' },
  { rule: 'easter 39', fr: 'Ascension', en: 'Ascension Day' },
  { rule: 'easter 50', fr: 'Lundi de Pentecôte', en: 'Whit Monday' },
  { rule: '07-14', fr: 'Fête nationale', en: 'Bastille Day' },
  { rule: '08-15', fr: 'Assomption', en: 'Assumption' },
  { rule: '11-01', fr: 'Toussaint', en: "All Saints' Day" },
  { rule: '11-11', fr: 'Armistice 1918', en: 'Armistice Day' },
  { rule: '12-25', fr: 'Noël', en: 'Christmas Day' },
];

const BLOCKING_TYPES: ReadonlySet<string> = new Set(['public', 'bank']);

/** Shape of a holiday calendar choice; validated against the library by `checkHolidayCalendar`. */
export const holidayCalendarShape = {
  /** ISO 3166-1 alpha-2, as date-holidays names countries. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: 'country must be an upper-case ISO 3166-1 alpha-2 code such as "FR"' })
    .default('FR'),
  /** date-holidays state code: "57", "67", "68" for Alsace-Moselle, "MQ" for Martinique… Omitted: the national list. */
  state: z.string().min(1).optional(),
};

export interface HolidayCalendar {
  country: string;
  state?: string | undefined;
}

let catalog: Holidays | undefined;
function holidayCatalog(): Holidays {
  catalog ??= new Holidays();
  return catalog;
}

/**
 * Refuses countries and states the library does not know. This matters: date-holidays silently falls
 * back to the national list for an unknown state, so a typo ("75" instead of "57") would drop
 * Alsace-Moselle's Good Friday without a word.
 */
export function checkHolidayCalendar(calendar: HolidayCalendar, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  if (!/^[A-Z]{2}$/.test(calendar.country)) return; // the shape's regex already reported it
  const countries = holidayCatalog().getCountries();
  if (countries[calendar.country] === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'country'],
      message: `no holiday calendar for country "${calendar.country}" (ISO 3166-1 alpha-2 code expected, e.g. "FR")`,
    });
    return;
  }
  if (calendar.state === undefined) return;
  const states = holidayCatalog().getStates(calendar.country) ?? {};
  if (states[calendar.state] === undefined) {
    const known = Object.keys(states);
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'state'],
      message:
        known.length === 0
          ? `country "${calendar.country}" has no subdivisions with their own holidays; remove state "${calendar.state}"`
          : `unknown state "${calendar.state}" for ${calendar.country}; known: ${known.join(', ')}`,
    });
  }
}

const calendars = new Map<string, Holidays>();
const years = new Map<string, ReadonlyMap<string, string>>();

function calendarFor(country: string, state: string | undefined): Holidays {
  const key = `${country}/${state ?? ''}`;
  let holidays = calendars.get(key);
  if (holidays === undefined) {
    holidays = state === undefined ? new Holidays(country) : new Holidays(country, state);
    if (country === 'FR') {
      for (const { rule, fr, en } of FRENCH_STATUTORY_HOLIDAYS) {
        // The typings omit HolidayRule's `type`; getRule returns undefined for a rule the data lacks.
        const current = holidays.getRule(rule) as { type?: string } | undefined;
        if (current?.type !== 'public') holidays.setHoliday(rule, { name: { fr, en }, type: 'public' });
      }
    }
    calendars.set(key, holidays);
  }
  return holidays;
}

/** isoDate → holiday name, for the blocking holidays of one year. */
function blockingHolidaysOf(calendar: HolidayCalendar, year: number): ReadonlyMap<string, string> {
  const key = `${calendar.country}/${calendar.state ?? ''}/${year}`;
  let days = years.get(key);
  if (days === undefined) {
    const map = new Map<string, string>();
    for (const holiday of calendarFor(calendar.country, calendar.state).getHolidays(year)) {
      if (!BLOCKING_TYPES.has(holiday.type)) continue;
      // `date` is the local start ("2026-05-25 00:00:00"); a holiday with a start hour counts for its
      // whole day, and a multi-day one for each of its days (23/25-hour DST days round to one).
      const first = Date.parse(`${holiday.date.slice(0, 10)}T00:00:00Z`);
      const length = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / 86_400_000));
      for (let i = 0; i < length; i++) {
        const isoDate = new Date(first + i * 86_400_000).toISOString().slice(0, 10);
        if (!map.has(isoDate)) map.set(isoDate, holiday.name);
      }
    }
    days = map;
    years.set(key, days);
  }
  return days;
}

/** The name of the public holiday on this local date ("YYYY-MM-DD"), or undefined. */
export function publicHolidayOn(isoDate: string, calendar: HolidayCalendar): string | undefined {
  const year = Number(isoDate.slice(0, 4));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate) || !Number.isInteger(year)) {
    throw new RangeError(`expected a local date "YYYY-MM-DD", got "${isoDate}"`);
  }
  // A holiday starting on 31 Dec and spanning into January is listed under the earlier year.
  return blockingHolidaysOf(calendar, year).get(isoDate) ?? blockingHolidaysOf(calendar, year - 1).get(isoDate);
}

export function isPublicHoliday(isoDate: string, calendar: HolidayCalendar): boolean {
  return publicHolidayOn(isoDate, calendar) !== undefined;
}
