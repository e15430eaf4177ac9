-- OAuth connectors, fetch on notification and schedules per installation (docs/connectors/contract.md).

-- reauthorize: the OAuth grant was revoked (invalid_grant); nothing calls the system until an admin reconnects.
ALTER TABLE connector_installations DROP CONSTRAINT connector_installations_status_check;
ALTER TABLE connector_installations ADD CONSTRAINT connector_installations_status_check
  CHECK (status IN ('installing', 'active', 'error', 'reauthorize', 'uninstalled'));
-- Bumped by every save of credentials_sealed: a refreshed token is saved only over the version it was read
-- from (compare-and-swap), so two processes can never both save a refresh.
ALTER TABLE connector_installations ADD COLUMN credentials_version integer NOT NULL DEFAULT 0;
-- The token refresh lease: the one process allowed to spend the (rotating) refresh token until then.
-- Taken by a short UPDATE and released after the call: no database connection waits on the provider.
ALTER TABLE connector_installations ADD COLUMN refresh_lease_owner text;
ALTER TABLE connector_installations ADD COLUMN refresh_lease_until timestamptz;

-- What the connector's fetch step read for an entry (outside the transaction), kept so a retry decides on
-- the same data without reading again.
ALTER TABLE connector_inbox ADD COLUMN fetched jsonb;

-- A tenant's own OAuth client for a connector (self-hosted apps): overrides HUB_OAUTH_<CONNECTOR>_CLIENT_ID.
CREATE TABLE connector_oauth_clients (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connector text NOT NULL,
  client_id text NOT NULL,
  -- Vault envelope bound to the tenant and the connector.
  client_secret_sealed text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connector)
);

-- An authorization flow in progress: the signed `state` names its row. Single use (consumed_at), expiring,
-- bound to the tenant and to who started it; the browser that opened the start link holds its cookie.
CREATE TABLE connector_oauth_flows (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connector text NOT NULL,
  -- The API key (or console session) that started it.
  started_by text NOT NULL,
  -- Reconnect of an existing installation (same account required); null for a new install.
  installation_id text REFERENCES connector_installations(id) ON DELETE CASCADE,
  -- The install input (non-secret: OAuth connectors take no secrets in it).
  input jsonb NOT NULL,
  -- When a browser opened the start link (once only).
  opened_at timestamptz,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  -- How it ended: installed, reconnected, denied, failed (with a note).
  outcome text,
  note text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connector_oauth_flows_expiry ON connector_oauth_flows (expires_at);

-- Recurring work per installation and schedule (a backstop poll, channel renewals): a due row is claimed
-- with a lease by one worker; a run that dies with its process is taken over when the lease expires.
CREATE TABLE connector_schedules (
  installation_id text NOT NULL REFERENCES connector_installations(id) ON DELETE CASCADE,
  schedule text NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  every_ms bigint NOT NULL,
  next_run_at timestamptz NOT NULL,
  lease_owner text,
  lease_until timestamptz,
  last_run_at timestamptz,
  last_error text,
  runs bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (installation_id, schedule)
);
CREATE INDEX connector_schedules_due ON connector_schedules (next_run_at);
