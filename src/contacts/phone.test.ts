import { describe, expect, it } from 'vitest';
import { isMobile, normalizePhone, toPhoneRegion, type PhoneRejection } from './phone.ts';

describe('normalizePhone', () => {
  it.each([
    // French mobiles, as people and shops type them.
    ['06 12 34 56 78', 'FR', '+33612345678', 'MOBILE'],
    ['+33 6 12 34 56 78', 'FR', '+33612345678', 'MOBILE'],
    ['0033612345678', 'FR', '+33612345678', 'MOBILE'],
    ['06.12.34.56.78', 'FR', '+33612345678', 'MOBILE'],
    ['+33 (0)6 12 34 56 78', 'FR', '+33612345678', 'MOBILE'],
    ['  0612345678 ', 'FR', '+33612345678', 'MOBILE'],
    ['07 81 23 45 67', 'FR', '+33781234567', 'MOBILE'],
    // French landlines and other services: valid numbers, not mobiles.
    ['01 23 45 67 89', 'FR', '+33123456789', 'FIXED_LINE'],
    ['04 78 12 34 56', 'FR', '+33478123456', 'FIXED_LINE'],
    ['09 70 12 34 56', 'FR', '+33970123456', 'VOIP'],
    ['0800 12 34 56', 'FR', '+33800123456', 'TOLL_FREE'],
    // Overseas departments typed nationally from a French shop: their own calling codes.
    ['0692 12 34 56', 'FR', '+262692123456', 'MOBILE'],
    ['0690 12 34 56', 'FR', '+590690123456', 'MOBILE'],
    ['+262 692 12 34 56', 'FR', '+262692123456', 'MOBILE'],
    // International.
    ['+32 470 12 34 56', 'FR', '+32470123456', 'MOBILE'],
    ['0470 12 34 56', 'BE', '+32470123456', 'MOBILE'],
    ['+44 7911 123456', 'FR', '+447911123456', 'MOBILE'],
    ['00 44 7911 123456', 'FR', '+447911123456', 'MOBILE'],
    ['+1 415 555 2671', 'FR', '+14155552671', 'FIXED_LINE_OR_MOBILE'],
    ['+41 78 123 45 67', 'FR', '+41781234567', 'MOBILE'],
  ] as const)('%s (region %s) → %s', (input, region, e164, type) => {
    const result = normalizePhone(input, region);
    expect(result).toMatchObject({ ok: true, e164, type });
  });

  it.each([
    ['06 12 34 5', 'too-short'],
    ['06 12', 'too-short'],
    ['06 12 34 56 78 99', 'too-long'],
    ['07 00 00 00 00', 'not-assigned'],
    ['+33 6 92 12 34 56', 'not-assigned'],
    ['abc', 'not-a-number'],
    ['', 'not-a-number'],
    ['   ', 'not-a-number'],
    ['call 0612345678', 'not-a-number'],
    ['0612345678a', 'not-a-number'],
    ['+33612345678 ext 5', 'extension'],
    ['+999 1234 5678', 'invalid-country'],
    ['1'.repeat(80), 'too-long'],
  ] as const satisfies readonly (readonly [string, PhoneRejection])[])('refuses %j (%s) with a readable message', (input, reason) => {
    const result = normalizePhone(input, 'FR');
    expect(result).toEqual({ ok: false, reason, message: expect.stringContaining(`"${input}" is not a valid phone number for region FR`) });
  });

  it('reads national numbers in the given region', () => {
    expect(normalizePhone('06 12 34 56 78', 'BE')).toMatchObject({ ok: false });
    expect(normalizePhone('06 12 34 56 78')).toMatchObject({ ok: true, e164: '+33612345678' });
  });

  it('accepts plausible numbers in unknown ranges only when asked (the opt-out list)', () => {
    expect(normalizePhone('07 00 00 00 00', 'FR')).toMatchObject({ ok: false });
    expect(normalizePhone('07 00 00 00 00', 'FR', { acceptPossible: true })).toMatchObject({ ok: true, e164: '+33700000000', mobile: false });
    expect(normalizePhone('06 12', 'FR', { acceptPossible: true })).toMatchObject({ ok: false, reason: 'too-short' });
  });
});

describe('isMobile', () => {
  it.each([
    ['+33612345678', true],
    ['06 12 34 56 78', true],
    ['+262692123456', true],
    ['+14155552671', true],
    ['+33123456789', false],
    ['+33970123456', false],
    ['+33800123456', false],
    ['garbage', false],
  ])('%s → %s', (phone, mobile) => {
    expect(isMobile(phone)).toBe(mobile);
  });
});

describe('toPhoneRegion', () => {
  it.each([
    ['FR', 'FR'],
    ['be', 'BE'],
    ['XX', undefined],
    [42, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, region) => {
    expect(toPhoneRegion(value)).toBe(region);
  });
});
