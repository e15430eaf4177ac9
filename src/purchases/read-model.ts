/**
 * The purchases part's SQL read model, for other parts' set queries (a segment's members, RFM
 * boundaries): the ledger as a relation for a FROM clause (`FROM ${PURCHASES_READ_MODEL} p`), a plain
 * projection PostgreSQL folds into the outer query, so filters on tenant_id and contact_id use the
 * ledger's index. Columns:
 *
 * - tenant_id, contact_id;
 * - is_order: an order that is a purchase now (counted in frequency, recency, baskets);
 * - is_placed: an order, whatever its status (not a credit note): "no order since";
 * - value: what the line adds to money spent in the tenant's currency (negative for a credit note,
 *   0 for an order that does not count, NULL when its currency has no stated rate);
 * - placed_at: when it was placed (never after the hub received it);
 * - categories: the categories of its lines (text[]).
 */
export const PURCHASES_READ_MODEL = "(SELECT tenant_id, contact_id, counts AS is_order, kind = 'order' AS is_placed, value, placed_at, categories FROM purchases)";
