import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, signPayload, verifySignature } from './hub-signature.ts';

describe('webhook signature', () => {
  const secret = 'whsec_0123456789abcdefghijABCDEFGHIJKL';
  const body = '{"id":"evt_1","type":"order.created","data":{"total":"12.50 €"}}';
  const t = 1_790_000_000;
  // Computed here from the documented recipe, independently of the module.
  const expected = createHmac('sha256', secret).update(Buffer.from(`${t}.${body}`, 'utf8')).digest('hex');

  it('signs "<t>.<raw body>" with HMAC-SHA256 in hex', () => {
    expect(computeSignature(secret, body, t)).toBe(expected);
    expect(signPayload(secret, body, t)).toBe(`t=${t},v1=${expected}`);
    expect(signPayload(secret, Buffer.from(body), t)).toBe(`t=${t},v1=${expected}`);
  });

  it('carries one v1 per secret during a rotation, and each verifies', () => {
    const header = signPayload(['whsec_new', secret], body, t);
    expect(header.split(',')).toHaveLength(3);
    expect(verifySignature(secret, body, header, new Date(t * 1000))).toEqual({ ok: true, timestamp: t });
    expect(verifySignature('whsec_new', body, header, new Date(t * 1000))).toEqual({ ok: true, timestamp: t });
  });

  it.each([
    ['a header from another secret', signPayload('whsec_other', body, t), body, 'mismatch'],
    ['a re-serialized body', signPayload(secret, body, t), JSON.stringify(JSON.parse(body), null, 2), 'mismatch'],
    ['a timestamp moved without re-signing', `t=${t + 1},v1=${expected}`, body, 'mismatch'],
    ['no header', undefined, body, 'malformed'],
    ['no v1', `t=${t}`, body, 'malformed'],
    ['no t', `v1=${expected}`, body, 'malformed'],
    ['a short v1', `t=${t},v1=abc`, body, 'malformed'],
  ])('refuses %s', (_name, header, receivedBody, reason) => {
    expect(verifySignature(secret, receivedBody, header, new Date(t * 1000))).toMatchObject({ ok: false, reason });
  });

  it('refuses a valid signature older or newer than the tolerance (replays, skewed clocks)', () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, new Date((t + 300) * 1000)).ok).toBe(true);
    expect(verifySignature(secret, body, header, new Date((t + 301) * 1000))).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifySignature(secret, body, header, new Date((t - 301) * 1000))).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifySignature(secret, body, header, new Date((t + 3600) * 1000), 7200).ok).toBe(true);
  });

  it('refuses timestamps that are not whole unix seconds', () => {
    expect(() => signPayload(secret, body, 1.5)).toThrow(RangeError);
    expect(() => signPayload([], body, t)).toThrow(RangeError);
  });
});
