import type { JobHandler, JsonValue, QueueLogger } from './job-queue.ts';
import type { Claim, ClaimedJob, JobLease } from './store-queue-sql.ts';

/** What a worker needs from its queue: claiming and finishing jobs in the store. */
export interface WorkerPort {
  claim(name: string, limit: number): Promise<Claim>;
  complete(job: ClaimedJob): Promise<void>;
  /** Records a failed try; resolves with the wait before the retry, or undefined when the job is out of attempts. */
  fail(job: ClaimedJob, error: unknown): Promise<number | undefined>;
}

/** Upper bound of one claim, so one statement never holds a huge batch of leases. */
const MAX_CLAIM = 100;
/** setTimeout's limit (about 24.8 days); a later job is found by the queue's poll anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The consumer of one job name in one process: claims as many due jobs as it has free slots, runs
 * them, and claims again while there may be more.
 *
 * It does not poll by itself. It claims when told there may be work (`wake`: a job added by this
 * process, the queue's poll finding due jobs, a timer for a delay or retry known here), and after a
 * claim that filled every free slot. Claims never overlap: slots freed while one is in flight are
 * filled by the next, so under load claims grow into batches on their own.
 */
export class StoreJobWorker {
  readonly name: string;
  readonly #handler: JobHandler<JsonValue>;
  readonly #concurrency: number;
  readonly #port: WorkerPort;
  readonly #logger: QueueLogger;
  /** Jobs being run, with the attempt each was claimed at (the heartbeat renews these). */
  readonly #running = new Map<string, ClaimedJob>();
  #claiming: Promise<void> | undefined;
  /** Whether due jobs may be waiting that the last claim did not take. */
  #backlog = true;
  #pumpScheduled = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #whenIdle: (() => void) | undefined;

  constructor(name: string, handler: JobHandler<JsonValue>, concurrency: number, port: WorkerPort, logger: QueueLogger) {
    this.name = name;
    this.#handler = handler;
    this.#concurrency = concurrency;
    this.#port = port;
    this.#logger = logger;
  }

  /** Whether a claim now could start something: the queue's poll asks only about these names. */
  get canTakeMore(): boolean {
    return !this.#stopped && this.#claiming === undefined && this.#running.size < this.#concurrency;
  }

  get leases(): JobLease[] {
    return [...this.#running.values()].map(({ id, attempt }) => ({ id, attempt }));
  }

  /** There may be due jobs: claim as soon as a slot is free. */
  wake(): void {
    this.#backlog = true;
    this.#schedulePump();
  }

  /** A job of this name becomes due at `at` (epoch ms): wake then, unless an earlier wake-up is set. */
  wakeAt(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timerAt = Infinity;
      this.wake();
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
  }

  /** Stops claiming and resolves when the jobs already claimed have run and been recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    // A claim in flight was taken before the stop: its jobs start and are waited for below.
    await this.#claiming;
    if (this.#running.size === 0) return;
    await new Promise<void>((resolve) => {
      this.#whenIdle = resolve;
    });
  }

  /**
   * Deferred to the next turn of the event loop, so that jobs finishing together free their slots
   * before the next claim and it takes them all at once.
   */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const free = this.#concurrency - this.#running.size;
    if (this.#stopped || this.#claiming || !this.#backlog || free <= 0) return;
    const limit = Math.min(free, MAX_CLAIM);
    this.#backlog = false;
    this.#claiming = this.#port.claim(this.name, limit).then(
      ({ jobs, nextDueInMs }) => {
        if (jobs.length === limit) this.#backlog = true;
        if (nextDueInMs !== undefined) this.wakeAt(Date.now() + nextDueInMs);
        for (const job of jobs) void this.#run(job);
      },
      (error: unknown) => {
        // The queue's next poll wakes this worker again if jobs are still due.
        this.#logger.error({ err: error, name: this.name }, 'queue: claiming jobs failed');
      },
    );
    void this.#claiming.finally(() => {
      this.#claiming = undefined;
      this.#schedulePump();
    });
  }

  async #run(job: ClaimedJob): Promise<void> {
    this.#running.set(job.id, job);
    try {
      let failure: { error: unknown } | undefined;
      try {
        await this.#handler({ id: job.id, name: job.name, data: job.data, attempt: job.attempt });
      } catch (error) {
        failure = { error };
      }
      if (failure === undefined) {
        await this.#port.complete(job);
      } else {
        const retryInMs = await this.#port.fail(job, failure.error);
        const outcome = retryInMs === undefined ? 'out of attempts, kept as failed' : `retry in ${retryInMs} ms`;
        this.#logger.warn({ err: failure.error, jobId: job.id, name: job.name, attempt: job.attempt }, `queue: job failed, ${outcome}`);
        if (retryInMs !== undefined) this.wakeAt(Date.now() + retryInMs);
      }
    } catch (error) {
      // The outcome could not be recorded: the lease runs out and the job runs again (at least once).
      this.#logger.error({ err: error, jobId: job.id, name: job.name }, 'queue: recording a job outcome failed');
    } finally {
      this.#running.delete(job.id);
      if (this.#stopped) {
        if (this.#running.size === 0) this.#whenIdle?.();
      } else {
        this.#schedulePump();
      }
    }
  }
}
