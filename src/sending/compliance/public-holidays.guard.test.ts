import { describe, expect, it, vi } from 'vitest';
import type * as DateHolidays from 'date-holidays';
import { isPublicHoliday } from './public-holidays.ts';

// A date-holidays whose French data demotes Whit Monday and drops Ascension, as other holiday
// libraries have done (holidays/definitions#253): the statutory guard must still block both.
vi.mock('date-holidays', async (importOriginal) => {
  const original = await importOriginal<typeof DateHolidays>();
  const Original = original.default;
  class Degraded extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      if (args[0] === 'FR') {
        this.setHoliday('easter 50', { name: 'Lundi de Pentecôte', type: 'observance' });
        this.unsetRule('easter 39');
      }
    }
  }
  return { ...original, default: Degraded };
});

describe('French statutory holiday guard', () => {
  it('blocks Whit Monday even when the library marks it as an observance', () => {
    expect(isPublicHoliday('2026-05-25', { country: 'FR' })).toBe(true);
    expect(isPublicHoliday('2026-05-25', { country: 'FR', state: '57' })).toBe(true);
  });

  it('blocks Ascension even when the library lacks it', () => {
    expect(isPublicHoliday('2026-05-14', { country: 'FR' })).toBe(true);
  });
});
