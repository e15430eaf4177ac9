/**
 * One tenant's row that the database refuses must not fail the other rows written with it (issue
 * 11, item 2): every part that writes through a group commit is driven with good rows of tenant A
 * interleaved with tenant B's rows holding what PostgreSQL cannot store (a NUL, a lone surrogate),
 * below the HTTP edge, so nothing was refused before the batch. Every good row must be stored and
 * acknowledged; every poisoned one must fail with the database's own error.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/bus/event-bus.ts';
import { receive } from '../src/connectors/inbox.ts';
import { tenantPhoneNormalizer } from '../src/contacts/tenant-region.ts';
import { newId } from '../src/ids.ts';
import type { JsonValue } from '../src/queue/job-queue.ts';
import { StoreJobQueue } from '../src/queue/store-job-queue.ts';
import type { Store } from '../src/store/db.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { testStores } from './support/stores.ts';

/** What PostgreSQL refuses in jsonb: NUL (22P05) and a lone surrogate (22P02). */
const POISONS = ['a\u0000b', 'x\ud800y'];
const GOOD = 300;
const BAD = 30;

/** Tenant A's good items with tenant B's poisoned ones spread among them, as concurrent requests arrive. */
function interleave<T>(good: T[], bad: T[]): { item: T; good: boolean }[] {
  const every = Math.floor(good.length / bad.length);
  return good.flatMap((item, index) => [
    { item, good: true },
    ...(index % every === every - 1 && bad[Math.floor(index / every)] !== undefined ? [{ item: bad[Math.floor(index / every)]!, good: false }] : []),
  ]);
}

/** Runs every write at once (one burst: they share batches) and splits the outcomes into good and poisoned. */
async function burst<T, R>(items: { item: T; good: boolean }[], write: (item: T) => Promise<R>) {
  const outcomes = await Promise.allSettled(items.map(({ item }) => write(item)));
  const of = (good: boolean) => outcomes.filter((_, index) => items[index]!.good === good);
  return { good: of(true), bad: of(false) };
}

describe.each(testStores)('a poisoned row among good ones ($kind)', (factory) => {
  let store: Store;
  let queue: StoreJobQueue;
  let tenantA = '';
  let tenantB = '';

  beforeAll(async () => {
    store = await factory.open();
    // No handlers: added jobs stay in queue_jobs, where the test reads them.
    queue = await StoreJobQueue.open(store);
    tenantA = (await createTenant(store, 'A')).id;
    tenantB = (await createTenant(store, 'B')).id;
  });
  afterAll(async () => {
    await queue?.close();
    await store?.close();
  });

  const expectPoisonErrors = (rejected: PromiseSettledResult<unknown>[]) => {
    expect(rejected).toHaveLength(BAD);
    for (const outcome of rejected) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^22P0[25]$/) });
    }
  };

  it('bus publish: every event of the other tenant is stored and dispatched', async () => {
    const bus = new EventBus(store, queue, pino({ level: 'silent' }), tenantPhoneNormalizer(store));
    const good = Array.from({ length: GOOD }, (_, i) => ({ tenantId: tenantA, source: 'api', type: 'custom.test', dedupeKey: `a-${i}`, data: { n: i } as Record<string, unknown> }));
    const bad = Array.from({ length: BAD }, (_, i) => ({ tenantId: tenantB, source: 'api', type: 'custom.test', dedupeKey: `b-${i}`, data: { text: POISONS[i % 2]! } }));
    const { good: published, bad: refused } = await burst(interleave(good, bad), (input) => bus.publish(input));

    expect(published.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(GOOD);
    expectPoisonErrors(refused);
    const ids = published.map((outcome) => (outcome as PromiseFulfilledResult<{ id: string }>).value.id);
    const stored = await store.query<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM events`);
    expect(stored.map((row) => row.id).sort()).toEqual([...ids].sort());
    expect(new Set(stored.map((row) => row.tenant_id))).toEqual(new Set([tenantA]));
    // Acknowledged means dispatched: each stored event got its dispatch job.
    const [jobs] = await store.query<{ count: number }>(`SELECT count(*)::int AS count FROM queue_jobs WHERE id = ANY($1::text[])`, [ids.map((id) => `dispatch.${id}`)]);
    expect(jobs?.count).toBe(GOOD);
  });

  it('connector inbox: every delivery to the other tenant\'s shop is stored and queued for processing', async () => {
    const installation = async (tenantId: string) => {
      const id = newId('ins');
      await store.query(`INSERT INTO connector_installations (id, tenant_id, connector, account, status) VALUES ($1, $2, 'demo', $3, 'active')`, [id, tenantId, id]);
      return { id, tenantId };
    };
    const [shopA, shopB] = [await installation(tenantA), await installation(tenantB)];
    const delivery = (shop: { id: string; tenantId: string }, i: number, topic: string) => ({
      shop,
      request: { kind: 'order', dedupeKey: `${shop.id}-${i}`, headers: { 'x-topic': topic }, body: JSON.stringify({ id: i }) },
    });
    const good = Array.from({ length: GOOD }, (_, i) => delivery(shopA, i, 'order.created'));
    // Headers are stored as jsonb: that is where this poison sits.
    const bad = Array.from({ length: BAD }, (_, i) => delivery(shopB, i, POISONS[i % 2]!));
    const { good: received, bad: refused } = await burst(interleave(good, bad), ({ shop, request }) => receive({ db: store, queue }, shop, request));

    expect(received.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(GOOD);
    expectPoisonErrors(refused);
    const ids = received.map((outcome) => (outcome as PromiseFulfilledResult<{ id: string; duplicate: boolean }>).value);
    expect(ids.every((result) => !result.duplicate)).toBe(true);
    const stored = await store.query<{ id: string }>(`SELECT id FROM connector_inbox WHERE tenant_id = $1`, [tenantA]);
    expect(stored.map((row) => row.id).sort()).toEqual(ids.map((result) => result.id).sort());
    expect(await store.query(`SELECT id FROM connector_inbox WHERE tenant_id = $1`, [tenantB])).toEqual([]);
    const [jobs] = await store.query<{ count: number }>(`SELECT count(*)::int AS count FROM queue_jobs WHERE id = ANY($1::text[])`, [ids.map((result) => `connectors.inbound.${result.id}`)]);
    expect(jobs?.count).toBe(GOOD);
  });

  it('queue add: every good job is stored; each poisoned one fails alone', async () => {
    const name = `poison-${newId('job')}`;
    const good = Array.from({ length: GOOD }, (_, i) => ({ jobId: `${name}.good.${i}`, data: { n: i } as JsonValue }));
    const bad = Array.from({ length: BAD }, (_, i) => ({ jobId: `${name}.bad.${i}`, data: { text: POISONS[i % 2]! } }));
    const { good: added, bad: refused } = await burst(interleave(good, bad), ({ jobId, data }) => queue.add(name, data, { jobId }));

    expect(added.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(GOOD);
    expectPoisonErrors(refused);
    const stored = await store.query<{ id: string }>(`SELECT id FROM queue_jobs WHERE name = $1`, [name]);
    expect(stored.map((row) => row.id).sort()).toEqual(good.map((job) => job.jobId).sort());
  });
});
