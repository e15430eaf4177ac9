import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { randomBase62 } from '../../src/ids.ts';
import { BullJobQueue } from '../../src/queue/bull-job-queue.ts';
import type { QueueLogger } from '../../src/queue/job-queue.ts';
import { openQueue } from '../../src/queue/open-queue.ts';
import { StoreJobQueue } from '../../src/queue/store-job-queue.ts';
import type { Store } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open-store.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { createTestDatabase, TEST_REDIS_URL, testStores, type TestStoreFactory } from '../support/stores.ts';
import { CRASH_TEST_LEASE_MS } from './job-queue-crash-child.ts';
import { jobQueueContract, type JobQueueTarget } from './job-queue.contract.ts';

/** Failing handlers are part of the contract: their warnings are noise here, errors are not. */
const logger: QueueLogger = { warn: () => {}, error: (details, message) => console.error(message, details) };

function storeTarget(factory: TestStoreFactory): JobQueueTarget {
  return {
    label: `store queue on ${factory.kind === 'embedded' ? 'PGlite' : 'PostgreSQL'}`,
    async setUp() {
      const store = await factory.open();
      return {
        open: (options) => StoreJobQueue.open(store, { ...options, logger }),
        close: () => store.close(),
      };
    },
    setUpCrash: factory.kind === 'embedded' ? pgliteCrashBackend : postgresCrashBackend,
  };
}

async function pgliteCrashBackend(): ReturnType<JobQueueTarget['setUpCrash']> {
  // A child process cannot reach an in-memory database: this test uses a data folder, as a real
  // embedded hub does, and the survivor is the next process to open it.
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-queue-crash-'));
  let store: Store | undefined;
  return {
    child: { kind: 'pglite', dataDir },
    async openSurvivor() {
      store = await openStore({ dataDir });
      return StoreJobQueue.open(store, { leaseMs: CRASH_TEST_LEASE_MS, logger });
    },
    async close() {
      await store?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function postgresCrashBackend(): ReturnType<JobQueueTarget['setUpCrash']> {
  const database = await createTestDatabase();
  const store = await openPostgresStore(database.url);
  await migrate(store);
  return {
    child: { kind: 'postgres', url: database.url },
    openSurvivor: () => StoreJobQueue.open(store, { leaseMs: CRASH_TEST_LEASE_MS, logger }),
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

/** BullMQ on the test Redis, under a prefix of its own that is deleted afterwards. */
function redisBackend(): { prefix: string; open(leaseMs?: number): BullJobQueue; close(): Promise<void> } {
  const prefix = `hub-test-${randomBase62(10)}`;
  return {
    prefix,
    open: (leaseMs) => new BullJobQueue({ redisUrl: TEST_REDIS_URL, prefix, leaseMs, logger }),
    async close() {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
          if (keys.length > 0) await redis.del(...keys);
        }
      } finally {
        await redis.quit();
      }
    },
  };
}

const bullTarget: JobQueueTarget = {
  label: 'BullMQ on Redis',
  async setUp() {
    const redis = redisBackend();
    return { open: async (options) => redis.open(options?.leaseMs), close: redis.close };
  },
  async setUpCrash() {
    const redis = redisBackend();
    return {
      child: { kind: 'redis', url: TEST_REDIS_URL, prefix: redis.prefix },
      openSurvivor: async () => redis.open(CRASH_TEST_LEASE_MS),
      close: redis.close,
    };
  },
};

describe.each([...testStores.map(storeTarget), bullTarget])('job queue contract: $label', (target) => {
  jobQueueContract(target);
});

describe.each(testStores)('store queue on $kind', (factory) => {
  it('keeps a job that ran out of attempts as failed, with its last error', async () => {
    const store = await factory.open();
    const queue = await openQueue({ store, logger });
    try {
      let tries = 0;
      queue.process(
        'doomed',
        async (job) => {
          tries += 1;
          throw new Error(`boom on try ${job.attempt}`);
        },
        { concurrency: 1 },
      );
      await queue.add('doomed', { n: 1 }, { jobId: 'doomed-1', attempts: 2 });
      const failed = async () =>
        (await store.query<{ state: string; attempt: number; last_error: string }>(`SELECT state, attempt, last_error FROM queue_jobs WHERE id = 'doomed-1'`))[0];
      await expect.poll(failed, { timeout: 5_000 }).toMatchObject({ state: 'failed', attempt: 2 });
      expect((await failed())?.last_error).toMatch(/^Error: boom on try 2/);
      expect(tries).toBe(2);

      // Adding the id again is a request to run it again.
      await queue.add('doomed', { n: 2 }, { jobId: 'doomed-1', attempts: 1 });
      await expect.poll(() => tries, { timeout: 5_000 }).toBe(3);
    } finally {
      await queue.close();
      await store.close();
    }
  });
});

describe('openQueue', () => {
  it('opens BullMQ when given a Redis URL and the store queue otherwise', async () => {
    const store = await testStores[0]!.open();
    const redis = redisBackend();
    try {
      const onRedis = await openQueue({ store, redisUrl: TEST_REDIS_URL, prefix: redis.prefix, logger });
      await onRedis.ping();
      await onRedis.close();
      const onStore = await openQueue({ store, logger });
      await onStore.ping();
      await onStore.close();
      expect([onRedis.kind, onStore.kind]).toEqual(['redis', 'store']);
    } finally {
      await store.close();
      await redis.close();
    }
  });
});
