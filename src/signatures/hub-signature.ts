import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The hub's request signature, Stripe-style: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Outbound webhooks carry it as `Hub-Signature`; the hub's own plugins (WordPress, PrestaShop) sign
 * what they send to their connector the same way, so webhooks and connectors share this module.
 *
 * The timestamp is signed with the body, so a receiver that refuses timestamps older than a few
 * minutes also refuses a captured request replayed later. During a secret rotation the header
 * carries one `v1=` per valid secret; a receiver accepts the request when any of them matches.
 * This module is what docs/webhooks.md shows receivers, and what the tests verify deliveries with.
 */
export const SIGNATURE_HEADER = 'Hub-Signature';
/** Receivers should refuse requests signed longer ago than this (and as far in the future, for clock skew). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Hex HMAC-SHA256 of `<timestamp>.<body>` with the secret string as the key (its UTF-8 bytes, prefix included). */
export function computeSignature(secret: string, body: string | Uint8Array, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body` sent at `timestamp` (unix seconds), with one `v1=` per secret. */
export function signPayload(secret: string | readonly string[], body: string | Uint8Array, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be whole unix seconds, got ${timestamp}`);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new RangeError('at least one secret is needed to sign');
  return [`t=${timestamp}`, ...secrets.map((one) => `v1=${computeSignature(one, body, timestamp)}`)].join(',');
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'mismatch' | 'expired'; message: string };

/**
 * Checks a `Hub-Signature` header against the raw body (the exact bytes received, before any JSON
 * parsing) and the receiver's secret. Comparisons are constant-time.
 */
export function verifySignature(
  secret: string,
  body: string | Uint8Array,
  header: string | undefined,
  now: Date = new Date(),
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of (header ?? '').split(',')) {
    const [key, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/i.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) {
    return { ok: false, reason: 'malformed', message: `expected "${SIGNATURE_HEADER}: t=<unix seconds>,v1=<64 hex>"` };
  }
  const expected = Buffer.from(computeSignature(secret, body, timestamp), 'hex');
  if (!candidates.some((candidate) => timingSafeEqual(candidate, expected))) {
    return { ok: false, reason: 'mismatch', message: 'no v1 signature matches this secret and body (was the body re-serialized, or the secret rotated?)' };
  }
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - timestamp);
  if (skew > toleranceSeconds) {
    return { ok: false, reason: 'expired', message: `signed ${skew} s away from now, more than the ${toleranceSeconds} s tolerated (replay or clock skew)` };
  }
  return { ok: true, timestamp };
}
