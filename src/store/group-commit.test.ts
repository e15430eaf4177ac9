import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

/** A fake `write` whose calls stay in flight until the test settles them. */
function fakeWrite() {
  const calls: { items: number[]; done: PromiseWithResolvers<string[]> }[] = [];
  const state = { inFlight: 0, maxInFlight: 0 };
  const write = (items: number[]): Promise<string[]> => {
    const done = Promise.withResolvers<string[]>();
    calls.push({ items, done });
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    return done.promise.finally(() => state.inFlight--);
  };
  /** Settles call `index` with one result per item (`r<item>`). */
  const succeed = (index: number) => calls[index]!.done.resolve(calls[index]!.items.map((item) => `r${item}`));
  const fail = (index: number, error: Error) => calls[index]!.done.reject(error);
  return { write, calls, state, succeed, fail, batches: () => calls.map((call) => call.items) };
}

/** One turn of the event loop: every pending microtask (a resolved write, the next pump) has run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('sends a synchronous burst in one write and batches pushes made during a write into the next one', async () => {
    const fake = fakeWrite();
    const commit = new GroupCommit(fake.write, 100);
    const first = [commit.push(1), commit.push(2)];
    await settle();
    expect(fake.batches()).toEqual([[1, 2]]);

    const second = [commit.push(3), commit.push(4)];
    await settle();
    const third = commit.push(5);
    await settle();
    // One write at a time: 3, 4 and 5 wait for the first one.
    expect(fake.batches()).toEqual([[1, 2]]);

    fake.succeed(0);
    expect(await Promise.all(first)).toEqual(['r1', 'r2']);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3, 4, 5]]);

    fake.succeed(1);
    expect(await Promise.all([...second, third])).toEqual(['r3', 'r4', 'r5']);
    expect(fake.calls).toHaveLength(2);
  });

  it('rejects only the pushes of a failed write; pushes waiting behind it and later pushes still succeed', async () => {
    const fake = fakeWrite();
    const commit = new GroupCommit(fake.write, 100);
    const failed = [commit.push(1), commit.push(2)].map((push) => push.then(() => 'resolved', (error: Error) => error.message));
    await settle();
    const waiting = commit.push(3);
    await settle();

    fake.fail(0, new Error('disk full'));
    expect(await Promise.all(failed)).toEqual(['disk full', 'disk full']);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3]]);
    fake.succeed(1);
    expect(await waiting).toBe('r3');

    const later = commit.push(4);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3], [4]]);
    fake.succeed(2);
    expect(await later).toBe('r4');
  });

  it('never puts more than maxBatch items in one write', async () => {
    const fake = fakeWrite();
    const commit = new GroupCommit(fake.write, 2);
    const pushes = [1, 2, 3, 4, 5].map((item) => commit.push(item));
    await settle();
    expect(fake.batches()).toEqual([[1, 2]]);
    fake.succeed(0);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3, 4]]);
    fake.succeed(1);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3, 4], [5]]);
    fake.succeed(2);
    expect(await Promise.all(pushes)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(fake.state.maxInFlight).toBe(1);
  });

  it('overlaps up to `concurrency` writes and never more, starting the next batch as soon as one finishes', async () => {
    const fake = fakeWrite();
    const commit = new GroupCommit(fake.write, 2, { concurrency: 3 });
    const pushes = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((item) => commit.push(item));
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(fake.state.inFlight).toBe(3);

    const late = commit.push(10);
    await settle();
    expect(fake.calls).toHaveLength(3);

    // The second write finishes first: one slot frees, one batch goes out.
    fake.succeed(1);
    expect(await Promise.all(pushes.slice(2, 4))).toEqual(['r3', 'r4']);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(fake.state.inFlight).toBe(3);

    fake.succeed(0);
    fake.succeed(2);
    await settle();
    expect(fake.batches()).toEqual([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
    fake.succeed(3);
    fake.succeed(4);
    expect(await Promise.all([...pushes, late])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10']);
    expect(fake.state.maxInFlight).toBe(3);
  });

  it('flush resolves at once when idle, and otherwise only once everything pushed so far is written, pushes made during the flush included', async () => {
    const fake = fakeWrite();
    const commit = new GroupCommit(fake.write, 100);
    await commit.flush();
    expect(fake.calls).toHaveLength(0);

    void commit.push(1);
    let flushed = false;
    const flush = commit.flush().then(() => (flushed = true));
    await settle();
    expect(fake.batches()).toEqual([[1]]);
    const second = commit.push(2).catch((error: Error) => error.message);
    await settle();

    fake.succeed(0);
    await settle();
    expect(fake.batches()).toEqual([[1], [2]]);
    expect(flushed).toBe(false);

    // A failed write counts as done for flush.
    fake.fail(1, new Error('lost'));
    await flush;
    expect(flushed).toBe(true);
    expect(await second).toBe('lost');
    expect(fake.state.inFlight).toBe(0);
  });

  it('flush also waits for a push made by a caller the moment its own push resolved', async () => {
    const fake = fakeWrite();
    const commit = new GroupCommit(fake.write, 100);
    // The caller pushes again as soon as its first item is written: the queue is briefly empty.
    const chained = commit.push(1).then(() => commit.push(2));
    let flushed = false;
    const flush = commit.flush().then(() => (flushed = true));
    await settle();
    fake.succeed(0);
    await settle();
    expect(fake.batches()).toEqual([[1], [2]]);
    expect(flushed).toBe(false);
    fake.succeed(1);
    await flush;
    expect(await chained).toBe('r2');
  });

  it('a row the database refuses fails alone: the batch is split until it stands alone, and every other row commits once', async () => {
    const poisoned = new Set([3, 6]);
    const writes: number[][] = [];
    const committed: number[] = [];
    const commit = new GroupCommit(async (items: number[]) => {
      writes.push(items);
      const bad = items.find((item) => poisoned.has(item));
      // A statement fails as a whole: nothing of this batch is stored.
      if (bad !== undefined) throw Object.assign(new Error(`unsupported Unicode escape sequence in ${bad}`), { code: '22P05' });
      committed.push(...items);
      return items.map((item) => `r${item}`);
    }, 100);
    const outcomes = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((item) => commit.push(item).then((result) => result, (error: Error) => error.message)));
    expect(outcomes).toEqual(['r1', 'r2', 'unsupported Unicode escape sequence in 3', 'r4', 'r5', 'unsupported Unicode escape sequence in 6', 'r7', 'r8']);
    expect(committed.sort()).toEqual([1, 2, 4, 5, 7, 8]);
    // Halving: the halves without a bad row are written whole.
    expect(writes).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [1, 2], [3, 4], [3], [4], [5, 6, 7, 8], [5, 6], [5], [6], [7, 8]]);

    // The queue goes on as before.
    expect(await commit.push(9)).toBe('r9');
  });

  it('a failure that is not about the rows (connection lost) rejects the batch at once, without splitting it', async () => {
    const writes: number[][] = [];
    const commit = new GroupCommit(async (items: number[]): Promise<string[]> => {
      writes.push(items);
      throw Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });
    }, 100);
    const outcomes = await Promise.all([1, 2, 3].map((item) => commit.push(item).catch((error: Error) => error.message)));
    expect(outcomes).toEqual(['Connection terminated unexpectedly', 'Connection terminated unexpectedly', 'Connection terminated unexpectedly']);
    expect(writes).toEqual([[1, 2, 3]]);
  });
});
