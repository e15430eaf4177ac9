import type { Store } from '../store/db.ts';
import { BullJobQueue } from './bull-job-queue.ts';
import type { JobQueue, QueueLogger } from './job-queue.ts';
import { StoreJobQueue } from './store-job-queue.ts';

export interface OpenQueueOptions {
  store: Store;
  /** With it, jobs go through BullMQ on Redis (scale-out); without, through the store itself. */
  redisUrl?: string;
  logger?: QueueLogger;
  /** Redis key prefix (BullMQ only). */
  prefix?: string;
  /** How long before a job whose worker died runs again; see the implementations. */
  leaseMs?: number;
}

/** The job queue for this configuration: BullMQ when REDIS_URL is set, else the store queue. */
export async function openQueue(options: OpenQueueOptions): Promise<JobQueue> {
  const { store, redisUrl, ...rest } = options;
  if (redisUrl !== undefined) return new BullJobQueue({ redisUrl, ...rest });
  return StoreJobQueue.open(store, { logger: rest.logger, leaseMs: rest.leaseMs });
}
