-- Connector installations: one row per tenant, connector and external account (a WooCommerce store
-- URL). Uninstalling keeps the row as 'uninstalled' with its state, so installing the same account
-- again revives it: same id (same delivery URLs), same cursors and resource memory (Activepieces#13311
-- lost cursors on re-enable).
CREATE TABLE connector_installations (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connector text NOT NULL,
  account text NOT NULL,
  status text NOT NULL CHECK (status IN ('installing', 'active', 'error', 'uninstalled')),
  -- Non-secret settings (connector-defined, validated by its manifest) and the ready rules.
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  rules jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Vault envelope of the credentials JSON, bound to the tenant and the installation id.
  credentials_sealed text,
  -- What the connector registered at the external system (webhook ids, sealed secrets) and its cursors.
  state jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_error text,
  last_reconciled_at timestamptz,
  installed_at timestamptz,
  uninstalled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, connector, account)
);

CREATE INDEX connector_installations_tenant ON connector_installations (tenant_id, connector, seq DESC);
CREATE INDEX connector_installations_live ON connector_installations (status) WHERE status <> 'uninstalled';

-- What a connector remembers per external resource (an order's last status, a product's stock level,
-- an open cart), because the external system only sends the current state.
CREATE TABLE connector_memory (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  installation_id text NOT NULL REFERENCES connector_installations(id) ON DELETE CASCADE,
  key text NOT NULL,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (installation_id, key)
);

-- Every verified inbound request, stored before it is acknowledged (the external system may never
-- send it again: WooCommerce does not retry), then processed by a job. The unique key absorbs replays.
CREATE TABLE connector_inbox (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  installation_id text NOT NULL REFERENCES connector_installations(id) ON DELETE CASCADE,
  kind text NOT NULL,
  dedupe_key text NOT NULL,
  headers jsonb NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
  -- The handler's result (events to publish, timers), kept so a crash after it replays the same result.
  outcome jsonb,
  note text,
  -- [{ id, type, duplicate }] of the events published for it.
  published jsonb,
  attempts integer NOT NULL DEFAULT 0,
  processed_at timestamptz,
  UNIQUE (installation_id, dedupe_key)
);

CREATE INDEX connector_inbox_recent ON connector_inbox (installation_id, seq DESC);
CREATE INDEX connector_inbox_pending ON connector_inbox (received_at) WHERE status = 'pending';
