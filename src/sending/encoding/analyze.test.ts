import { describe, expect, it } from 'vitest';
import { analyzeSms, SEGMENT_LIMITS } from './analyze.ts';

const gsm = (n: number) => 'a'.repeat(n);
const ucs = (n: number) => 'ê'.repeat(n);

describe('analyzeSms: encoding choice', () => {
  it.each([
    ['Soldes -20% ce week-end à Lyon, déjà là ? Répondez STOP', 'GSM-7', []],
    ['Prix : 10€ [promo] {code} ~ ^ | \\', 'GSM-7', []],
    ['Ça marche, É et Ç restent GSM', 'GSM-7', []],
    ['Fête des mères', 'UCS-2', ['ê']],
    ['L’été «\u00a0chaud\u00a0» … ç', 'UCS-2', ['’', '«', '\u00a0', '»', '…', 'ç']],
    ['Noël, Noël', 'UCS-2', ['ë']],
    ['Merci ❤️ et 😀😀', 'UCS-2', ['❤️', '😀']],
    ['Ta\tb', 'UCS-2', ['\t']],
  ] as const)('%j → %s, non-GSM %j', (text, encoding, nonGsm) => {
    const result = analyzeSms(text);
    expect(result.encoding).toBe(encoding);
    expect(result.nonGsmCharacters).toEqual(nonGsm);
  });

  it('reports decomposed accents as the character a person sees', () => {
    expect(analyzeSms('Fe\u0302te').nonGsmCharacters).toEqual(['e\u0302']);
  });

  it('gives 0 segments for empty text', () => {
    expect(analyzeSms('')).toEqual({ encoding: 'GSM-7', units: 0, segmentCount: 0, parts: [], nonGsmCharacters: [] });
  });
});

describe('analyzeSms: segment boundaries', () => {
  it.each([
    ['GSM-7', 1, 1, gsm(1)],
    ['GSM-7', 160, 1, gsm(160)],
    ['GSM-7', 161, 2, gsm(161)],
    ['GSM-7', 306, 2, gsm(153 * 2)],
    ['GSM-7', 307, 3, gsm(153 * 2 + 1)],
    ['GSM-7', 459, 3, gsm(153 * 3)],
    ['GSM-7', 160, 1, '€'.repeat(80)],
    ['GSM-7', 161, 2, '€'.repeat(80) + 'a'],
    ['UCS-2', 70, 1, ucs(70)],
    ['UCS-2', 71, 2, ucs(71)],
    ['UCS-2', 134, 2, ucs(67 * 2)],
    ['UCS-2', 135, 3, ucs(67 * 2 + 1)],
    ['UCS-2', 70, 1, '😀'.repeat(35)],
    ['UCS-2', 71, 2, '😀'.repeat(35) + 'a'],
  ] as const)('%s: %i units → %i segment(s)', (encoding, units, segments, text) => {
    const result = analyzeSms(text);
    expect(result).toMatchObject({ encoding, units, segmentCount: segments });
    expect(result.parts).toHaveLength(segments);
    expect(result.parts.join('')).toBe(text);
  });

  it('fills concatenated GSM-7 parts with exactly 153 septets', () => {
    const { parts } = analyzeSms(gsm(307));
    expect(parts.map((part) => part.length)).toEqual([153, 153, 1]);
  });

  it('moves an extension character at septet 153 whole to the next part', () => {
    // 152 septets, then '€' (2 septets) would occupy 153–154: it must not be split.
    const text = gsm(152) + '€' + gsm(10);
    const { parts, units } = analyzeSms(text);
    expect(units).toBe(164);
    expect(parts).toEqual([gsm(152), '€' + gsm(10)]);
  });

  it('keeps an extension character that ends exactly at septet 153', () => {
    const text = gsm(151) + '€' + gsm(10);
    expect(analyzeSms(text).parts).toEqual([gsm(151) + '€', gsm(10)]);
  });

  it('moves an emoji straddling the 67-unit boundary whole to the next part', () => {
    const text = ucs(66) + '😀' + ucs(10);
    const { parts, units, segmentCount } = analyzeSms(text);
    expect(units).toBe(78);
    expect(segmentCount).toBe(2);
    expect(parts).toEqual([ucs(66), '😀' + ucs(10)]);
  });

  it('keeps an emoji that ends exactly at unit 67', () => {
    const text = ucs(65) + '😀' + ucs(10);
    expect(analyzeSms(text).parts).toEqual([ucs(65) + '😀', ucs(10)]);
  });

  it('counts an emoji as two UCS-2 units', () => {
    expect(analyzeSms('😀').units).toBe(2);
    expect(analyzeSms('é😀').units).toBe(3);
  });

  it('exposes the limits it uses', () => {
    expect(SEGMENT_LIMITS).toEqual({ 'GSM-7': { single: 160, concatenated: 153 }, 'UCS-2': { single: 70, concatenated: 67 } });
  });
});
