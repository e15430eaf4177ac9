import Holidays from 'date-holidays';
import { describe, expect, it } from 'vitest';
import { isPublicHoliday, publicHolidayOn } from './public-holidays.ts';
import type { HolidayCalendar } from './public-holidays.ts';

function blockedDaysOf(year: number, calendar: HolidayCalendar): string[] {
  const days: string[] = [];
  for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 86_400_000) {
    const isoDate = new Date(ms).toISOString().slice(0, 10);
    if (isPublicHoliday(isoDate, calendar)) days.push(isoDate);
  }
  return days;
}

// Code du travail L3133-1, 2026 dates (Easter Sunday 5 April).
const FRANCE_2026 = [
  '2026-01-01', // Jour de l'an
  '2026-04-06', // Lundi de Pâques
  '2026-05-01', // Fête du travail
  '2026-05-08', // Victoire 1945
  '2026-05-14', // Ascension
  '2026-05-25', // Lundi de Pentecôte
  '2026-07-14', // Fête nationale
  '2026-08-15', // Assomption
  '2026-11-01', // Toussaint
  '2026-11-11', // Armistice 1918
  '2026-12-25', // Noël
];

describe('public holidays', () => {
  it('blocks exactly the eleven statutory French holidays in 2026', () => {
    expect(blockedDaysOf(2026, { country: 'FR' })).toEqual(FRANCE_2026);
  });

  it('follows Easter in other years (2027: Easter 28 March)', () => {
    expect(publicHolidayOn('2027-03-29', { country: 'FR' })).toBe('Lundi de Pâques');
    expect(publicHolidayOn('2027-05-06', { country: 'FR' })).toBe('Ascension');
    expect(publicHolidayOn('2027-05-17', { country: 'FR' })).toBe('Lundi de Pentecôte');
  });

  it("pins date-holidays' own classification for France (a change here needs a look at the guard)", () => {
    const rules = new Map(new Holidays('FR').getHolidays(2026).map((h) => [h.rule, h.type]));
    expect(rules.get('easter 50')).toBe('public'); // Whit Monday
    expect(rules.get('easter 39')).toBe('public'); // Ascension
    expect(rules.get('easter 49')).toBe('observance'); // Pentecost Sunday
    expect(rules.get('sunday before 06-01')).toBe('observance'); // Mothers' Day
  });

  it.each([
    { name: 'Pentecost Sunday', date: '2026-05-24' },
    { name: "Mothers' Day", date: '2026-05-31' },
    { name: 'Good Friday outside Alsace-Moselle', date: '2026-04-03' },
    { name: '26 December outside Alsace-Moselle', date: '2026-12-26' },
    { name: 'an ordinary Tuesday', date: '2026-06-16' },
  ])('does not block $name', ({ date }) => {
    expect(isPublicHoliday(date, { country: 'FR' })).toBe(false);
  });

  it.each(['57', '67', '68'])('adds Good Friday and 26 December in Alsace-Moselle (state %s)', (state) => {
    const days = blockedDaysOf(2026, { country: 'FR', state });
    expect(days).toEqual([...FRANCE_2026, '2026-04-03', '2026-12-26'].sort());
  });

  it('adds the overseas days for Martinique (22 May, abolition of slavery)', () => {
    expect(publicHolidayOn('2026-05-22', { country: 'FR', state: 'MQ' })).toBe('Abolition de l’esclavage');
    expect(isPublicHoliday('2026-05-22', { country: 'FR' })).toBe(false);
  });

  it('knows other countries (Belgium: 21 July)', () => {
    expect(isPublicHoliday('2026-07-21', { country: 'BE' })).toBe(true);
    expect(isPublicHoliday('2026-07-14', { country: 'BE' })).toBe(false);
  });

  it('refuses a malformed date', () => {
    expect(() => isPublicHoliday('14/07/2026', { country: 'FR' })).toThrow('expected a local date "YYYY-MM-DD"');
  });
});
