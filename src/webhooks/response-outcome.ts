import type { DeliveryOutcome } from '../bus/subscribers.ts';
import { parseRetryAfter } from './retry-after.ts';

/** What one POST to a target came to, before any policy: the answer, or why there was none. */
export type PostResult =
  | { kind: 'answered'; statusCode: number; retryAfter: string | undefined; bodyExcerpt: string }
  | { kind: 'timeout'; timeoutMs: number }
  /** The SSRF guard refused the address the host resolved to. */
  | { kind: 'blocked'; error: string }
  | { kind: 'network'; error: string };

/** A delivery outcome, plus "gone": the target answered 410 and the source applies its policy (disable or delete). */
export type WebhookOutcome = DeliveryOutcome | { kind: 'gone'; error: string; statusCode: 410 };

export interface OutcomeRules {
  /**
   * Tries for answers that a retry is unlikely to fix (4xx other than 408/410/429, redirects, a
   * refused address): a few, in case the receiver is mid-deploy, then the delivery gives up.
   */
  refusedAttempts: number;
  /** Cap on a target's Retry-After. */
  maxRetryAfterMs: number;
}

/** The excerpt kept of a response body, in the error of the attempt: receivers' bodies are not stored. */
export const EXCERPT_CHARS = 200;

export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

/**
 * Maps a POST result to what happens next: 2xx delivered; 410 gone; 429 retried after Retry-After
 * (capped); 408, 5xx, timeouts and connection errors retried with the bus's backoff; redirects (not
 * followed: a redirect could lead anywhere, including past the SSRF guard), other 4xx and refused
 * addresses retried up to `refusedAttempts` tries in all, then given up.
 */
export function outcomeOf(result: PostResult, attempt: number, rules: OutcomeRules, now: Date = new Date()): WebhookOutcome {
  const refused = (error: string, statusCode?: number): WebhookOutcome =>
    attempt >= rules.refusedAttempts ? { kind: 'give-up', error, statusCode } : { kind: 'retry', error, statusCode };
  switch (result.kind) {
    case 'timeout':
      return { kind: 'retry', error: `no answer within ${result.timeoutMs} ms` };
    case 'network':
      return { kind: 'retry', error: result.error };
    case 'blocked':
      return refused(result.error);
    case 'answered':
      break;
  }
  const { statusCode } = result;
  const said = result.bodyExcerpt === '' ? `HTTP ${statusCode}` : `HTTP ${statusCode}: ${excerpt(result.bodyExcerpt)}`;
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode };
  if (statusCode === 410) return { kind: 'gone', error: said, statusCode };
  if (statusCode === 429) {
    const retryAfterMs = parseRetryAfter(result.retryAfter, now);
    return retryAfterMs === undefined
      ? { kind: 'retry', error: said, statusCode }
      : { kind: 'retry', error: said, statusCode, retryAfterMs: Math.min(retryAfterMs, rules.maxRetryAfterMs) };
  }
  if (statusCode === 408 || statusCode >= 500) return { kind: 'retry', error: said, statusCode };
  if (statusCode >= 300 && statusCode < 400) return refused(`${said} (redirects are not followed; subscribe the final URL)`, statusCode);
  return refused(said, statusCode);
}
