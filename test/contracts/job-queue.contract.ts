import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobQueue, JsonValue } from '../../src/queue/job-queue.ts';
import { CRASH_TEST_LEASE_MS, type ChildQueueSpec } from './job-queue-crash-child.ts';

/**
 * The contract every `JobQueue` implementation passes (run by `job-queue.test.ts` against each).
 * Tests wait for events, not for time: "never ran" is checked with a sentinel job that can only
 * run after the job in question would have, and lower bounds on delays are the only timings
 * asserted (a job must not run early).
 */

export interface JobQueueBackend {
  /** One more queue instance; all instances of a backend share their jobs, like processes sharing one database or Redis. */
  open(options?: { leaseMs?: number }): Promise<JobQueue>;
  close(): Promise<void>;
}

export interface CrashBackend {
  /** Where the crash test's child process opens its queue. */
  child: ChildQueueSpec;
  /** After the child was killed: a queue on the same jobs, which must run the one the child held. */
  openSurvivor(): Promise<JobQueue>;
  close(): Promise<void>;
}

export interface JobQueueTarget {
  label: string;
  setUp(): Promise<JobQueueBackend>;
  setUpCrash(): Promise<CrashBackend>;
}

const CHILD_SCRIPT = fileURLToPath(new URL('./job-queue-crash-child.ts', import.meta.url));

export function jobQueueContract(target: JobQueueTarget): void {
  let backend: JobQueueBackend;
  const opened: JobQueue[] = [];

  beforeAll(async () => {
    backend = await target.setUp();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((queue) => queue.close()));
  });
  afterAll(async () => {
    await backend?.close();
  });

  async function open(options?: { leaseMs?: number }): Promise<JobQueue> {
    const queue = await backend.open(options);
    opened.push(queue);
    return queue;
  }

  it('answers ping', async () => {
    const queue = await open();
    await expect(queue.ping()).resolves.toBeUndefined();
  });

  it('runs added jobs with their id, name, data and attempt 1', async () => {
    const queue = await open();
    const name = uniqueName();
    const seen: Job[] = [];
    queue.process(name, async (job) => void seen.push(job), { concurrency: 1 });
    await queue.add(name, { text: 'hello', list: [1, 2.5, null, true] }, { jobId: 'greeting:1' });
    await queue.add(name, '42', { jobId: '42' });
    await queue.add(name, null);
    await waitFor(() => seen.length === 3);
    expect(seen.find((job) => job.id === 'greeting:1')).toEqual({ id: 'greeting:1', name, data: { text: 'hello', list: [1, 2.5, null, true] }, attempt: 1 });
    expect(seen.find((job) => job.id === '42')).toEqual({ id: '42', name, data: '42', attempt: 1 });
    const generated = seen.find((job) => job.id !== 'greeting:1' && job.id !== '42');
    expect(generated).toMatchObject({ name, data: null, attempt: 1 });
    expect(generated?.id).toMatch(/\S/);
  });

  it('ignores an add whose jobId is pending', async () => {
    const queue = await open();
    const name = uniqueName();
    await queue.add(name, 'first', { jobId: 'same' });
    await queue.add(name, 'second', { jobId: 'same' });
    const runs = await runUntilSentinel(queue, name);
    expect(runs).toEqual([{ id: 'same', data: 'first' }]);
  });

  it('ignores an add whose jobId is delayed', async () => {
    const queue = await open();
    const name = uniqueName();
    await queue.add(name, 'first', { jobId: 'later', delayMs: 300 });
    await queue.add(name, 'second', { jobId: 'later', delayMs: 300 });
    const runs = await runUntilSentinel(queue, name, { sentinelDelayMs: 800 });
    expect(runs).toEqual([{ id: 'later', data: 'first' }]);
  });

  it('ignores an add whose jobId is running', async () => {
    const queue = await open();
    const name = uniqueName();
    const gate = deferred();
    const runs: string[] = [];
    const sentinel = processWithSentinel(queue, name, async (job) => {
      runs.push(String(job.data));
      if (job.data === 'first') await gate.promise;
    });
    await queue.add(name, 'first', { jobId: 'busy' });
    await waitFor(() => runs.length === 1);
    await queue.add(name, 'second', { jobId: 'busy' });
    // Queued behind the running job (concurrency 1): it runs once 'first' is released.
    const sentinelRan = sentinel.addAndWait(0);
    gate.resolve();
    await sentinelRan;
    expect(runs).toEqual(['first']);
  });

  it('ignores an add whose jobId is waiting for a retry', async () => {
    const queue = await open();
    const name = uniqueName();
    const runs: { data: JsonValue; attempt: number }[] = [];
    const sentinel = processWithSentinel(queue, name, async (job) => {
      runs.push({ data: job.data, attempt: job.attempt });
      if (job.attempt === 1) throw new Error('first try fails');
    });
    await queue.add(name, 'first', { jobId: 'retrying', attempts: 2, backoff: { type: 'fixed', delayMs: 300 } });
    await waitFor(() => runs.length === 1);
    // Due at once if it were not ignored, so before the retry and the sentinel below.
    await queue.add(name, 'second', { jobId: 'retrying' });
    await waitFor(() => runs.length === 2);
    await sentinel.addAndWait(0);
    expect(runs).toEqual([
      { data: 'first', attempt: 1 },
      { data: 'first', attempt: 2 },
    ]);
  });

  it.each([
    ['completed', 'succeeds'],
    ['failed after its last attempt', 'throws'],
  ])('runs a job again when its jobId is added after it %s', async (_finished, outcome) => {
    const queue = await open();
    const name = uniqueName();
    const runs: { id: string; data: JsonValue; attempt: number }[] = [];
    const sentinels = new Set<JsonValue>();
    queue.process(
      name,
      async (job) => {
        if (String(job.data).startsWith('sentinel')) {
          sentinels.add(job.data);
          return;
        }
        runs.push({ id: job.id, data: job.data, attempt: job.attempt });
        if (outcome === 'throws') throw new Error(`${String(job.data)} fails`);
      },
      { concurrency: 1 },
    );
    await queue.add(name, 'first', { jobId: 'again' });
    await waitFor(() => runs.length === 1);
    // With one handler at a time, this starts only once the job's outcome is recorded: it has finished.
    await queue.add(name, 'sentinel-1');
    await waitFor(() => sentinels.has('sentinel-1'));

    await queue.add(name, 'second', { jobId: 'again' });
    await waitFor(() => runs.length === 2, { message: 'the job added again after it finished' });
    // Added again while this second run is kept as finished, a third time runs too.
    await queue.add(name, 'sentinel-2');
    await waitFor(() => sentinels.has('sentinel-2'));
    await queue.add(name, 'third', { jobId: 'again' });
    await waitFor(() => runs.length === 3, { message: 'the job added a third time' });
    expect(runs).toEqual([
      { id: 'again', data: 'first', attempt: 1 },
      { id: 'again', data: 'second', attempt: 1 },
      { id: 'again', data: 'third', attempt: 1 },
    ]);
  });

  it('does not run a delayed job before its delay, and runs it after', async () => {
    const queue = await open();
    const name = uniqueName();
    let ranAt: number | undefined;
    queue.process(name, async () => void (ranAt = Date.now()), { concurrency: 1 });
    const addedAt = Date.now();
    await queue.add(name, null, { delayMs: 700 });
    await waitFor(() => ranAt !== undefined);
    // Allows for clock granularity between Node and the database or Redis on this same machine.
    expect(ranAt! - addedAt).toBeGreaterThanOrEqual(700 - 15);
  });

  it('retries a throwing handler up to its attempts with fixed backoff, counting attempts from 1', async () => {
    const queue = await open();
    const name = uniqueName();
    const tries: { attempt: number; at: number }[] = [];
    let succeeded = false;
    queue.process(
      name,
      async (job) => {
        tries.push({ attempt: job.attempt, at: Date.now() });
        if (job.attempt < 3) throw new Error(`try ${job.attempt} fails`);
        succeeded = true;
      },
      { concurrency: 1 },
    );
    await queue.add(name, null, { jobId: 'flaky', attempts: 3, backoff: { type: 'fixed', delayMs: 200 } });
    await waitFor(() => succeeded);
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(gaps(tries)).toEqual([expect.any(Number), expect.any(Number)]);
    for (const gap of gaps(tries)) expect(gap).toBeGreaterThanOrEqual(200 - 15);
  });

  it('stops after the last attempt with exponential backoff and does not retry a failed job again', async () => {
    const queue = await open();
    const name = uniqueName();
    const tries: { attempt: number; at: number }[] = [];
    const sentinel = processWithSentinel(queue, name, async (job) => {
      tries.push({ attempt: job.attempt, at: Date.now() });
      throw new Error('always fails');
    });
    await queue.add(name, 'doomed', { attempts: 3, backoff: { type: 'exponential', delayMs: 150 } });
    await waitFor(() => tries.length === 3);
    const [first, second] = gaps(tries);
    expect(first).toBeGreaterThanOrEqual(150 - 15);
    expect(second).toBeGreaterThanOrEqual(300 - 15);
    // A fourth try would be due 600 ms after the third, before this sentinel.
    await sentinel.addAndWait(1_500);
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
  });

  it('tries a throwing job once when no attempts are given', async () => {
    const queue = await open();
    const name = uniqueName();
    await queue.add(name, 'fails', { jobId: 'once' });
    const runs = await runUntilSentinel(queue, name, {
      handler: async (job) => {
        if (job.data === 'fails') throw new Error('fails');
      },
    });
    expect(runs).toEqual([{ id: 'once', data: 'fails' }]);
  });

  it('cancels pending and delayed jobs, which then never run', async () => {
    const queue = await open();
    const name = uniqueName();
    await queue.add(name, 'pending', { jobId: 'cancel-me' });
    await queue.add(name, 'delayed', { jobId: 'cancel-me-later', delayMs: 300 });
    await expect(queue.cancel('cancel-me')).resolves.toBe(true);
    await expect(queue.cancel('cancel-me-later')).resolves.toBe(true);
    await expect(queue.cancel('cancel-me')).resolves.toBe(false);
    await queue.add(name, 'kept', { jobId: 'kept' });
    const runs = await runUntilSentinel(queue, name, { sentinelDelayMs: 800 });
    expect(runs).toEqual([{ id: 'kept', data: 'kept' }]);
  });

  it('does not cancel unknown, running or finished jobs', async () => {
    const queue = await open();
    const name = uniqueName();
    const gate = deferred();
    const started: string[] = [];
    const done: string[] = [];
    queue.process(
      name,
      async (job) => {
        started.push(job.id);
        if (job.id === 'running') await gate.promise;
        done.push(job.id);
      },
      { concurrency: 2 },
    );
    await expect(queue.cancel(`unknown-${uniqueName()}`)).resolves.toBe(false);
    await queue.add(name, null, { jobId: 'finished' });
    await waitFor(() => done.includes('finished'));
    await expect(queue.cancel('finished')).resolves.toBe(false);
    await queue.add(name, null, { jobId: 'running' });
    await waitFor(() => started.includes('running'));
    await expect(queue.cancel('running')).resolves.toBe(false);
    gate.resolve();
    await waitFor(() => done.includes('running'));
  });

  it('runs at most `concurrency` handlers of a name at once, and really in parallel', async () => {
    const queue = await open();
    const name = uniqueName();
    let running = 0;
    let peak = 0;
    let started = 0;
    let finished = 0;
    queue.process(
      name,
      async () => {
        running += 1;
        started += 1;
        peak = Math.max(peak, running);
        // The first three wait for each other: a queue that ran them one at a time never gets here.
        if (started <= 3) await waitFor(() => peak >= 3, { message: 'three handlers running together' });
        else await sleep(5);
        running -= 1;
        finished += 1;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, (_, i) => queue.add(name, i)));
    await waitFor(() => finished === 12);
    expect(peak).toBe(3);
  });

  it('runs one handler at a time with concurrency 1', async () => {
    const queue = await open();
    const name = uniqueName();
    let running = 0;
    let peak = 0;
    let finished = 0;
    queue.process(
      name,
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(5);
        running -= 1;
        finished += 1;
      },
      { concurrency: 1 },
    );
    await Promise.all(Array.from({ length: 6 }, (_, i) => queue.add(name, i)));
    await waitFor(() => finished === 6);
    expect(peak).toBe(1);
  });

  it('runs a schedule repeatedly, once per period however often and wherever it is declared', async () => {
    const [one, two] = [await open(), await open()];
    const name = uniqueName();
    const runs: number[] = [];
    const everyMs = 400;
    for (const queue of [one, two]) queue.process(name, async () => void runs.push(Date.now()), { concurrency: 2 });
    const start = Date.now();
    await one.schedule('tick', name, everyMs, { every: everyMs });
    await one.schedule('tick', name, everyMs, { every: everyMs });
    await two.schedule('tick', name, everyMs, { every: everyMs });
    await sleep(2_000);
    const elapsed = Date.now() - start;
    // At most one run per period plus the first one; a doubled schedule would run about twice as often.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / everyMs) + 2);
  });

  it('close() stops taking jobs and waits for running handlers', async () => {
    const [closing, other] = [await open(), await open()];
    const name = uniqueName();
    const seen: string[] = [];
    let finished = false;
    closing.process(
      name,
      async (job) => {
        seen.push(`closing:${String(job.data)}`);
        await sleep(300);
        finished = true;
      },
      { concurrency: 1 },
    );
    await closing.add(name, 'before');
    await waitFor(() => seen.length === 1);
    await closing.close();
    expect(finished).toBe(true);
    await other.add(name, 'after');
    other.process(name, async (job) => void seen.push(`other:${String(job.data)}`), { concurrency: 1 });
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['closing:before', 'other:after']);
  });

  it('processes 2,000 jobs added concurrently exactly once each', async () => {
    const queue = await open();
    const name = uniqueName();
    const count = 2_000;
    const runs = new Map<string, number>();
    let total = 0;
    queue.process(
      name,
      async (job) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        total += 1;
      },
      { concurrency: 20 },
    );
    await Promise.all(Array.from({ length: count }, (_, i) => queue.add(name, i, { jobId: `many-${i}` })));
    await waitFor(() => runs.size === count, { timeoutMs: 25_000 });
    await sleep(300);
    expect(total).toBe(count);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  describe('when a worker dies while running a job', () => {
    let crash: CrashBackend | undefined;
    let survivor: JobQueue | undefined;
    afterEach(async () => {
      await survivor?.close();
      await crash?.close();
    });

    // Starting a child process (and PGlite in it) takes seconds on a busy two-core machine.
    it('runs the job again in another process', { timeout: 60_000 }, async () => {
      crash = await target.setUpCrash();
      const name = uniqueName();
      const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(crash.child), name, 'doomed-worker:1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(child, 'exit');
      try {
        const lines = createInterface({ input: child.stdout });
        const [claimed] = (await Promise.race([once(lines, 'line'), exited.then(() => [undefined])])) as [string | undefined];
        expect(claimed, `child stderr: ${stderr}`).toBe('claimed doomed-worker:1 1');
      } finally {
        child.kill('SIGKILL');
        await exited;
      }

      survivor = await crash.openSurvivor();
      const seen: Job[] = [];
      survivor.process(name, async (job) => void seen.push(job), { concurrency: 1 });
      await waitFor(() => seen.length > 0, { timeoutMs: 10 * CRASH_TEST_LEASE_MS });
      // The try cut short by the crash counts: this is the second.
      expect(seen).toEqual([{ id: 'doomed-worker:1', name, data: { from: 'child' }, attempt: 2 }]);
    });
  });
}

function uniqueName(): string {
  return `test-${randomBytes(5).toString('hex')}`;
}

/**
 * Processes `name` with concurrency 1 until a sentinel job, added after everything else, has run;
 * returns the other runs. A duplicate or a job that should not run would have been due before
 * the sentinel (`sentinelDelayMs` after now), so it would show up here.
 */
async function runUntilSentinel(
  queue: JobQueue,
  name: string,
  options: { sentinelDelayMs?: number; handler?: (job: Job) => Promise<void> } = {},
): Promise<{ id: string; data: JsonValue }[]> {
  const runs: { id: string; data: JsonValue }[] = [];
  const sentinel = processWithSentinel(queue, name, async (job) => {
    runs.push({ id: job.id, data: job.data });
    await options.handler?.(job);
  });
  await sentinel.addAndWait(options.sentinelDelayMs ?? 0);
  return runs;
}

/**
 * Processes `name` with concurrency 1, passing every job but the sentinel to `handler`;
 * `addAndWait(delayMs)` adds the sentinel `delayMs` from now and resolves once it has run.
 */
function processWithSentinel(queue: JobQueue, name: string, handler: (job: Job) => Promise<void>): { addAndWait(delayMs: number): Promise<void> } {
  let sentinelRan = false;
  queue.process(
    name,
    async (job) => {
      if (job.data === 'sentinel') {
        sentinelRan = true;
        return;
      }
      await handler(job);
    },
    { concurrency: 1 },
  );
  return {
    async addAndWait(delayMs) {
      await queue.add(name, 'sentinel', { delayMs });
      await waitFor(() => sentinelRan, { message: 'the sentinel job' });
    },
  };
}

function gaps(tries: { at: number }[]): number[] {
  return tries.slice(1).map((t, i) => t.at - tries[i]!.at);
}

async function waitFor(condition: () => boolean | Promise<boolean>, options: { timeoutMs?: number; message?: string } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.message ?? 'a condition'}`);
    await sleep(10);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
