import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Embedded mode without HUB_SECRET_KEY: a key generated once into the data folder, readable by the
 * hub's user only. Losing this file makes stored credentials unreadable (connectors must be
 * re-installed), so back it up with the data folder.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, 'secret.key');
  try {
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key; restore it from a backup or set HUB_SECRET_KEY.`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx': never overwrite a key another start wrote in the meantime.
  await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
