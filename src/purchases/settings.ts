/**
 * A tenant's purchase settings: the currency money is counted in, and the rates that convert other
 * currencies into it. An order in a currency without a rate still counts as an order (recency,
 * frequency) but adds nothing to money spent: it is kept apart rather than added at a made-up rate.
 */
import { z } from 'zod';
import type { Db } from '../store/db.ts';
import { DEFAULT_CURRENCY } from './ledger.ts';
import { revalue } from './ledger-store.ts';

const Currency = z.string().regex(/^[A-Z]{3}$/, { error: 'a currency is an ISO 4217 code in capitals, e.g. "EUR"' });

export const PurchaseSettingsSchema = z
  .object({
    currency: Currency.default(DEFAULT_CURRENCY).describe('The currency money spent, baskets and tiers are counted in.'),
    exchangeRates: z
      .record(Currency, z.number().positive().finite())
      .default({})
      .describe('How much of `currency` one unit of another currency is worth: { "USD": 0.92 }. Orders in a currency without a rate add nothing to money spent.'),
  })
  .strict();
export type PurchaseSettings = z.infer<typeof PurchaseSettingsSchema>;

export async function purchaseSettings(db: Db, tenantId: string): Promise<PurchaseSettings> {
  const [row] = await db.query<{ currency: string; exchange_rates: Record<string, number> }>('SELECT currency, exchange_rates FROM purchase_settings WHERE tenant_id = $1', [tenantId]);
  return row ? { currency: row.currency, exchangeRates: row.exchange_rates } : PurchaseSettingsSchema.parse({});
}

/** Stores the settings and re-values the tenant's ledger with them, in one transaction. */
export async function putPurchaseSettings(db: Db, tenantId: string, settings: PurchaseSettings): Promise<PurchaseSettings> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO purchase_settings (tenant_id, currency, exchange_rates) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET currency = excluded.currency, exchange_rates = excluded.exchange_rates, updated_at = now()`,
      [tenantId, settings.currency, JSON.stringify(settings.exchangeRates)],
    );
    await revalue(tx, tenantId);
  });
  return settings;
}
