-- Automation: scenarios and their immutable versions, runs (one contact going through one version)
-- and their step records. A run's transitions are compare-and-set on `moves`; a step record is
-- unique on (run, step, rotation), which is what makes every step execute once (see
-- src/automation/interpreter.ts).
CREATE TABLE scenarios (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  status text NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),
  latest_version integer NOT NULL,
  -- The version new runs start on; set by activation.
  active_version integer,
  -- Every event type some version reacts to (trigger, exit events, waitFor): what the bus asks.
  event_types text[] NOT NULL DEFAULT '{}',
  trigger_kind text NOT NULL CHECK (trigger_kind IN ('event', 'date', 'segment')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX scenarios_tenant_seq ON scenarios (tenant_id, seq DESC);
CREATE INDEX scenarios_live ON scenarios (tenant_id) WHERE status IN ('active', 'paused');
CREATE INDEX scenarios_date_triggers ON scenarios (trigger_kind) WHERE status = 'active';

CREATE TABLE scenario_versions (
  scenario_id text NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
  version integer NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scenario_id, version)
);

-- Runs go with their contact (RGPD erasure) and their scenario.
CREATE TABLE scenario_runs (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  scenario_id text NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
  version integer NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  run_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'waiting', 'held', 'completed', 'exited', 'cancelled', 'failed')),
  step_id text,
  rotation integer NOT NULL DEFAULT 0,
  gotos jsonb NOT NULL DEFAULT '{}'::jsonb,
  trigger_event_id text,
  trigger_event jsonb,
  last_event jsonb,
  moves integer NOT NULL DEFAULT 0,
  wake_at timestamptz,
  wake_job text,
  waiting_type text,
  waiting_key text,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  end_reason text
);

-- One live run per contact and key; one run per trigger event (bus redeliveries start nothing).
CREATE UNIQUE INDEX scenario_runs_live ON scenario_runs (scenario_id, contact_id, run_key) WHERE status IN ('active', 'waiting', 'held');
CREATE UNIQUE INDEX scenario_runs_trigger ON scenario_runs (scenario_id, trigger_event_id) WHERE trigger_event_id IS NOT NULL;
CREATE INDEX scenario_runs_entries ON scenario_runs (scenario_id, contact_id, run_key, started_at DESC);
CREATE INDEX scenario_runs_scenario ON scenario_runs (tenant_id, scenario_id, seq DESC);
CREATE INDEX scenario_runs_contact ON scenario_runs (tenant_id, contact_id, seq DESC);
CREATE INDEX scenario_runs_waiting_key ON scenario_runs (scenario_id, waiting_type, waiting_key) WHERE status = 'waiting' AND waiting_key IS NOT NULL;
CREATE INDEX scenario_runs_overdue ON scenario_runs (wake_at) WHERE status = 'waiting';
CREATE INDEX scenario_runs_stale ON scenario_runs (updated_at) WHERE status = 'active';
CREATE INDEX scenario_runs_held ON scenario_runs (scenario_id) WHERE status = 'held';
CREATE INDEX scenario_runs_step ON scenario_runs (scenario_id, version, step_id) WHERE status IN ('active', 'waiting', 'held');

CREATE TABLE scenario_steps (
  run_id text NOT NULL REFERENCES scenario_runs(id) ON DELETE CASCADE,
  step_id text NOT NULL,
  rotation integer NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  step_type text NOT NULL,
  state text NOT NULL CHECK (state IN ('started', 'waiting', 'done', 'failed')),
  outcome text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  next_step text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (run_id, step_id, rotation)
);
