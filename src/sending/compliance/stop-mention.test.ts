import { describe, expect, it } from 'vitest';
import { OptOutMention, ensureOptOutMention, hasOptOutMention } from './stop-mention.ts';

const MENTION = 'STOP au 36173';

describe('hasOptOutMention', () => {
  it.each([
    { text: 'Soldes -20% ce week-end ! STOP au 36173', present: true },
    { text: 'Soldes -20% ce week-end !\nStop au 36173', present: true },
    { text: 'Soldes ! stop AU 36173.', present: true },
    { text: 'Soldes ! STOP  au\n36173', present: true },
    { text: 'STOP au 36173 : soldes !', present: true },
    { text: 'Soldes ! STOP au 36111', present: false },
    { text: 'Soldes ! STOP au 361734', present: false },
    { text: 'Soldes ! STOP au 36 173', present: false },
    { text: 'Soldes ! STOP 36173', present: false },
    { text: 'Soldes ! STOPau36173', present: false },
    { text: '', present: false },
  ])('$text → $present', ({ text, present }) => {
    expect(hasOptOutMention(text, MENTION)).toBe(present);
  });

  it('ignores accents in the mention and the text', () => {
    expect(hasOptOutMention('Promo. Désinscription : répondez ARRÊT', 'desinscription : repondez ARRET')).toBe(true);
  });

  it('refuses a mention without letters or digits', () => {
    expect(() => hasOptOutMention('Promo', '!!!')).toThrow('has no letters or digits');
  });
});

describe('ensureOptOutMention', () => {
  it.each([
    { name: 'absent: appended on its own line', text: 'Soldes -20% ce week-end !', expected: 'Soldes -20% ce week-end !\nSTOP au 36173', appended: true },
    { name: 'absent, trailing whitespace dropped before the footer', text: 'Soldes !  \n', expected: 'Soldes !\nSTOP au 36173', appended: true },
    { name: 'another short code: the tenant mention is added', text: 'Soldes ! STOP au 36111', expected: 'Soldes ! STOP au 36111\nSTOP au 36173', appended: true },
    { name: 'empty text: the mention alone', text: '', expected: 'STOP au 36173', appended: true },
    { name: 'present: untouched', text: 'Soldes !\nSTOP au 36173', expected: 'Soldes !\nSTOP au 36173', appended: false },
    { name: 'present with another case: untouched', text: 'Soldes ! Stop au 36173', expected: 'Soldes ! Stop au 36173', appended: false },
  ])('$name', ({ text, expected, appended }) => {
    expect(ensureOptOutMention(text, MENTION)).toEqual({ text: expected, appended });
  });

  it('is idempotent', () => {
    const once = ensureOptOutMention('Soldes !', MENTION).text;
    expect(ensureOptOutMention(once, MENTION)).toEqual({ text: once, appended: false });
  });
});

describe('OptOutMention schema', () => {
  it.each(['STOP au 36173', 'STOP SMS au 36173', '  Stop au 36173  ', 'Désinscription: STOP au 36173'])('accepts %j', (mention) => {
    expect(OptOutMention.safeParse(mention).success).toBe(true);
  });

  it('trims and composes accents (e + combining acute → é, a GSM-7 character)', () => {
    expect(OptOutMention.parse('  De\u0301sinscription STOP au 36173 ')).toBe('Désinscription STOP au 36173');
  });

  it.each([
    { mention: '', message: 'cannot be empty' },
    { mention: '!!!', message: 'must contain letters or digits' },
    { mention: 'STOP au\u00a036173', message: 'U+00A0' }, // non-breaking space from a word processor
    { mention: 'STOP l’envoi au 36173', message: 'U+2019' }, // typographic apostrophe
    { mention: 'Arrêt au 36173', message: 'U+00EA' }, // ê is not GSM-7
    { mention: 'STOP\nau 36173', message: 'one line' },
    { mention: 'STOP au 36173 — gratuit, sans frais, merci', message: 'at most 40 characters' },
  ])('refuses $mention', ({ mention, message }) => {
    const result = OptOutMention.safeParse(mention);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContainEqual(expect.stringContaining(message));
  });
});
