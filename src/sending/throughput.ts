/**
 * Throughput control: a provider's rate limit (a token bucket) and the staggering of a batch over a
 * window (Spot-Hit's "échelonnement"). The arithmetic is pure; `SqlRateLimiter` keeps the bucket in
 * the database so every worker process shares it.
 *
 * The bucket is kept as GCRA (the generic cell rate algorithm, ITU-T I.371): one timestamp, the
 * theoretical arrival time (TAT) of the next unit, instead of a token count refilled by a timer. A
 * reservation answers *when* a unit may leave, so a message over the rate is rescheduled to that
 * instant (a delayed job) instead of being retried blindly, and tests assert on the instants.
 */
import { z } from 'zod';
import type { Db } from '../store/db.ts';

export const RateLimitSchema = z
  .object({
    /** Units per second. Twilio long codes take 1 segment/s, short codes 100+; Telnyx 50/s per account. */
    perSecond: z.number().positive().max(100_000),
    /** What a unit is: a message, or an SMS segment (operators count segments). */
    unit: z.enum(['messages', 'segments']).default('messages'),
    /** Units that may leave at once after a quiet period (the bucket's size). */
    burst: z.number().int().min(1).max(100_000).default(1),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimitSchema>;

export interface Reservation {
  /** When the units may leave (≥ now). */
  at: number;
  /** The bucket's new state. */
  tat: number;
}

/**
 * Reserves `cost` units at or after `now` (epoch ms). With emission interval T = 1000 / perSecond
 * and tolerance τ = (burst − 1)·T, the units may leave at max(now, tat − τ), and the next unit's
 * TAT moves to max(tat, that instant) + cost·T.
 */
export function reserve(limit: RateLimit, tat: number | undefined, now: number, cost: number): Reservation {
  const interval = 1000 / limit.perSecond;
  const tolerance = (limit.burst - 1) * interval;
  const current = tat ?? now;
  const at = Math.max(now, current - tolerance);
  return { at, tat: Math.max(current, at) + cost * interval };
}

/** Units a message costs under `limit`. */
export function costOf(limit: RateLimit, segments: number | null): number {
  return limit.unit === 'segments' ? Math.max(1, segments ?? 1) : 1;
}

/** One rate limiter shared by every process: the bucket's TAT is a row, updated under its lock. */
export class SqlRateLimiter {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async reserve(tenantId: string, limiter: string, limit: RateLimit, now: Date, cost: number): Promise<Date> {
    return this.#db.transaction(async (tx) => {
      await tx.query('INSERT INTO sending_rate_limits (tenant_id, limiter, tat) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenantId, limiter, now]);
      const [row] = await tx.query<{ tat: Date }>('SELECT tat FROM sending_rate_limits WHERE tenant_id = $1 AND limiter = $2 FOR UPDATE', [tenantId, limiter]);
      const reservation = reserve(limit, row!.tat.getTime(), now.getTime(), cost);
      await tx.query('UPDATE sending_rate_limits SET tat = $3 WHERE tenant_id = $1 AND limiter = $2', [tenantId, limiter, new Date(reservation.tat)]);
      return new Date(reservation.at);
    });
  }
}

/** Staggering of a batch: `overMinutes` spreads the sends evenly from `start`; absent, everything leaves at `start`. */
export const StaggerSchema = z
  .object({
    overMinutes: z.number().positive().max(7 * 24 * 60).describe('Spread the batch evenly over this many minutes from now (or from sendAt).'),
  })
  .strict();
export type Stagger = z.infer<typeof StaggerSchema>;

/** The planned instant of item `index` of `count`: start + index · window / count, so the last leaves one step before the window ends. */
export function staggeredAt(start: Date, index: number, count: number, stagger: Stagger | undefined): Date {
  if (!stagger || count <= 1) return start;
  const step = (stagger.overMinutes * 60_000) / count;
  return new Date(start.getTime() + Math.floor(index * step));
}
