/**
 * Reconcile runs at every start and hourly, as a job whose id is the installation's
 * (`connectors.reconcile.<id>`). On BullMQ a finished job used to keep its id for an hour (7 days
 * if failed), so a second start within the hour added nothing and the installation was not
 * reconciled again (issue 11, item 7). Two hub processes started one after the other on
 * PostgreSQL + Redis must each reconcile it.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventBus } from '../bus/event-bus.ts';
import { ContactService } from '../contacts/contacts.ts';
import { RecordingPublisher } from '../contacts/test-support.ts';
import { tenantPhoneNormalizer } from '../contacts/tenant-region.ts';
import { randomBase62 } from '../ids.ts';
import { BullJobQueue } from '../queue/bull-job-queue.ts';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createVault } from '../vault/vault.ts';
import { dropRedisPrefix, TEST_REDIS_URL, testStores } from '../../test/support/stores.ts';
import { defineConnector } from './connector.ts';
import { createConnectorsModule } from './connectors-module.ts';
import { install } from './lifecycle.ts';
import { defineManifest } from './manifest.ts';

let reconciles = 0;

const counting = defineConnector({
  manifest: defineManifest({
    id: 'counting',
    name: 'Counting',
    description: 'Counts its reconciles.',
    auth: 'api-key',
    installInput: z.object({ account: z.string().min(1) }).strict(),
    settings: z.object({}).strict(),
    credentials: z.object({}),
    emits: [],
    docs: 'docs/connectors/contract.md',
  }),
  accountOf: (input) => input.account,
  prepare: async (input) => ({ account: input.account, settings: {}, credentials: {}, shownOnce: {} }),
  async reconcile() {
    reconciles++;
    return { changes: [] };
  },
  uninstall: async () => ({ changes: [] }),
  remoteResources: () => [],
  async routes() {},
  handle: async () => ({ status: 'ignored', events: [] }),
  actions: [],
});

/**
 * What a start enqueued is done: no reconcile waiting or running, nor a reconcile-all (whose
 * hourly schedule keeps its next run delayed).
 */
async function reconcileQueuesIdle(prefix: string): Promise<boolean> {
  const connection = new Redis(TEST_REDIS_URL);
  try {
    for (const name of ['connectors.reconcile', 'connectors.reconcile-all']) {
      const queue = new Queue(name, { connection, prefix });
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      await queue.close();
      if (Object.values(counts).some((count) => count > 0)) return false;
    }
    return true;
  } finally {
    connection.disconnect();
  }
}

describe('connector reconcile on Redis', () => {
  const prefix = `hub-test-${randomBase62(10)}`;
  const log = pino({ level: 'silent' });
  const vault = createVault(randomBytes(32));
  let store: Store;

  beforeAll(async () => {
    store = await testStores.find((factory) => factory.kind === 'postgres')!.open();
  });
  afterAll(async () => {
    await store?.close();
    await dropRedisPrefix(prefix);
  });

  /** One hub process's connectors part on the shared PostgreSQL and Redis. */
  function startProcess() {
    const queue = new BullJobQueue({ redisUrl: TEST_REDIS_URL, prefix, logger: log });
    const connectors = createConnectorsModule({
      db: store,
      queue,
      bus: new EventBus(store, queue, log, tenantPhoneNormalizer(store)),
      contacts: new ContactService(store, new RecordingPublisher()),
      vault,
      log,
      publicUrl: 'https://hub.example.test/',
      allowPrivateTargets: false,
      connectors: [counting],
    });
    return { queue, connectors };
  }

  it('reconciles an installation at each start, however recently the last reconcile finished', { timeout: 30_000 }, async () => {
    const tenantId = (await createTenant(store, 'shop owner')).id;
    const first = startProcess();
    try {
      await install(first.connectors.deps, counting, tenantId, { account: 'shop' });
      expect(reconciles).toBe(1);
      await first.connectors.start({ workers: true });
      await expect.poll(() => reconciles, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => reconcileQueuesIdle(prefix), { timeout: 10_000 }).toBe(true);
    } finally {
      await first.queue.close();
    }

    const before = reconciles;
    const second = startProcess();
    try {
      await second.connectors.start({ workers: true });
      await expect.poll(() => reconciles, { timeout: 10_000 }).toBeGreaterThan(before);
    } finally {
      await second.queue.close();
    }
  });
});
