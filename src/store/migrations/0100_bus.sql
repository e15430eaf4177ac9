-- The trigger bus. `seq` orders events for cursor pagination (timestamps can tie); the unique
-- (tenant, source, dedupe_key) absorbs every re-delivery of the same external event, forever.
CREATE TABLE events (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source text NOT NULL,
  type text NOT NULL,
  dedupe_key text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  subject jsonb NOT NULL,
  data jsonb NOT NULL,
  dispatched_at timestamptz,
  UNIQUE (tenant_id, source, dedupe_key)
);

CREATE INDEX events_tenant_seq ON events (tenant_id, seq DESC);
CREATE INDEX events_tenant_type_seq ON events (tenant_id, type, seq DESC);
CREATE INDEX events_undispatched ON events (received_at) WHERE dispatched_at IS NULL;

-- One row per (event, subscriber): the dispatcher creates it, the deliverer drives it to an end state.
CREATE TABLE event_deliveries (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  subscriber text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, subscriber)
);

CREATE INDEX event_deliveries_pending ON event_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX event_deliveries_subscriber ON event_deliveries (tenant_id, subscriber, created_at DESC);

CREATE TABLE delivery_attempts (
  delivery_id text NOT NULL REFERENCES event_deliveries(id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'gave_up')),
  status_code integer,
  error text,
  PRIMARY KEY (delivery_id, attempt)
);
