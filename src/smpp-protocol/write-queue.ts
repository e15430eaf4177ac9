// The SMPP session's outgoing PDUs: queued, written in batches, held while the socket is full. Nothing else.
import type { Socket } from 'node:net';

export interface Outgoing {
  buffer: Buffer;
  kind: 'request' | 'response';
  written: boolean;
  /** Responses only: settles the respond() promise. */
  done?: (written: boolean) => void;
}

export class WriteQueue {
  private queue: Outgoing[] = [];
  private writeBlocked = false;
  private flushScheduled = false;
  /** Responses queued and not yet written: part of what the session owes the peer. */
  private responses = 0;
  private readonly socket: Socket;
  private readonly open: () => boolean;
  private readonly afterFlush: () => void;

  /**
   * `open` says whether the session may still write; `afterFlush` runs after each flush that wrote (the session
   * then looks again at how much it owes the peer).
   */
  constructor(socket: Socket, open: () => boolean, afterFlush: () => void) {
    this.socket = socket;
    this.open = open;
    this.afterFlush = afterFlush;
  }

  get length(): number {
    return this.queue.length;
  }

  get blocked(): boolean {
    return this.writeBlocked;
  }

  get queuedResponses(): number {
    return this.responses;
  }

  push(out: Outgoing): void {
    this.queue.push(out);
    if (out.kind === 'response') this.responses++;
    this.scheduleFlush();
  }

  /** Drops a PDU that has not reached the socket yet (a request that timed out while the socket was full). */
  remove(out: Outgoing): void {
    if (out.written) return;
    const i = this.queue.indexOf(out);
    if (i !== -1) this.queue.splice(i, 1);
  }

  /** The socket's 'drain': write what waited. */
  onDrain(): void {
    this.writeBlocked = false;
    this.flush();
  }

  /**
   * The session ends: responses already queued are still worth sending on a graceful end (`writeResponses`), the
   * others are settled as not written; requests are dropped (their callers were rejected).
   */
  close(writeResponses: boolean): void {
    const queued = this.queue;
    this.queue = [];
    for (const out of queued) {
      if (writeResponses && out.kind === 'response' && !this.socket.destroyed) this.writeOut(out);
      else if (out.kind === 'response') out.done?.(false);
    }
    this.responses = 0;
  }

  /** PDUs queued in the same tick (say, the responses to every PDU of one socket chunk) leave in one writev. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes queued PDUs until the socket asks us to wait for 'drain' (write() returned false). */
  private flush(): void {
    if (!this.open() || this.writeBlocked || this.queue.length === 0) return;
    const batch = this.queue.length > 1;
    if (batch) this.socket.cork(); // one writev for the batch
    let i = 0;
    while (!this.writeBlocked && i < this.queue.length) this.writeOut(this.queue[i++]!);
    if (batch) this.socket.uncork();
    this.queue = this.queue.slice(i);
    this.afterFlush();
  }

  private writeOut(out: Outgoing): void {
    out.written = true;
    if (!this.socket.write(out.buffer)) this.writeBlocked = true;
    if (out.kind === 'response') {
      this.responses--;
      out.done?.(true);
    }
  }
}
