/**
 * The Canvas signed request (Salesforce "Canvas Developer Guide", Signed Request Authentication): when a record page
 * opens the SMS tab, Salesforce POSTs `signed_request` = `<signature>.<encoded envelope>`, where the envelope is the
 * CanvasRequest as base64 JSON and the signature the base64 HMAC-SHA256 of the encoded envelope with the app's
 * consumer secret. The hub splits on the first period, recomputes the signature, compares in constant time, and only
 * then decodes: anything else is refused, with no detail about which part failed.
 *
 * The tab's page itself (the record's phones, templates, preview, send, history) is not built yet.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { id18 } from './ids.ts';

/** How old a signed request may be (its issuedAt): a captured one cannot be replayed for long. */
export const SIGNED_REQUEST_MAX_AGE_MS = 15 * 60_000;

const CanvasRequestSchema = z.object({
  algorithm: z.literal('HMACSHA256'),
  issuedAt: z.union([z.number(), z.string()]).nullable().optional(),
  userId: z.string(),
  client: z.object({ oauthToken: z.string().optional(), instanceUrl: z.string().optional() }).passthrough(),
  context: z
    .object({
      user: z.object({ userId: z.string().optional(), fullName: z.string().optional(), language: z.string().optional() }).passthrough(),
      organization: z.object({ organizationId: z.string() }).passthrough(),
      environment: z
        .object({
          parameters: z.record(z.string(), z.unknown()).nullable().optional(),
          record: z.object({ Id: z.string(), attributes: z.object({ type: z.string() }).passthrough() }).passthrough().nullable().optional(),
        })
        .passthrough(),
    })
    .passthrough(),
});
export type CanvasRequest = z.infer<typeof CanvasRequestSchema>;

export type SignedRequestCheck = { ok: true; request: CanvasRequest; organizationId: string } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

export function verifySignedRequest(signedRequest: unknown, consumerSecret: string, now: Date): SignedRequestCheck {
  if (typeof signedRequest !== 'string' || signedRequest.length > 64 * 1024) return { ok: false, reason: 'malformed' };
  const cut = signedRequest.indexOf('.');
  if (cut <= 0 || cut === signedRequest.length - 1) return { ok: false, reason: 'malformed' };
  const signature = signedRequest.slice(0, cut);
  const envelope = signedRequest.slice(cut + 1);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', consumerSecret).update(envelope).digest();
  const presented = Buffer.from(signature, 'base64');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { ok: false, reason: 'signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(envelope, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = CanvasRequestSchema.safeParse(decoded);
  const organizationId = parsed.success ? id18(parsed.data.context.organization.organizationId) : undefined;
  if (!parsed.success || organizationId === undefined) return { ok: false, reason: 'malformed' };
  const issuedAt = parsed.data.issuedAt === null || parsed.data.issuedAt === undefined ? Number.NaN : new Date(parsed.data.issuedAt).getTime();
  if (Number.isFinite(issuedAt) && now.getTime() - issuedAt > SIGNED_REQUEST_MAX_AGE_MS) return { ok: false, reason: 'expired' };
  return { ok: true, request: parsed.data, organizationId };
}
