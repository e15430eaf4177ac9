/**
 * Job queue benchmark: `node bench/queue.ts` (Node 24, PostgreSQL and Redis on 127.0.0.1, or
 * TEST_DATABASE_URL / TEST_REDIS_URL). Runs the same three scenarios on the store queue on
 * PGlite (embedded default, in a temporary data folder) and on PostgreSQL, BullMQ on Redis, and
 * pg-boss on PostgreSQL and on PGlite (the alternative for the embedded queue, DESIGN §3), each
 * with its own fresh database, Redis prefix or folder, then prints one table with each
 * figure's ratio to the first one run. Results are recorded in docs/benchmarks.md.
 *
 * - backlog: add N trivial jobs at once, then start one worker (concurrency 50) and time the drain;
 * - live: start the worker, then add N jobs at once; time from the first add to the last job run;
 * - delayed: M jobs with delays spread over 0.2–2 s; lateness = run time − (add time + delay).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import { fromPglite, PgBoss } from 'pg-boss';
import { BullJobQueue } from '../src/queue/bull-job-queue.ts';
import type { JobQueue } from '../src/queue/job-queue.ts';
import { StoreJobQueue } from '../src/queue/store-job-queue.ts';
import { openStore } from '../src/store/open-store.ts';
import { createTestDatabase, TEST_REDIS_URL } from '../test/support/stores.ts';

const JOBS = 5_000;
const DELAYED_JOBS = 300;
const CONCURRENCY = 50;
/** A scenario still running after this is reported with what it managed. */
const SCENARIO_TIMEOUT_MS = 20_000;

type Payload = { i: number };

/** The little the scenarios need from a queue, so pg-boss can stand in next to ours. */
interface BenchQueue {
  add(name: string, data: Payload, delayMs?: number): Promise<void>;
  process(name: string, concurrency: number, onJob: (data: Payload) => void): Promise<void>;
  close(): Promise<void>;
}

interface Contender {
  label: string;
  /** Jobs per throughput scenario, when fewer than JOBS keep the run short. */
  jobs?: number;
  open(): Promise<BenchQueue>;
}

interface Figures {
  addsPerSecond: number;
  backlogPerSecond: number;
  livePerSecond: number;
  latenessP50: number;
  latenessP99: number;
  notes: string[];
}

function fromJobQueue(queue: JobQueue, cleanUp: () => Promise<void>): BenchQueue {
  return {
    add: (name, data, delayMs) => queue.add(name, data, delayMs ? { delayMs } : {}),
    async process(name, concurrency, onJob) {
      queue.process<Payload>(name, async (job) => onJob(job.data), { concurrency });
    },
    async close() {
      await queue.close();
      await cleanUp();
    },
  };
}

function fromPgBoss(boss: PgBoss, cleanUp: () => Promise<void>): BenchQueue {
  const created = new Map<string, Promise<void>>();
  const ensureQueue = (name: string) => {
    // notify: a new job wakes idle workers through LISTEN/NOTIFY instead of their next poll.
    if (!created.has(name)) created.set(name, boss.createQueue(name, { notify: true }));
    return created.get(name);
  };
  return {
    async add(name, data, delayMs) {
      await ensureQueue(name);
      await boss.send(name, data, delayMs ? { startAfter: new Date(Date.now() + delayMs) } : {});
    },
    async process(name, concurrency, onJob) {
      await ensureQueue(name);
      // pg-boss hands a worker a batch and fetches the next one when the whole batch is done; a
      // batch the size of our concurrency, fetched again at once while batches come back full.
      // NOTIFY only announces new jobs, so a delayed job waits for a poll: the shortest allowed.
      const polling = { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 };
      await boss.work<Payload>(name, { batchSize: concurrency, burstWhenBatchFull: true, ...polling }, async (jobs) => {
        for (const job of jobs) onJob(job.data);
      });
    },
    async close() {
      await boss.stop({ graceful: true, close: true });
      await cleanUp();
    },
  };
}

const contenders: Contender[] = [
  {
    label: 'store/PGlite',
    async open() {
      // In a data folder, opened the way the embedded hub opens it (lock, migrations).
      const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
      const store = await openStore({ dataDir });
      return fromJobQueue(await StoreJobQueue.open(store), async () => {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      });
    },
  },
  {
    label: 'store/PostgreSQL',
    async open() {
      const database = await createTestDatabase();
      const store = await openStore({ databaseUrl: database.url });
      return fromJobQueue(await StoreJobQueue.open(store), async () => {
        await store.close();
        await database.drop();
      });
    },
  },
  {
    label: 'BullMQ/Redis',
    async open() {
      const prefix = `hub-bench-${randomBytes(5).toString('hex')}`;
      return fromJobQueue(new BullJobQueue({ redisUrl: TEST_REDIS_URL, prefix }), () => deleteRedisKeys(prefix));
    },
  },
  {
    label: 'pg-boss/PostgreSQL',
    // pg-boss sends one job per statement: JOBS of them would take most of the run's budget.
    jobs: 1_000,
    async open() {
      const database = await createTestDatabase();
      const boss = new PgBoss({ connectionString: database.url, max: 10, connectionTimeoutMillis: 60_000, useListenNotify: true });
      boss.on('error', (error) => console.error('pg-boss:', error));
      await boss.start();
      return fromPgBoss(boss, () => database.drop());
    },
  },
  {
    label: 'pg-boss/PGlite',
    jobs: 1_000,
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
      const pglite = await PGlite.create(dataDir);
      const boss = new PgBoss({ db: fromPglite(pglite), backend: 'pglite', useListenNotify: true });
      boss.on('error', (error) => console.error('pg-boss:', error));
      await boss.start();
      return fromPgBoss(boss, async () => {
        await pglite.close();
        await rm(dataDir, { recursive: true, force: true });
      });
    },
  },
];

async function measure(contender: Contender): Promise<Figures> {
  const queue = await contender.open();
  const jobs = contender.jobs ?? JOBS;
  const notes: string[] = jobs === JOBS ? [] : [`${jobs} jobs per throughput scenario instead of ${JOBS}`];
  try {
    // Warm-up: JIT, prepared plans, connections.
    await drain(queue, `warm-${randomSuffix()}`, 200, 'live');

    const backlog = await drain(queue, `backlog-${randomSuffix()}`, jobs, 'backlog');
    if (backlog.done < jobs) notes.push(`backlog: ${backlog.done}/${jobs} in ${SCENARIO_TIMEOUT_MS / 1000} s`);
    const live = await drain(queue, `live-${randomSuffix()}`, jobs, 'live');
    if (live.done < jobs) notes.push(`live: ${live.done}/${jobs} in ${SCENARIO_TIMEOUT_MS / 1000} s`);
    const lateness = await delayedLateness(queue, `delayed-${randomSuffix()}`);
    if (lateness.length < DELAYED_JOBS) notes.push(`delayed: ${lateness.length}/${DELAYED_JOBS} ran`);
    return {
      addsPerSecond: backlog.addsPerSecond,
      backlogPerSecond: backlog.perSecond,
      livePerSecond: live.perSecond,
      latenessP50: percentile(lateness, 0.5),
      latenessP99: percentile(lateness, 0.99),
      notes,
    };
  } finally {
    await queue.close();
  }
}

async function drain(
  queue: BenchQueue,
  name: string,
  count: number,
  mode: 'backlog' | 'live',
): Promise<{ done: number; perSecond: number; addsPerSecond: number }> {
  let done = 0;
  const work = () => queue.process(name, CONCURRENCY, () => void (done += 1));
  const addAll = () => Promise.all(Array.from({ length: count }, (_, i) => queue.add(name, { i })));
  let start: number;
  let addsPerSecond = 0;
  if (mode === 'backlog') {
    const addStart = performance.now();
    await addAll();
    addsPerSecond = count / ((performance.now() - addStart) / 1000);
    start = performance.now();
    await work();
  } else {
    await work();
    start = performance.now();
    await addAll();
  }
  await until(() => done >= count, SCENARIO_TIMEOUT_MS);
  return { done, perSecond: done / ((performance.now() - start) / 1000), addsPerSecond };
}

async function delayedLateness(queue: BenchQueue, name: string): Promise<number[]> {
  const dueAt = new Map<number, number>();
  const lateness: number[] = [];
  await queue.process(name, CONCURRENCY, ({ i }) => lateness.push(Date.now() - dueAt.get(i)!));
  await Promise.all(
    Array.from({ length: DELAYED_JOBS }, (_, i) => {
      const delayMs = 200 + Math.round((i * 1_800) / DELAYED_JOBS);
      dueAt.set(i, Date.now() + delayMs);
      return queue.add(name, { i }, delayMs);
    }),
  );
  await until(() => lateness.length >= DELAYED_JOBS, 2_000 + SCENARIO_TIMEOUT_MS / 2);
  return lateness;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1_000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
}

function printTable(results: { label: string; figures: Figures | Error }[]): void {
  const baseline = results[0]?.figures;
  const rows: { title: string; pick: (f: Figures) => number; unit: string; higherIsBetter: boolean }[] = [
    { title: `adds/s (${JOBS} at once)`, pick: (f) => f.addsPerSecond, unit: '/s', higherIsBetter: true },
    { title: `backlog drain, jobs/s (c=${CONCURRENCY})`, pick: (f) => f.backlogPerSecond, unit: '/s', higherIsBetter: true },
    { title: `add + process, jobs/s (c=${CONCURRENCY})`, pick: (f) => f.livePerSecond, unit: '/s', higherIsBetter: true },
    { title: `delayed lateness p50 (${DELAYED_JOBS} jobs)`, pick: (f) => f.latenessP50, unit: ' ms', higherIsBetter: false },
    { title: 'delayed lateness p99', pick: (f) => f.latenessP99, unit: ' ms', higherIsBetter: false },
  ];
  const header = ['', ...results.map((r) => r.label)];
  const lines = rows.map((row) => [
    row.title,
    ...results.map(({ figures }) => {
      if (figures instanceof Error) return 'failed';
      const value = row.pick(figures);
      const ratio = baseline instanceof Error || baseline === undefined ? Number.NaN : value / row.pick(baseline);
      return `${Math.round(value).toLocaleString('en-US')}${row.unit} (${ratio.toFixed(2)}×)`;
    }),
  ]);
  const widths = header.map((_, col) => Math.max(...[header, ...lines].map((line) => line[col]!.length)));
  const format = (line: string[]) => `| ${line.map((cell, col) => cell.padEnd(widths[col]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  console.log(`\nRatios are to ${results[0]?.label}; for lateness lower is better.`);
  for (const { label, figures } of results) {
    if (figures instanceof Error) console.log(`${label}: failed: ${figures.message}`);
    else for (const note of figures.notes) console.log(`${label}: ${note}`);
  }
}

// `node bench/queue.ts pg-boss` runs only the contenders whose label contains the argument.
const only = process.argv[2];
const results: { label: string; figures: Figures | Error }[] = [];
for (const contender of contenders.filter(({ label }) => only === undefined || label.includes(only))) {
  const started = performance.now();
  process.stderr.write(`${contender.label}… `);
  try {
    results.push({ label: contender.label, figures: await measure(contender) });
  } catch (error) {
    results.push({ label: contender.label, figures: error instanceof Error ? error : new Error(String(error)) });
  }
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
printTable(results);
