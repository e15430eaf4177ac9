/**
 * The job queue every background task goes through: bus dispatch, webhook deliveries, sends,
 * receipts, scenario waits. Two implementations pass the same contract suite
 * (`test/contracts/job-queue.contract.ts`): `StoreJobQueue` on the store (embedded default and
 * PostgreSQL without Redis) and `BullJobQueue` on Redis. Nothing above this file knows which runs.
 *
 * Delivery is at least once: a job may run again after a crash or a stalled worker, so every handler
 * must be idempotent (check state before acting, use unique keys for side effects).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type Backoff = { type: 'fixed' | 'exponential'; delayMs: number };

export interface AddJobOptions {
  /**
   * Idempotency: adding a job whose id is pending, delayed (a delay or a retry's backoff) or
   * running does nothing; running lasts until the queue has recorded its outcome. Once the job has
   * finished (completed, or failed after its last attempt), an add of the same id runs it again,
   * whatever the queue keeps of the finished job for inspection: a re-added reconcile or dispatch
   * always runs. Without it the queue makes up an id.
   */
  jobId?: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Total tries including the first (default 1: no retry). */
  attempts?: number;
  /** Wait between tries: fixed `delayMs`, or exponential `delayMs · 2^(attempt-1)`; default none. */
  backoff?: Backoff;
}

export interface Job<Data extends JsonValue = JsonValue> {
  id: string;
  name: string;
  data: Data;
  /** 1 on the first try. A try cut short by a dead worker counts: the job's next run sees 2. */
  attempt: number;
}

export type JobHandler<Data extends JsonValue = JsonValue> = (job: Job<Data>) => Promise<void>;

/** The logging the queues do, in pino's `logger.warn({ err }, 'message')` form (any pino logger fits). */
export interface QueueLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ProcessOptions {
  concurrency: number;
}

export interface JobQueue {
  readonly kind: 'store' | 'redis';
  add(name: string, data: JsonValue, options?: AddJobOptions): Promise<void>;
  /** Removes a pending or delayed job; resolves false when there was none (already ran, running, or unknown). */
  cancel(jobId: string): Promise<boolean>;
  /** Starts consuming jobs of this name. Call once per name, before or after `add`. */
  process<Data extends JsonValue>(name: string, handler: JobHandler<Data>, options: ProcessOptions): void;
  /**
   * A repeatable job: runs every `everyMs` with `data`, the first time at once. Declaring the same
   * schedule id again (every process does at start) replaces it instead of adding a second one.
   * Periods are best effort: a run may be skipped while the previous one is still waiting or
   * running, and a slow run may overlap the next one.
   */
  schedule(scheduleId: string, name: string, everyMs: number, data?: JsonValue): Promise<void>;
  /** Resolves when the backing service answers. */
  ping(): Promise<void>;
  /**
   * Stops taking new jobs, waits for running ones to finish, then releases connections (the store
   * queue leaves the store open: it belongs to the caller).
   */
  close(): Promise<void>;
}
