import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './db.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { migrate } from './migrate.ts';
import { openPgliteStore } from './pglite-store.ts';
import { openPostgresStore } from './postgres-store.ts';

export type StoreConfig = { databaseUrl: string } | { dataDir: string };

/** Opens the configured store, locks the embedded folder, and applies pending migrations. */
export async function openStore(config: StoreConfig): Promise<Store> {
  if ('databaseUrl' in config) {
    const store = await openPostgresStore(config.databaseUrl);
    await migrate(store);
    return store;
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(config.dataDir);
  try {
    const store = await openPgliteStore(join(config.dataDir, 'pglite'));
    await migrate(store);
    return {
      ...store,
      async close() {
        await store.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
