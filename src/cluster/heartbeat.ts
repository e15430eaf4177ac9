import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { HubRole } from '../config.ts';
import { randomBase62 } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';

/** How often a process refreshes its row. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A process whose last heartbeat is older than this counts as gone (three missed beats). */
export const HEARTBEAT_ALIVE_MS = 15_000;
/** Rows of processes gone for longer than this are deleted by the others' heartbeats. */
const FORGET_AFTER = '1 hour';

export interface WorkersReport {
  /** Processes running jobs (role worker or all) whose heartbeat is within HEARTBEAT_ALIVE_MS. */
  alive: number;
  /** The most recent heartbeat of any worker, alive or not: how long ago the last one was seen. */
  lastHeartbeatAt: string | null;
}

/**
 * Every process writes a row to `hub_processes` and refreshes it every few seconds, so any process
 * can tell which others are alive (a gateway's /readyz reports the workers). The database rather
 * than Redis: it works on both queues, and a process that cannot reach the database is not alive.
 */
export class Heartbeat {
  readonly id = `proc_${randomBase62(20)}`;
  #registered = false;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> = Promise.resolve();

  readonly #db: Db;
  readonly #role: HubRole;
  readonly #log: Logger;

  constructor(db: Db, role: HubRole, log: Logger) {
    this.#db = db;
    this.#role = role;
    this.#log = log;
  }

  /** Makes this process visible to the others (in `tx` when its start decides something under a lock). */
  async register(tx: Sql = this.#db): Promise<void> {
    await tx.query('INSERT INTO hub_processes (id, role, host, pid) VALUES ($1, $2, $3, $4)', [this.id, this.#role, hostname(), process.pid]);
    this.#registered = true;
  }

  async start(): Promise<void> {
    if (!this.#registered) await this.register();
    this.#timer = setInterval(() => {
      this.#beating = this.beat().catch((error: unknown) => this.#log.warn({ err: error }, 'heartbeat failed; retrying'));
    }, HEARTBEAT_INTERVAL_MS);
    this.#timer.unref();
  }

  private async beat(): Promise<void> {
    // Upsert: a row deleted while the database was unreachable for an hour comes back.
    await this.#db.query(
      `INSERT INTO hub_processes (id, role, host, pid) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.id, this.#role, hostname(), process.pid],
    );
    await this.#db.query(`DELETE FROM hub_processes WHERE heartbeat_at < now() - interval '${FORGET_AFTER}'`);
  }

  /** Graceful stop: the row goes at once, so the others stop counting this process without waiting. */
  async stop(): Promise<void> {
    if (!this.#registered) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#registered = false;
    await this.#beating;
    await this.#db.query('DELETE FROM hub_processes WHERE id = $1', [this.id]);
  }
}

/** The workers as the heartbeats show them (an `all` process runs jobs, so it counts itself). */
export async function workersReport(db: Db): Promise<WorkersReport> {
  const [row] = await db.query<{ alive: number; last: Date | null }>(
    `SELECT count(*) FILTER (WHERE heartbeat_at > now() - make_interval(secs => $1))::int AS alive, max(heartbeat_at) AS last
       FROM hub_processes WHERE role IN ('worker', 'all')`,
    [HEARTBEAT_ALIVE_MS / 1000],
  );
  return { alive: row?.alive ?? 0, lastHeartbeatAt: row?.last ? new Date(row.last).toISOString() : null };
}

/**
 * The gateway's view of the workers for /readyz. No live worker does not make a gateway unready:
 * events are still accepted and stored, and taking every gateway out of the load balancer would
 * refuse them instead; the answer says `degraded` (200) with the count and the last heartbeat.
 */
export function workersReadiness(db: Db): { name: string; check(): Promise<{ degraded?: string; detail: Record<string, unknown> }> } {
  return {
    name: 'workers',
    async check() {
      const report = await workersReport(db);
      const detail = { ...report };
      if (report.alive > 0) return { detail };
      const seconds = HEARTBEAT_ALIVE_MS / 1000;
      return { degraded: `no worker alive in the last ${seconds} s: requests are accepted and stored, jobs wait for a worker`, detail };
    },
  };
}

/** How many processes have beaten within HEARTBEAT_ALIVE_MS. */
export async function processesAlive(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ alive: number }>('SELECT count(*)::int AS alive FROM hub_processes WHERE heartbeat_at > now() - make_interval(secs => $1)', [
    HEARTBEAT_ALIVE_MS / 1000,
  ]);
  return row?.alive ?? 0;
}
