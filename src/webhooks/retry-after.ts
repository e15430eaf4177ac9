/** An HTTP-date starts with a day name (IMF-fixdate, RFC 850 and asctime forms, RFC 9110 §5.6.7). */
const HTTP_DATE = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i;

/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds from `now`: either delay-seconds or an HTTP-date.
 * Undefined when absent or unreadable (the caller falls back to its backoff); a date in the past is 0.
 * Capping is the caller's business: a target must not park a delivery for a week.
 */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.test(text)) return undefined;
  // asctime carries no zone but means GMT; Date.parse would read it as local time.
  const at = Date.parse(/\b(?:GMT|UTC)$/i.test(text) ? text : `${text} GMT`);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
