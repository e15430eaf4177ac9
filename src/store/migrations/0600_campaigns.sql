-- Campaigns: one message to a list or segment, at a chosen time, optionally staggered.
--
-- `targeted` is set when the campaign starts (the audience is evaluated then), with the recipients
-- snapshot in the same transaction. The planner hands recipients to the sending core one chunk
-- (`per_batch` recipients, due `every_ms` apart from `anchor_at`) at a time; `planned_chunks` counts
-- the chunks handed over. A pause stops the planner; a resume moves the anchor to now for the chunks
-- not started yet.
CREATE TABLE campaigns (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  category text NOT NULL CHECK (category IN ('marketing', 'transactional')),
  audience jsonb NOT NULL,
  message jsonb NOT NULL,
  start_at timestamptz,
  stagger jsonb,
  status text NOT NULL CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed')),
  schedule_version integer NOT NULL DEFAULT 0,
  resumes integer NOT NULL DEFAULT 0,
  targeted integer,
  per_batch integer,
  every_ms bigint,
  anchor_at timestamptz,
  anchor_chunk integer NOT NULL DEFAULT 0,
  planned_chunks integer NOT NULL DEFAULT 0,
  error text,
  test_sends jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz
);
CREATE INDEX campaigns_tenant_seq ON campaigns (tenant_id, seq DESC);

-- The audience as it was at the start, in a fixed order (`position`): chunk k is positions
-- [k·per_batch, (k+1)·per_batch). `message_id` is the sending core's message; `skipped` says why a
-- recipient got none (the contact was deleted before its turn, its text could not be rendered).
CREATE TABLE campaign_recipients (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  campaign_id text NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  position integer NOT NULL,
  contact_id text NOT NULL,
  message_id text,
  skipped text,
  PRIMARY KEY (campaign_id, position)
);

-- A chunk's due time, fixed before its first message is handed over, so a run repeated after a
-- crash sends the same request under the same idempotency key.
CREATE TABLE campaign_chunks (
  campaign_id text NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  chunk integer NOT NULL,
  send_at timestamptz NOT NULL,
  started boolean NOT NULL DEFAULT false,
  PRIMARY KEY (campaign_id, chunk)
);
