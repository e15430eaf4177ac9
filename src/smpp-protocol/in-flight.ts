// The SMPP session's requests awaiting a response: sequence numbers, the window that bounds them, and who waits
// for a slot or for them all to be answered. Nothing here touches the socket.
import { MAX_SEQUENCE_NUMBER } from './constants.ts';
import type { Pdu, RequestCommand } from './pdu.ts';
import type { Outgoing } from './write-queue.ts';

export interface InFlight {
  command: RequestCommand;
  sequenceNumber: number;
  timeoutMs: number;
  usesWindow: boolean;
  out: Outgoing;
  timer: NodeJS.Timeout;
  resolve: (pdu: Pdu) => void;
  reject: (error: Error) => void;
}

export class RequestWindow {
  private readonly size: number;
  private nextSequence = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private slotsInUse = 0;
  private readonly windowWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly drainedWaiters: (() => void)[] = [];

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new RangeError(`window must be a positive integer, got ${size}`);
    }
    this.size = size;
  }

  get count(): number {
    return this.inFlight.size;
  }

  get waiting(): number {
    return this.windowWaiters.length;
  }

  acquireSlot(): Promise<void> {
    if (this.slotsInUse < this.size && this.windowWaiters.length === 0) {
      this.slotsInUse++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.windowWaiters.push({ resolve, reject }));
  }

  releaseSlot(): void {
    const next = this.windowWaiters.shift();
    if (next) next.resolve(); // the slot passes straight to the next caller
    else this.slotsInUse--;
  }

  /** Callers still waiting for a slot get `error` (the session unbinds or closes). */
  refuseWaiters(error: Error): void {
    for (const waiter of this.windowWaiters.splice(0)) waiter.reject(error);
  }

  /** 1..0x7FFFFFFF then back to 1 (§3.2), skipping numbers still in flight after a wrap. */
  allocateSequenceNumber(): number {
    let n = this.nextSequence;
    while (this.inFlight.has(n)) n = n >= MAX_SEQUENCE_NUMBER ? 1 : n + 1;
    this.nextSequence = n >= MAX_SEQUENCE_NUMBER ? 1 : n + 1;
    return n;
  }

  add(entry: InFlight): void {
    this.inFlight.set(entry.sequenceNumber, entry);
  }

  /** Every request in flight, as a copy (settling them while iterating is safe). */
  entries(): InFlight[] {
    return [...this.inFlight.values()];
  }

  /** Removes a request from flight; returns it if it was there. */
  settle(sequenceNumber: number): InFlight | undefined {
    const entry = this.inFlight.get(sequenceNumber);
    if (!entry) return undefined;
    this.inFlight.delete(sequenceNumber);
    clearTimeout(entry.timer);
    if (entry.usesWindow) this.releaseSlot();
    if (this.inFlight.size === 0) this.releaseDrainedWaiters();
    return entry;
  }

  /** Resolves the next time nothing is in flight (or at `releaseDrainedWaiters`, when the session closes). */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => this.drainedWaiters.push(resolve));
  }

  releaseDrainedWaiters(): void {
    for (const waiter of this.drainedWaiters.splice(0)) waiter();
  }
}
