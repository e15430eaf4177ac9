import { describe, expect, it } from 'vitest';
import { GSM7_DEFAULT_ALPHABET, GSM7_ESCAPE, GSM7_EXTENSION_TABLE, gsm7Cost, isGsm7Text } from './gsm7-alphabet.ts';

/**
 * The 3GPP TS 23.038 §6.2.1 table written independently, as code points: septets 0x20–0x7F equal ASCII
 * except where listed, 0x00–0x1F are all listed. Matches unicode.org GSM0338.TXT except 0x09, which is
 * U+00C7 as drawn in the ETSI table (see gsm7-alphabet.ts).
 */
const SPEC_CODE_POINTS: Record<number, number> = {
  0x00: 0x0040, 0x01: 0x00a3, 0x02: 0x0024, 0x03: 0x00a5, 0x04: 0x00e8, 0x05: 0x00e9, 0x06: 0x00f9, 0x07: 0x00ec,
  0x08: 0x00f2, 0x09: 0x00c7, 0x0a: 0x000a, 0x0b: 0x00d8, 0x0c: 0x00f8, 0x0d: 0x000d, 0x0e: 0x00c5, 0x0f: 0x00e5,
  0x10: 0x0394, 0x11: 0x005f, 0x12: 0x03a6, 0x13: 0x0393, 0x14: 0x039b, 0x15: 0x03a9, 0x16: 0x03a0, 0x17: 0x03a8,
  0x18: 0x03a3, 0x19: 0x0398, 0x1a: 0x039e, /* 0x1B escape */ 0x1c: 0x00c6, 0x1d: 0x00e6, 0x1e: 0x00df, 0x1f: 0x00c9,
  0x24: 0x00a4, 0x40: 0x00a1, 0x5b: 0x00c4, 0x5c: 0x00d6, 0x5d: 0x00d1, 0x5e: 0x00dc, 0x5f: 0x00a7,
  0x60: 0x00bf, 0x7b: 0x00e4, 0x7c: 0x00f6, 0x7d: 0x00f1, 0x7e: 0x00fc, 0x7f: 0x00e0,
};

const SPEC_EXTENSION: [number, number][] = [
  [0x0a, 0x000c], [0x14, 0x005e], [0x28, 0x007b], [0x29, 0x007d], [0x2f, 0x005c],
  [0x3c, 0x005b], [0x3d, 0x007e], [0x3e, 0x005d], [0x40, 0x007c], [0x65, 0x20ac],
];

const septets = Array.from({ length: 128 }, (_, septet) => septet).filter((septet) => septet !== GSM7_ESCAPE);

describe('GSM 03.38 default alphabet', () => {
  it('has 128 positions, 0x1B being the escape', () => {
    expect(GSM7_DEFAULT_ALPHABET).toHaveLength(128);
    expect(GSM7_ESCAPE).toBe(0x1b);
    expect(new Set(septets.map((septet) => GSM7_DEFAULT_ALPHABET[septet])).size).toBe(127);
  });

  it.each(septets.map((septet) => ({ septet, hex: septet.toString(16).padStart(2, '0') })))(
    'septet 0x$hex matches the 3GPP TS 23.038 table',
    ({ septet }) => {
    const expected = SPEC_CODE_POINTS[septet] ?? septet;
    expect(GSM7_DEFAULT_ALPHABET[septet]?.codePointAt(0)).toBe(expected);
    expect(gsm7Cost(String.fromCodePoint(expected))).toBe(1);
    },
  );

  it('does not treat the escape itself as a character', () => {
    expect(gsm7Cost('\u001b')).toBeUndefined();
  });
});

describe('GSM 03.38 extension table', () => {
  it('holds exactly the ten characters of §6.2.1.1', () => {
    expect([...GSM7_EXTENSION_TABLE].map(([septet, char]) => [septet, char.codePointAt(0)])).toEqual(SPEC_EXTENSION);
  });

  it.each(SPEC_EXTENSION.map(([septet, codePoint]) => ({ codePoint, char: String.fromCodePoint(codePoint), hex: septet.toString(16).padStart(2, '0') })))(
    'escape + 0x$hex ($char) costs two septets',
    ({ codePoint }) => {
      expect(gsm7Cost(String.fromCodePoint(codePoint))).toBe(2);
    },
  );
});

describe('French characters', () => {
  it.each(['à', 'é', 'è', 'ù', 'ì', 'ò', 'É', 'Ç'])('%s is GSM-7', (char) => {
    expect(gsm7Cost(char)).toBe(1);
  });

  it.each(['â', 'ê', 'î', 'ô', 'û', 'ë', 'ï', 'ç', 'œ', 'Œ', 'À', 'Â', 'È', 'Ê', 'Î', 'Ô', 'Ù', 'Û', '«', '»', '’', '“', '”', '…', '–', '—', '°', '\u00a0', '\u202f'])(
    '%s forces UCS-2',
    (char) => {
      expect(gsm7Cost(char)).toBeUndefined();
      expect(isGsm7Text(`Bonjour ${char}`)).toBe(false);
    },
  );
});
