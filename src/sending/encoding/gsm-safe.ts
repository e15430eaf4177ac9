import { analyzeSms } from './analyze.ts';
import type { SmsAnalysis } from './analyze.ts';
import { gsm7Cost, isGsm7Text } from './gsm7-alphabet.ts';

/**
 * GSM-7 lookalikes a French marketer accepts in place of characters that would force UCS-2 (and so
 * cut a segment from 160 to 70 characters). Typography from word processors (’ « » … NBSP) and
 * accents GSM 03.38 lacks (â ê î ô û ë ï œ, capital grave vowels).
 *
 * ç → c, not Ç: GSM 03.38 has only 0x09, drawn 'Ç' by ETSI and mapped to 'ç' by Unicode's GSM0338.TXT,
 * and handsets render it either way. "recu" reads the same on every phone; "reÇu" on some.
 * Every target must itself be GSM-7 (checked by the tests).
 */
export const GSM_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  // Apostrophes and quotes
  ['\u2019', "'"], // ’ right single quotation mark (the French apostrophe of word processors)
  ['\u2018', "'"], // ‘
  ['\u201A', "'"], // ‚
  ['\u201B', "'"], // ‛
  ['\u2032', "'"], // ′ prime
  ['\u0060', "'"], // ` grave accent: 0x60 in GSM is ¿, ASCII backtick is not in the alphabet
  ['\u00B4', "'"], // ´ acute accent
  ['\u201C', '"'], // “
  ['\u201D', '"'], // ”
  ['\u201E', '"'], // „
  ['\u00AB', '"'], // «
  ['\u00BB', '"'], // »
  ['\u2039', "'"], // ‹
  ['\u203A', "'"], // ›
  ['\u2033', '"'], // ″ double prime
  // Spaces (French typography puts a narrow no-break space before ; : ! ? and inside « »)
  ['\u00A0', ' '], // no-break space
  ['\u202F', ' '], // narrow no-break space
  ['\u2007', ' '], // figure space
  ['\u2009', ' '], // thin space
  ['\u200A', ' '], // hair space
  ['\u2002', ' '], // en space
  ['\u2003', ' '], // em space
  ['\t', ' '], // tab is not in the alphabet
  // Invisible characters pasted from web pages and word processors
  ['\u200B', ''], // zero-width space
  ['\u00AD', ''], // soft hyphen
  ['\u2060', ''], // word joiner
  ['\uFEFF', ''], // byte order mark
  // Dashes, ellipsis, bullets
  ['\u2010', '-'], // ‐ hyphen
  ['\u2011', '-'], // non-breaking hyphen
  ['\u2012', '-'], // ‒ figure dash
  ['\u2013', '-'], // – en dash
  ['\u2014', '-'], // — em dash
  ['\u2015', '-'], // ― horizontal bar
  ['\u2212', '-'], // − minus sign
  ['\u2026', '...'], // … ellipsis
  ['\u2022', '-'], // • bullet
  // Ligatures
  ['œ', 'oe'],
  ['Œ', 'OE'],
  // Lowercase accents GSM 03.38 lacks (it has à è é ì ò ù ä ö ü ñ å ø æ)
  ['â', 'a'],
  ['á', 'a'],
  ['ã', 'a'],
  ['ê', 'e'],
  ['ë', 'e'],
  ['î', 'i'],
  ['ï', 'i'],
  ['í', 'i'],
  ['ô', 'o'],
  ['ó', 'o'],
  ['õ', 'o'],
  ['û', 'u'],
  ['ú', 'u'],
  ['ÿ', 'y'],
  ['ç', 'c'],
  // Capitals GSM 03.38 lacks (it has É Ç Ä Ö Ü Ñ Å Ø Æ)
  ['À', 'A'],
  ['Â', 'A'],
  ['Á', 'A'],
  ['Ã', 'A'],
  ['È', 'E'],
  ['Ê', 'E'],
  ['Ë', 'E'],
  ['Î', 'I'],
  ['Ï', 'I'],
  ['Ì', 'I'],
  ['Í', 'I'],
  ['Ô', 'O'],
  ['Ò', 'O'],
  ['Ó', 'O'],
  ['Õ', 'O'],
  ['Ù', 'U'],
  ['Û', 'U'],
  ['Ú', 'U'],
  ['Ÿ', 'Y'],
]);

export interface GsmReplacement {
  from: string;
  to: string;
  count: number;
}

/**
 * - `already-gsm`: nothing to do;
 * - `rewritten`: `text` is the GSM-7 suggestion;
 * - `no-lookalike`: `remainingNonGsm` lists what keeps the text in UCS-2;
 * - `more-segments`: a GSM-7 version exists but costs more segments than the UCS-2 original.
 */
export type GsmRewriteOutcome = 'already-gsm' | 'rewritten' | 'no-lookalike' | 'more-segments';

export interface GsmRewriteSuggestion {
  outcome: GsmRewriteOutcome;
  /** The suggested text: rewritten when that makes it GSM-7 without more segments, else the original. */
  text: string;
  /** `outcome === 'rewritten'`. */
  changed: boolean;
  /** Replacements made in `text`, distinct, in order of first appearance (empty when unchanged). */
  replacements: GsmReplacement[];
  /** Characters no lookalike can replace, which keep the text in UCS-2 (e.g. "😀"); empty unless `no-lookalike`. */
  remainingNonGsm: string[];
  /** Analysis of `text` (encoding, segments) for the preview. */
  analysis: SmsAnalysis;
}

const graphemes = new Intl.Segmenter('fr', { granularity: 'grapheme' });

/** A GSM-7 rewrite of one grapheme, or undefined when none is acceptable. */
function rewriteGrapheme(grapheme: string): string | undefined {
  // Decomposed accents (e + U+0301 from macOS file names, some CSV exports) compose to a GSM letter.
  const composed = grapheme.normalize('NFC');
  if (isGsm7Text(composed)) return composed;
  let out = '';
  for (const char of composed) {
    if (gsm7Cost(char) !== undefined) out += char;
    else {
      const lookalike = GSM_LOOKALIKES.get(char);
      if (lookalike === undefined) return undefined;
      out += lookalike;
    }
  }
  return out;
}

/**
 * Suggest a GSM-7 version of `text` by replacing characters with lookalikes. Works per grapheme and
 * never touches one that is already GSM-7. The suggestion is all or nothing: when some character
 * (an emoji, a Greek lowercase letter…) has no lookalike, the message stays UCS-2 whatever we replace,
 * so the original is returned with `remainingNonGsm` saying why. It is also refused when the rewrite
 * would need more segments (70 "…" fit one UCS-2 segment but become 210 septets).
 */
export function suggestGsmRewrite(text: string): GsmRewriteSuggestion {
  const original = analyzeSms(text);
  const unchanged = (outcome: Exclude<GsmRewriteOutcome, 'rewritten'>, remainingNonGsm: string[] = []): GsmRewriteSuggestion => ({
    outcome,
    text,
    changed: false,
    replacements: [],
    remainingNonGsm,
    analysis: original,
  });
  if (original.encoding === 'GSM-7') return unchanged('already-gsm');

  const remaining = new Set<string>();
  const replacements = new Map<string, GsmReplacement>();
  let rewritten = '';
  for (const { segment } of graphemes.segment(text)) {
    if (isGsm7Text(segment)) {
      rewritten += segment;
      continue;
    }
    const replacement = rewriteGrapheme(segment);
    if (replacement === undefined) {
      remaining.add(segment);
      continue;
    }
    rewritten += replacement;
    const seen = replacements.get(segment);
    if (seen) seen.count++;
    else replacements.set(segment, { from: segment, to: replacement, count: 1 });
  }
  if (remaining.size > 0) return unchanged('no-lookalike', [...remaining]);

  // Every lookalike is GSM-7 (a test checks the table), so `analysis.encoding` is GSM-7 here.
  const analysis = analyzeSms(rewritten);
  if (analysis.segmentCount > original.segmentCount) return unchanged('more-segments');
  return {
    outcome: 'rewritten',
    text: rewritten,
    changed: true,
    replacements: [...replacements.values()],
    remainingNonGsm: [],
    analysis,
  };
}
