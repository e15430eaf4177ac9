/**
 * The signed link of a satisfaction question: `${publicUrl}/s/<id>.<signature>`.
 *
 * - The id is derived from the tenant and the send's idempotency key (HMAC, 12 base62 characters,
 *   ~71 bits): a step retried after a crash asks the same question with the same link, and nobody
 *   can guess one.
 * - The signature is HMAC-SHA256 over the tenant, the id, the message's key and the expiry, cut to
 *   16 bytes: a link altered in any character, moved to another tenant or message, or given a later
 *   expiry, no longer verifies. The row the id names holds those values; the route recomputes the
 *   signature from it and compares in constant time.
 * Keys come from the hub secret through HKDF, as the unsubscribe links' do, so the vault key is used
 * for nothing else. Pure.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export const SURVEY_PATH = '/s';
const ID_LENGTH = 12;
const SIGNATURE_BYTES = 16;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN = /^([0-9A-Za-z]{12})\.([A-Za-z0-9_-]{22})$/;

/** What a link is bound to, as its row stores it. */
export interface SurveyBinding {
  tenantId: string;
  id: string;
  messageKey: string;
  expiresAt: Date;
}

export interface SurveyLinks {
  /** The question's id for this tenant and send (deterministic). */
  idFor(tenantId: string, messageKey: string): string;
  url(binding: SurveyBinding): string;
  /** The id a token names, or undefined when it is not shaped like one; `verify` then checks it against the row. */
  parse(token: string): { id: string; signature: string } | undefined;
  verify(binding: SurveyBinding, signature: string): boolean;
}

export function createSurveyLinks(secret: Buffer, publicUrl: string): SurveyLinks {
  if (secret.length < 32) throw new RangeError('The survey link secret must be at least 32 bytes (the hub secret key is).');
  const okm = Buffer.from(hkdfSync('sha256', secret, 'connector-hub', 'survey-link/v1', 64));
  const idKey = okm.subarray(0, 32);
  const macKey = okm.subarray(32);
  const signature = (binding: SurveyBinding): Buffer =>
    createHmac('sha256', macKey)
      .update(['v1', binding.tenantId, binding.id, binding.messageKey, binding.expiresAt.toISOString()].join('\u0000'))
      .digest()
      .subarray(0, SIGNATURE_BYTES);
  return {
    idFor(tenantId, messageKey) {
      const digest = createHmac('sha256', idKey).update(`${tenantId}\u0000${messageKey}`).digest();
      // 12 characters from 12 bytes; the tiny bias of `% 62` changes nothing at 71 bits.
      return Array.from(digest.subarray(0, ID_LENGTH), (byte) => BASE62[byte % 62]).join('');
    },
    url: (binding) => `${publicUrl.replace(/\/+$/, '')}${SURVEY_PATH}/${binding.id}.${signature(binding).toString('base64url')}`,
    parse(token) {
      const match = TOKEN.exec(token);
      return match ? { id: match[1]!, signature: match[2]! } : undefined;
    },
    verify(binding, given) {
      const bytes = Buffer.from(given, 'base64url');
      // Only the canonical spelling (Node's decoder ignores stray trailing bits).
      if (bytes.length !== SIGNATURE_BYTES || bytes.toString('base64url') !== given) return false;
      return timingSafeEqual(bytes, signature(binding));
    },
  };
}
