/**
 * What a submit_sm waits for before it may leave, shared by every send of one provider:
 * 1. the throttling pause: after ESME_RTHROTTLED / ESME_RMSGQFUL nothing is sent for a while
 *    (the SMSC is saturated; sending more only earns more refusals), doubling while it lasts;
 * 2. the pace: at most `submitsPerSecond` PDUs per second, when the operator caps the bind;
 * 3. a window slot: at most `window` submit_sm awaiting their response.
 *
 * Each wait ends at the caller's deadline: a message that cannot leave in time goes back to the
 * pipeline (`retry`) without having been queued anywhere, so it can never leave twice. That is
 * why the window is counted here, where a waiter can give up, and not only in `SmppSession`,
 * whose queued requests cannot be withdrawn.
 */
import { backoffDelayMs } from '../../../retry/backoff.ts';

export type GateEntry =
  | { ok: true; release(): void }
  | { ok: false; reason: string; retryAfterMs?: number };

export interface SendGateOptions {
  window: number;
  submitsPerSecond?: number | undefined;
  throttleBackoff: { initialMs: number; maxMs: number };
  now?: () => number;
}

interface SlotWaiter {
  resolve(granted: boolean): void;
  timer: NodeJS.Timeout;
}

export class SendGate {
  readonly #options: SendGateOptions;
  readonly #now: () => number;
  #pausedUntil = 0;
  #throttleLevel = 0;
  #nextPaceAt = 0;
  #slotsInUse = 0;
  readonly #slotWaiters: SlotWaiter[] = [];
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; resolve(): void }>();
  #closed = false;

  constructor(options: SendGateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds left in the throttling pause (0 when sending is allowed). */
  get pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  get slotsInUse(): number {
    return this.#slotsInUse;
  }

  async enter(deadline: number): Promise<GateEntry> {
    // 1. The throttling pause; it may be extended while we sleep, so look again after.
    for (let pause = this.pausedForMs; pause > 0; pause = this.pausedForMs) {
      if (this.#now() + pause > deadline) return { ok: false, reason: 'the SMSC is throttling this account: sending paused', retryAfterMs: pause };
      await this.#sleep(pause);
      if (this.#closed) return closed();
    }
    // 2. The pace: book the next free instant.
    const rate = this.#options.submitsPerSecond;
    if (rate !== undefined) {
      const now = this.#now();
      const at = Math.max(now, this.#nextPaceAt);
      if (at > deadline) return { ok: false, reason: `pace of ${rate} submit_sm/s reached`, retryAfterMs: at - now };
      this.#nextPaceAt = at + 1000 / rate;
      if (at > now) await this.#sleep(at - now);
      if (this.#closed) return closed();
    }
    // 3. A window slot.
    if (!(await this.#acquireSlot(deadline))) {
      return this.#closed ? closed() : { ok: false, reason: `window of ${this.#options.window} submit_sm full until the deadline (the SMSC answers slowly)` };
    }
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#releaseSlot();
      },
    };
  }

  /** The SMSC said it is saturated: pause every send. Returns the pause in ms. */
  throttled(): number {
    const now = this.#now();
    // Responses to requests sent before the pause began belong to the same episode: no escalation.
    if (now >= this.#pausedUntil) {
      const { initialMs, maxMs } = this.#options.throttleBackoff;
      const pause = backoffDelayMs({ baseMs: initialMs, capMs: maxMs }, this.#throttleLevel);
      this.#throttleLevel = Math.min(this.#throttleLevel + 1, 30);
      this.#pausedUntil = now + pause;
    }
    return this.#pausedUntil - now;
  }

  /** A submit was accepted: the SMSC keeps up again. */
  accepted(): void {
    if (this.#now() >= this.#pausedUntil) this.#throttleLevel = 0;
  }

  /** Every waiter gives up at once (the provider is closing). */
  close(): void {
    this.#closed = true;
    for (const sleeper of [...this.#sleepers]) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
    this.#sleepers.clear();
    for (const waiter of this.#slotWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      this.#sleepers.add(sleeper);
    });
  }

  #acquireSlot(deadline: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#slotsInUse < this.#options.window && this.#slotWaiters.length === 0) {
      this.#slotsInUse++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: SlotWaiter = {
        resolve,
        timer: setTimeout(() => {
          const index = this.#slotWaiters.indexOf(waiter);
          if (index !== -1) this.#slotWaiters.splice(index, 1);
          resolve(false);
        }, Math.max(0, deadline - this.#now())),
      };
      this.#slotWaiters.push(waiter);
    });
  }

  #releaseSlot(): void {
    const next = this.#slotWaiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(true); // the slot passes straight to the next waiter
    } else {
      this.#slotsInUse--;
    }
  }
}

function closed(): GateEntry {
  return { ok: false, reason: 'the SMPP provider is closing' };
}
