import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createVault, VaultError } from './vault.ts';
import { loadOrCreateKeyFile } from './key-file.ts';

describe('vault', () => {
  const key = randomBytes(32);
  const vault = createVault(key);

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = vault.seal('cs_live_secret', 'tenant:t1/woocommerce');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain('cs_live_secret');
    expect(vault.open(sealed, 'tenant:t1/woocommerce')).toBe('cs_live_secret');
  });

  it('uses a fresh IV each time', () => {
    expect(vault.seal('x', 'c')).not.toBe(vault.seal('x', 'c'));
  });

  it('refuses another context, a tampered envelope, another key', () => {
    const sealed = vault.seal('secret', 'tenant:t1');
    expect(() => vault.open(sealed, 'tenant:t2')).toThrow(VaultError);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => vault.open(parts.join('.'), 'tenant:t1')).toThrow(/does not authenticate/);
    expect(() => createVault(randomBytes(32)).open(sealed, 'tenant:t1')).toThrow(/which this hub does not have/);
    expect(() => vault.open('garbage', 'tenant:t1')).toThrow(/Not a vault envelope/);
  });

  it('opens values sealed with a previous key after rotation', () => {
    const rotated = createVault(randomBytes(32), [key]);
    expect(rotated.open(vault.seal('old', 'c'), 'c')).toBe('old');
  });

  describe('key file', () => {
    const dirs: string[] = [];
    afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

    it('is generated once with mode 0600 and reused', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'hub-vault-'));
      dirs.push(dir);
      const first = await loadOrCreateKeyFile(dir);
      const second = await loadOrCreateKeyFile(dir);
      expect(first.equals(second)).toBe(true);
      expect((await stat(join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    });
  });
});
