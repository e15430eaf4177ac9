import { backoffDelayMs } from '../retry/backoff.ts';
import type { Backoff } from './job-queue.ts';

/**
 * Milliseconds to wait before the next try after try number `attempt` (1-based) failed. Same
 * formulas as BullMQ's built-in strategies, so both queues retry on the same timetable: fixed waits
 * `delayMs` each time, exponential waits `delayMs · 2^(attempt-1)` (no cap, no jitter). No backoff retries at once.
 */
export function backoffDelay(backoff: Backoff | null | undefined, attempt: number): number {
  if (!backoff) return 0;
  return backoff.type === 'fixed' ? backoff.delayMs : backoffDelayMs({ baseMs: backoff.delayMs }, attempt - 1);
}
