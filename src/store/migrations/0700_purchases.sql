-- The purchase ledger: one row per order (per tenant, source and order id), the state of its latest
-- modification, and the settings that turn its amounts into the tenant's currency. What segments and
-- RFM read (src/purchases/read-model.ts).
CREATE TABLE purchases (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source text NOT NULL,
  order_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  -- 'order', or 'credit_note' (a negative total: money given back, never an order).
  kind text NOT NULL CHECK (kind IN ('order', 'credit_note')),
  status text NOT NULL,
  -- An order that is a purchase now (paid or being fulfilled: not pending, cancelled, failed or refunded).
  counts boolean NOT NULL,
  -- In the order's currency: its total, and what was refunded of it.
  amount numeric NOT NULL,
  refunded numeric NOT NULL DEFAULT 0,
  currency text NOT NULL,
  -- What it adds to money spent, in the tenant's currency: (amount − refunded) × rate for a purchase or
  -- a credit note, 0 for an order that does not count, NULL when the tenant states no rate for the currency.
  value numeric,
  placed_at timestamptz NOT NULL,
  modified_at timestamptz NOT NULL,
  categories text[] NOT NULL DEFAULT '{}',
  event_id text NOT NULL,
  received_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, order_id)
);

CREATE INDEX purchases_contact ON purchases (tenant_id, contact_id, placed_at DESC);
CREATE INDEX purchases_recorded ON purchases (tenant_id, recorded_at DESC);

CREATE TABLE purchase_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  currency text NOT NULL,
  -- { "USD": 0.92 }: one unit of USD is 0.92 of the tenant's currency.
  exchange_rates jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
