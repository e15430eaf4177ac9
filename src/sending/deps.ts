import type { Logger } from 'pino';
import type { UnsubscribeTokens } from './unsubscribe/index.ts';
import type { ContactService, EventPublisher } from '../contacts/contacts.ts';
import type { OptOutList } from '../contacts/opt-outs.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Db } from '../store/db.ts';
import type { SendingBatches } from './batches.ts';
import type { ProviderRegistry } from './provider-registry.ts';
import type { ReceiptBatches } from './receipt-batches.ts';
import type { SendingSettingsStore } from './settings.ts';
import type { SqlRateLimiter } from './throughput.ts';

/** Submit retries: exponential from `baseDelayMs`, capped, `maxAttempts` provider calls in all. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 2_000, maxDelayMs: 10 * 60_000 };

/** Everything the pipeline's steps share. */
export interface SendingDeps {
  db: Db;
  queue: JobQueue;
  publisher: EventPublisher;
  contacts: ContactService;
  optOuts: OptOutList;
  settings: SendingSettingsStore;
  registry: ProviderRegistry;
  rateLimiter: SqlRateLimiter;
  /** The submit step's reads and writes, shared by the runs in flight (batches.ts). */
  batches: SendingBatches;
  /** Receipts stored and applied in batches (receipt-batches.ts). */
  receipts: ReceiptBatches;
  /** Business time: compliance decisions and schedules. Tests move it; leases use the database clock. */
  clock: () => Date;
  log: Logger;
  /** Base of the one-click unsubscribe links in emails. */
  publicUrl: string;
  /** Signs the one-click unsubscribe links (stateless: the link carries tenant, address and message). */
  unsubscribeTokens: Pick<UnsubscribeTokens, 'sign'>;
  retry: RetryPolicy;
}

export const SUBMIT_JOB = 'sending.submit';
/**
 * Submit jobs run at once per worker process: the runs waiting at one step share its statement
 * (batches.ts), so this is also the largest batch. It bounds the duplicates a crash can cause: a
 * message whose provider answered but whose result was not written yet is submitted again after
 * its claim expires (docs/sending.md, "Guarantees"; test/kill9-sending.test.ts counts them).
 */
export const SUBMIT_CONCURRENCY = 128;
export const SWEEP_JOB = 'sending.sweep';

export type SubmitJob = { tenantId: string; messageId: string };
