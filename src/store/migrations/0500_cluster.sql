-- The cluster part (src/cluster): what processes of one hub share that belongs to no tenant.
--
-- One row per running process, refreshed every few seconds (its heartbeat) and deleted on a
-- graceful stop; a killed process's row simply stops being refreshed. Gateways read the workers'
-- rows for /readyz.
CREATE TABLE hub_processes (
  id text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('all', 'gateway', 'worker')),
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hub_processes_heartbeat ON hub_processes (heartbeat_at);

-- Hub-wide settings every process must agree on (HUB_PUBLIC_URL): recorded by the first process.
CREATE TABLE hub_settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
