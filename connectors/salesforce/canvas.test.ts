/** The Canvas signed request, built as Salesforce builds it, verified; every altered or foreign one refused. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignedRequest } from './canvas.ts';
import { ORG_ID } from './testing/fake-salesforce.ts';

const SECRET = 'E1F3D8C2B7A6958473625140F9E8D7C6B5A4938271605F4E3D2C1B0A99887766';
const now = new Date('2026-12-06T10:00:00.000Z');

const canvasRequest = (overrides: Record<string, unknown> = {}) => ({
  algorithm: 'HMACSHA256',
  issuedAt: null,
  userId: '0055e000003TdXyAAK',
  client: { oauthToken: '00D5e000000KQ2e!AR8AQJ', instanceUrl: 'https://acme.my.salesforce.com', targetOrigin: 'https://acme.lightning.force.com', refreshToken: null },
  context: {
    user: { userId: '0055e000003TdXyAAK', fullName: 'Julie Bernard', language: 'fr' },
    organization: { organizationId: ORG_ID.slice(0, 15), name: 'Acme' },
    environment: { parameters: {}, record: { Id: '0035e00000ZkM3hAAF', attributes: { type: 'Contact', url: '/services/data/v66.0/sobjects/Contact/0035e00000ZkM3hAAF' } }, displayLocation: 'Visualforce' },
  },
  ...overrides,
});

/** As Salesforce signs it: base64(HMAC-SHA256(consumer secret, base64(JSON))) + "." + base64(JSON). */
function sign(request: unknown, secret = SECRET): string {
  const envelope = Buffer.from(JSON.stringify(request)).toString('base64');
  return `${createHmac('sha256', secret).update(envelope).digest('base64')}.${envelope}`;
}

describe('Canvas signed request', () => {
  it('verifies one signed with the consumer secret: the org (18 characters), the user and the record in context', () => {
    const check = verifySignedRequest(sign(canvasRequest()), SECRET, now);
    expect(check).toMatchObject({ ok: true, organizationId: ORG_ID, request: { userId: '0055e000003TdXyAAK', context: { environment: { record: { Id: '0035e00000ZkM3hAAF', attributes: { type: 'Contact' } } } } } });
  });

  it('refuses another secret, an altered context, a missing or extra part, another algorithm, an old one', () => {
    const good = sign(canvasRequest());
    const [signature, envelope] = [good.slice(0, good.indexOf('.')), good.slice(good.indexOf('.') + 1)];
    const altered = Buffer.from(JSON.stringify(canvasRequest({ userId: '0055e000003TdXzAAK' }))).toString('base64');
    expect(verifySignedRequest(sign(canvasRequest(), 'another secret'), SECRET, now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifySignedRequest(`${signature}.${altered}`, SECRET, now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifySignedRequest(envelope, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignedRequest(`${signature}.`, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignedRequest(`${signature.slice(0, -4)}.${envelope}`, SECRET, now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifySignedRequest(undefined, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignedRequest(sign(canvasRequest({ algorithm: 'HMACSHA1' })), SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignedRequest(sign({ algorithm: 'HMACSHA256' }), SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignedRequest(sign(canvasRequest({ issuedAt: '2026-12-06T09:00:00.000Z' })), SECRET, now)).toEqual({ ok: false, reason: 'expired' });
    expect(verifySignedRequest(sign(canvasRequest({ issuedAt: '2026-12-06T09:55:00.000Z' })), SECRET, now)).toMatchObject({ ok: true });
  });
});
