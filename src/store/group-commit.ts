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
 */
export class GroupCommit<Item, Result = void> {
  readonly #write: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  #waiting: Waiting<Item, Result>[] = [];
  #draining: Promise<void> | undefined;

  /** `write` returns one result per item, in the items' order. */
  constructor(write: (items: Item[]) => Promise<Result[]>, maxBatch: number) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  push(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves when everything pushed so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Let the rest of a synchronous burst (`Promise.all(items.map(push))`) join the first write.
    await null;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      try {
        const results = await this.#write(batch.map((waiting) => waiting.item));
        batch.forEach((waiting, index) => waiting.resolve(results[index]!));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.#draining = undefined;
  }
}
