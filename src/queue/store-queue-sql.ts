import type { Sql } from '../store/db.ts';
import type { Backoff, JsonValue } from './job-queue.ts';

/**
 * Every statement of the store queue (tables in `src/store/migrations/0400_queue.sql`). Each call
 * is one statement, so it is atomic on its own on both PGlite and PostgreSQL; batches travel as one
 * JSON parameter (`jsonb_to_recordset`), which both stores pass the same way.
 */

export interface NewJob {
  id: string;
  name: string;
  data: JsonValue;
  delay_ms: number;
  max_attempts: number;
  backoff: Backoff | null;
}

export interface ClaimedJob {
  id: string;
  name: string;
  data: JsonValue;
  attempt: number;
  max_attempts: number;
  backoff: Backoff | null;
}

/** A claim as its worker holds it: the attempt is the fencing token for finishing it. */
export type JobLease = Pick<ClaimedJob, 'id' | 'attempt'>;

const MS = `* interval '1 millisecond'`;

/**
 * Inserts new pending jobs. An id that is already pending or active stays as it is (the add is a
 * no-op); an id kept as failed starts over, since adding it again is an explicit request to run it.
 * JSON `null` data arrives as SQL NULL from `jsonb_to_recordset`, hence the coalesce.
 */
export async function insertJobs(sql: Sql, jobs: NewJob[]): Promise<void> {
  await sql.query(
    `INSERT INTO queue_jobs (id, name, data, state, run_at, max_attempts, backoff)
     SELECT j.id, j.name, coalesce(j.data, 'null'::jsonb), 'pending', now() + j.delay_ms ${MS}, j.max_attempts, j.backoff
     FROM jsonb_to_recordset($1::jsonb) AS j(id text, name text, data jsonb, delay_ms double precision, max_attempts integer, backoff jsonb)
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, data = EXCLUDED.data, state = 'pending', run_at = EXCLUDED.run_at, attempt = 0,
       max_attempts = EXCLUDED.max_attempts, backoff = EXCLUDED.backoff, locked_until = NULL, last_error = NULL,
       created_at = now(), updated_at = now()
     WHERE queue_jobs.state = 'failed'`,
    [JSON.stringify(jobs)],
  );
}

export interface Claim {
  jobs: ClaimedJob[];
  /** In how many milliseconds the next delayed job of this name becomes due, if there is one. */
  nextDueInMs: number | undefined;
}

/**
 * Claims up to `limit` due jobs of one name. SKIP LOCKED lets concurrent claimers (other
 * processes on PostgreSQL) take different rows instead of queueing behind each other's locks.
 * `= ANY(ARRAY(…))` makes the locking subquery an InitPlan followed by primary-key lookups; with
 * `IN (…)` PGlite planned a hash join over a sequential scan of the whole table (26 ms at 5,000 jobs).
 *
 * The same statement reads when the next delayed job is due, so the worker can set a timer for it
 * instead of waiting for the poll (the outer query sees the rows as they were before the UPDATE;
 * `run_at > now()` leaves out the ones just claimed). It is a duration measured by the database's
 * own clock, so a clock difference between this process and PostgreSQL cannot make the timer early.
 */
export async function claimJobs(sql: Sql, name: string, limit: number, leaseMs: number): Promise<Claim> {
  const rows = await sql.query<ClaimedJob & { next_due_in_ms: number | null }>(
    `WITH claimed AS (
       UPDATE queue_jobs SET state = 'active', attempt = attempt + 1, locked_until = now() + $3 ${MS}, updated_at = now()
       WHERE id = ANY(ARRAY(
         SELECT id FROM queue_jobs WHERE state = 'pending' AND name = $1 AND run_at <= now()
         ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ))
       RETURNING id, name, data, attempt, max_attempts, backoff
     )
     SELECT claimed.*, ceil(extract(epoch FROM next.run_at - now()) * 1000)::float8 AS next_due_in_ms
     FROM (SELECT min(run_at) AS run_at FROM queue_jobs WHERE state = 'pending' AND name = $1 AND run_at > now()) AS next
     LEFT JOIN claimed ON true`,
    [name, limit, leaseMs],
  );
  const jobs = rows.filter((row) => row.id !== null).map(({ next_due_in_ms: _, ...job }) => job);
  return { jobs, nextDueInMs: rows[0]?.next_due_in_ms ?? undefined };
}

/** Deletes finished jobs, unless their lease was lost and someone else claimed them since. */
export async function deleteCompleted(sql: Sql, leases: JobLease[]): Promise<void> {
  await sql.query(
    `DELETE FROM queue_jobs q USING jsonb_to_recordset($1::jsonb) AS d(id text, attempt integer)
     WHERE q.id = d.id AND q.attempt = d.attempt AND q.state = 'active'`,
    [JSON.stringify(leases)],
  );
}

/** After a failed try: back to pending after `retryInMs`, or kept as failed when `retryInMs` is undefined. */
export async function recordFailure(sql: Sql, lease: JobLease, error: string, retryInMs: number | undefined): Promise<void> {
  await sql.query(
    `UPDATE queue_jobs SET state = $3, run_at = now() + $4 ${MS}, locked_until = NULL, last_error = $5, updated_at = now()
     WHERE id = $1 AND attempt = $2 AND state = 'active'`,
    [lease.id, lease.attempt, retryInMs === undefined ? 'failed' : 'pending', retryInMs ?? 0, error],
  );
}

/** Heartbeat: pushes back the lease of every job this process is still running. */
export async function extendLeases(sql: Sql, leases: JobLease[], leaseMs: number): Promise<void> {
  await sql.query(
    `UPDATE queue_jobs q SET locked_until = now() + $2 ${MS}
     FROM jsonb_to_recordset($1::jsonb) AS d(id text, attempt integer)
     WHERE q.id = d.id AND q.attempt = d.attempt AND q.state = 'active'`,
    [JSON.stringify(leases), leaseMs],
  );
}

/**
 * Puts abandoned active jobs back to pending: those whose lease ran out (`expiredOnly`), or all of
 * them (the embedded store at start, where no other process can be running them). The try that
 * was cut short counts, but an abandoned job gets one try beyond its attempts, so a job whose
 * worker died on its last try still runs once more, while a job that kills its worker every time
 * ends as failed instead of looping (BullMQ's default `maxStalledCount` of 1 gives the same).
 */
export function releaseAbandoned(sql: Sql, expiredOnly: boolean): Promise<{ name: string }[]> {
  return sql.query<{ name: string }>(
    `UPDATE queue_jobs SET state = CASE WHEN attempt > max_attempts THEN 'failed' ELSE 'pending' END,
       run_at = now(), locked_until = NULL, last_error = 'abandoned: its worker died or stopped renewing the lease', updated_at = now()
     WHERE state = 'active' AND ($1 = false OR locked_until < now())
     RETURNING name`,
    [expiredOnly],
  );
}

export async function pruneFailed(sql: Sql, retentionMs: number): Promise<void> {
  await sql.query(`DELETE FROM queue_jobs WHERE state = 'failed' AND updated_at < now() - $1 ${MS}`, [retentionMs]);
}

/** Which of these names have a due pending job: one query for all idle workers of a process. */
export async function namesWithDueJobs(sql: Sql, names: string[]): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT n.name FROM unnest($1::text[]) AS n(name)
     WHERE EXISTS (SELECT 1 FROM queue_jobs j WHERE j.state = 'pending' AND j.name = n.name AND j.run_at <= now())`,
    [names],
  );
  return rows.map((row) => row.name);
}

/** Removes a job that has not started; false when it is running, finished or unknown. */
export async function deletePending(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql.query(`DELETE FROM queue_jobs WHERE id = $1 AND state = 'pending' RETURNING id`, [id]);
  return rows.length > 0;
}

/**
 * Declares a schedule; a new one is due at once (as BullMQ runs an `every` scheduler at once).
 * Declaring it again with the same period keeps its timetable, so restarts neither add runs nor
 * postpone them; a new period takes effect from the sooner of the old next run and now + period.
 */
export async function upsertSchedule(sql: Sql, id: string, name: string, everyMs: number, data: JsonValue): Promise<void> {
  await sql.query(
    `INSERT INTO queue_schedules (id, name, every_ms, data, next_run_at) VALUES ($1, $2, $3, $4::jsonb, now())
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, every_ms = EXCLUDED.every_ms, data = EXCLUDED.data, updated_at = now(),
       next_run_at = CASE WHEN queue_schedules.every_ms = EXCLUDED.every_ms THEN queue_schedules.next_run_at
         ELSE least(queue_schedules.next_run_at, now() + EXCLUDED.every_ms ${MS}) END`,
    [id, name, everyMs, JSON.stringify(data)],
  );
}

/**
 * Fires due schedules: moves each one's next run a period on (or a period from now when it fell
 * behind, so a process that was down does not replay every missed run) and enqueues its job. The
 * row lock with SKIP LOCKED lets exactly one process fire a given period. The job id is the
 * schedule's own, so a period that comes while the previous run is still pending or running adds
 * nothing: a schedule never piles up runs behind a slow or absent worker.
 */
export async function fireDueSchedules(sql: Sql): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `WITH due AS (
       SELECT id FROM queue_schedules WHERE next_run_at <= now() FOR UPDATE SKIP LOCKED
     ), fired AS (
       UPDATE queue_schedules s SET next_run_at = CASE
           WHEN s.next_run_at + s.every_ms ${MS} > now() THEN s.next_run_at + s.every_ms ${MS}
           ELSE now() + s.every_ms ${MS} END
       FROM due WHERE s.id = due.id
       RETURNING s.id, s.name, s.data
     )
     INSERT INTO queue_jobs (id, name, data, state, run_at, max_attempts)
     SELECT 'schedule:' || id, name, data, 'pending', now(), 1 FROM fired
     ON CONFLICT (id) DO UPDATE SET
       state = 'pending', data = EXCLUDED.data, run_at = now(), attempt = 0, locked_until = NULL, last_error = NULL, updated_at = now()
     WHERE queue_jobs.state = 'failed'
     RETURNING name`,
  );
  return rows.map((row) => row.name);
}
