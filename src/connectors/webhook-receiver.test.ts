import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signHmac, singleHeader, verifyHmac } from './webhook-receiver.ts';

const body = Buffer.from('{"id":727,"status":"processing","permalink":"https:\\/\\/boutique.example.fr\\/"}');

describe('verifyHmac', () => {
  const base64 = createHmac('sha256', 'secret-2').update(body).digest('base64');

  it('accepts the signature of any candidate secret and says which', () => {
    expect(verifyHmac(body, base64, ['secret-1', 'secret-2'], { encoding: 'base64' })).toEqual({ ok: true, secretIndex: 1 });
    expect(verifyHmac(body, ` ${base64} `, ['secret-2'], { encoding: 'base64' })).toEqual({ ok: true, secretIndex: 0 });
    expect(verifyHmac(body, signHmac(body, 'k', { encoding: 'hex' }), ['k'], { encoding: 'hex' })).toEqual({ ok: true, secretIndex: 0 });
    expect(verifyHmac(body, signHmac(body, 'k', { encoding: 'hex', algorithm: 'sha1' }), ['k'], { encoding: 'hex', algorithm: 'sha1' })).toMatchObject({ ok: true });
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'missing'],
    ['not base64', '!!not-base64!!', 'malformed'],
    ['too short', Buffer.alloc(16).toString('base64'), 'malformed'],
    ['hex given where base64 is expected', createHmac('sha256', 'secret-2').update(body).digest('hex'), 'malformed'],
    ['another secret', createHmac('sha256', 'other').update(body).digest('base64'), 'mismatch'],
  ])('refuses a signature %s', (_case, signature, reason) => {
    expect(verifyHmac(body, signature, ['secret-1', 'secret-2'], { encoding: 'base64' })).toEqual({ ok: false, reason });
  });

  it('is over the exact bytes: the same JSON re-serialized does not verify', () => {
    const reserialized = JSON.stringify(JSON.parse(body.toString()));
    expect(reserialized).not.toBe(body.toString());
    expect(verifyHmac(reserialized, base64, ['secret-2'], { encoding: 'base64' })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses when there is no secret to check against', () => {
    expect(verifyHmac(body, base64, [], { encoding: 'base64' })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('singleHeader', () => {
  it('reads a header sent once, or repeated identically; refuses conflicting repeats', () => {
    expect(singleHeader({ 'x-wc-webhook-id': '12' }, 'X-WC-Webhook-ID')).toBe('12');
    expect(singleHeader({ 'x-a': ['1', '1'] } as never, 'x-a')).toBe('1');
    expect(singleHeader({ 'x-a': ['1', '2'] } as never, 'x-a')).toBeUndefined();
    expect(singleHeader({}, 'x-a')).toBeUndefined();
  });
});
