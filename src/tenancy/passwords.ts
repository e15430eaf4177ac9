import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords are hashed with argon2id (memory-hard: a stolen table costs an attacker memory, not just
 * GPU time), at OWASP's minimum parameters for it: 19 MiB, 2 passes, 1 lane — about 20 ms here.
 * The encoded hash carries its parameters, so raising them later still verifies old hashes.
 */
// `Algorithm` is a const enum (not importable under type stripping): 2 is its Argon2id, the package's default, spelled out.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of one verification when the email is unknown, so how long a sign-in takes does not
 * tell whether an account exists.
 */
export async function spendVerification(password: string): Promise<void> {
  dummy ??= hashPassword('not a real account, only a timing twin');
  await verifyPassword(await dummy, password);
}
