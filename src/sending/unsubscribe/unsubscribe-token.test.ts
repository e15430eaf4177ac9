import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUnsubscribeTokens, MAX_TOKEN_LENGTH, type UnsubscribeClaims } from './unsubscribe-token.ts';

const secret = Buffer.alloc(32, 7);
const tokens = createUnsubscribeTokens(secret);
const claims: UnsubscribeClaims = { tenantId: 'ten_8Qy2mZ0bW1nV4xR7tK3p', channel: 'email', address: 'camille.martin@example.fr', messageId: 'k3J9aQ2xZp' };

/** Flips one bit of the decoded token and re-encodes it canonically. */
function flipBit(token: string, byte: number, bit = 0): string {
  const bytes = Buffer.from(token, 'base64url');
  bytes[byte]! ^= 1 << bit;
  return bytes.toString('base64url');
}

describe('unsubscribe tokens', () => {
  it('round-trips the claims, for email and sms, with non-ASCII addresses', () => {
    expect(tokens.verify(tokens.sign(claims))).toEqual(claims);
    const sms: UnsubscribeClaims = { ...claims, channel: 'sms', address: '+33612345678' };
    expect(tokens.verify(tokens.sign(sms))).toEqual(sms);
    const unicode: UnsubscribeClaims = { ...claims, address: 'élodie@exemple.fr' };
    expect(tokens.verify(tokens.sign(unicode))).toEqual(unicode);
  });

  it('is compact, URL-safe, deterministic, and does not show the address or the tenant', () => {
    const token = tokens.sign(claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    // 1 version + 16 tag + 1 channel + 1+24 tenant + 1+10 message + 25 address = 79 bytes.
    expect(token).toHaveLength(Math.ceil((79 * 4) / 3));
    expect(tokens.sign(claims)).toBe(token);
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    for (const secretPart of ['camille', 'example.fr', 'ten_8Qy2', 'k3J9aQ2xZp']) expect(decoded).not.toContain(secretPart);
  });

  it('gives each message, address, tenant and channel its own token', () => {
    const variants = [
      claims,
      { ...claims, messageId: 'k3J9aQ2xZq' },
      { ...claims, address: 'camille.martin@example.com' },
      { ...claims, tenantId: 'ten_other' },
      { ...claims, channel: 'sms' as const },
    ];
    expect(new Set(variants.map((variant) => tokens.sign(variant))).size).toBe(variants.length);
  });

  it('refuses a token with any single bit changed', () => {
    const token = tokens.sign(claims);
    const length = Buffer.from(token, 'base64url').length;
    for (let byte = 0; byte < length; byte++) {
      for (const bit of [0, 7]) expect(tokens.verify(flipBit(token, byte, bit)), `byte ${byte} bit ${bit}`).toBeUndefined();
    }
  });

  it('refuses truncated, extended and non-canonical spellings', () => {
    const token = tokens.sign(claims);
    expect(tokens.verify(token.slice(0, -1))).toBeUndefined();
    expect(tokens.verify(token.slice(0, 30))).toBeUndefined();
    expect(tokens.verify(`${token}A`)).toBeUndefined();
    expect(tokens.verify(`${token}=`)).toBeUndefined();
    // The same bytes in standard base64 (padded: 79 bytes) are not a URL token.
    expect(tokens.verify(Buffer.from(token, 'base64url').toString('base64'))).toBeUndefined();
    // The last character carries 4 unused bits (79 bytes): another spelling of the same bytes is not the token.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(Buffer.from(token.slice(0, -1) + sibling, 'base64url')).toEqual(Buffer.from(token, 'base64url'));
    expect(tokens.verify(token.slice(0, -1) + sibling)).toBeUndefined();
    expect(tokens.verify('')).toBeUndefined();
    expect(tokens.verify('not a token')).toBeUndefined();
    expect(tokens.verify('A'.repeat(MAX_TOKEN_LENGTH + 1))).toBeUndefined();
  });

  it('refuses tokens made with another secret (another hub, a guessed key)', () => {
    const other = createUnsubscribeTokens(randomBytes(32));
    expect(tokens.verify(other.sign(claims))).toBeUndefined();
    expect(other.verify(tokens.sign(claims))).toBeUndefined();
  });

  it('cannot be re-pointed at another tenant: a forger who knows the format but not the key fails', () => {
    // The forger builds the payload for another tenant and "signs" it with a key of their own.
    const forgedKey = Buffer.from(hkdfSync('sha256', randomBytes(32), 'connector-hub', 'unsubscribe-token/v1', 64));
    const tenant = Buffer.from('ten_victimTenant000000');
    const payload = Buffer.concat([Buffer.of(1, tenant.length), tenant, Buffer.of(10), Buffer.from('k3J9aQ2xZp'), Buffer.from('someone@example.fr')]);
    const tag = createHmac('sha256', forgedKey.subarray(0, 32)).update(Buffer.of(1)).update(payload).digest().subarray(0, 16);
    const cipher = createCipheriv('aes-256-ctr', forgedKey.subarray(32), tag);
    const forged = Buffer.concat([Buffer.of(1), tag, cipher.update(payload), cipher.final()]).toString('base64url');
    expect(tokens.verify(forged)).toBeUndefined();
  });

  it('keeps verifying links signed before a secret rotation', () => {
    const before = tokens.sign(claims);
    const rotated = createUnsubscribeTokens(randomBytes(32), [secret]);
    expect(rotated.verify(before)).toEqual(claims);
    expect(rotated.sign(claims)).not.toBe(before);
    expect(tokens.verify(rotated.sign(claims))).toBeUndefined();
  });

  it('refuses short secrets and invalid claims', () => {
    expect(() => createUnsubscribeTokens(Buffer.alloc(16))).toThrow(RangeError);
    expect(() => tokens.sign({ ...claims, address: '' })).toThrow();
    expect(() => tokens.sign({ ...claims, tenantId: 'x'.repeat(256) })).toThrow();
    expect(() => tokens.sign({ ...claims, channel: 'fax' as 'sms' })).toThrow();
  });
});
