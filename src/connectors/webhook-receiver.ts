/**
 * Helpers for the public routes that receive signed requests from external systems: keep the raw
 * body (a signature is over the exact bytes sent; re-serialized JSON would not match), verify an
 * HMAC in constant time, read single-valued headers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Replaces the scope's body parsers by one that keeps every body as a Buffer, whatever its
 * Content-Type (WooCommerce sends JSON, its ping a form body, some proxies nothing). Call it inside
 * the connector's encapsulated plugin: the rest of the gateway keeps its JSON parser.
 */
export function keepRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** The body a route registered after `keepRawBodies` received (empty when there was none). */
export function rawBodyOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** A header sent once; undefined when absent or repeated with different values (never trust an ambiguous header). */
export function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.every((one) => one === value[0]) ? value[0] : undefined;
  return value;
}

export type HmacCheck = { ok: true; secretIndex: number } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

export interface HmacOptions {
  /** How the sender writes the digest: WooCommerce uses base64, GitHub-style senders hex. */
  encoding: 'base64' | 'hex';
  algorithm?: 'sha256' | 'sha1';
}

const DIGEST_BYTES = { sha256: 32, sha1: 20 } as const;

/**
 * Checks `signature` = HMAC(secret, raw body) against each candidate secret (several during a
 * rotation or when the sender's key id is unknown). Every comparison is constant-time and all
 * candidates are tried, so timing tells nothing about which secret nearly matched.
 */
export function verifyHmac(body: Buffer | string, signature: string | undefined, secrets: readonly string[], options: HmacOptions): HmacCheck {
  if (signature === undefined || signature.trim() === '') return { ok: false, reason: 'missing' };
  const algorithm = options.algorithm ?? 'sha256';
  const text = signature.trim();
  const wellFormed = options.encoding === 'hex' ? /^[0-9a-f]+$/i.test(text) : /^[A-Za-z0-9+/]+={0,2}$/.test(text);
  const presented = wellFormed ? Buffer.from(text, options.encoding) : Buffer.alloc(0);
  if (presented.length !== DIGEST_BYTES[algorithm]) return { ok: false, reason: 'malformed' };
  let matched = -1;
  secrets.forEach((secret, index) => {
    const expected = createHmac(algorithm, secret).update(body).digest();
    if (timingSafeEqual(expected, presented) && matched === -1) matched = index;
  });
  return matched === -1 ? { ok: false, reason: 'mismatch' } : { ok: true, secretIndex: matched };
}

/** The signature a sender would put on `body` (tests, benchmarks and the docs' examples). */
export function signHmac(body: Buffer | string, secret: string, options: HmacOptions): string {
  return createHmac(options.algorithm ?? 'sha256', secret).update(body).digest(options.encoding);
}
