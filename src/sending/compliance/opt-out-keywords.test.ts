import { describe, expect, it } from 'vitest';
import { DEFAULT_OPT_OUT_KEYWORDS, OptOutKeywords, findOptOutKeyword, matchOptOut } from './opt-out-keywords.ts';

describe('matchOptOut with the default keywords', () => {
  it.each([
    { text: 'STOP', keyword: 'STOP' },
    { text: 'stop', keyword: 'STOP' },
    { text: 'Stop.', keyword: 'STOP' },
    { text: 'stop.', keyword: 'STOP' },
    { text: '  STOP ', keyword: 'STOP' },
    { text: 'STOP!!!', keyword: 'STOP' },
    { text: '«STOP»', keyword: 'STOP' },
    { text: 'STOP\nmerci', keyword: 'STOP' },
    { text: 'ＳＴＯＰ', keyword: 'STOP' }, // full-width letters from some keyboards
    { text: 'ARRÊT', keyword: 'ARRET' },
    { text: 'arret svp', keyword: 'ARRET' },
    { text: 'Arrêt, merci', keyword: 'ARRET' },
    { text: 'STOP SMS', keyword: 'STOP SMS' },
    { text: 'stop-sms', keyword: 'STOP SMS' },
    { text: 'Désabonner', keyword: 'DESABONNER' },
    { text: 'DESABONNER moi', keyword: 'DESABONNER' },
    { text: 'stopall', keyword: 'STOPALL' },
    { text: 'Unsubscribe please', keyword: 'UNSUBSCRIBE' },
  ])('$text → $keyword', ({ text, keyword }) => {
    expect(matchOptOut(text)).toBe(true);
    expect(findOptOutKeyword(text)).toBe(keyword);
  });

  it.each([
    { text: 'STOPPER', why: 'a longer word is not the keyword' },
    { text: 'Non stop', why: 'the keyword is not the first word' },
    { text: 'Merci, stop', why: 'the keyword is not the first word' },
    { text: '', why: 'empty' },
    { text: '   ', why: 'blank' },
    { text: '!!!', why: 'punctuation only' },
    { text: 'ARRETE', why: 'a different word (add it to the tenant list if wanted)' },
    { text: 'END', why: 'US carrier keyword, not a French default' },
    { text: 'cancel', why: 'collides with booking replies' },
    { text: 'QUIT', why: 'US carrier keyword, not a French default' },
    { text: 'S.T.O.P', why: 'letters separated by punctuation are separate words' },
  ])('$text does not match ($why)', ({ text }) => {
    expect(matchOptOut(text)).toBe(false);
    expect(findOptOutKeyword(text)).toBeUndefined();
  });
});

describe('tenant keyword lists', () => {
  it('matches a multi-word keyword only as a whole prefix phrase', () => {
    const keywords = ['STOP SMS'];
    expect(matchOptOut('stop sms', keywords)).toBe(true);
    expect(matchOptOut('STOP, SMS.', keywords)).toBe(true);
    expect(matchOptOut('stop sms merci', keywords)).toBe(true);
    expect(matchOptOut('stop', keywords)).toBe(false);
    expect(matchOptOut('stop smsx', keywords)).toBe(false);
    expect(matchOptOut('sms stop', keywords)).toBe(false);
  });

  it('returns the keyword as configured, the longest phrase first', () => {
    expect(findOptOutKeyword('ARRET', ['Arrêt'])).toBe('Arrêt');
    expect(findOptOutKeyword('stop sms', ['STOP', 'STOP SMS'])).toBe('STOP SMS');
    expect(findOptOutKeyword('stop', ['STOP', 'STOP SMS'])).toBe('STOP');
  });

  it('defaults to the French list', () => {
    expect(OptOutKeywords.parse(undefined)).toEqual([...DEFAULT_OPT_OUT_KEYWORDS]);
    expect(DEFAULT_OPT_OUT_KEYWORDS).toEqual(['STOP', 'STOP SMS', 'ARRET', 'DESABONNER', 'STOPALL', 'UNSUBSCRIBE']);
  });

  it('trims and drops duplicates after folding, keeping the first spelling', () => {
    expect(OptOutKeywords.parse([' stop ', 'STOP', 'arrêt', 'ARRET', 'Stop  SMS', 'stop sms'])).toEqual([
      'stop',
      'arrêt',
      'Stop  SMS',
    ]);
  });

  it.each([
    { input: [], message: 'at least one opt-out keyword' },
    { input: ['   '], message: 'cannot be empty' },
    { input: ['!!'], message: 'at least one letter or digit' },
    { input: ['x'.repeat(41)], message: 'at most 40 characters' },
  ])('refuses $input', ({ input, message }) => {
    const result = OptOutKeywords.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContainEqual(expect.stringContaining(message));
  });
});
