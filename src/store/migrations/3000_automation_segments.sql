-- Segments: saved filters over contacts, their members, and the purchases behaviour filters and RFM
-- scores read (one row per order, recorded from order.created events).
CREATE TABLE contact_purchases (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  order_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  amount numeric NOT NULL,
  currency text NOT NULL,
  occurred_at timestamptz NOT NULL,
  event_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, order_id)
);

CREATE INDEX contact_purchases_contact ON contact_purchases (tenant_id, contact_id, occurred_at DESC);
CREATE INDEX contact_purchases_time ON contact_purchases (tenant_id, occurred_at);

CREATE TABLE segments (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  filter jsonb NOT NULL,
  rfm_window text NOT NULL,
  refreshed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX segments_tenant_seq ON segments (tenant_id, seq DESC);

-- One row per contact that was ever a member; `transitions` counts entries and exits, and names
-- each segment.entered / segment.exited event (its dedupe key), so a refresh cut short by a crash
-- publishes the same event again, which the bus absorbs.
CREATE TABLE segment_members (
  segment_id text NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  member boolean NOT NULL,
  transitions integer NOT NULL,
  seq bigserial NOT NULL UNIQUE,
  changed_at timestamptz NOT NULL,
  PRIMARY KEY (segment_id, contact_id)
);

CREATE INDEX segment_members_in ON segment_members (segment_id, seq DESC) WHERE member;
