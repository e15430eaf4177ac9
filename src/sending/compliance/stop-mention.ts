/**
 * The opt-out mention every French marketing SMS must carry (L34-5 CPCE: a free means of objecting in
 * each message; by convention "STOP au 36xxx", the tenant's marketing short code).
 *
 * Detection compares whole words after folding case, accents, whitespace and punctuation, so
 * "Stop au 36173", "STOP  au\n36173" and "STOP au 36173." all count as the mention "STOP au 36173".
 * It is the tenant's own mention that must appear: "STOP au 36111" (another short code) or
 * "STOP au 36 173" (digits split) are not it, and the mention is then appended. When in doubt we
 * append: a redundant footer costs a few characters, a missing one is a breach.
 *
 * The mention is appended after a line feed, not a space. LF is in the GSM-7 basic table (one septet,
 * the same cost as a space, 3GPP TS 23.038), so it never forces UCS-2; it puts the mention on its own
 * line where readers expect the legal footer, and keeps it from being glued to a final URL or word.
 * CR LF is not used: it costs a second septet for nothing.
 */
import { z } from 'zod';
import { containsWords, foldedWords } from './fold-text.ts';

/**
 * GSM 03.38 basic character set (3GPP TS 23.038 §6.2.1) without ESC and line breaks. A mention outside
 * it (a non-breaking space pasted from a word processor, a typographic apostrophe) would switch every
 * marketing SMS of the tenant to UCS-2 and cut its capacity from 160 to 70 characters.
 */
const GSM7_BASIC_SINGLE_LINE =
  '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_SET = new Set(GSM7_BASIC_SINGLE_LINE);

export const OptOutMention = z
  .string()
  .trim()
  // Composed form, so "é" typed as e + combining accent is checked (and sent) as the GSM-7 "é".
  .overwrite((mention) => mention.normalize('NFC'))
  .min(1, { error: 'the opt-out mention cannot be empty (e.g. "STOP au 36173")' })
  .max(40, { error: 'the opt-out mention is at most 40 characters: it is added to every marketing SMS' })
  .superRefine((mention, ctx) => {
    if (foldedWords(mention).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'the opt-out mention must contain letters or digits (e.g. "STOP au 36173")' });
      return;
    }
    const outside = [...new Set([...mention].filter((char) => !GSM7_SET.has(char)))];
    if (outside.length > 0) {
      const shown = outside.map((char) => `"${char}" (U+${char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')})`);
      ctx.addIssue({
        code: 'custom',
        message: `the opt-out mention must use only GSM-7 basic characters on one line, found ${shown.join(', ')}: it would force every marketing SMS into UCS-2 (70 characters instead of 160)`,
      });
    }
  });
export type OptOutMention = z.infer<typeof OptOutMention>;

/** True when `text` already carries `mention` (case-, accent-, whitespace- and punctuation-insensitive). */
export function hasOptOutMention(text: string, mention: string): boolean {
  const phrase = foldedWords(mention);
  if (phrase.length === 0) {
    throw new Error(`opt-out mention "${mention}" has no letters or digits: configure one such as "STOP au 36173"`);
  }
  return containsWords(foldedWords(text), phrase);
}

/** Returns `text` with the mention appended on its own line when it is missing. */
export function ensureOptOutMention(text: string, mention: string): { text: string; appended: boolean } {
  if (hasOptOutMention(text, mention)) return { text, appended: false };
  const body = text.replace(/\s+$/u, '');
  const footer = mention.trim();
  return { text: body === '' ? footer : `${body}\n${footer}`, appended: true };
}
