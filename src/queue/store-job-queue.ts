import { newId } from '../ids.ts';
import type { Store } from '../store/db.ts';
import { backoffDelay } from './backoff.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { fallbackLogger } from './fallback-logger.ts';
import type { AddJobOptions, JobHandler, JobQueue, JsonValue, ProcessOptions, QueueLogger } from './job-queue.ts';
import { StoreJobWorker, type WorkerPort } from './store-job-worker.ts';
import * as statements from './store-queue-sql.ts';

export interface StoreJobQueueOptions {
  /**
   * How long a claimed job stays reserved for its worker; the worker renews it every third of it
   * while the handler runs. A job whose worker died runs again within about 1.25 leases.
   */
  leaseMs?: number;
  /**
   * How often this process looks for work it was not told about: jobs added by other processes
   * (PostgreSQL), due schedules, expired leases. Jobs added by this process, and their delays and
   * retries, wake its workers directly, without waiting for the poll.
   */
  pollMs?: number;
  /** How long failed jobs are kept for inspection. */
  failedRetentionMs?: number;
  logger?: QueueLogger;
}

/** 10 s: a killed worker's jobs run again within about 12.5 s (docs/operations.md, recovery times). */
const DEFAULT_LEASE_MS = 10_000;
const DEFAULT_POLL_MS = 200;
const DEFAULT_FAILED_RETENTION_MS = 7 * 24 * 3_600_000;
/** Rows per insert or delete statement: large enough to amortise PGlite's per-statement cost. */
const MAX_BATCH = 500;
const MAX_ERROR_LENGTH = 4_000;

/** Embedded stores whose abandoned jobs this process has already released (see `open`). */
const recoveredStores = new WeakSet<Store>();

/**
 * The job queue on the store: PGlite for the embedded single process, PostgreSQL for several
 * processes without Redis. One table of jobs (`queue_jobs`) and one of schedules (migration 0400).
 *
 * - Claim: `UPDATE … WHERE id = ANY(ARRAY(SELECT … FOR UPDATE SKIP LOCKED LIMIT n))`, for up to a
 *   worker's free slots at once, taking a lease (`locked_until`).
 * - Leases: renewed by a heartbeat while handlers run; any process puts jobs with an expired lease
 *   back to pending. Finishing a job is fenced by its attempt number, so a worker that lost its
 *   lease cannot finish or fail a job someone else has claimed since.
 * - Completed jobs are deleted (batched, like adds), so `jobId` de-duplicates only while a job is
 *   pending, delayed or running. Failed jobs are kept with their last error for `failedRetentionMs`.
 * - Wake-ups: in-process for jobs this process adds (about a millisecond on PGlite); timers for
 *   delays and retries known here and for the next delayed job each claim reports; a poll every
 *   `pollMs` for the rest. There is no LISTEN/NOTIFY: the `Store` interface has no dedicated
 *   connection to listen on, so on PostgreSQL a job added by another process waits up to `pollMs`.
 * - Schedules: one row each; the poll of any process fires the due ones (see `fireDueSchedules`),
 *   so schedules also fire up to `pollMs` late.
 */
export class StoreJobQueue implements JobQueue {
  readonly kind = 'store';
  readonly #store: Store;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #failedRetentionMs: number;
  readonly #logger: QueueLogger;
  readonly #workers = new Map<string, StoreJobWorker>();
  readonly #inserts: GroupCommit<statements.NewJob>;
  readonly #completions: GroupCommit<statements.JobLease>;
  #closed = false;
  #closing: Promise<void> | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #pollStopped = false;
  #lastHeartbeat = 0;
  #lastReap = 0;
  /** Whether the last poll failed: a database outage is logged once, not every poll. */
  #pollFailing = false;

  readonly #port: WorkerPort = {
    claim: (name, limit) => statements.claimJobs(this.#store, name, limit, this.#leaseMs),
    complete: (job) => this.#completions.push({ id: job.id, attempt: job.attempt }),
    fail: async (job, error) => {
      const retryInMs = job.attempt < job.max_attempts ? backoffDelay(job.backoff, job.attempt) : undefined;
      await statements.recordFailure(this.#store, job, describeError(error), retryInMs);
      return retryInMs;
    },
  };

  /**
   * Opens the queue. Only one process can open an embedded store (its folder is locked), so jobs
   * left active there belong to a process that died: they are put back at once rather than after
   * their lease. Only the first queue opened on a store in this process does it, since a second
   * one must not take over the first one's running jobs.
   */
  static async open(store: Store, options: StoreJobQueueOptions = {}): Promise<StoreJobQueue> {
    const queue = new StoreJobQueue(store, options);
    if (store.kind === 'embedded' && !recoveredStores.has(store)) {
      await statements.releaseAbandoned(store, false);
      recoveredStores.add(store);
    }
    return queue;
  }

  private constructor(store: Store, options: StoreJobQueueOptions) {
    this.#store = store;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#failedRetentionMs = options.failedRetentionMs ?? DEFAULT_FAILED_RETENTION_MS;
    // The heartbeat rides on the poll and renews leases every third of a lease.
    if (this.#leaseMs < 3 * this.#pollMs) throw new RangeError(`queue: leaseMs (${this.#leaseMs}) must be at least 3 × pollMs (${this.#pollMs})`);
    this.#logger = options.logger ?? fallbackLogger;
    this.#inserts = new GroupCommit(async (jobs) => {
      await statements.insertJobs(store, firstOfEachId(jobs));
      return jobs.map((): void => undefined);
    }, MAX_BATCH);
    this.#completions = new GroupCommit(async (leases) => {
      await statements.deleteCompleted(store, leases);
      return leases.map((): void => undefined);
    }, MAX_BATCH);
  }

  async add(name: string, data: JsonValue, options: AddJobOptions = {}): Promise<void> {
    this.#assertOpen();
    const attempts = options.attempts ?? 1;
    const delayMs = options.delayMs ?? 0;
    if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`queue: attempts must be an integer ≥ 1, got ${attempts}`);
    if (!(delayMs >= 0)) throw new RangeError(`queue: delayMs must be ≥ 0, got ${delayMs}`);
    await this.#inserts.push({
      id: options.jobId ?? newId('job'),
      name,
      data,
      delay_ms: delayMs,
      max_attempts: attempts,
      backoff: options.backoff ?? null,
    });
    const worker = this.#workers.get(name);
    if (delayMs === 0) worker?.wake();
    else worker?.wakeAt(Date.now() + delayMs);
  }

  async cancel(jobId: string): Promise<boolean> {
    // An add of this id still waiting for its batch must land first, or the cancel would miss it.
    await this.#inserts.flush();
    return statements.deletePending(this.#store, jobId);
  }

  process<Data extends JsonValue>(name: string, handler: JobHandler<Data>, options: ProcessOptions): void {
    this.#assertOpen();
    if (this.#workers.has(name)) throw new Error(`queue: "${name}" already has a handler in this process`);
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`queue: concurrency must be an integer ≥ 1, got ${options.concurrency}`);
    }
    const worker = new StoreJobWorker(name, handler as JobHandler, options.concurrency, this.#port, this.#logger);
    this.#workers.set(name, worker);
    worker.wake();
    this.#startPolling();
  }

  async schedule(scheduleId: string, name: string, everyMs: number, data: JsonValue = null): Promise<void> {
    this.#assertOpen();
    if (!Number.isInteger(everyMs) || everyMs < 1) throw new RangeError(`queue: everyMs must be an integer ≥ 1, got ${everyMs}`);
    await statements.upsertSchedule(this.#store, scheduleId, name, everyMs, data);
    this.#startPolling();
    this.#wakeWorkers(await statements.fireDueSchedules(this.#store));
  }

  ping(): Promise<void> {
    return this.#store.ping();
  }

  /** Does not close the store, which belongs to the caller. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#closed = true;
    // The poll keeps renewing leases while the workers finish their running jobs.
    await Promise.all([...this.#workers.values()].map((worker) => worker.stop()));
    this.#pollStopped = true;
    clearTimeout(this.#pollTimer);
    await this.#polling;
    await this.#inserts.flush();
    await this.#completions.flush();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('queue: closed');
  }

  #wakeWorkers(names: Iterable<string>): void {
    for (const name of new Set(names)) this.#workers.get(name)?.wake();
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined || this.#pollStopped) return;
    this.#pollTimer = setTimeout(() => {
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        this.#pollTimer = undefined;
        this.#startPolling();
      });
    }, this.#pollMs);
  }

  async #poll(): Promise<void> {
    try {
      const now = Date.now();
      if (now - this.#lastHeartbeat >= this.#leaseMs / 3) {
        this.#lastHeartbeat = now;
        const leases = [...this.#workers.values()].flatMap((worker) => worker.leases);
        if (leases.length > 0) await statements.extendLeases(this.#store, leases, this.#leaseMs);
      }
      if (now - this.#lastReap >= Math.max(this.#pollMs, this.#leaseMs / 4)) {
        this.#lastReap = now;
        const released = await statements.releaseAbandoned(this.#store, true);
        this.#wakeWorkers(released.map((job) => job.name));
        await statements.pruneFailed(this.#store, this.#failedRetentionMs);
      }
      this.#wakeWorkers(await statements.fireDueSchedules(this.#store));
      const idle = [...this.#workers.values()].filter((worker) => worker.canTakeMore).map((worker) => worker.name);
      if (idle.length > 0) this.#wakeWorkers(await statements.namesWithDueJobs(this.#store, idle));
      if (this.#pollFailing) this.#logger.warn({}, 'queue: poll works again');
      this.#pollFailing = false;
    } catch (error) {
      if (!this.#pollFailing) this.#logger.error({ err: error }, 'queue: poll failed; retrying every poll interval, logging again when it works');
      this.#pollFailing = true;
    }
  }
}

/**
 * One statement's ON CONFLICT DO UPDATE may not touch a row twice, so a batch keeps the first add
 * of each id, as adding them one by one would have.
 */
function firstOfEachId(jobs: statements.NewJob[]): statements.NewJob[] {
  const seen = new Set<string>();
  return jobs.filter((job) => {
    if (seen.has(job.id)) return false;
    seen.add(job.id);
    return true;
  });
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}
