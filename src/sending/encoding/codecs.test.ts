import { describe, expect, it } from 'vitest';
import {
  decodeGsm7,
  decodeLatin1,
  decodeShortMessage,
  decodeUcs2,
  encodeGsm7,
  encodeUcs2,
  SmsEncodingError,
} from './codecs.ts';
import type { DecodeResult } from './codecs.ts';
import { GSM7_DEFAULT_ALPHABET, GSM7_ESCAPE, GSM7_EXTENSION_TABLE } from './gsm7-alphabet.ts';

function text(result: DecodeResult): string {
  if (!result.ok) throw new Error(`expected a decoded text, got ${result.error.code}: ${result.error.message}`);
  return result.text;
}

const bytes = (...values: number[]) => Buffer.from(values);

const defaultSeptets = Array.from({ length: 128 }, (_, septet) => septet).filter((septet) => septet !== GSM7_ESCAPE);

describe('GSM-7 codec (unpacked septets, data_coding 0)', () => {
  it.each(defaultSeptets.map((septet) => ({ septet, hex: septet.toString(16).padStart(2, '0') })))(
    'default septet 0x$hex round-trips as one octet',
    ({ septet }) => {
    const char = GSM7_DEFAULT_ALPHABET[septet] as string;
    expect(encodeGsm7(char)).toEqual(bytes(septet));
    expect(text(decodeGsm7(bytes(septet)))).toBe(char);
    },
  );

  it.each([...GSM7_EXTENSION_TABLE].map(([septet, char]) => ({ septet, char, hex: septet.toString(16).padStart(2, '0') })))(
    'extension $char round-trips as escape + 0x$hex',
    ({ septet, char }) => {
    expect(encodeGsm7(char)).toEqual(bytes(0x1b, septet));
    expect(text(decodeGsm7(bytes(0x1b, septet)))).toBe(char);
    },
  );

  it('encodes a French text byte for byte', () => {
    expect(encodeGsm7('Été à 10€ @ {Ça}')).toEqual(
      bytes(0x1f, 0x74, 0x05, 0x20, 0x7f, 0x20, 0x31, 0x30, 0x1b, 0x65, 0x20, 0x00, 0x20, 0x1b, 0x28, 0x09, 0x61, 0x1b, 0x29),
    );
  });

  it.each(['ç', 'ê', '😀', '\t', '`', '\u001b'])('refuses %j, naming it', (char) => {
    expect(() => encodeGsm7(`ok ${char}`)).toThrow(SmsEncodingError);
    expect(() => encodeGsm7(`ok ${char}`)).toThrow(/index 3 is not in the GSM 03\.38 alphabet/);
  });

  it.each([
    ['escape + unknown septet → the default-table character (TS 23.038 §6.2.1.1)', [0x61, 0x1b, 0x41, 0x62], 'aAb'],
    ['escape + CR2 (reserved) → the default-table CR', [0x1b, 0x0d], '\r'],
    ['escape + escape (reserved) → space', [0x61, 0x1b, 0x1b, 0x62], 'a b'],
    ['escape + escape + extension septet → space then the default-table character', [0x1b, 0x1b, 0x65], ' e'],
    ['escape at the end → space', [0x61, 0x1b], 'a '],
    ['empty → empty', [], ''],
  ])('decodes %s', (_label, input, expected) => {
    expect(text(decodeGsm7(Buffer.from(input)))).toBe(expected);
  });

  it.each([
    [[0x61, 0x80], 1],
    [[0xe9], 0],
    [[0x1b, 0xff], 1],
  ])('refuses octet ≥ 0x80 in %j at offset %i', (input, offset) => {
    const result = decodeGsm7(Buffer.from(input));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid-gsm7-octet');
      expect(result.error.message).toContain(`offset ${offset}`);
    }
  });
});

describe('UCS-2 codec (UTF-16BE, data_coding 8)', () => {
  it.each([
    ['ê', [0x00, 0xea]],
    ['Fête', [0x00, 0x46, 0x00, 0xea, 0x00, 0x74, 0x00, 0x65]],
    ['€', [0x20, 0xac]],
    ['’', [0x20, 0x19]],
    ['😀', [0xd8, 0x3d, 0xde, 0x00]],
    ['', []],
  ])('%j ⇄ %j', (input, expected) => {
    expect(encodeUcs2(input)).toEqual(Buffer.from(expected));
    expect(text(decodeUcs2(Buffer.from(expected)))).toBe(input);
  });

  it('keeps a lone surrogate as one code unit, so split parts rejoin', () => {
    const [high, low] = ['😀'.slice(0, 1), '😀'.slice(1)];
    expect(encodeUcs2(high)).toEqual(bytes(0xd8, 0x3d));
    expect(text(decodeUcs2(bytes(0xd8, 0x3d))) + text(decodeUcs2(bytes(0xde, 0x00)))).toBe(high + low);
  });

  it('refuses an odd number of octets', () => {
    const result = decodeUcs2(bytes(0x00, 0x41, 0x00));
    expect(result).toMatchObject({ ok: false, error: { code: 'odd-ucs2-length' } });
  });

  it('decodes from a view into a larger buffer', () => {
    const pdu = bytes(0xff, 0x00, 0xea, 0xff);
    expect(text(decodeUcs2(pdu.subarray(1, 3)))).toBe('ê');
  });
});

describe('Latin-1 (data_coding 3)', () => {
  it('maps every octet to the code point of the same value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const decoded = decodeLatin1(all);
    expect([...decoded].map((char) => char.codePointAt(0))).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it.each([
    [[0x46, 0xea, 0x74, 0x65], 'Fête'],
    [[0xe7, 0x61], 'ça'],
    [[0xab, 0xa0, 0x4f, 0x4b, 0xa0, 0xbb], '«\u00a0OK\u00a0»'],
  ])('%j → %j', (input, expected) => {
    expect(decodeLatin1(Buffer.from(input))).toBe(expected);
    expect(decodeLatin1(new Uint8Array([0, ...input, 0]).subarray(1, input.length + 1))).toBe(expected);
  });
});

describe('decodeShortMessage', () => {
  it.each([
    [0, [0x1f, 0x74, 0x05, 0x1b, 0x65], 'Été€'],
    [3, [0x46, 0xea, 0x74, 0x65], 'Fête'],
    [8, [0x00, 0x46, 0x00, 0xea], 'Fê'],
  ])('data_coding %i decodes', (dataCoding, input, expected) => {
    expect(decodeShortMessage(Buffer.from(input), dataCoding)).toEqual({ ok: true, text: expected });
  });

  it.each([
    [1, /0x01 \(IA5\/ASCII\) is not supported/],
    [2, /0x02 \(8-bit binary\)/],
    [4, /0x04 \(8-bit binary\)/],
    [0xf0, /0xf0 is not supported/],
    [0x18, /0x18 is not supported/],
  ])('data_coding %i is an unsupported-data-coding error', (dataCoding, message) => {
    const result = decodeShortMessage(bytes(0x41), dataCoding);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('unsupported-data-coding');
      expect(result.error.message).toMatch(message);
      expect(result.error.message).toContain('data_coding 0 (GSM 03.38), 3 (Latin-1) or 8 (UCS-2)');
    }
  });

  it('passes decoder errors through', () => {
    expect(decodeShortMessage(bytes(0x00), 8)).toMatchObject({ ok: false, error: { code: 'odd-ucs2-length' } });
    expect(decodeShortMessage(bytes(0xe9), 0)).toMatchObject({ ok: false, error: { code: 'invalid-gsm7-octet' } });
  });
});
