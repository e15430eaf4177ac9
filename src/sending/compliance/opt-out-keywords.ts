/**
 * Recognises an opt-out request in an incoming SMS (MO). French law (L34-5 CPCE) requires a free and
 * simple way to object in every marketing message; on SMS the convention is the reply "STOP" to the
 * sender's short code (af2m Business Messaging charter, 2024: "message STOP").
 *
 * Matching rule: the message's first words must equal a keyword's words. Case, accents, surrounding
 * whitespace and punctuation are ignored ("  stop. ", "Arrêt svp" match), but words are whole:
 * "STOPPER" is not "STOP", and "Non stop" (a reply that merely contains the word) does not match.
 * A multi-word keyword ("STOP SMS") matches as a prefix phrase ("stop sms merci").
 *
 * Default list, for a French platform:
 * - STOP, STOP SMS: the word every French marketing SMS advertises ("STOP au 36xxx", "STOP SMS").
 * - ARRET, DESABONNER: the French words people actually type; accented spellings (ARRÊT,
 *   DÉSABONNER) match through accent folding, so they are not listed twice.
 * - STOPALL, UNSUBSCRIBE: unambiguous, no other meaning in a reply, and used by English-speaking
 *   recipients (tourists, expatriates) of French senders.
 * Left out: END, CANCEL, QUIT. They are the US CTIA/carrier set, not a French convention, and CANCEL
 * (like ANNULER) is the natural answer to an appointment or booking reminder ("reply CANCEL to cancel
 * your appointment"), which the calendar connectors send: treating it as a marketing opt-out would
 * silently unsubscribe people who only meant to cancel a booking. A tenant can add them.
 */
import { z } from 'zod';
import { foldedWords, startsWithWords } from './fold-text.ts';

export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = Object.freeze([
  'STOP',
  'STOP SMS',
  'ARRET',
  'DESABONNER',
  'STOPALL',
  'UNSUBSCRIBE',
]);

export const OptOutKeyword = z
  .string()
  .trim()
  .min(1, { error: 'an opt-out keyword cannot be empty' })
  .max(40, { error: 'an opt-out keyword is at most 40 characters' })
  .refine((keyword) => foldedWords(keyword).length > 0, {
    error: 'an opt-out keyword must contain at least one letter or digit',
  });

/** A tenant's opt-out keyword list; duplicates after folding ("ARRET", "arrêt") are dropped, first spelling kept. */
export const OptOutKeywords = z
  .array(OptOutKeyword)
  .min(1, { error: 'list at least one opt-out keyword (e.g. "STOP"): recipients must always be able to object' })
  .max(50, { error: 'at most 50 opt-out keywords' })
  .transform((keywords) => {
    const seen = new Set<string>();
    return keywords.filter((keyword) => {
      const key = foldedWords(keyword).join(' ');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  })
  .default([...DEFAULT_OPT_OUT_KEYWORDS]);
export type OptOutKeywords = z.infer<typeof OptOutKeywords>;

/**
 * The keyword that `text` starts with, as configured, or undefined. When several match ("STOP" and
 * "STOP SMS" for "stop sms"), the longest phrase is returned: it is the more precise record of what
 * the person asked.
 */
export function findOptOutKeyword(
  text: string,
  keywords: readonly string[] = DEFAULT_OPT_OUT_KEYWORDS,
): string | undefined {
  const words = foldedWords(text);
  if (words.length === 0) return undefined;
  let best: { keyword: string; length: number } | undefined;
  for (const keyword of keywords) {
    const phrase = foldedWords(keyword);
    if (startsWithWords(words, phrase) && (best === undefined || phrase.length > best.length)) {
      best = { keyword, length: phrase.length };
    }
  }
  return best?.keyword;
}

/** True when the incoming SMS is an opt-out request (see the module comment for the rule). */
export function matchOptOut(text: string, keywords: readonly string[] = DEFAULT_OPT_OUT_KEYWORDS): boolean {
  return findOptOutKeyword(text, keywords) !== undefined;
}
