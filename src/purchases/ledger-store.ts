/**
 * The ledger in the store: lines written in batches (one statement for many orders), each order's row
 * replaced only by a later modification, amounts converted into the tenant's currency with the rate
 * its settings state. Every statement is scoped to its rows' tenants.
 */
import type { Sql } from '../store/db.ts';
import { DEFAULT_CURRENCY, latest, type LedgerLine } from './ledger.ts';

/**
 * What a row adds to money spent in the tenant's currency, from the row's columns (alias `r`) and the
 * tenant's settings (alias `s`, possibly absent): its net amount × the rate (1 in the tenant's own
 * currency), NULL when no rate is stated for its currency.
 */
const VALUE_SQL = `CASE WHEN r.kind = 'credit_note' OR r.counts THEN (r.amount - r.refunded)
    * (CASE WHEN r.currency = coalesce(s.currency, '${DEFAULT_CURRENCY}') THEN 1 ELSE (s.exchange_rates->>r.currency)::numeric END) ELSE 0 END`;

/** The incoming line is a later state of the order than the stored one: modified later, or as late and received later. */
const NEWER = '(excluded.modified_at, excluded.received_at) > (p.modified_at, p.received_at)';
/** A later state replaces the order's columns; an earlier one may still bring an earlier placing date (order.created arriving after a status change). */
const UPDATE = ['contact_id', 'kind', 'status', 'counts', 'amount', 'refunded', 'currency', 'value', 'modified_at', 'categories', 'event_id', 'received_at']
  .map((column) => `${column} = CASE WHEN ${NEWER} THEN excluded.${column} ELSE p.${column} END`)
  .join(', ');

/** Writes lines (any tenants); of several lines of one order in the batch the latest is written. */
export async function writeLines(db: Sql, lines: readonly LedgerLine[]): Promise<void> {
  const byOrder = new Map<string, LedgerLine>();
  for (const line of lines) {
    const key = JSON.stringify([line.tenantId, line.source, line.orderId]);
    const kept = byOrder.get(key);
    byOrder.set(key, kept ? latest(kept, line) : line);
  }
  if (byOrder.size === 0) return;
  const rows = [...byOrder.values()].map((line) => ({
    tenant_id: line.tenantId,
    source: line.source,
    order_id: line.orderId,
    contact_id: line.contactId,
    kind: line.kind,
    status: line.status,
    counts: line.counts,
    amount: line.amount,
    refunded: line.refunded,
    currency: line.currency,
    placed_at: line.placedAt.toISOString(),
    modified_at: line.modifiedAt.toISOString(),
    categories: line.categories,
    event_id: line.eventId,
    received_at: line.receivedAt.toISOString(),
  }));
  await db.query(
    `INSERT INTO purchases AS p (tenant_id, source, order_id, contact_id, kind, status, counts, amount, refunded, currency, value, placed_at, modified_at, categories, event_id, received_at)
     SELECT r.tenant_id, r.source, r.order_id, r.contact_id, r.kind, r.status, r.counts, r.amount, r.refunded, r.currency, ${VALUE_SQL},
       r.placed_at, r.modified_at, r.categories, r.event_id, r.received_at
     FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, source text, order_id text, contact_id text, kind text, status text, counts boolean, amount numeric,
       refunded numeric, currency text, placed_at timestamptz, modified_at timestamptz, categories text[], event_id text, received_at timestamptz)
     LEFT JOIN purchase_settings s ON s.tenant_id = r.tenant_id
     ON CONFLICT (tenant_id, source, order_id) DO UPDATE SET ${UPDATE}, placed_at = least(p.placed_at, excluded.placed_at), recorded_at = now()
     WHERE ${NEWER} OR excluded.placed_at < p.placed_at`,
    [JSON.stringify(rows)],
  );
}

/** Re-values the tenant's rows after its currency or rates changed (one statement). */
export async function revalue(db: Sql, tenantId: string): Promise<void> {
  await db.query(
    `UPDATE purchases AS r SET value = ${VALUE_SQL}, recorded_at = now() FROM (SELECT $1::text AS tenant_id) t LEFT JOIN purchase_settings s ON s.tenant_id = t.tenant_id WHERE r.tenant_id = t.tenant_id`,
    [tenantId],
  );
}

/** When the tenant's ledger last changed (a line written or re-valued); null for an empty ledger. One index probe. */
export async function ledgerChangedAt(db: Sql, tenantId: string): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>('SELECT max(recorded_at) AS at FROM purchases WHERE tenant_id = $1', [tenantId]);
  return row?.at ?? null;
}

export interface PurchaseView {
  source: string;
  orderId: string;
  kind: 'order' | 'credit_note';
  status: string;
  counts: boolean;
  amount: number;
  refunded: number;
  currency: string;
  value: number | null;
  placedAt: Date;
  modifiedAt: Date;
  categories: string[];
}

/** A contact's ledger, latest placed first. */
export async function purchasesOf(db: Sql, tenantId: string, contactId: string, limit = 200): Promise<PurchaseView[]> {
  const rows = await db.query<{ source: string; order_id: string; kind: 'order' | 'credit_note'; status: string; counts: boolean; amount: string | number; refunded: string | number; currency: string; value: string | number | null; placed_at: Date; modified_at: Date; categories: string[] }>(
    `SELECT source, order_id, kind, status, counts, amount, refunded, currency, value, placed_at, modified_at, categories FROM purchases
     WHERE tenant_id = $1 AND contact_id = $2 ORDER BY placed_at DESC, order_id LIMIT $3`,
    [tenantId, contactId, limit],
  );
  return rows.map((row) => ({
    source: row.source,
    orderId: row.order_id,
    kind: row.kind,
    status: row.status,
    counts: row.counts,
    amount: Number(row.amount),
    refunded: Number(row.refunded),
    currency: row.currency,
    value: row.value === null ? null : Number(row.value),
    placedAt: row.placed_at,
    modifiedAt: row.modified_at,
    categories: row.categories,
  }));
}
