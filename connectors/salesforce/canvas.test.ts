/** The Canvas signed request, built as Salesforce builds it, verified; every altered, foreign or old one refused. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignedRequest } from './canvas.ts';
import { canvasRequest, signRequest } from './testing/canvas-request.ts';
import { ORG_ID, USER_ID } from './testing/fake-salesforce.ts';

const SECRET = 'E1F3D8C2B7A6958473625140F9E8D7C6B5A4938271605F4E3D2C1B0A99887766';
const now = new Date('2026-12-06T10:00:00.000Z');
const expected = { consumerSecret: SECRET, organizationId: ORG_ID, now };
const parts = (signed: string) => [signed.slice(0, signed.indexOf('.')), signed.slice(signed.indexOf('.') + 1)] as const;

describe('Canvas signed request', () => {
  it('verifies one signed with the consumer secret: the org (18 characters), the user and the record in context', () => {
    const check = verifySignedRequest(signRequest(canvasRequest(), SECRET), expected);
    expect(check).toMatchObject({
      ok: true,
      organizationId: ORG_ID,
      request: { userId: USER_ID, context: { user: { language: 'fr' }, environment: { record: { Id: '0035e00000ZkM3hAAF', attributes: { type: 'Contact' } } } } },
    });
    // The 15-character org id Salesforce may send is the same org.
    expect(verifySignedRequest(signRequest(canvasRequest({ organizationId: ORG_ID }), SECRET), expected)).toMatchObject({ ok: true });
  });

  it('refuses a request signed with another secret', () => {
    expect(verifySignedRequest(signRequest(canvasRequest(), 'another secret'), expected)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses a tampered context or signature', () => {
    const [signature, envelope] = parts(signRequest(canvasRequest(), SECRET));
    const [, altered] = parts(signRequest(canvasRequest({ userId: '0055e000003TdXzAAK' }), SECRET));
    expect(verifySignedRequest(`${signature}.${altered}`, expected)).toEqual({ ok: false, reason: 'signature' });
    expect(verifySignedRequest(`${signature.slice(0, -4)}.${envelope}`, expected)).toEqual({ ok: false, reason: 'signature' });
    const flipped = Buffer.from(signature, 'base64');
    flipped[0]! ^= 1;
    expect(verifySignedRequest(`${flipped.toString('base64')}.${envelope}`, expected)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses another algorithm, even signed with the right secret', () => {
    expect(verifySignedRequest(signRequest(canvasRequest({ algorithm: 'HMACSHA1' }), SECRET), expected)).toEqual({ ok: false, reason: 'algorithm' });
  });

  it('refuses a request from another org than the installation\'s', () => {
    expect(verifySignedRequest(signRequest(canvasRequest({ organizationId: '00D5e000000ZZZZ' }), SECRET), expected)).toEqual({ ok: false, reason: 'foreign-org' });
  });

  it('refuses an old request when Salesforce dates it, and accepts an undated one', () => {
    expect(verifySignedRequest(signRequest(canvasRequest({ issuedAt: '2026-12-06T09:00:00.000Z' }), SECRET), expected)).toEqual({ ok: false, reason: 'expired' });
    expect(verifySignedRequest(signRequest(canvasRequest({ issuedAt: Date.parse('2026-12-06T09:55:00.000Z') }), SECRET), expected)).toMatchObject({ ok: true });
    expect(verifySignedRequest(signRequest(canvasRequest({ issuedAt: null }), SECRET), expected)).toMatchObject({ ok: true });
  });

  it('refuses what is not a signed request: missing parts, not base64, not JSON, not a CanvasRequest', () => {
    const [signature, envelope] = parts(signRequest(canvasRequest(), SECRET));
    for (const malformed of [undefined, 42, '', envelope, `${signature}.`, `.${envelope}`, `${signature}.${envelope}!`, 'x'.repeat(300_000)]) {
      expect(verifySignedRequest(malformed, expected)).toEqual({ ok: false, reason: 'malformed' });
    }
    const notJson = Buffer.from('not json').toString('base64');
    expect(verifySignedRequest(`${createHmac('sha256', SECRET).update(notJson).digest('base64')}.${notJson}`, expected)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignedRequest(signRequest({ algorithm: 'HMACSHA256' }, SECRET), expected)).toEqual({ ok: false, reason: 'malformed' });
  });
});
