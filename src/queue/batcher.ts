interface Waiting<Item> {
  item: Item;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items pushed while a write is in flight go out together in the next write, so a
 * burst of N calls costs a few statements instead of N. PGlite runs one statement at a time at
 * ~0.5 ms each but writes ~70k rows/s in multi-row statements (DESIGN §3); PostgreSQL saves the
 * round trips. Each `push` resolves once the write holding its item has succeeded.
 */
export class Batcher<Item> {
  readonly #write: (items: Item[]) => Promise<void>;
  readonly #maxBatch: number;
  #waiting: Waiting<Item>[] = [];
  #draining: Promise<void> | undefined;

  constructor(write: (items: Item[]) => Promise<void>, maxBatch: number) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  push(item: Item): Promise<void> {
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
    // Let the rest of a synchronous burst (`Promise.all(items.map(add))`) join the first write.
    await null;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      try {
        await this.#write(batch.map((waiting) => waiting.item));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.#draining = undefined;
  }
}
