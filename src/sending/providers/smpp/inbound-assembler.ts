/**
 * Joins the parts of a long incoming SMS (UDH or SAR concatenation) into one `InboundSms`.
 *
 * Parts are keyed by author, recipient, reference and total, joined in sequence order and decoded
 * once (an escape or a surrogate pair may straddle two parts). Each part but the last is
 * acknowledged when it is buffered: holding its deliver_sm_resp would stall an SMSC that sends one
 * deliver_sm at a time, and the missing parts would then never come. So the parts of an incomplete
 * message live in memory only; a crash loses them (documented in docs/smpp-upstream.md). The part
 * that completes a message is acknowledged only once the sink stored the whole text: if the sink
 * fails, that part is dropped again, the SMSC offers it again, and the message completes then.
 *
 * A message still incomplete after `timeoutMs` is passed on with the parts that came, in order.
 */
import { decodeShortMessage } from '../../encoding/index.ts';
import type { InboundSms } from '../provider.ts';
import type { InboundPart } from './smpp-incoming.ts';

export type AddResult =
  | { kind: 'complete'; sms: InboundSms; /** Call once the sink stored it. */ done(): void; /** Call when the sink failed. */ failed(): void }
  /** Buffered: acknowledge it. */
  | { kind: 'buffered' }
  | { kind: 'undecodable'; reason: string };

interface Pending {
  parts: Map<number, InboundPart>;
  total: number;
  timer: NodeJS.Timeout;
  delivering: boolean;
}

export interface InboundAssemblerOptions {
  timeoutMs: number;
  /** At most this many messages waiting for parts; the oldest is passed on incomplete beyond it. */
  maxPending?: number;
  /** An incomplete message passed on (timeout, overflow, close). */
  onIncomplete(sms: InboundSms): void;
}

/** Decodes one SMS (joined parts); an undecodable one is an error, never a guessed text. */
export function decodeInbound(parts: readonly InboundPart[]): { ok: true; sms: InboundSms } | { ok: false; reason: string } {
  const first = parts[0]!;
  const decoded = decodeShortMessage(Buffer.concat(parts.map((part) => part.payload)), first.dataCoding);
  if (!decoded.ok) return { ok: false, reason: `incoming SMS from ${first.from}: ${decoded.error.message}` };
  return { ok: true, sms: { from: first.from, to: first.to, text: decoded.text, at: first.at } };
}

export class InboundAssembler {
  readonly #options: Required<InboundAssemblerOptions>;
  readonly #pending = new Map<string, Pending>();

  constructor(options: InboundAssemblerOptions) {
    this.#options = { maxPending: 10_000, ...options };
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  add(part: InboundPart): AddResult {
    const concat = part.concat;
    if (!concat) return this.#complete([part], undefined);
    const key = `${part.from}\u0000${part.to}\u0000${concat.reference}\u0000${concat.total}`;
    let pending = this.#pending.get(key);
    if (!pending) {
      if (this.#pending.size >= this.#options.maxPending) this.#expire(this.#pending.keys().next().value!);
      const timer = setTimeout(() => this.#expire(key), this.#options.timeoutMs);
      timer.unref();
      pending = { parts: new Map(), total: concat.total, timer, delivering: false };
      this.#pending.set(key, pending);
    }
    pending.parts.set(concat.sequence, part); // a part offered again replaces itself
    if (pending.parts.size < pending.total || pending.delivering) return { kind: 'buffered' };
    pending.delivering = true;
    const ordered = [...pending.parts.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
    return this.#complete(ordered, { key, sequence: concat.sequence, pending });
  }

  /** Passes every incomplete message on (at close). */
  flush(): void {
    for (const key of [...this.#pending.keys()]) this.#expire(key);
  }

  #complete(parts: InboundPart[], entry: { key: string; sequence: number; pending: Pending } | undefined): AddResult {
    const decoded = decodeInbound(parts);
    if (!decoded.ok) {
      if (entry) this.#drop(entry.key);
      return { kind: 'undecodable', reason: decoded.reason };
    }
    return {
      kind: 'complete',
      sms: decoded.sms,
      done: () => {
        if (entry) this.#drop(entry.key);
      },
      failed: () => {
        if (!entry) return;
        entry.pending.delivering = false;
        entry.pending.parts.delete(entry.sequence);
      },
    };
  }

  #drop(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(key);
  }

  #expire(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    if (pending.delivering) {
      // The sink is storing it right now; look again later in case that fails.
      pending.timer.refresh();
      return;
    }
    this.#drop(key);
    const ordered = [...pending.parts.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
    if (ordered.length === 0) return;
    const whole = decodeInbound(ordered);
    if (whole.ok) {
      this.#options.onIncomplete(whole.sms);
      return;
    }
    // Joined they do not decode (a split character at a gap): pass each part that does.
    for (const part of ordered) {
      const single = decodeInbound([part]);
      if (single.ok) this.#options.onIncomplete(single.sms);
    }
  }
}
