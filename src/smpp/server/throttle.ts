/**
 * Token bucket for an account's submit_sm rate: `ratePerSecond` tokens a second, holding at most one
 * second's worth, so a burst after a pause is at most the rate. Over it the server answers
 * ESME_RTHROTTLED at once (never queues nor drops): the ESME backs off and resends.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  #tokens: number;
  #at: number;

  /** Holds at least one token, so a rate under 1/s (a gateway's share of a small rate) still lets messages through. */
  readonly #capacity: number;

  constructor(ratePerSecond: number, now: number) {
    this.ratePerSecond = ratePerSecond;
    this.#capacity = Math.max(1, ratePerSecond);
    this.#tokens = this.#capacity;
    this.#at = now;
  }

  /** Takes one token if there is one. `now` in milliseconds. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
