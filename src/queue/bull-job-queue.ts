import { Queue, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { newId } from '../ids.ts';
import { fromBullJobId, toBullJobId, toBullQueueName } from './bull-names.ts';
import { fallbackLogger } from './fallback-logger.ts';
import type { AddJobOptions, JobHandler, JobQueue, JsonValue, ProcessOptions, QueueLogger } from './job-queue.ts';

export interface BullJobQueueOptions {
  redisUrl: string;
  /** Namespace of every Redis key (BullMQ's `prefix`), so several hubs or test runs can share a server. */
  prefix?: string;
  /**
   * BullMQ's `lockDuration` (renewed every half of it while the job runs); the stalled-job check runs
   * every half lease, so a job whose worker died runs again within about 1.5 leases.
   */
  leaseMs?: number;
  logger?: QueueLogger;
}

const DEFAULT_PREFIX = 'hub';
/** 10 s: a killed worker's jobs run again within about 15 s (docs/operations.md, recovery times). */
const DEFAULT_LEASE_MS = 10_000;
/** Finished jobs are kept a while for inspection; they do not hold their id (see `add`). */
const KEEP_COMPLETED = { age: 3_600, count: 1_000 };
const KEEP_FAILED = { age: 7 * 24 * 3_600, count: 10_000 };
const CANCELLABLE_STATES = new Set(['waiting', 'delayed', 'prioritized']);

/**
 * The job queue on Redis, for the scale-out mode: one BullMQ `Queue` and, in processes that
 * consume it, one `Worker` per job name, so each name has its own concurrency. Delays, attempts,
 * backoff, stalled-job recovery and schedulers (`upsertJobScheduler`) are BullMQ's own.
 *
 * Connections: one shared client for all queues (commands fail after ioredis' retries, so an add
 * during an outage errors instead of hanging), and one shared client for the workers' commands
 * with `maxRetriesPerRequest: null` as BullMQ requires; each worker adds its own blocking client.
 */
export class BullJobQueue implements JobQueue {
  readonly kind = 'redis';
  readonly #redisUrl: string;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #logger: QueueLogger;
  readonly #connection: Redis;
  #workerConnection: Redis | undefined;
  readonly #queues = new Map<string, Queue>();
  readonly #workers = new Map<string, Worker>();
  /** Names this process has recorded in the names set (see `cancel`). */
  readonly #registered = new Map<string, Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: BullJobQueueOptions) {
    this.#redisUrl = options.redisUrl;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#logger = options.logger ?? fallbackLogger;
    this.#connection = this.#connect({});
  }

  /**
   * A given `jobId` becomes BullMQ's deduplication id, not its job id: BullMQ ignores an add whose
   * job id exists in any state, finished jobs kept for inspection included (an hour, or 7 days if
   * failed), which stopped re-added reconciles and sweeper dispatches. Its deduplication key lives
   * exactly while the job is waiting, delayed or active (retries included) and is deleted, in the
   * same script, when the job completes or fails for good; checked and set in the add's own script.
   * Each BullMQ job therefore gets a fresh id of ours, and handlers see the given id.
   */
  async add(name: string, data: JsonValue, options: AddJobOptions = {}): Promise<void> {
    const queue = await this.#queue(name);
    await queue.add(name, data, {
      jobId: toBullJobId(newId('job')),
      ...(options.jobId === undefined ? {} : { deduplication: { id: toBullJobId(options.jobId) } }),
      delay: options.delayMs,
      attempts: options.attempts ?? 1,
      backoff: options.backoff && { type: options.backoff.type, delay: options.backoff.delayMs },
    });
  }

  /**
   * Jobs live in the queue of their name and `cancel` only has the id, so it looks in every queue
   * of the names set, which each process adds to the first time it uses a name.
   */
  async cancel(jobId: string): Promise<boolean> {
    const deduplicationId = toBullJobId(jobId);
    const names = await this.#connection.smembers(this.#namesKey);
    for (const name of names) {
      const queue = await this.#queue(name);
      // Jobs added before ids became deduplication ids carry the id itself as their job id.
      const bullId = (await queue.getDeduplicationJobId(deduplicationId)) ?? deduplicationId;
      const state = await queue.getJobState(bullId);
      if (state === 'unknown') continue;
      if (!CANCELLABLE_STATES.has(state)) return false;
      // `remove` refuses (0) a job a worker locked in the meantime; it deletes the deduplication key with the job.
      return (await queue.remove(bullId)) === 1;
    }
    return false;
  }

  process<Data extends JsonValue>(name: string, handler: JobHandler<Data>, options: ProcessOptions): void {
    if (this.#closing) throw new Error('queue: closed');
    if (this.#workers.has(name)) throw new Error(`queue: "${name}" already has a handler in this process`);
    void this.#register(name);
    this.#workerConnection ??= this.#connect({ maxRetriesPerRequest: null });
    const worker = new Worker(
      toBullQueueName(name),
      async (job: BullJob) => {
        // attemptsStarted counts every start, including one cut short by a dead worker, as the store queue does.
        // The id given to `add` (a scheduled run has none: its id is BullMQ's `repeat:…`).
        const id = fromBullJobId(job.deduplicationId ?? job.id ?? '');
        await handler({ id, name, data: job.data as Data, attempt: job.attemptsStarted });
      },
      {
        connection: this.#workerConnection,
        prefix: this.#prefix,
        concurrency: options.concurrency,
        lockDuration: this.#leaseMs,
        stalledInterval: Math.max(1, Math.round(this.#leaseMs / 2)),
        // On the worker rather than on each job, so scheduled runs are cleaned up too.
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      },
    );
    worker.on('error', (error) => this.#logger.error({ err: error, name }, 'queue: worker error'));
    worker.on('failed', (job, error) => {
      this.#logger.warn({ err: error, jobId: job && fromBullJobId(job.deduplicationId ?? job.id ?? ''), name, attempt: job?.attemptsStarted }, 'queue: job failed');
    });
    this.#workers.set(name, worker);
  }

  async schedule(scheduleId: string, name: string, everyMs: number, data: JsonValue = null): Promise<void> {
    const queue = await this.#queue(name);
    await queue.upsertJobScheduler(toBullJobId(scheduleId), { every: everyMs }, { name, data });
  }

  async ping(): Promise<void> {
    await this.#connection.ping();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    // Workers first: they stop fetching and wait for their running jobs.
    await Promise.all([...this.#workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    await Promise.allSettled([...this.#registered.values()]);
    await Promise.all([this.#connection, this.#workerConnection].map((connection) => connection?.quit()));
  }

  /** Outside BullMQ's keys: a queue name is never empty, so `<prefix>::…` cannot clash with one. */
  get #namesKey(): string {
    return `${this.#prefix}::names`;
  }

  async #queue(name: string): Promise<Queue> {
    if (this.#closing) throw new Error('queue: closed');
    await this.#register(name);
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(toBullQueueName(name), { connection: this.#connection, prefix: this.#prefix });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #register(name: string): Promise<unknown> {
    let registered = this.#registered.get(name);
    if (!registered) {
      registered = this.#connection.sadd(this.#namesKey, name);
      // A failed registration is retried by the next use of the name.
      registered.catch(() => this.#registered.delete(name));
      this.#registered.set(name, registered);
    }
    return registered;
  }

  #connect(options: { maxRetriesPerRequest?: null }): Redis {
    const connection = new Redis(this.#redisUrl, options);
    // ioredis reconnects by itself; without a listener an 'error' event would crash the process.
    connection.on('error', (error) => this.#logger.error({ err: error }, 'queue: redis connection error'));
    return connection;
  }
}
