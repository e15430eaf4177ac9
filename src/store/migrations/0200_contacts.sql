-- Contacts, their external ids, consent history, the opt-out list and contact lists.
-- Identifiers are unique per tenant (phone in E.164, email lower-cased, external id per source): the
-- upsert relies on these indexes to stay race-safe, retrying when a concurrent insert wins.
-- `seq` orders rows for cursor pagination (timestamps can tie).
CREATE TABLE contacts (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  phone text,
  email text,
  first_name text,
  last_name text,
  locale text,
  time_zone text NOT NULL DEFAULT 'Europe/Paris',
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The system that created the contact ("woocommerce", "api", "hub").
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX contacts_tenant_phone ON contacts (tenant_id, phone);
CREATE UNIQUE INDEX contacts_tenant_email ON contacts (tenant_id, email);
CREATE INDEX contacts_tenant_seq ON contacts (tenant_id, seq DESC);

-- One id per source and contact ({ woocommerce: "5501", salesforce: "003…" }).
CREATE TABLE contact_external_ids (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source text NOT NULL,
  external_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, external_id),
  UNIQUE (contact_id, source)
);

-- Consent per channel, append-only: the current status is the latest row by `at` (then by `seq`),
-- so a late-arriving older record never overrides a newer one. Rows go only with the contact (erasure).
CREATE TABLE contact_consents (
  seq bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  status text NOT NULL CHECK (status IN ('granted', 'withdrawn')),
  at timestamptz NOT NULL,
  source text NOT NULL,
  proof text,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contact_consents_current ON contact_consents (tenant_id, contact_id, channel, at DESC, seq DESC);

-- The opt-out list, by address and independent of contacts (a STOP from an unknown number counts).
-- An opt-in lifts the row instead of deleting it: French practice (CNIL) is to keep proof of an
-- objection for 3 years. At most one active row per address: the partial unique index is also the
-- one index `isOptedOut` reads.
CREATE TABLE opt_outs (
  seq bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  address text NOT NULL,
  at timestamptz NOT NULL,
  source text NOT NULL,
  reason text,
  lifted_at timestamptz,
  lifted_source text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX opt_outs_active ON opt_outs (tenant_id, channel, address) WHERE lifted_at IS NULL;
CREATE INDEX opt_outs_tenant_seq ON opt_outs (tenant_id, seq DESC);
CREATE INDEX opt_outs_lifted ON opt_outs (tenant_id, lifted_at) WHERE lifted_at IS NOT NULL;

CREATE TABLE contact_lists (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX contact_lists_tenant_name ON contact_lists (tenant_id, lower(name));
CREATE INDEX contact_lists_tenant_seq ON contact_lists (tenant_id, seq DESC);

CREATE TABLE list_members (
  list_id text NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  seq bigserial NOT NULL UNIQUE,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list_id, contact_id)
);

CREATE INDEX list_members_list_seq ON list_members (list_id, seq DESC);
CREATE INDEX list_members_contact ON list_members (tenant_id, contact_id);
