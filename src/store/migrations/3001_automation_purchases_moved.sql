-- Purchases moved to their own part's ledger (0600_purchases.sql). Rows recorded before keep counting as
-- orders of their source 'hub' (the old table did not keep the source or the status), valued 1:1 when in EUR,
-- the default currency, and kept apart otherwise.
INSERT INTO purchases (tenant_id, source, order_id, contact_id, kind, status, counts, amount, currency, value, placed_at, modified_at, event_id, received_at)
SELECT tenant_id, 'hub', order_id, contact_id, CASE WHEN amount < 0 THEN 'credit_note' ELSE 'order' END, 'processing', amount >= 0, amount, currency,
  CASE WHEN currency = 'EUR' THEN amount END, least(occurred_at, created_at), least(occurred_at, created_at), event_id, created_at
FROM contact_purchases ON CONFLICT DO NOTHING;

DROP TABLE contact_purchases;
