import { gsm7Cost, isGsm7Text } from './gsm7-alphabet.ts';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/**
 * One SMS carries 140 octets of user data (3GPP TS 23.040 §9.2.3.16): 160 septets in GSM-7, 70 UTF-16
 * code units in UCS-2. A concatenated part spends 6 octets on its UDH (05 00 03 ref total seq,
 * TS 23.040 §9.2.3.24.1): 140 − 6 = 134 octets = 67 code units, or 153 septets (48 UDH bits padded
 * to 49 = 7 septets; 160 − 7 = 153).
 */
export const SEGMENT_LIMITS = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
} as const satisfies Record<SmsEncoding, { single: number; concatenated: number }>;

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2, emoji count two). */
  units: number;
  /** 0 for empty text (callers reject it), else `parts.length`. */
  segmentCount: number;
  /** The text of each segment; `parts.join('') === text`. */
  parts: string[];
  /**
   * The distinct characters that force UCS-2, in order of first appearance. A character is a
   * grapheme (what a person sees as one character), so "❤️" (U+2764 U+FE0F) is reported once,
   * not as a heart plus an invisible variation selector.
   */
  nonGsmCharacters: string[];
}

const graphemes = new Intl.Segmenter('fr', { granularity: 'grapheme' });

/** Distinct graphemes of `text` holding at least one code point outside the GSM-7 tables. */
export function findNonGsmCharacters(text: string): string[] {
  if (isGsm7Text(text)) return [];
  const found = new Set<string>();
  for (const { segment } of graphemes.segment(text)) {
    for (const char of segment) {
      if (gsm7Cost(char) === undefined) {
        found.add(segment);
        break;
      }
    }
  }
  return [...found];
}

/** Cost of one code point in the chosen encoding. */
function costOf(char: string, encoding: SmsEncoding): number {
  // UCS-2 on SMPP is UTF-16 in practice: an astral code point (emoji) is a surrogate pair, two units.
  return encoding === 'GSM-7' ? (gsm7Cost(char) ?? 0) : char.length;
}

/**
 * Choose the encoding, count units and split into segments.
 *
 * Segments are cut between code points, so an escape pair (GSM-7) or a surrogate pair (UCS-2) is never
 * split: a character that would straddle the limit starts the next segment, which then holds fewer than
 * 153 septets / 67 units. Handsets that decode each part alone would otherwise show garbage.
 */
export function analyzeSms(text: string): SmsAnalysis {
  const nonGsmCharacters = findNonGsmCharacters(text);
  const encoding: SmsEncoding = nonGsmCharacters.length === 0 ? 'GSM-7' : 'UCS-2';
  const limits = SEGMENT_LIMITS[encoding];

  let units = 0;
  for (const char of text) units += costOf(char, encoding);

  if (units === 0) return { encoding, units, segmentCount: 0, parts: [], nonGsmCharacters };
  if (units <= limits.single) return { encoding, units, segmentCount: 1, parts: [text], nonGsmCharacters };

  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const cost = costOf(char, encoding);
    if (used + cost > limits.concatenated) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += cost;
  }
  parts.push(current);
  return { encoding, units, segmentCount: parts.length, parts, nonGsmCharacters };
}
