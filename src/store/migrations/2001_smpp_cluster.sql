-- SMPP account limits across every gateway of the hub (issue 18): an operator sets them per account,
-- not per process.

-- One row per bound session, on whichever gateway holds it: `maxBinds` counts these. A gateway
-- refreshes `seen_at` of its rows every few seconds; rows of a gateway that died stop counting once
-- they are stale (src/smpp/server/cluster-state.ts), and go with their account.
CREATE TABLE smpp_binds (
  session_id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES smpp_accounts(id) ON DELETE CASCADE,
  gateway_id text NOT NULL,
  bind_type text NOT NULL CHECK (bind_type IN ('transmitter', 'receiver', 'transceiver')),
  bound_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX smpp_binds_account ON smpp_binds (account_id);
CREATE INDEX smpp_binds_gateway ON smpp_binds (gateway_id);

-- Failed binds per remote address within the lockout window, counted by every gateway.
CREATE TABLE smpp_bind_failures (
  address text PRIMARY KEY,
  failures integer NOT NULL,
  since timestamptz NOT NULL
);
