import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testStores } from '../../test/support/stores.ts';
import { isUniqueViolation } from './db.ts';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.ts';
import { migrate } from './migrate.ts';
import { openStore } from './open-store.ts';

describe.each(testStores)('store contract: $kind', (factory) => {
  it('applies migrations once, records them, and a second run applies nothing', async () => {
    const store = await factory.open();
    try {
      expect(await migrate(store)).toEqual([]);
      const [row] = await store.query<{ count: number }>('SELECT count(*)::int AS count FROM schema_migrations');
      expect(row!.count).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('returns the same shapes on both stores: numbers, dates, json', async () => {
    const store = await factory.open();
    try {
      const [row] = await store.query<{ big: number; n: number; at: Date; doc: unknown }>(
        `SELECT 9007199254740::int8 AS big, 12.5::numeric AS n, '2026-11-23T10:00:00Z'::timestamptz AS at, '{"a":[1,"x"]}'::jsonb AS doc`,
      );
      expect(row).toEqual({ big: 9007199254740, n: 12.5, at: new Date('2026-11-23T10:00:00Z'), doc: { a: [1, 'x'] } });
    } finally {
      await store.close();
    }
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const store = await factory.open();
    try {
      await store.exec('CREATE TABLE t (id text PRIMARY KEY)');
      await store.transaction(async (tx) => {
        await tx.query(`INSERT INTO t VALUES ('a')`);
      });
      await expect(
        store.transaction(async (tx) => {
          await tx.query(`INSERT INTO t VALUES ('b')`);
          await tx.query(`INSERT INTO t VALUES ('a')`);
        }),
      ).rejects.toSatisfy(isUniqueViolation);
      expect(await store.query('SELECT id FROM t ORDER BY id')).toEqual([{ id: 'a' }]);
    } finally {
      await store.close();
    }
  });

  it('serializes concurrent transactions without losing writes', async () => {
    const store = await factory.open();
    try {
      await store.exec('CREATE TABLE counter (n integer NOT NULL); INSERT INTO counter VALUES (0)');
      await Promise.all(
        Array.from({ length: 40 }, () =>
          store.transaction(async (tx) => {
            const [row] = await tx.query<{ n: number }>('SELECT n FROM counter FOR UPDATE');
            await tx.query('UPDATE counter SET n = $1', [row!.n + 1]);
          }),
        ),
      );
      expect(await store.query('SELECT n FROM counter')).toEqual([{ n: 40 }]);
    } finally {
      await store.close();
    }
  });
});

describe('embedded data folder lock', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('refuses a second store on the same folder with a clear message, and frees it on close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-lock-'));
    dirs.push(dataDir);
    const first = await openStore({ dataDir });
    await expect(openStore({ dataDir })).rejects.toThrow(DataDirLockedError);
    await expect(openStore({ dataDir })).rejects.toThrow(/Another hub process is already using the data folder/);
    await first.close();
    const again = await openStore({ dataDir });
    await again.close();
  });

  it('is held across processes and released by the kernel when the holder is killed with SIGKILL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-lock-'));
    dirs.push(dataDir);
    const script = join(dataDir, 'holder.ts');
    await writeFile(
      script,
      `import { lockDataDir } from ${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)};
       await lockDataDir(${JSON.stringify(dataDir)}); process.send?.('locked'); setInterval(() => {}, 1000);`,
    );
    const holder = fork(script, { stdio: 'ignore' });
    await new Promise((resolve) => holder.once('message', resolve));
    await expect(lockDataDir(dataDir)).rejects.toThrow(DataDirLockedError);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const lock = await lockDataDir(dataDir);
    await lock.release();
  });
});
