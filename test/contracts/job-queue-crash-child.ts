/**
 * A worker process for the crash test of the job queue contract: it opens a queue on the backend
 * it is given, adds one job, prints `claimed <id> <attempt>` when its handler starts, and hangs
 * there until the test kills it with SIGKILL.
 *
 * Usage: node job-queue-crash-child.ts '<ChildQueueSpec as JSON>' <job name> <job id>
 */
import { BullJobQueue } from '../../src/queue/bull-job-queue.ts';
import type { JobQueue } from '../../src/queue/job-queue.ts';
import { StoreJobQueue } from '../../src/queue/store-job-queue.ts';
import { openStore } from '../../src/store/open-store.ts';

export type ChildQueueSpec =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'redis'; url: string; prefix: string };

/** Short, so the test does not wait long for the dead worker's lease to run out. */
export const CRASH_TEST_LEASE_MS = 1_000;

async function openQueue(spec: ChildQueueSpec): Promise<JobQueue> {
  if (spec.kind === 'redis') return new BullJobQueue({ redisUrl: spec.url, prefix: spec.prefix, leaseMs: CRASH_TEST_LEASE_MS });
  const store = await openStore(spec.kind === 'pglite' ? { dataDir: spec.dataDir } : { databaseUrl: spec.url });
  return StoreJobQueue.open(store, { leaseMs: CRASH_TEST_LEASE_MS });
}

if (import.meta.main) {
  const [specJson = '', name = '', jobId = ''] = process.argv.slice(2);
  const queue = await openQueue(JSON.parse(specJson) as ChildQueueSpec);
  await queue.add(name, { from: 'child' }, { jobId });
  queue.process(
    name,
    async (job) => {
      process.stdout.write(`claimed ${job.id} ${job.attempt}\n`);
      await new Promise(() => {});
    },
    { concurrency: 1 },
  );
}
