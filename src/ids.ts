import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 string; rejection sampling keeps every character equally likely. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Prefixed ids make logs and API answers readable: `evt_…` is an event, `whk_…` a webhook. */
export type IdPrefix = 'ten' | 'key' | 'usr' | 'ses' | 'inv' | 'stp' | 'evt' | 'dlv' | 'whk' | 'con' | 'lst' | 'ins' | 'inb' | 'scn' | 'run' | 'smp' | 'att' | 'job' | 'cmp' | 'oaf';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(20)}`;
}

/**
 * Message ids: exactly 10 alphanumerics, because SMPP receipts carry them in `id:` and Adobe
 * Campaign's default receipt regex takes at most 10 alphanumerics (62^10 ≈ 8·10^17 values).
 */
export function newMessageId(): string {
  return randomBase62(10);
}
