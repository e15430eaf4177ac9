/**
 * Processes started together on an empty PostgreSQL database all migrate it at once (issue 18,
 * defect 1: 4 of 80 crashed with a duplicate key on pg_type, the bookkeeping table being created
 * before the lock was taken). Each round: a fresh database, several stores migrating in parallel.
 */
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/stores.ts';
import { migrate } from './migrate.ts';
import { openPostgresStore } from './postgres-store.ts';

const ROUNDS = 10;
const PROCESSES = 4;

describe('migrate on PostgreSQL', () => {
  it(`applies every migration exactly once when ${PROCESSES} processes start together on an empty database (${ROUNDS} rounds)`, { timeout: 120_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const database = await createTestDatabase();
      // One store each, as separate processes have: their own pools and connections.
      const stores = await Promise.all(Array.from({ length: PROCESSES }, () => openPostgresStore(database.url)));
      try {
        const outcomes = await Promise.allSettled(stores.map((store) => migrate(store)));
        const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason));
        expect(failures, `round ${round + 1}`).toEqual([]);
        const applied = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<string[]>).value);
        // One of them applied everything; the others found it done.
        expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
        const [row] = await stores[0]!.query<{ count: number }>('SELECT count(*)::int AS count FROM schema_migrations');
        expect(row?.count).toBe(applied.find((names) => names.length > 0)?.length);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await database.drop();
      }
    }
  });
});
