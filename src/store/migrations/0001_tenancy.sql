-- Tenants and their API keys. Keys are stored as SHA-256 of the whole key: they are long random
-- strings (or an operator-chosen bootstrap key), so a fast hash is enough and lookups stay O(1).
CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  -- The first characters of the key, shown in listings so people can tell keys apart.
  key_hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
