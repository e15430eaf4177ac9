/**
 * The Canvas signed request (Salesforce "Canvas Developer Guide", Signed Request Authentication; "Verifying and
 * Decoding a Signed Request"): when a record page opens the SMS tab, Salesforce POSTs the form field
 * `signed_request` = `<signature>.<encoded envelope>`, where the envelope is the CanvasRequest as base64 JSON and the
 * signature the base64 HMAC-SHA256 of the encoded envelope with the app's consumer secret. The hub splits on the first
 * period, recomputes the signature, compares in constant time, and only then decodes; then it checks the algorithm the
 * request names, that the org is the installation's, and the age when Salesforce dates it.
 *
 * `issuedAt` is "for internal use only" in the current guide and often null: when it is a date, a request older
 * than SIGNED_REQUEST_MAX_AGE_MS is refused (a captured one cannot be replayed for long); when it is not, the
 * signature alone stands, and what the page may do afterwards is bounded by the hub's own short-lived credential.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { id18 } from './ids.ts';

export const SIGNED_REQUEST_MAX_AGE_MS = 15 * 60_000;
/** Salesforce's requests are a few kilobytes (more with entityFields="*"); anything far larger is not one. */
const MAX_SIGNED_REQUEST_CHARS = 256 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const SalesforceId = z.string().refine((id) => id18(id) !== undefined, 'a Salesforce id');

const CanvasRequestSchema = z.object({
  algorithm: z.string(),
  issuedAt: z.union([z.number(), z.string()]).nullable().optional(),
  userId: SalesforceId,
  client: z.object({ oauthToken: z.string().nullable().optional(), instanceUrl: z.string().nullable().optional(), targetOrigin: z.string().nullable().optional() }).passthrough(),
  context: z
    .object({
      user: z.object({ userId: z.string().optional(), fullName: z.string().optional(), language: z.string().optional(), locale: z.string().optional() }).passthrough(),
      organization: z.object({ organizationId: SalesforceId }).passthrough(),
      environment: z
        .object({
          parameters: z.record(z.string(), z.unknown()).nullable().optional(),
          record: z.object({ Id: z.string().optional(), attributes: z.object({ type: z.string() }).passthrough().optional() }).passthrough().nullable().optional(),
          displayLocation: z.string().nullable().optional(),
        })
        .passthrough(),
    })
    .passthrough(),
});
export type CanvasRequest = z.infer<typeof CanvasRequestSchema>;

export type SignedRequestRefusal = 'malformed' | 'signature' | 'algorithm' | 'foreign-org' | 'expired';
export type SignedRequestCheck = { ok: true; request: CanvasRequest; organizationId: string } | { ok: false; reason: SignedRequestRefusal };

export interface SignedRequestExpectations {
  /** The app's consumer secret (the installation's OAuth client secret). */
  consumerSecret: string;
  /** The installation's org (18 characters): a request from another org is refused. */
  organizationId: string;
  now: Date;
}

export function verifySignedRequest(signedRequest: unknown, expected: SignedRequestExpectations): SignedRequestCheck {
  if (typeof signedRequest !== 'string' || signedRequest.length > MAX_SIGNED_REQUEST_CHARS) return { ok: false, reason: 'malformed' };
  const cut = signedRequest.indexOf('.');
  if (cut <= 0 || cut === signedRequest.length - 1) return { ok: false, reason: 'malformed' };
  const signature = signedRequest.slice(0, cut);
  const envelope = signedRequest.slice(cut + 1);
  if (!BASE64.test(signature) || !BASE64.test(envelope)) return { ok: false, reason: 'malformed' };
  const computed = createHmac('sha256', expected.consumerSecret).update(envelope).digest();
  const presented = Buffer.from(signature, 'base64');
  if (presented.length !== computed.length || !timingSafeEqual(presented, computed)) return { ok: false, reason: 'signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(envelope, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = CanvasRequestSchema.safeParse(decoded);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  // Signed with SHA-256 above whatever it says; a request naming another algorithm is not one the hub understands.
  if (parsed.data.algorithm !== 'HMACSHA256') return { ok: false, reason: 'algorithm' };
  const organizationId = id18(parsed.data.context.organization.organizationId)!;
  if (organizationId !== id18(expected.organizationId)) return { ok: false, reason: 'foreign-org' };
  const issuedAt = parsed.data.issuedAt === null || parsed.data.issuedAt === undefined ? Number.NaN : new Date(parsed.data.issuedAt).getTime();
  if (Number.isFinite(issuedAt) && expected.now.getTime() - issuedAt > SIGNED_REQUEST_MAX_AGE_MS) return { ok: false, reason: 'expired' };
  return { ok: true, request: parsed.data, organizationId };
}
