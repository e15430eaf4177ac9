-- The SMPP server: accounts that ESMEs (Adobe Campaign, Kannel…) bind with, every submit_sm part
-- accepted (durable before its submit_sm_resp), and the deliver_sm outbox (receipts and MO).

-- `system_id` is unique across tenants: a bind names no tenant, the account does. The password is
-- an scrypt hash (src/smpp/accounts/password.ts).
CREATE TABLE smpp_accounts (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  system_id text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  bind_types text[] NOT NULL,
  allowed_ips text[] NOT NULL DEFAULT '{}',
  max_binds integer NOT NULL,
  throughput_per_second integer,
  default_sender text,
  category text NOT NULL CHECK (category IN ('marketing', 'transactional')),
  enabled boolean NOT NULL DEFAULT true,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX smpp_accounts_tenant ON smpp_accounts (tenant_id, seq);

-- The submit_sm path: one row per accepted part, committed before its submit_sm_resp (`id` is the
-- message_id answered), until the forwarder hands its message to the sending core and moves it to
-- smpp_submits. Only the primary key is indexed: every index costs on that path (PGlite writes a row in
-- ~35 µs with one index, ~100 µs with three), and the table holds the backlog only. Parts of one long
-- message share `group_key` (a single part's is its own id). `user_data` is the short_message without
-- its UDH (or message_payload), still encoded: parts are joined before decoding, so an escape or a
-- surrogate pair split across parts survives. `handoff_key` and `claimed_until` are set while a
-- forwarder hands the message off.
CREATE TABLE smpp_inbox (
  id text PRIMARY KEY,
  seq bigserial NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  account_id text NOT NULL,
  group_key text NOT NULL,
  part_total integer NOT NULL,
  part_seq integer NOT NULL,
  source_addr text NOT NULL,
  source_ton integer NOT NULL,
  source_npi integer NOT NULL,
  destination_addr text NOT NULL,
  dest_ton integer NOT NULL,
  dest_npi integer NOT NULL,
  sender text NOT NULL,
  recipient text NOT NULL,
  category text NOT NULL,
  data_coding integer NOT NULL,
  user_data bytea NOT NULL,
  receipt text NOT NULL CHECK (receipt IN ('none', 'final', 'failure')),
  send_at timestamptz,
  handoff_key text,
  claimed_until timestamptz,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Parts once handed off: `message_id` is the hub message (receipts and query_sm find their part here),
-- or the part was refused (`error`) or was a resent copy of a part already sent (duplicate).
CREATE TABLE smpp_submits (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  account_id text NOT NULL,
  group_key text NOT NULL,
  part_total integer NOT NULL,
  part_seq integer NOT NULL,
  source_addr text NOT NULL,
  source_ton integer NOT NULL,
  source_npi integer NOT NULL,
  destination_addr text NOT NULL,
  dest_ton integer NOT NULL,
  dest_npi integer NOT NULL,
  receipt text NOT NULL,
  state text NOT NULL CHECK (state IN ('forwarded', 'rejected', 'duplicate')),
  message_id text,
  text_start text,
  error text,
  received_at timestamptz NOT NULL,
  handed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX smpp_submits_message ON smpp_submits (tenant_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX smpp_submits_groups ON smpp_submits (account_id, group_key, received_at);
CREATE INDEX smpp_submits_received ON smpp_submits (received_at);

-- deliver_sm waiting for (or given to) a receiver or transceiver session of the account. Kept while
-- none is bound; retried with backoff when refused or unanswered. `dedupe_key` makes the producers
-- (bus deliveries run at least once) idempotent: receipt:<part id>, mo:<event id>.
CREATE TABLE smpp_outbox (
  seq bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  account_id text NOT NULL REFERENCES smpp_accounts(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('receipt', 'mo')),
  dedupe_key text NOT NULL,
  pdu jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'expired')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_until timestamptz,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, dedupe_key)
);

CREATE INDEX smpp_outbox_due ON smpp_outbox (account_id, next_attempt_at) WHERE state = 'pending';
