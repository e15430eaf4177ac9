/**
 * A tenant's scoring thresholds (GET/PUT /v1/segments/settings):
 * - `smallTenant`: below `minBuyers` buyers in the window, quintiles say little (the only buyer of a
 *   shop would be "111 Lost"), so fixed thresholds score R, F and M and the value tier instead;
 * - `customerTiers`: VIP / regular / small by orders per year and average basket (the seeds' loyalty
 *   tiers), in the tenant's currency.
 */
import { z } from 'zod';
import type { Db, Sql } from '../../store/db.ts';

/** Four thresholds for scores 2 to 5, increasing (amounts, counts) or decreasing (days: longest first). */
const Ladder = (what: string, order: 'increasing' | 'decreasing' = 'increasing') =>
  z
    .array(z.number().min(0))
    .length(4)
    .refine((values) => values.every((value, index) => index === 0 || (order === 'increasing' ? value > values[index - 1]! : value < values[index - 1]!)), {
      error: `${what}: four ${order} values`,
    });

export const SegmentSettingsSchema = z
  .object({
    smallTenant: z
      .object({
        minBuyers: z.number().int().min(1).max(100_000).default(20).describe('Below this many buyers in the window, the fixed thresholds apply instead of quintiles.'),
        recencyDays: Ladder('recencyDays', 'decreasing')
          .default([180, 90, 60, 30])
          .describe('R is 2 when the last order is at most the 1st value of days old… 5 at most the 4th (given longest first); older: 1.'),
        orders: Ladder('orders').default([2, 3, 5, 10]).describe('F is 2 from the 1st number of orders… 5 from the 4th; fewer: 1.'),
        spent: Ladder('spent').default([100, 250, 500, 1000]).describe("M is 2 from the 1st amount spent (tenant's currency)… 5 from the 4th."),
        valueTiers: z.object({ medium: z.number().min(0).default(250), high: z.number().min(0).default(1000) }).strict().default({ medium: 250, high: 1000 }),
      })
      .strict()
      .default({ minBuyers: 20, recencyDays: [180, 90, 60, 30], orders: [2, 3, 5, 10], spent: [100, 250, 500, 1000], valueTiers: { medium: 250, high: 1000 } }),
    customerTiers: z
      .object({
        vip: z.object({ ordersPerYear: z.number().min(0), averageBasket: z.number().min(0) }).strict().default({ ordersPerYear: 6, averageBasket: 80 }),
        regular: z.object({ ordersPerYear: z.number().min(0), averageBasket: z.number().min(0) }).strict().default({ ordersPerYear: 2, averageBasket: 30 }),
      })
      .strict()
      .default({ vip: { ordersPerYear: 6, averageBasket: 80 }, regular: { ordersPerYear: 2, averageBasket: 30 } }),
  })
  .strict();
export type SegmentSettings = z.infer<typeof SegmentSettingsSchema>;

export async function segmentSettings(db: Sql, tenantId: string): Promise<SegmentSettings> {
  const [row] = await db.query<{ settings: unknown }>('SELECT settings FROM segment_settings WHERE tenant_id = $1', [tenantId]);
  return SegmentSettingsSchema.parse(row?.settings ?? {});
}

/** Stores the settings; the tenant's boundaries are computed again at their next use. */
export async function putSegmentSettings(db: Db, tenantId: string, settings: SegmentSettings): Promise<SegmentSettings> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO segment_settings (tenant_id, settings) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = now()`,
      [tenantId, JSON.stringify(settings)],
    );
    await tx.query('DELETE FROM segment_score_boundaries WHERE tenant_id = $1', [tenantId]);
  });
  return settings;
}
