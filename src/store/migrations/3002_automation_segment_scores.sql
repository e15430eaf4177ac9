-- Segment scores: each tenant's RFM boundaries per window, computed once and reused by every segment
-- (membership is then a range check per contact); the tenant's thresholds (the fixed rule for tenants
-- with too few buyers for quintiles, the customer tiers); and the activity segments select on
-- (abandoned carts, clicked links), one row per event.
CREATE TABLE segment_score_boundaries (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rfm_window text NOT NULL,
  computed_at timestamptz NOT NULL,
  -- The ledger's last change when computed: a later change computes them again.
  ledger_at timestamptz,
  boundaries jsonb NOT NULL,
  PRIMARY KEY (tenant_id, rfm_window)
);

CREATE TABLE segment_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE segment_activity (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  event_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  type text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);

CREATE INDEX segment_activity_contact ON segment_activity (tenant_id, contact_id, type, at DESC);
