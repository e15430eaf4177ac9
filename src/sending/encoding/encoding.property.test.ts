import { describe, expect, it } from 'vitest';
import { analyzeSms, SEGMENT_LIMITS } from './analyze.ts';
import type { SmsEncoding } from './analyze.ts';
import { decodeShortMessage, encodeGsm7, encodeUcs2 } from './codecs.ts';
import { suggestGsmRewrite } from './gsm-safe.ts';
import { GSM7_DEFAULT_ALPHABET, GSM7_ESCAPE, GSM7_EXTENSION_TABLE, gsm7Cost, isGsm7Text } from './gsm7-alphabet.ts';
import { parseUdh, splitForSmpp } from './udh.ts';

/** mulberry32: a small seeded PRNG, so a failure reproduces from the printed seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = {
  gsm: GSM7_DEFAULT_ALPHABET.filter((_, septet) => septet !== GSM7_ESCAPE),
  extension: [...GSM7_EXTENSION_TABLE.values()],
  french: ['â', 'ê', 'î', 'ô', 'û', 'ë', 'ï', 'ç', 'œ', '«', '»', '’', '…', '\u00a0', '\u202f', 'À', 'È', '–'],
  emoji: ['😀', '❤️', '👍🏽', '🇫🇷', '👨‍👩‍👧', '#️⃣'],
  other: ['中', 'Ж', 'α', '\t', '\u0301', '°'],
};

/** Mostly GSM text, sometimes with the other alphabets, so both encodings and both split paths run. */
function randomText(next: () => number): string {
  const mix = next();
  const length = Math.floor(next() * (next() < 0.3 ? 40 : 700));
  let text = '';
  for (let i = 0; i < length; i++) {
    const roll = next();
    const alphabet =
      roll < 0.75 ? ALPHABETS.gsm
      : roll < 0.87 ? ALPHABETS.extension
      : mix < 0.5 ? ALPHABETS.gsm
      : roll < 0.94 ? ALPHABETS.french
      : roll < 0.97 ? ALPHABETS.emoji
      : ALPHABETS.other;
    text += alphabet[Math.floor(next() * alphabet.length)];
  }
  return text;
}

/** Septets (GSM-7) or UTF-16 code units (UCS-2), counted independently of analyze.ts. */
function unitsOf(text: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS-2') return text.length;
  let septets = 0;
  for (const char of text) septets += gsm7Cost(char) ?? Number.NaN;
  return septets;
}

/** Bits a part takes on the air: UDH octets, fill bits up to a septet boundary (GSM-7), then the text. */
function airBits(udhOctets: number, payload: Buffer, dataCoding: number): number {
  if (dataCoding === 8) return udhOctets * 8 + payload.length * 8;
  return Math.ceil((udhOctets * 8) / 7) * 7 + payload.length * 7;
}

function decoded(bytes: Buffer, dataCoding: number): string {
  const result = decodeShortMessage(bytes, dataCoding);
  if (!result.ok) throw new Error(result.error.message);
  return result.text;
}

const SEED = 20261123;
const ITERATIONS = 3000;

describe(`encoding properties (seed ${SEED}, ${ITERATIONS} texts)`, () => {
  it('splits, encodes, frames and decodes every random text consistently', () => {
    const next = prng(SEED);
    const seen = { gsm: 0, ucs2: 0, multipart: 0 };
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const text = randomText(next);
      const context = `iteration ${iteration}: ${JSON.stringify(text)}`;
      const analysis = analyzeSms(text);
      const limits = SEGMENT_LIMITS[analysis.encoding];

      expect(analysis.encoding === 'GSM-7', context).toBe(isGsm7Text(text));
      expect(analysis.parts.join(''), context).toBe(text);
      expect(analysis.segmentCount, context).toBe(analysis.parts.length);
      if (text === '') {
        expect(analysis.segmentCount, context).toBe(0);
        continue;
      }
      seen[analysis.encoding === 'GSM-7' ? 'gsm' : 'ucs2']++;
      const limit = analysis.segmentCount === 1 ? limits.single : limits.concatenated;
      let total = 0;
      for (const part of analysis.parts) {
        const units = unitsOf(part, analysis.encoding);
        expect(units, context).toBeLessThanOrEqual(limit);
        expect(units, context).toBeGreaterThan(0);
        total += units;
        // No part begins with a low surrogate or ends with a high one.
        expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(part), context).toBe(false);
      }
      expect(total, context).toBe(analysis.units);
      // Greedy filling: a part is only closed early when the next character would not fit.
      for (let i = 0; i + 1 < analysis.parts.length; i++) {
        const following = String.fromCodePoint(analysis.parts[i + 1]?.codePointAt(0) ?? 0);
        const used = unitsOf(analysis.parts[i] ?? '', analysis.encoding);
        expect(used + unitsOf(following, analysis.encoding), context).toBeGreaterThan(limits.concatenated);
      }

      // Whole-text codec round trip.
      const dataCoding = analysis.encoding === 'GSM-7' ? 0 : 8;
      const bytes = analysis.encoding === 'GSM-7' ? encodeGsm7(text) : encodeUcs2(text);
      expect(decoded(bytes, dataCoding), context).toBe(text);

      // SMPP parts: each fits 140 octets on the air, carries a well-formed UDH, and decodes back.
      const reference = iteration % 256;
      const parts = splitForSmpp(text, reference);
      expect(parts, context).toHaveLength(analysis.segmentCount);
      if (parts.length > 1) seen.multipart++;
      let reassembled = '';
      parts.forEach((part, index) => {
        expect(part.dataCoding, context).toBe(dataCoding);
        let payload = part.shortMessage;
        let udhOctets = 0;
        if (parts.length > 1) {
          const parsed = parseUdh(part.shortMessage);
          if (!parsed.ok) throw new Error(`${context}: ${parsed.error.message}`);
          expect(parsed.udh, context).toEqual({ reference, total: parts.length, sequence: index + 1, referenceBits: 8 });
          payload = parsed.payload;
          udhOctets = 6;
        }
        expect(airBits(udhOctets, payload, dataCoding), context).toBeLessThanOrEqual(140 * 8);
        const partText = decoded(payload, dataCoding);
        expect(partText, context).toBe(analysis.parts[index]);
        reassembled += partText;
      });
      expect(reassembled, context).toBe(text);

      // The rewrite never touches GSM text, and a rewrite is GSM-7 without extra segments.
      const suggestion = suggestGsmRewrite(text);
      if (analysis.encoding === 'GSM-7') expect(suggestion.text, context).toBe(text);
      if (suggestion.changed) {
        expect(suggestion.analysis.encoding, context).toBe('GSM-7');
        expect(suggestion.analysis.segmentCount, context).toBeLessThanOrEqual(analysis.segmentCount);
      } else {
        expect(suggestion.text, context).toBe(text);
      }
    }
    // The generator must exercise every path, or the properties above prove little.
    expect(seen.gsm).toBeGreaterThan(300);
    expect(seen.ucs2).toBeGreaterThan(300);
    expect(seen.multipart).toBeGreaterThan(300);
  });
});
