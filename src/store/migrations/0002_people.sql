-- People and access (the console): users of a tenant, their sessions, invitations by link, and the
-- one-time setup links that create a tenant's first owner. Every token (session, invitation, setup)
-- is a long random string stored as its SHA-256, like API keys: a leaked table opens nothing.
-- An email is one account in the whole hub: sign-in takes an email and a password, no tenant.
CREATE TABLE users (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email text NOT NULL UNIQUE,
  name text,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'marketer', 'read-only')),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX users_tenant ON users (tenant_id, created_at);

CREATE TABLE user_sessions (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE INDEX user_sessions_user ON user_sessions (user_id);

CREATE TABLE invitations (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'marketer', 'read-only')),
  token_hash text NOT NULL UNIQUE,
  invited_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz
);

CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at);

-- tenant_id NULL: the link of a hub's very first start, which creates the "default" tenant with its owner.
CREATE TABLE setup_tokens (
  id text PRIMARY KEY,
  tenant_id text REFERENCES tenants(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Keys made before roles existed keep what they could do: everything but owner management.
ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'admin' CHECK (role IN ('owner', 'admin', 'marketer', 'read-only'));
