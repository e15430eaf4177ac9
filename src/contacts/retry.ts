import { isUniqueViolation } from '../store/db.ts';

/** PostgreSQL codes worth a fresh transaction: serialization failure and deadlock. */
const RETRYABLE_CODES = new Set(['40001', '40P01']);

/** What a transaction read changed before it could lock it; the whole transaction runs again. */
export class StaleReadError extends Error {
  constructor(what: string) {
    super(`${what} changed concurrently`);
    this.name = 'StaleReadError';
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof StaleReadError || isUniqueViolation(error)) return true;
  return typeof error === 'object' && error !== null && RETRYABLE_CODES.has(String((error as { code?: unknown }).code));
}

/**
 * Runs `work` (one whole transaction) again when a concurrent writer won a race: the unique
 * indexes on phone, email and external id turn "two upserts created the same contact" into a
 * unique violation for the loser, whose retry then finds the winner's row.
 */
export async function retryOnRace<T>(work: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
    }
  }
}
