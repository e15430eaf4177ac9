-- The store job queue (src/queue/store-job-queue.ts), used when no REDIS_URL is set.
-- Queue rows are infrastructure, not tenant data: a job that concerns a tenant carries its tenant
-- id in `data`, and the handler filters on it.
--
-- A job is 'pending' (due when run_at <= now(), so delayed jobs are pending jobs with a later
-- run_at), 'active' (claimed by a worker until locked_until, extended by its heartbeat) or
-- 'failed' (out of attempts, kept with its last error for inspection). Completed jobs are deleted.
-- `attempt` counts claims and doubles as a fencing token: a worker finishes a job only if the
-- attempt it claimed is still the current one.
CREATE TABLE queue_jobs (
  id text PRIMARY KEY,
  name text NOT NULL,
  data jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'active', 'failed')),
  run_at timestamptz NOT NULL,
  attempt integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  backoff jsonb,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Claims and the "anything due?" poll read pending jobs of one name in run_at order.
CREATE INDEX queue_jobs_due ON queue_jobs (name, run_at) WHERE state = 'pending';

-- The lease reaper reads active jobs whose lease ran out.
CREATE INDEX queue_jobs_leases ON queue_jobs (locked_until) WHERE state = 'active';

-- Failed jobs are pruned after a retention period.
CREATE INDEX queue_jobs_failed ON queue_jobs (updated_at) WHERE state = 'failed';

-- Repeatable jobs: each schedule fires once per period, whichever process gets to it first.
CREATE TABLE queue_schedules (
  id text PRIMARY KEY,
  name text NOT NULL,
  every_ms bigint NOT NULL CHECK (every_ms >= 1),
  data jsonb NOT NULL,
  next_run_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX queue_schedules_due ON queue_schedules (next_run_at);
