import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Store } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPgliteStore } from '../../src/store/pglite-store.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';

/** The server every PostgreSQL test talks to (this machine and CI run one on 127.0.0.1:5432). */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh PostgreSQL database for one suite; dropped again by `drop()`. */
/** Removes a test's BullMQ keys (`<prefix>:*`) from the shared Redis, so runs do not pile up there. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestStoreFactory {
  kind: Store['kind'];
  /** A migrated, empty store; `close()` also removes what it created. */
  open(): Promise<Store>;
}

/** Both store implementations, for suites that must pass on each (`describe.each(testStores)`). */
export const testStores: TestStoreFactory[] = [
  {
    kind: 'embedded',
    async open() {
      const store = await openPgliteStore(undefined);
      await migrate(store);
      return store;
    },
  },
  {
    kind: 'postgres',
    async open() {
      const database = await createTestDatabase();
      const store = await openPostgresStore(database.url);
      await migrate(store);
      return {
        ...store,
        async close() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];
