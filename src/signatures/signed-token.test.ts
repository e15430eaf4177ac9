import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSignedTokens } from './signed-token.ts';

const secret = randomBytes(32);
const now = new Date('2026-12-06T10:00:00.000Z');
const claims = { tenantId: 'ten_1', installationId: 'ins_1', userId: '0055e000003TdXyAAK' };

describe('signed tokens', () => {
  const tokens = createSignedTokens<typeof claims>(secret, 'test/v1');

  it('gives back the claims until the expiry, then refuses', () => {
    const { token, expiresAt } = tokens.sign(claims, 60_000, now);
    expect(expiresAt.toISOString()).toBe('2026-12-06T10:01:00.000Z');
    expect(tokens.verify(token, new Date(now.getTime() + 59_999))).toEqual({ ok: true, claims, expiresAt });
    expect(tokens.verify(token, expiresAt)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses an altered claim, another purpose, another secret, and anything not shaped like a token', () => {
    const { token } = tokens.sign(claims, 60_000, now);
    const [encoded, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, tenantId: 'ten_2', exp: now.getTime() + 60_000 })).toString('base64url');
    expect(tokens.verify(`${forged}.${signature}`, now)).toEqual({ ok: false, reason: 'signature' });
    expect(createSignedTokens(secret, 'other/v1').verify(token, now)).toEqual({ ok: false, reason: 'signature' });
    expect(createSignedTokens(randomBytes(32), 'test/v1').verify(token, now)).toEqual({ ok: false, reason: 'signature' });
    for (const bad of [undefined, '', encoded, `${encoded}.`, `${encoded}.${signature}x`, `${encoded}.${signature.slice(1)}`, 42]) {
      expect(tokens.verify(bad, now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('needs a secret of 32 bytes at least', () => {
    expect(() => createSignedTokens(randomBytes(16), 'test/v1')).toThrow(RangeError);
  });
});
