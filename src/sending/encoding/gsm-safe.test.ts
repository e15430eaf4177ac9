import { describe, expect, it } from 'vitest';
import { GSM_LOOKALIKES, suggestGsmRewrite } from './gsm-safe.ts';
import { GSM7_DEFAULT_ALPHABET, GSM7_ESCAPE, GSM7_EXTENSION_TABLE, gsm7Cost, isGsm7Text } from './gsm7-alphabet.ts';

describe('GSM lookalike table', () => {
  it.each([...GSM_LOOKALIKES])('%j → %j replaces a non-GSM character by GSM-7 text', (from, to) => {
    expect(gsm7Cost(from)).toBeUndefined();
    expect(isGsm7Text(to)).toBe(true);
  });
});

describe('suggestGsmRewrite', () => {
  it.each([
    ['L’offre', "L'offre", [['’', "'", 1]]],
    ['«\u00a0Soldes\u00a0»', '" Soldes "', [['«', '"', 1], ['\u00a0', ' ', 2], ['»', '"', 1]]],
    ['Prêt ?\u202fOui…', 'Pret ? Oui...', [['ê', 'e', 1], ['\u202f', ' ', 1], ['…', '...', 1]]],
    ['Fête – été — noël', 'Fete - été - noel', [['ê', 'e', 1], ['–', '-', 1], ['—', '-', 1], ['ë', 'e', 1]]],
    ['Cœur, ŒUVRE', 'Coeur, OEUVRE', [['œ', 'oe', 1], ['Œ', 'OE', 1]]],
    ['reçu, Ça va', 'recu, Ça va', [['ç', 'c', 1]]],
    ['À bientôt à Noël, Île, Ô, Û', 'A bientot à Noel, Ile, O, U', [['À', 'A', 1], ['ô', 'o', 1], ['ë', 'e', 1], ['Î', 'I', 1], ['Ô', 'O', 1], ['Û', 'U', 1]]],
    ['“Top” ‘ok’', '"Top" \'ok\'', [['“', '"', 1], ['”', '"', 1], ['‘', "'", 1], ['’', "'", 1]]],
    ['Fe\u0302te', 'Fete', [['e\u0302', 'e', 1]]],
    ['Cafe\u0301', 'Café', [['e\u0301', 'é', 1]]],
    ['mot\u200bclé', 'motclé', [['\u200b', '', 1]]],
  ] as const)('%j → %j', (input, expected, replacements) => {
    const result = suggestGsmRewrite(input);
    expect(result).toMatchObject({ outcome: 'rewritten', changed: true, text: expected, remainingNonGsm: [] });
    expect(result.replacements).toEqual(replacements.map(([from, to, count]) => ({ from, to, count })));
    expect(result.analysis.encoding).toBe('GSM-7');
  });

  it('returns GSM-7 text untouched', () => {
    const input = 'Été à Lyon: -20% sur {tout} €';
    expect(suggestGsmRewrite(input)).toMatchObject({ outcome: 'already-gsm', changed: false, text: input, replacements: [] });
  });

  it('leaves the text alone and says why when an emoji keeps it in UCS-2', () => {
    const input = 'L’été arrive 😀 ! Fête ❤️ 😀';
    const result = suggestGsmRewrite(input);
    expect(result).toMatchObject({ outcome: 'no-lookalike', changed: false, text: input, replacements: [], remainingNonGsm: ['😀', '❤️'] });
    expect(result.analysis.encoding).toBe('UCS-2');
  });

  it('refuses a rewrite that costs more segments', () => {
    // 70 ellipses fit one UCS-2 segment; as "..." they are 210 septets, two GSM-7 segments.
    const input = '…'.repeat(70);
    expect(suggestGsmRewrite(input)).toMatchObject({ outcome: 'more-segments', changed: false, text: input });
    expect(suggestGsmRewrite('…'.repeat(53))).toMatchObject({ outcome: 'rewritten', text: '.'.repeat(159) });
  });

  it('saves segments on a typical French promo', () => {
    const input =
      'Bonjour Marie, c’est l’été chez Dupont\u202f! -30\u00a0% sur toute la boutique jusqu’à dimanche… Profitez-en vite. STOP au 36111';
    const result = suggestGsmRewrite(input);
    expect(result.outcome).toBe('rewritten');
    expect(result.analysis).toMatchObject({ encoding: 'GSM-7', segmentCount: 1 });
  });

  it('never changes a GSM-7 character next to replaced ones', () => {
    const gsmChars = [
      ...GSM7_DEFAULT_ALPHABET.filter((_, septet) => septet !== GSM7_ESCAPE),
      ...GSM7_EXTENSION_TABLE.values(),
    ].join('');
    const result = suggestGsmRewrite(`’${gsmChars}’`);
    expect(result.text).toBe(`'${gsmChars}'`);
  });
});
