/**
 * A short-lived credential the hub hands to a page it serves, and checks on every call the page makes back:
 * `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, the claims carrying their own expiry (`exp`, epoch ms).
 *
 * - The key is derived from the hub secret by HKDF with the token's purpose as info: a token made for one purpose
 *   does not verify for another, and the vault key is used for nothing else. Every process of a hub derives the same
 *   key, so a token made by one gateway is honoured by another.
 * - Verification recomputes the MAC over the encoded claims, compares in constant time, and only then decodes.
 * - The claims are signed, not encrypted: put nothing secret in them.
 * Pure.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const TOKEN = /^([A-Za-z0-9_-]{2,4096})\.([A-Za-z0-9_-]{43})$/;

export type TokenCheck<Claims> = { ok: true; claims: Claims; expiresAt: Date } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

export interface SignedTokens<Claims extends Record<string, unknown>> {
  sign(claims: Claims, ttlMs: number, now: Date): { token: string; expiresAt: Date };
  verify(token: unknown, now: Date): TokenCheck<Claims>;
}

/** `purpose` names what the token is for (`salesforce-canvas/v1`); `secret` is the hub secret key. */
export function createSignedTokens<Claims extends Record<string, unknown>>(secret: Buffer, purpose: string): SignedTokens<Claims> {
  if (secret.length < 32) throw new RangeError('The token secret must be at least 32 bytes (the hub secret key is).');
  const key = Buffer.from(hkdfSync('sha256', secret, 'connector-hub', `signed-token/${purpose}`, 32));
  const mac = (encoded: string) => createHmac('sha256', key).update(encoded).digest();
  return {
    sign(claims, ttlMs, now) {
      const expiresAt = new Date(now.getTime() + ttlMs);
      const encoded = Buffer.from(JSON.stringify({ ...claims, exp: expiresAt.getTime() })).toString('base64url');
      return { token: `${encoded}.${mac(encoded).toString('base64url')}`, expiresAt };
    },
    verify(token, now) {
      const match = typeof token === 'string' ? TOKEN.exec(token) : null;
      if (!match) return { ok: false, reason: 'malformed' };
      const [, encoded, signature] = match;
      const given = Buffer.from(signature!, 'base64url');
      const expected = mac(encoded!);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(encoded!, 'base64url').toString('utf8'));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (typeof decoded !== 'object' || decoded === null || typeof (decoded as { exp?: unknown }).exp !== 'number') return { ok: false, reason: 'malformed' };
      const { exp, ...claims } = decoded as { exp: number } & Record<string, unknown>;
      if (now.getTime() >= exp) return { ok: false, reason: 'expired' };
      return { ok: true, claims: claims as Claims, expiresAt: new Date(exp) };
    },
  };
}
