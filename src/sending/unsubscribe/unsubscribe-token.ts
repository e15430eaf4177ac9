import { createCipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The token of an unsubscribe link (`${publicUrl}/unsubscribe/<token>`): who (tenant, channel,
 * address) unsubscribes from which message, so the POST needs no session, no lookup and no login.
 *
 * RFC 8058 §3.2 asks for "an opaque identifier or another hard-to-forge component … instead of
 * the plaintext names of the list and the subscriber": links end up in proxy and access logs, in
 * link scanners and in forwarded mails, so the address must not be readable from the URL. The
 * token is therefore deterministic authenticated encryption, the SIV construction (Rogaway &
 * Shrimpton 2006, as in RFC 5297 with HMAC as the PRF):
 *
 *   tag   = HMAC-SHA256(macKey, version ‖ payload)[0..16]
 *   token = base64url(version ‖ tag ‖ AES-256-CTR(encKey, iv = tag, payload))
 *
 * The HMAC authenticates everything (a changed byte, another tenant's id, a truncated token all
 * fail), the tag doubles as the IV so the token stays compact (payload + 17 bytes, no random
 * nonce), and without the key nobody can make or read one: nothing to forge, nothing to
 * enumerate. Both keys come from the hub's secret through HKDF, so the vault key itself is
 * never used for anything but the vault. Tokens do not expire: an unsubscribe link must keep
 * working as long as the mail sits in an inbox.
 */

export const UnsubscribeChannelSchema = z.enum(['email', 'sms']);
export type UnsubscribeChannel = z.infer<typeof UnsubscribeChannelSchema>;

const MAX_FIELD_BYTES = 255;
const MAX_ADDRESS_BYTES = 320;

const boundedText = (maxBytes: number) =>
  z
    .string()
    .min(1)
    .refine((value) => Buffer.byteLength(value) <= maxBytes, `at most ${maxBytes} bytes`);

export const UnsubscribeClaimsSchema = z
  .object({
    tenantId: boundedText(MAX_FIELD_BYTES),
    channel: UnsubscribeChannelSchema,
    /** The recipient as the message was addressed: an email address, or an E.164 number. */
    address: boundedText(MAX_ADDRESS_BYTES),
    /** The hub message the link was sent in, kept with the opt-out as its proof. */
    messageId: boundedText(MAX_FIELD_BYTES),
  })
  .strict();
export type UnsubscribeClaims = z.infer<typeof UnsubscribeClaimsSchema>;

export interface UnsubscribeTokens {
  /** @throws ZodError when a claim is empty or too long. */
  sign(claims: UnsubscribeClaims): string;
  /** The claims, or undefined when the token is malformed, altered, or made with a key this hub does not have. */
  verify(token: string): UnsubscribeClaims | undefined;
}

const VERSION = 1;
const TAG_BYTES = 16;
const CHANNEL_CODES: Record<UnsubscribeChannel, number> = { email: 1, sms: 2 };
const CHANNELS_BY_CODE = new Map(Object.entries(CHANNEL_CODES).map(([channel, code]) => [code, channel as UnsubscribeChannel]));
/** version + tag + channel + two length bytes + at least one byte of each field. */
const MIN_TOKEN_BYTES = 1 + TAG_BYTES + 1 + 2 + 3;
/** The longest token `sign` makes, in base64url characters; the route refuses longer ones unread. */
export const MAX_TOKEN_LENGTH = Math.ceil(((1 + TAG_BYTES + 1 + 2 + 2 * MAX_FIELD_BYTES + MAX_ADDRESS_BYTES) * 4) / 3);
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

interface TokenKeys {
  mac: Buffer;
  enc: Buffer;
}

function deriveKeys(secret: Buffer): TokenKeys {
  if (secret.length < 32) throw new RangeError('The unsubscribe token secret must be at least 32 bytes (the hub secret key is).');
  const okm = Buffer.from(hkdfSync('sha256', secret, 'connector-hub', 'unsubscribe-token/v1', 64));
  return { mac: okm.subarray(0, 32), enc: okm.subarray(32) };
}

const tagOf = (keys: TokenKeys, payload: Buffer): Buffer =>
  createHmac('sha256', keys.mac).update(Buffer.of(VERSION)).update(payload).digest().subarray(0, TAG_BYTES);

// CTR mode is its own inverse: the same call encrypts and decrypts.
const ctr = (keys: TokenKeys, tag: Buffer, data: Buffer): Buffer => {
  const cipher = createCipheriv('aes-256-ctr', keys.enc, tag);
  return Buffer.concat([cipher.update(data), cipher.final()]);
};

function encodePayload(claims: UnsubscribeClaims): Buffer {
  const tenant = Buffer.from(claims.tenantId, 'utf8');
  const message = Buffer.from(claims.messageId, 'utf8');
  return Buffer.concat([
    Buffer.of(CHANNEL_CODES[claims.channel], tenant.length),
    tenant,
    Buffer.of(message.length),
    message,
    Buffer.from(claims.address, 'utf8'),
  ]);
}

/** Only ever called on an authenticated payload, so a failure here means a bug, not an attack. */
function decodePayload(payload: Buffer): UnsubscribeClaims | undefined {
  const channel = CHANNELS_BY_CODE.get(payload[0] ?? 0);
  const tenantLength = payload[1] ?? 0;
  const messageLength = payload[2 + tenantLength] ?? 0;
  const addressStart = 3 + tenantLength + messageLength;
  if (channel === undefined || addressStart >= payload.length) return undefined;
  const claims = UnsubscribeClaimsSchema.safeParse({
    tenantId: payload.subarray(2, 2 + tenantLength).toString('utf8'),
    channel,
    address: payload.subarray(addressStart).toString('utf8'),
    messageId: payload.subarray(3 + tenantLength, addressStart).toString('utf8'),
  });
  return claims.success ? claims.data : undefined;
}

/**
 * Signs with `currentSecret`; verifies with it and with `previousSecrets`, so links in mails sent
 * before a rotation of the hub secret keep working (pass the same keys as to `createVault`).
 * Each secret is at least 32 random bytes: the hub secret key, or a dedicated one.
 */
export function createUnsubscribeTokens(currentSecret: Buffer, previousSecrets: readonly Buffer[] = []): UnsubscribeTokens {
  const current = deriveKeys(currentSecret);
  const all = [current, ...previousSecrets.map(deriveKeys)];
  return {
    sign(input) {
      const claims = UnsubscribeClaimsSchema.parse(input);
      const payload = encodePayload(claims);
      const tag = tagOf(current, payload);
      return Buffer.concat([Buffer.of(VERSION), tag, ctr(current, tag, payload)]).toString('base64url');
    },
    verify(token) {
      if (token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) return undefined;
      const bytes = Buffer.from(token, 'base64url');
      // Node's base64url decoder ignores stray trailing bits: only the canonical spelling is the token.
      if (bytes.length < MIN_TOKEN_BYTES || bytes.toString('base64url') !== token || bytes[0] !== VERSION) return undefined;
      const tag = bytes.subarray(1, 1 + TAG_BYTES);
      const sealed = bytes.subarray(1 + TAG_BYTES);
      for (const keys of all) {
        const payload = ctr(keys, tag, sealed);
        if (timingSafeEqual(tagOf(keys, payload), tag)) return decodePayload(payload);
      }
      return undefined;
    },
  };
}
