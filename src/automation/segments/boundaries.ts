/**
 * RFM boundaries: where each score starts, computed once per tenant and window and reused by every
 * segment, so a contact's scores are a range check (its last order date, orders and money spent
 * against four cut points each) instead of a ranking of every contact against every buyer.
 *
 * - **quintiles** (enough buyers): the cut points are the 20th, 40th, 60th and 80th percentiles of the
 *   buyers' values, interpolated as PostgreSQL's percentile_cont; a score is 1 + the number of cut
 *   points the value exceeds, so equal values share a score (everyone with one order has F = 1). The
 *   value tier: above the 80th percentile of money spent "high", above the 50th "medium", else "low".
 * - **fixed** (fewer buyers than the tenant's `minBuyers`): the tenant's thresholds (score-settings.ts),
 *   reached or passed: R 5 for a last order at most 30 days old by default, F 5 from 10 orders, …
 *
 * The stats are read in chunks of contacts, so computing them never holds the store for long (on the
 * embedded store a long statement holds the whole API).
 */
import { ledgerChangedAt } from '../../purchases/ledger-store.ts';
import { PURCHASES_READ_MODEL } from '../../purchases/read-model.ts';
import type { Db } from '../../store/db.ts';
import { DEFAULT_CHUNK_SIZING, nextChunkSize, runChunk, type ChunkSizing } from './chunk-plan.ts';
import { segmentSettings, type SegmentSettings } from './score-settings.ts';

const DAY = 86_400_000;
/** Boundaries older than this are computed again even if the ledger did not change (time moves recency). */
export const BOUNDARIES_MAX_AGE_MS = 5 * 60_000;

export interface Boundaries {
  rule: 'quintiles' | 'fixed';
  buyers: number;
  /** true: a value reaching a cut point passes it (fixed thresholds); false: it must exceed it (percentiles). */
  inclusive: boolean;
  /** Last order instants, epoch ms. */
  recency: number[];
  frequency: number[];
  monetary: number[];
  /** [medium, high] on money spent. */
  valueTiers: [number, number];
}

export interface BuyerStats {
  lastAt: number;
  orders: number;
  spent: number;
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks of the sorted values. */
export function percentile(sorted: readonly number[], fraction: number): number {
  const position = fraction * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** The boundaries for the tenant's buyers in the window (pure). */
export function boundariesOf(buyers: readonly BuyerStats[], settings: SegmentSettings, now: Date): Boundaries {
  if (buyers.length < settings.smallTenant.minBuyers) {
    const fixed = settings.smallTenant;
    return {
      rule: 'fixed',
      buyers: buyers.length,
      inclusive: true,
      recency: fixed.recencyDays.map((days) => now.getTime() - days * DAY),
      frequency: [...fixed.orders],
      monetary: [...fixed.spent],
      valueTiers: [fixed.valueTiers.medium, fixed.valueTiers.high],
    };
  }
  const sorted = (pick: (stats: BuyerStats) => number) => buyers.map(pick).sort((a, b) => a - b);
  const quintiles = (values: number[]) => [0.2, 0.4, 0.6, 0.8].map((fraction) => percentile(values, fraction));
  const spent = sorted((stats) => stats.spent);
  return {
    rule: 'quintiles',
    buyers: buyers.length,
    inclusive: false,
    recency: quintiles(sorted((stats) => stats.lastAt)),
    frequency: quintiles(sorted((stats) => stats.orders)),
    monetary: quintiles(spent),
    valueTiers: [percentile(spent, 0.5), percentile(spent, 0.8)],
  };
}

/** 1 + the cut points the value passes. */
export function scoreOf(value: number, cuts: readonly number[], inclusive: boolean): number {
  return 1 + cuts.filter((cut) => (inclusive ? value >= cut : value > cut)).length;
}

export function valueTierOf(spent: number, boundaries: Boundaries): 'high' | 'medium' | 'low' {
  const passes = (cut: number) => (boundaries.inclusive ? spent >= cut : spent > cut);
  return passes(boundaries.valueTiers[1]) ? 'high' : passes(boundaries.valueTiers[0]) ? 'medium' : 'low';
}

/**
 * The buyers' stats over the ledger window as SQL, one row per buyer (a contact with an order that
 * counts in the window), grouped in one pass over the ledger rows `contacts` selects (a range of the
 * ledger's contact index, or one contact): contact_id, last_at, orders, spent (money in the window,
 * credit notes subtracted), basket (average value of its orders with a known value).
 */
export function statsSql(tenant: string, contacts: string, fromParam: string, toParam: string): string {
  return `SELECT p.contact_id, max(p.placed_at) FILTER (WHERE p.is_order) AS last_at, (count(*) FILTER (WHERE p.is_order))::int AS orders, coalesce(sum(p.value), 0)::float8 AS spent,
      (avg(p.value) FILTER (WHERE p.is_order AND p.value IS NOT NULL))::float8 AS basket
    FROM ${PURCHASES_READ_MODEL} p WHERE p.tenant_id = ${tenant} AND ${contacts} AND p.placed_at >= ${fromParam} AND p.placed_at <= ${toParam}
    GROUP BY p.contact_id HAVING count(*) FILTER (WHERE p.is_order) > 0`;
}

/** Every buyer's stats in the window, read in chunks of buyers (keyset on the ledger's contact index), each sized to hold the store briefly. */
async function buyerStats(db: Db, tenantId: string, from: Date, to: Date, sizing: ChunkSizing): Promise<BuyerStats[]> {
  const buyers: BuyerStats[] = [];
  let limit = Math.min(sizing.max, Math.max(sizing.min, 1_000));
  for (let after = ''; ; ) {
    const started = performance.now();
    const rows = await runChunk<{ contact_id: string; last_at: number; orders: number; spent: number }>(db, {
      text: `SELECT st.contact_id, (extract(epoch FROM st.last_at) * 1000)::float8 AS last_at, st.orders, st.spent FROM (${statsSql('$1', 'p.contact_id > $2', '$3', '$4')}) st
        ORDER BY st.contact_id LIMIT $5`,
      params: [tenantId, after, from, to, limit],
    });
    for (const row of rows) buyers.push({ lastAt: Number(row.last_at), orders: row.orders, spent: Number(row.spent) });
    if (rows.length < limit) return buyers;
    after = rows.at(-1)!.contact_id;
    limit = nextChunkSize(sizing, limit, performance.now() - started);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The tenant's boundaries for a window: the stored ones while the ledger has not changed since and they
 * are recent, else computed again and stored (every segment and score of the tenant then reads them).
 */
export async function tenantBoundaries(db: Db, tenantId: string, window: string, windowMs: number, now: Date, sizing = DEFAULT_CHUNK_SIZING): Promise<Boundaries> {
  const ledgerAt = await ledgerChangedAt(db, tenantId);
  const [stored] = await db.query<{ computed_at: Date; ledger_at: Date | null; boundaries: Boundaries }>(
    'SELECT computed_at, ledger_at, boundaries FROM segment_score_boundaries WHERE tenant_id = $1 AND rfm_window = $2',
    [tenantId, window],
  );
  if (stored && (stored.ledger_at?.getTime() ?? null) === (ledgerAt?.getTime() ?? null) && Math.abs(now.getTime() - stored.computed_at.getTime()) < BOUNDARIES_MAX_AGE_MS) return stored.boundaries;
  const settings = await segmentSettings(db, tenantId);
  const boundaries = boundariesOf(await buyerStats(db, tenantId, new Date(now.getTime() - windowMs), now, sizing), settings, now);
  await db.query(
    `INSERT INTO segment_score_boundaries (tenant_id, rfm_window, computed_at, ledger_at, boundaries) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, rfm_window) DO UPDATE SET computed_at = excluded.computed_at, ledger_at = excluded.ledger_at, boundaries = excluded.boundaries`,
    [tenantId, window, now, ledgerAt, JSON.stringify(boundaries)],
  );
  return boundaries;
}
