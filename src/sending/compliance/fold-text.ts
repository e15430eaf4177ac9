/**
 * Text folding shared by the opt-out keyword matcher and the STOP-mention check: both compare what a
 * person typed on a phone with a configured phrase, so case, accents, spacing and punctuation must not
 * matter ("Arrêt !" = "ARRET", "Stop  au\n36173" = "STOP au 36173").
 */

/**
 * Upper-cases and strips diacritics. NFKD also folds compatibility forms that phones and copy-paste
 * produce: full-width letters ("ＳＴＯＰ"), ligatures ("ﬁ"), non-breaking spaces.
 */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toUpperCase();
}

/** Folded words: maximal runs of letters and digits; everything else (spaces, punctuation, emoji) separates. */
export function foldedWords(text: string): string[] {
  return foldText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** True when `words` starts with all of `prefix` (whole words, in order). */
export function startsWithWords(words: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length === 0 || prefix.length > words.length) return false;
  return prefix.every((word, i) => words[i] === word);
}

/** True when `phrase` occurs in `words` as a contiguous run of whole words. */
export function containsWords(words: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return false;
  for (let start = 0; start + phrase.length <= words.length; start++) {
    if (phrase.every((word, i) => words[start + i] === word)) return true;
  }
  return false;
}
