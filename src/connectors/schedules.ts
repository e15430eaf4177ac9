/**
 * Schedules per installation (`Connector.schedules`): a backstop poll, renewing watch channels before they
 * expire. One row per installation and schedule in `connector_schedules`, holding the next slot and a lease:
 *
 * - exactly one worker at a time across processes: a due row is claimed by one UPDATE that takes its lease
 *   (`FOR UPDATE SKIP LOCKED`: two workers ticking together claim different rows), and the lease is extended
 *   while the run goes on;
 * - survives restarts: the next slot is in the row; a run that died with its process is taken over once its
 *   lease has expired; a slot missed while the hub was down runs once at the next tick (not once per missed slot);
 * - stops at uninstall: the rows are deleted with the installation's uninstall, and a claimed row whose
 *   installation is gone or uninstalled is deleted instead of run.
 *
 * Rows are created (or their period updated) when an installation is stored, reconciled or its settings change,
 * and for every live installation at each start, so a schedule a new version declares starts without a reinstall.
 */
import { hostname } from 'node:os';
import type { JsonValue } from '../queue/job-queue.ts';
import { randomBase62 } from '../ids.ts';
import type { Connector, ConnectorSchedule, ScheduleContext } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { ExternalSystemError } from './external-error.ts';
import { receive } from './inbox.ts';
import { getInstallation, liveInstallations, type StoredInstallation } from './installation-store.ts';
import { contextFor } from './lifecycle.ts';

/** How often each worker looks for due rows. */
export const SCHEDULE_TICK_MS = 5_000;
/** A claimed row is this long its worker's; the run extends it every third of it. */
export const SCHEDULE_LEASE_MS = 120_000;
/** The shortest period a schedule may ask for. */
export const SCHEDULE_MIN_EVERY_MS = 60_000;

type ScheduleRow = {
  installation_id: string;
  schedule: string;
  tenant_id: string;
  every_ms: string | number;
  next_run_at: Date;
  lease_owner: string | null;
  lease_until: Date | null;
  last_run_at: Date | null;
  last_error: string | null;
  runs: string | number;
};

export interface ScheduleState {
  schedule: string;
  everyMs: number;
  nextRunAt: Date;
  running: boolean;
  lastRunAt: Date | null;
  lastError: string | null;
  runs: number;
}

export interface ScheduleRun {
  installationId: string;
  schedule: string;
  /** What the run returned, or why it did not run / failed. */
  result?: JsonValue | undefined;
  error?: string;
  skipped?: string;
}

/** This process's name as a lease owner. */
export const processOwner = (): string => `${hostname()}:${process.pid}:${randomBase62(6)}`;

function periodOf(connector: Connector, schedule: ConnectorSchedule, settings: unknown): number | null {
  const every = schedule.everyMs(settings);
  return every === null ? null : Math.max(SCHEDULE_MIN_EVERY_MS, Math.round(every));
}

/**
 * Makes the installation's rows match what its connector declares for its settings: new rows start one period
 * from now, a changed period moves the next slot to at most one new period from now, undeclared rows are deleted.
 */
export async function syncSchedules(deps: ConnectorDeps, installation: StoredInstallation, now = deps.clock()): Promise<void> {
  const connector = deps.registry.get(installation.connector);
  if (!connector || installation.status === 'uninstalled') {
    await dropSchedules(deps, installation.tenantId, installation.id);
    return;
  }
  const settings = connector.manifest.settings.safeParse(installation.settings);
  const wanted: { schedule: string; everyMs: number }[] = [];
  if (settings.success) {
    for (const schedule of connector.schedules ?? []) {
      const everyMs = periodOf(connector, schedule, settings.data);
      if (everyMs !== null) wanted.push({ schedule: schedule.id, everyMs });
    }
  }
  await deps.db.transaction(async (tx) => {
    await tx.query('DELETE FROM connector_schedules WHERE tenant_id = $1 AND installation_id = $2 AND NOT (schedule = ANY($3::text[]))', [
      installation.tenantId,
      installation.id,
      wanted.map((entry) => entry.schedule),
    ]);
    for (const { schedule, everyMs } of wanted) {
      const first = new Date(now.getTime() + everyMs);
      await tx.query(
        `INSERT INTO connector_schedules (installation_id, schedule, tenant_id, every_ms, next_run_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (installation_id, schedule) DO UPDATE SET every_ms = EXCLUDED.every_ms,
           next_run_at = LEAST(connector_schedules.next_run_at, EXCLUDED.next_run_at)
         WHERE connector_schedules.every_ms <> EXCLUDED.every_ms`,
        [installation.id, schedule, installation.tenantId, everyMs, first],
      );
    }
  });
}

/** Uninstall: the installation's schedules stop (a run in progress finishes; its row is not recreated). */
export async function dropSchedules(deps: Pick<ConnectorDeps, 'db'>, tenantId: string, installationId: string): Promise<void> {
  await deps.db.query('DELETE FROM connector_schedules WHERE tenant_id = $1 AND installation_id = $2', [tenantId, installationId]);
}

/** Rows for every live installation (at start): schedules declared by a new version begin without a reinstall. */
export async function syncAllSchedules(deps: ConnectorDeps): Promise<void> {
  for (const { id, tenantId } of await liveInstallations(deps.db)) {
    const installation = await getInstallation(deps.db, tenantId, id);
    if (installation) await syncSchedules(deps, installation);
  }
}

export async function listSchedules(deps: Pick<ConnectorDeps, 'db'>, tenantId: string, installationId: string, now: Date): Promise<ScheduleState[]> {
  const rows = await deps.db.query<ScheduleRow>('SELECT * FROM connector_schedules WHERE tenant_id = $1 AND installation_id = $2 ORDER BY schedule', [tenantId, installationId]);
  return rows.map((row) => ({
    schedule: row.schedule,
    everyMs: Number(row.every_ms),
    nextRunAt: row.next_run_at,
    running: row.lease_until !== null && row.lease_until > now,
    lastRunAt: row.last_run_at,
    lastError: row.last_error,
    runs: Number(row.runs),
  }));
}

/** Claims up to `limit` due rows for `owner` (each claimed by exactly one caller, whatever the process). */
async function claimDue(deps: ConnectorDeps, owner: string, now: Date, limit: number, only?: { installationId: string; schedule: string }): Promise<ScheduleRow[]> {
  const leaseUntil = new Date(now.getTime() + SCHEDULE_LEASE_MS);
  const params: unknown[] = [owner, leaseUntil, now, limit];
  let filter = 'next_run_at <= $3';
  if (only) {
    // Run now, whatever the slot (an admin or a test asks): still never beside a running one.
    params.push(only.installationId, only.schedule);
    filter = 'installation_id = $5 AND schedule = $6';
  }
  return deps.db.query<ScheduleRow>(
    `UPDATE connector_schedules SET lease_owner = $1, lease_until = $2
     WHERE (installation_id, schedule) IN (
       SELECT installation_id, schedule FROM connector_schedules
       WHERE ${filter} AND (lease_until IS NULL OR lease_until <= $3)
       ORDER BY next_run_at LIMIT $4 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    params,
  );
}

/** The slot after `due` that is after `now`: slots missed while the hub was down run once, not once each. */
function nextSlot(due: Date, everyMs: number, now: Date): Date {
  const missed = Math.max(0, Math.floor((now.getTime() - due.getTime()) / everyMs));
  return new Date(due.getTime() + (missed + 1) * everyMs);
}

async function release(deps: ConnectorDeps, row: ScheduleRow, owner: string, values: { nextRunAt: Date; ran: boolean; error: string | null }): Promise<void> {
  // Only the lease holder writes: a run that outlived its lease (taken over) leaves the row to the new holder.
  await deps.db.query(
    `UPDATE connector_schedules SET lease_owner = NULL, lease_until = NULL, next_run_at = $4,
       last_run_at = CASE WHEN $5 THEN now() ELSE last_run_at END, runs = runs + CASE WHEN $5 THEN 1 ELSE 0 END, last_error = $6
     WHERE installation_id = $1 AND schedule = $2 AND lease_owner = $3`,
    [row.installation_id, row.schedule, owner, values.nextRunAt, values.ran, values.error],
  );
}

async function runClaimed(deps: ConnectorDeps, row: ScheduleRow, owner: string, now: Date): Promise<ScheduleRun> {
  const base = { installationId: row.installation_id, schedule: row.schedule };
  const everyMs = Number(row.every_ms);
  const installation = await getInstallation(deps.db, row.tenant_id, row.installation_id);
  const connector = installation && deps.registry.get(installation.connector);
  const schedule = connector?.schedules?.find((entry) => entry.id === row.schedule);
  if (!installation || installation.status === 'uninstalled' || !connector || !schedule) {
    await deps.db.query('DELETE FROM connector_schedules WHERE installation_id = $1 AND schedule = $2 AND lease_owner = $3', [row.installation_id, row.schedule, owner]);
    return { ...base, skipped: 'the installation is uninstalled or the schedule is no longer declared' };
  }
  if (installation.status === 'reauthorize') {
    await release(deps, row, owner, { nextRunAt: nextSlot(row.next_run_at, everyMs, now), ran: false, error: null });
    return { ...base, skipped: 'the installation waits for reauthorization' };
  }
  const log = deps.log.child({ connector: installation.connector, installationId: installation.id, schedule: row.schedule });
  // Extend the lease while the run goes on: another worker takes over only a run whose process died.
  const keepAlive = setInterval(() => {
    deps.db
      .query('UPDATE connector_schedules SET lease_until = $4 WHERE installation_id = $1 AND schedule = $2 AND lease_owner = $3', [
        row.installation_id,
        row.schedule,
        owner,
        new Date(deps.clock().getTime() + SCHEDULE_LEASE_MS),
      ])
      .catch((error: unknown) => log.warn({ err: error }, 'could not extend a schedule lease'));
  }, SCHEDULE_LEASE_MS / 3);
  keepAlive.unref();
  try {
    const ctx: ScheduleContext = {
      ...contextFor(deps, connector, installation),
      receive: (request) => receive(deps, installation, request),
      dueAt: row.next_run_at,
      now,
    };
    const result = await schedule.run(ctx);
    await release(deps, row, owner, { nextRunAt: nextSlot(row.next_run_at, everyMs, deps.clock()), ran: true, error: null });
    if (result !== undefined && result !== null) log.debug({ result }, 'connector schedule ran');
    return { ...base, result: result ?? undefined };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The next slot tries again (the ReauthorizationRequiredError case: the status makes later runs skip).
    log[error instanceof ExternalSystemError ? 'warn' : 'error']({ err: error }, 'connector schedule failed');
    await release(deps, row, owner, { nextRunAt: nextSlot(row.next_run_at, everyMs, deps.clock()), ran: true, error: message.slice(0, 2000) });
    return { ...base, error: message };
  } finally {
    clearInterval(keepAlive);
  }
}

/** Claims and runs what is due at `now` (the tick of every worker; tests call it with a virtual time). */
export async function runDueSchedules(deps: ConnectorDeps, owner: string, now = deps.clock(), options: { limit?: number } = {}): Promise<ScheduleRun[]> {
  const claimed = await claimDue(deps, owner, now, options.limit ?? 10);
  return Promise.all(claimed.map((row) => runClaimed(deps, row, owner, now)));
}

/**
 * Runs one installation's schedule now, whatever its slot (the next slot moves on from this run); undefined when
 * it is running elsewhere or does not exist for the installation.
 */
export async function runScheduleNow(deps: ConnectorDeps, installationId: string, scheduleId: string, owner = processOwner()): Promise<ScheduleRun | undefined> {
  const now = deps.clock();
  const [row] = await claimDue(deps, owner, now, 1, { installationId, schedule: scheduleId });
  return row && runClaimed(deps, { ...row, next_run_at: now }, owner, now);
}

/** Every worker process ticks; each due row still runs once (the claim). Returns how to stop it. */
export function startSchedules(deps: ConnectorDeps, options: { owner?: string; tickMs?: number } = {}): { stop(): Promise<void> } {
  const owner = options.owner ?? processOwner();
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    current = runDueSchedules(deps, owner)
      .catch((error: unknown) => deps.log.error({ err: error }, 'connector schedules tick failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.tickMs ?? SCHEDULE_TICK_MS);
      });
  };
  timer = setTimeout(tick, options.tickMs ?? SCHEDULE_TICK_MS);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
