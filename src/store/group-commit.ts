import { isRowDataError } from './db.ts';

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items pushed while a write is in flight go out together in the next write, so a
 * burst of N calls costs a few statements instead of N. PGlite runs one statement at a time at
 * ~0.5 ms each but writes ~70k rows/s in multi-row statements (DESIGN §3); PostgreSQL saves the
 * round trips. Each `push` resolves, with its own result, once the write holding its item committed.
 *
 * `concurrency` writes may be in flight at once. PGlite gains nothing from more than one (it runs
 * one statement at a time); on PostgreSQL a second and third write overlap the first one's round
 * trip and commit on other pooled connections, so a caller waiting for its row (an SMPP window of
 * 100) is not held behind a whole commit cycle.
 *
 * One bad row must not fail the others (one tenant's event with a NUL would fail every tenant's
 * write in its batch): when a write fails for what its rows hold (`isRowDataError`), the batch is
 * split in halves and each half written again, down to the single rows that fail, which reject
 * with their own error while every other item commits. A poisoned row among n costs about
 * 2·log2(n) extra writes. Other failures (the database is down) reject the whole batch at once:
 * splitting would only repeat them. So `write` must leave nothing behind when it fails (one
 * statement, or its own transaction), or be safe to repeat for the items it did store.
 */
export class GroupCommit<Item, Result = void> {
  readonly #write: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  #waiting: Waiting<Item, Result>[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  /** `write` returns one result per item, in the items' order. */
  constructor(write: (items: Item[]) => Promise<Result[]>, maxBatch: number, options: { concurrency?: number } = {}) {
    this.#write = write;
    this.#maxBatch = Math.max(1, maxBatch);
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
  }

  push(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Let the rest of a synchronous burst (`Promise.all(items.map(push))`) join the first write.
        queueMicrotask(() => {
          this.#scheduled = false;
          this.#pump();
        });
      }
    });
  }

  /** Resolves when everything pushed so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.#waiting.length > 0 || this.#inFlight > 0 || this.#scheduled) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
  }

  #pump(): void {
    while (this.#waiting.length > 0 && this.#inFlight < this.#concurrency) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#writeBatch(batch);
    }
    if (this.#waiting.length === 0 && this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #writeBatch(batch: Waiting<Item, Result>[]): Promise<void> {
    try {
      await this.#settle(batch);
    } finally {
      this.#inFlight--;
      this.#pump();
    }
  }

  /** Writes `batch`, halving it on a row data error until the failing rows stand alone. */
  async #settle(batch: Waiting<Item, Result>[]): Promise<void> {
    let results: Result[];
    try {
      results = await this.#write(batch.map((waiting) => waiting.item));
    } catch (error) {
      if (batch.length === 1 || !isRowDataError(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.#settle(batch.slice(0, half));
      await this.#settle(batch.slice(half));
      return;
    }
    batch.forEach((waiting, index) => waiting.resolve(results[index]!));
  }
}
