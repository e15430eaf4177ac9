import { describe, expect, it } from 'vitest';
import { encodeGsm7, encodeUcs2, SmsEncodingError } from './codecs.ts';
import { parseUdh, splitForSmpp } from './udh.ts';
import type { ParseUdhResult } from './udh.ts';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('splitForSmpp', () => {
  it('sends one segment without UDH', () => {
    expect(splitForSmpp('Bonjour à tous', 7)).toEqual([
      { dataCoding: 0, esmClassUdhi: false, shortMessage: encodeGsm7('Bonjour à tous') },
    ]);
    expect(splitForSmpp('Fête', 7)).toEqual([{ dataCoding: 8, esmClassUdhi: false, shortMessage: encodeUcs2('Fête') }]);
  });

  it('sends 160 GSM-7 septets in one part and 161 in two, with UDH 05 00 03 ref total seq', () => {
    expect(splitForSmpp('a'.repeat(160), 0x2a)).toHaveLength(1);
    const parts = splitForSmpp('a'.repeat(161), 0x2a);
    expect(parts.map((part) => [part.dataCoding, part.esmClassUdhi, part.shortMessage.length])).toEqual([
      [0, true, 6 + 153],
      [0, true, 6 + 8],
    ]);
    expect(hex(parts[0]!.shortMessage.subarray(0, 6))).toBe('0500032a0201');
    expect(hex(parts[1]!.shortMessage)).toBe('0500032a0202' + '61'.repeat(8));
  });

  it('writes a three-part UCS-2 message with 134-octet payloads', () => {
    const parts = splitForSmpp('ê'.repeat(135), 0xff);
    expect(parts.map((part) => hex(part.shortMessage.subarray(0, 6)))).toEqual(['050003ff0301', '050003ff0302', '050003ff0303']);
    expect(parts.map((part) => [part.dataCoding, part.shortMessage.length])).toEqual([
      [8, 6 + 134],
      [8, 6 + 134],
      [8, 6 + 2],
    ]);
    expect(hex(parts[2]!.shortMessage.subarray(6))).toBe('00ea');
  });

  it('keeps an escape pair inside one part', () => {
    const parts = splitForSmpp('a'.repeat(152) + '€' + 'b'.repeat(7), 1);
    expect(hex(parts[0]!.shortMessage)).toBe('050003010201' + '61'.repeat(152));
    expect(hex(parts[1]!.shortMessage)).toBe('050003010202' + '1b65' + '62'.repeat(7));
  });

  it('keeps a surrogate pair inside one part', () => {
    const parts = splitForSmpp('ê'.repeat(66) + '😀' + 'ê'.repeat(3), 1);
    expect(hex(parts[0]!.shortMessage)).toBe('050003010201' + '00ea'.repeat(66));
    expect(hex(parts[1]!.shortMessage)).toBe('050003010202' + 'd83dde00' + '00ea'.repeat(3));
  });

  it.each([
    ['empty text', '', 0, /empty/],
    ['reference -1', 'ok', -1, /0–255/],
    ['reference 256', 'ok', 256, /0–255/],
    ['reference 1.5', 'ok', 1.5, /0–255/],
    ['256 segments', 'a'.repeat(153 * 255 + 1), 0, /256 segments/],
  ])('refuses %s', (_label, text, reference, message) => {
    expect(() => splitForSmpp(text, reference)).toThrow(SmsEncodingError);
    expect(() => splitForSmpp(text, reference)).toThrow(message);
  });

  it('accepts 255 segments', () => {
    expect(splitForSmpp('a'.repeat(153 * 255), 0)).toHaveLength(255);
  });
});

function ok(result: ParseUdhResult) {
  if (!result.ok) throw new Error(`expected a parsed UDH, got ${result.error.code}: ${result.error.message}`);
  return result;
}

describe('parseUdh', () => {
  it('reads the 8-bit reference form', () => {
    const result = ok(parseUdh(Buffer.from('0500032a0302' + '6869', 'hex')));
    expect(result.udh).toEqual({ reference: 0x2a, total: 3, sequence: 2, referenceBits: 8 });
    expect(hex(result.payload)).toBe('6869');
    expect(result.elements.map((element) => [element.iei, hex(element.data)])).toEqual([[0x00, '2a0302']]);
  });

  it('reads the 16-bit reference form', () => {
    const result = ok(parseUdh(Buffer.from('060804beef0201' + '00ea', 'hex')));
    expect(result.udh).toEqual({ reference: 0xbeef, total: 2, sequence: 1, referenceBits: 16 });
    expect(hex(result.payload)).toBe('00ea');
  });

  it('skips other information elements around the concatenation element', () => {
    // 0x24 national language single shift (1 octet), then 8-bit concat, then 0x70 with 2 octets.
    const result = ok(parseUdh(Buffer.from('0c' + '240102' + '0003070503' + '7002aabb' + '41', 'hex')));
    expect(result.udh).toEqual({ reference: 7, total: 5, sequence: 3, referenceBits: 8 });
    expect(result.elements.map((element) => element.iei)).toEqual([0x24, 0x00, 0x70]);
    expect(hex(result.payload)).toBe('41');
  });

  it('uses the last concatenation element when there are two', () => {
    const result = ok(parseUdh(Buffer.from('0a' + '0003010201' + '0003020302', 'hex')));
    expect(result.udh).toEqual({ reference: 2, total: 3, sequence: 2, referenceBits: 8 });
  });

  it('returns no concatenation info for a UDH without it, or an empty UDH', () => {
    // 0x05: application port addressing, 16-bit ports (destination 2948 = WAP push, source 0).
    const withPort = ok(parseUdh(Buffer.from('0605040b840000' + '41', 'hex')));
    expect(withPort.udh).toBeUndefined();
    expect(withPort.elements.map((element) => [element.iei, hex(element.data)])).toEqual([[0x05, '0b840000']]);
    expect(hex(withPort.payload)).toBe('41');
    const empty = ok(parseUdh(Buffer.from('0041', 'hex')));
    expect(empty).toEqual({ ok: true, elements: [], payload: Buffer.from('41', 'hex') });
  });

  it('accepts a header with nothing after it', () => {
    expect(hex(ok(parseUdh(Buffer.from('050003010101', 'hex'))).payload)).toBe('');
  });

  it.each([
    ['', 'empty-message'],
    ['05000301', 'udh-length-exceeds-message'],
    ['ff', 'udh-length-exceeds-message'],
    ['0100', 'ie-length-exceeds-udh'],
    ['03000301' + '41', 'ie-length-exceeds-udh'],
    ['050004010201', 'ie-length-exceeds-udh'],
    ['0400020102' + '41', 'invalid-concat-ie-length'],
    ['060004010201ff' + '41', 'invalid-concat-ie-length'],
    ['0508030102' + '41', 'invalid-concat-ie-length'],
    ['050003010001' + '41', 'concat-total-zero'],
    ['050003010200' + '41', 'concat-sequence-out-of-range'],
    ['050003010203' + '41', 'concat-sequence-out-of-range'],
    ['06080400010203' + '41', 'concat-sequence-out-of-range'],
  ])('reports %j as %s without throwing', (input, code) => {
    const result = parseUdh(Buffer.from(input, 'hex'));
    expect(result).toMatchObject({ ok: false, error: { code } });
    if (!result.ok) expect(result.error.message.length).toBeGreaterThan(10);
  });

  it('parses what splitForSmpp writes', () => {
    const parts = splitForSmpp('x'.repeat(400), 99);
    expect(parts.map((part) => ok(parseUdh(part.shortMessage)).udh)).toEqual([
      { reference: 99, total: 3, sequence: 1, referenceBits: 8 },
      { reference: 99, total: 3, sequence: 2, referenceBits: 8 },
      { reference: 99, total: 3, sequence: 3, referenceBits: 8 },
    ]);
  });
});
