/**
 * Failed binds per remote address: SMPP passwords are at most 8 characters (§4.1.1), so guessing is
 * slowed down here. After `maxFailures` failures within `windowMs` an address gets ESME_RBINDFAIL for
 * every bind (without a password check) until the window has passed. In memory, per process.
 */
export class BindGuard {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(options: { maxFailures?: number; windowMs?: number } = {}) {
    this.#maxFailures = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  isLocked(address: string, now: number): boolean {
    const entry = this.#failures.get(address);
    if (!entry) return false;
    if (now - entry.since > this.#windowMs) {
      this.#failures.delete(address);
      return false;
    }
    return entry.count >= this.#maxFailures;
  }

  recordFailure(address: string, now: number): void {
    const entry = this.#failures.get(address);
    if (entry && now - entry.since <= this.#windowMs) entry.count++;
    else {
      // Bounded: a flood from many addresses resets the table rather than growing it.
      if (this.#failures.size >= 10_000) this.#failures.clear();
      this.#failures.set(address, { count: 1, since: now });
    }
  }

  recordSuccess(address: string): void {
    this.#failures.delete(address);
  }
}
