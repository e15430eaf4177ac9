/**
 * SMPP passwords, stored as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised
 * later without breaking stored hashes. SMPP 3.4 caps a password at 8 characters (§4.1.1), which is why
 * the hash must be slow and why failed binds are limited per address (bind-guard.ts).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { randomBase62 } from '../../ids.ts';

const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** False for a wrong password and for a hash it cannot read; never throws for either. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (!(N > 1 && r > 0 && p > 0) || expected.length !== KEY_LENGTH) return false;
  const key = await derive(password, salt, { N, r, p }).catch(() => undefined);
  return key !== undefined && timingSafeEqual(key, expected);
}

/** 8 base62 characters (≈ 47 bits), the most SMPP 3.4 carries. */
export function generatePassword(): string {
  return randomBase62(8);
}
