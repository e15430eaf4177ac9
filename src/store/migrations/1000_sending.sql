-- The sending core: tenant settings, providers, messages with their status history, parts and
-- receipts, idempotency keys, inbound SMS and rate-limit state.

CREATE TABLE sending_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One provider per tenant and channel; none means the embedded sandbox. `secrets` is a vault
-- envelope bound to the tenant and channel. `version` changes on every update so each process
-- replaces its provider instance.
CREATE TABLE sending_providers (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  kind text NOT NULL,
  settings jsonb NOT NULL,
  secrets text,
  rate_limit jsonb,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, channel)
);

-- `seq` orders listings (timestamps tie). `run_at` is when the message is due to leave; the
-- sweeper re-enqueues pending messages whose job was lost. `claimed_until` fences the submit step:
-- only the worker holding an unexpired claim calls the provider.
CREATE TABLE messages (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  category text NOT NULL CHECK (category IN ('marketing', 'transactional')),
  status text NOT NULL CHECK (status IN ('accepted', 'scheduled', 'submitted', 'delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked')),
  block_reason text CHECK (block_reason IN ('opted_out', 'no_consent', 'invalid_number', 'invalid_email')),
  contact_id text,
  to_address text NOT NULL,
  from_address text NOT NULL,
  body text NOT NULL,
  email jsonb,
  encoding text CHECK (encoding IN ('GSM-7', 'UCS-2')),
  segments integer,
  run_at timestamptz,
  schedule_reason text CHECK (schedule_reason IN ('quiet_hours', 'stagger', 'send_at', 'rate_limit', 'retry')),
  rate_slot_at timestamptz,
  claimed_until timestamptz,
  provider_kind text,
  provider_message_ids text[] NOT NULL DEFAULT '{}',
  attempts integer NOT NULL DEFAULT 0,
  -- Counts the jobs enqueued for the message after the first, so each has its own job id.
  job_seq integer NOT NULL DEFAULT 0,
  error text,
  idempotency_key text,
  batch_id text,
  unsubscribe_token text,
  -- The status whose event (message.submitted/delivered/failed) was published: the sweeper
  -- publishes what a crash left unpublished (outbox).
  notified_status text,
  created_at timestamptz NOT NULL DEFAULT now(),
  submitted_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX messages_tenant_seq ON messages (tenant_id, seq DESC);
CREATE INDEX messages_tenant_status_seq ON messages (tenant_id, status, seq DESC);
CREATE INDEX messages_tenant_contact_seq ON messages (tenant_id, contact_id, seq DESC);
CREATE INDEX messages_tenant_to ON messages (tenant_id, channel, to_address, seq DESC);
CREATE INDEX messages_pending_run_at ON messages (run_at) WHERE status IN ('accepted', 'scheduled');
CREATE INDEX messages_unnotified ON messages (updated_at) WHERE status NOT IN ('accepted', 'scheduled') AND notified_status IS DISTINCT FROM status;

-- Every status a message went through, with why.
CREATE TABLE message_history (
  seq bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  status text NOT NULL,
  reason text,
  at timestamptz NOT NULL
);

CREATE INDEX message_history_message ON message_history (message_id, seq);

-- One row per provider message id (an SMS part, or a whole email): receipts find their message here.
CREATE TABLE message_parts (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  channel text NOT NULL,
  provider_message_id text NOT NULL,
  message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  part integer NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'undelivered', 'expired', 'rejected')),
  PRIMARY KEY (tenant_id, channel, provider_message_id)
);

CREATE INDEX message_parts_message ON message_parts (message_id, part);

-- Every receipt as received. `message_id` is null while the receipt waits for its message: an SMSC
-- can send the receipt before the submit result is written.
CREATE TABLE message_receipts (
  seq bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  channel text NOT NULL,
  provider_message_id text NOT NULL,
  message_id text,
  status text NOT NULL,
  at timestamptz NOT NULL,
  error_code text,
  raw text NOT NULL,
  applied boolean NOT NULL DEFAULT false,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX message_receipts_provider_id ON message_receipts (tenant_id, channel, provider_message_id);
CREATE INDEX message_receipts_message ON message_receipts (message_id, seq);
CREATE INDEX message_receipts_unapplied ON message_receipts (received_at) WHERE applied = false;

-- Idempotency-Key per tenant: the same key answers the same messages, never a second send.
CREATE TABLE message_requests (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  message_ids text[] NOT NULL,
  batch boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);

-- Replies and other incoming SMS (MO).
CREATE TABLE inbound_sms (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  from_address text NOT NULL,
  to_address text NOT NULL,
  text text NOT NULL,
  at timestamptz NOT NULL,
  provider_message_id text,
  opt_out_keyword text,
  in_reply_to text,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX inbound_sms_provider_id ON inbound_sms (tenant_id, provider_message_id);
CREATE INDEX inbound_sms_tenant_seq ON inbound_sms (tenant_id, seq DESC);

-- Token-bucket state per provider: the theoretical arrival time of the next unit (GCRA).
CREATE TABLE sending_rate_limits (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  limiter text NOT NULL,
  tat timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, limiter)
);
