-- Outbound webhook subscriptions. `kind` is the bus subscriber kind that delivers them: `webhook`
-- for tenant webhooks (/v1/webhooks); Zapier REST hooks can live here under their own kind. The
-- bus names a delivery's target `<kind>:<id>` in event_deliveries.subscriber.
CREATE TABLE webhook_subscriptions (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]{1,31}$'),
  url text NOT NULL,
  -- Catalog types, custom.* types, or '*' for every event.
  event_types text[] NOT NULL,
  description text,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  disabled_at timestamptz,
  -- Vault envelopes bound to the tenant and the subscription id; never returned by the API.
  secret_sealed text NOT NULL,
  -- After a rotation the previous secret keeps signing (a second v1=) until it expires.
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz,
  -- Auto-disable: failed deliveries in a row, and when the target started failing; a success resets both.
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- targetsFor(): the enabled subscriptions of one tenant and kind; the event type test runs on those few rows.
CREATE INDEX webhook_subscriptions_targets ON webhook_subscriptions (tenant_id, kind) WHERE enabled;
CREATE INDEX webhook_subscriptions_tenant_seq ON webhook_subscriptions (tenant_id, kind, seq DESC);
