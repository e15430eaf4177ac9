import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts connector credentials, webhook secrets and tokens before they reach the database.
 *
 * Envelope `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts): AES-256-GCM with a random 96-bit
 * IV. `keyId` (first 8 hex of SHA-256 of the key) lets a rotated key decrypt what older keys sealed.
 * `context` (e.g. `tenant:ten_…/webhook:whk_…`) is bound as additional authenticated data, so a
 * sealed value copied into another tenant's row does not decrypt.
 */
export interface Vault {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export class VaultError extends Error {
  override name = 'VaultError';
}

const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function createVault(currentKey: Buffer, previousKeys: Buffer[] = []): Vault {
  for (const key of [currentKey, ...previousKeys]) {
    if (key.length !== 32) throw new VaultError('Vault keys are 32 bytes (AES-256).');
  }
  const current = { id: keyIdOf(currentKey), key: currentKey };
  const byId = new Map([current, ...previousKeys.map((key) => ({ id: keyIdOf(key), key }))].map((entry) => [entry.id, entry.key]));

  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') throw new VaultError('Not a vault envelope (expected v1.<keyId>.<iv>.<tag>.<ciphertext>).');
      const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
      const key = byId.get(keyId);
      if (!key) throw new VaultError(`Sealed with key ${keyId}, which this hub does not have (was HUB_SECRET_KEY changed?).`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new VaultError('The sealed value does not authenticate: wrong key or context, or it was altered.');
      }
    },
  };
}
