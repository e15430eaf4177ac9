// One SMPP connection, either side (ESME or SMSC), over a net.Socket or tls.TLSSocket.
//
// What it guarantees, unlike the 'smpp' package's session:
// - nothing the peer sends can throw out of an event handler: framing and decoding return values, listeners are
//   called inside try/catch, and there is no 'error' event to leave unhandled;
// - a stream that cannot be framed closes this socket only, with one 'close' event carrying the reason;
// - an undecodable PDU with a readable header is answered (§4.3) and the session goes on;
// - requests we send are bounded by a window, time out individually, and are all settled when the session closes;
// - writes respect socket backpressure, and when the peer floods us with requests we do not answer fast enough we
//   stop reading, so memory stays bounded on both paths.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { decodePdu, encodePdu } from './codec.ts';
import type { PduHeader } from './codec.ts';
import { CommandStatus, MAX_SEQUENCE_NUMBER, isResponseId } from './constants.ts';
import {
  SmppBadResponseError,
  SmppError,
  SmppResponseTimeoutError,
  SmppSessionClosedError,
} from './errors.ts';
import type { CloseReason, DecodeError, FramingError } from './errors.ts';
import { DEFAULT_MAX_PDU_LENGTH, PduFramer } from './framing.ts';
import { isRequest, isRequestCommand, responseCommandFor } from './pdu.ts';
import type {
  GenericNack,
  Pdu,
  PduInput,
  PduInputOf,
  RequestCommand,
  RequestPdu,
  ResponseCommandFor,
  ResponsePdu,
} from './pdu.ts';

export interface SmppSessionOptions {
  /** Requests of ours awaiting a response at most; more callers wait for a slot. Default 10. */
  window?: number;
  /** Per request, from the moment it is queued for the socket. Default 10 s. */
  responseTimeoutMs?: number;
  /** Send enquire_link after this long without receiving anything (§4.11); 0 disables. Default 30 s. */
  enquireLinkIntervalMs?: number;
  /** Close after this many enquire_link in a row left unanswered. Default 2. */
  enquireLinkMaxMissed?: number;
  /** Largest PDU accepted or sent. Default 64 KiB. */
  maxPduLength?: number;
  /**
   * Requests from the peer we owe a response for (unanswered or not yet written) before we stop reading the socket,
   * which pushes back on a peer that ignores its own window. Keep it above any sane peer window. Default 1000.
   */
  maxOwedResponses?: number;
  /** After a final PDU (unbind_resp, a courtesy generic_nack) wait this long for it to flush before destroying. */
  closeGraceMs?: number;
}

const DEFAULTS: Required<SmppSessionOptions> = {
  window: 10,
  responseTimeoutMs: 10_000,
  enquireLinkIntervalMs: 30_000,
  enquireLinkMaxMissed: 2,
  maxPduLength: DEFAULT_MAX_PDU_LENGTH,
  maxOwedResponses: 1000,
  closeGraceMs: 1000,
};

/** A request from the peer that the application answers with respond(); enquire_link and unbind are answered here. */
export type IncomingRequest = Exclude<RequestPdu, { command: 'enquire_link' | 'unbind' }>;

export type RequestInput<C extends RequestCommand> = Omit<PduInputOf<C>, 'sequence_number' | 'command_status'> & {
  command: C;
};
/** The response a request of command C resolves with: its own response, or a generic_nack. Check command_status. */
export type ResponseTo<C extends RequestCommand> = Extract<Pdu, { command: ResponseCommandFor<C> }> | GenericNack;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What respond() takes for a request of command C: its response or a generic_nack, the sequence number is copied. */
export type ResponseInputTo<C extends RequestCommand> = DistributiveOmit<
  Extract<PduInput, { command: ResponseCommandFor<C> }> | PduInputOf<'generic_nack'>,
  'sequence_number'
>;

/** Things worth a log line that do not end the session. */
export type SmppWarning =
  /** A response whose sequence_number matches no request in flight (typically one that already timed out). */
  | { kind: 'unexpected_response'; pdu: ResponsePdu }
  /** A request we could not decode; it was answered with `answeredWith` (a command_status). */
  | { kind: 'undecodable_request'; error: DecodeError; header: PduHeader; answeredWith: number }
  | { kind: 'undecodable_response'; error: DecodeError; header: PduHeader }
  /** A listener of ours threw; it is reported here instead of escaping into the socket's event loop. */
  | { kind: 'listener_error'; event: string; error: unknown };

export interface SmppSessionEvents {
  request: [pdu: IncomingRequest];
  warning: [warning: SmppWarning];
  close: [reason: CloseReason];
}

export interface SmppSessionStats {
  inFlight: number;
  waitingForWindow: number;
  queuedWrites: number;
  owedResponses: number;
  socketBufferedBytes: number;
  readPaused: boolean;
  writeBlocked: boolean;
}

interface Outgoing {
  buffer: Buffer;
  kind: 'request' | 'response';
  written: boolean;
  /** Responses only: settles the respond() promise. */
  done?: (written: boolean) => void;
}

interface InFlight {
  command: RequestCommand;
  sequenceNumber: number;
  timeoutMs: number;
  usesWindow: boolean;
  out: Outgoing;
  timer: NodeJS.Timeout;
  resolve: (pdu: Pdu) => void;
  reject: (error: Error) => void;
}

type ShutdownMode = { mode: 'destroy' } | { mode: 'end'; final?: Buffer };

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  readonly socket: Socket;
  /** Resolves (never rejects) with the close reason once the socket is closed and 'close' was emitted. */
  readonly closed: Promise<CloseReason>;

  private readonly options: Required<SmppSessionOptions>;
  private readonly framer: PduFramer;
  private nextSequence = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private slotsInUse = 0;
  private readonly windowWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly inFlightDrainedWaiters: (() => void)[] = [];
  private outQueue: Outgoing[] = [];
  private writeBlocked = false;
  private flushScheduled = false;
  private readonly unanswered = new Set<RequestPdu>();
  private queuedResponses = 0;
  private readPaused = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private enquireLinkOutstanding = false;
  private missedEnquireLinks = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private unbinding: Promise<void> | undefined;
  private unbindRequested = false;
  private closeReason: CloseReason | undefined;
  private closeEmitted = false;
  private resolveClosed!: (reason: CloseReason) => void;

  constructor(socket: Socket, options: SmppSessionOptions = {}) {
    super();
    this.socket = socket;
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
    if (!(Number.isInteger(this.options.window) && this.options.window >= 1)) {
      throw new RangeError(`window must be a positive integer, got ${this.options.window}`);
    }
    this.framer = new PduFramer({ maxPduLength: this.options.maxPduLength });
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });

    // Small request/response PDUs: Nagle's algorithm meeting the peer's delayed ACK would add ~40 ms to a
    // submit_sm_resp (Adobe Campaign expects < 100 ms). Batches are coalesced with cork() in flush() instead.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.flush();
    });
    // Always listened to, for the socket's whole life: an 'error' without a listener would crash the process.
    socket.on('error', (error) => this.shutdown({ kind: 'socket_error', error }, { mode: 'destroy' }));
    socket.on('end', () => this.shutdown({ kind: 'peer_closed' }, { mode: 'end' }));
    socket.on('close', () => this.onSocketClose());
    if (socket.destroyed) {
      this.shutdown({ kind: 'peer_closed' }, { mode: 'destroy' });
      process.nextTick(() => this.onSocketClose());
    }
    this.setEnquireLinkInterval(this.options.enquireLinkIntervalMs);
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  stats(): SmppSessionStats {
    return {
      inFlight: this.inFlight.size,
      waitingForWindow: this.windowWaiters.length,
      queuedWrites: this.outQueue.length,
      owedResponses: this.unanswered.size + this.queuedResponses,
      socketBufferedBytes: this.socket.writableLength,
      readPaused: this.readPaused,
      writeBlocked: this.writeBlocked,
    };
  }

  /**
   * Sends a request and resolves with its response (or a generic_nack): check command_status. Waits for a window
   * slot first (the response timeout starts once it has one). Rejects with SmppEncodeError (invalid PDU),
   * SmppResponseTimeoutError (the session stays usable), SmppBadResponseError or SmppSessionClosedError; a caller
   * that does not await must still handle the rejection.
   */
  async request<C extends Exclude<RequestCommand, 'unbind'>>(
    pdu: RequestInput<C>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResponseTo<C>> {
    if ((pdu.command as RequestCommand) === 'unbind') throw new SmppError('use unbind() to unbind');
    const response = await this.sendRequest(pdu as PduInput, options.timeoutMs ?? this.options.responseTimeoutMs, true);
    return response as ResponseTo<C>;
  }

  /**
   * Answers a request received in a 'request' event. Throws at once for a programming error (the request was already
   * answered or is not ours, the response does not match, the PDU is invalid). Otherwise resolves true once the
   * response is handed to the socket, or false if the session closed first; it never rejects.
   */
  respond<R extends IncomingRequest>(request: R, response: ResponseInputTo<R['command']>): Promise<boolean> {
    if (this.closeReason) return Promise.resolve(false);
    if (!this.unanswered.has(request)) {
      throw new SmppError(`${request.command} #${request.sequence_number} is not an unanswered request of this session`);
    }
    const expected = responseCommandFor(request.command);
    if (response.command !== expected && response.command !== 'generic_nack') {
      throw new SmppError(`${request.command} is answered with ${expected} or generic_nack, not ${response.command}`);
    }
    const buffer = encodePdu(
      { ...response, sequence_number: request.sequence_number } as PduInput,
      { maxPduLength: this.options.maxPduLength },
    );
    this.unanswered.delete(request);
    return new Promise((resolve) => this.queueResponseBuffer(buffer, resolve));
  }

  /**
   * Graceful end (§4.2): refuse new requests, let those in flight be answered (or time out), send unbind, wait for
   * unbind_resp (or the response timeout), then close. Resolves when the socket is closed.
   */
  unbind(): Promise<void> {
    if (!this.unbinding) {
      this.unbindRequested = true;
      this.unbinding = this.doUnbind();
    }
    return this.unbinding;
  }

  /** Closes at once: pending requests are rejected, queued PDUs dropped. */
  destroy(message = 'destroyed'): void {
    this.shutdown({ kind: 'local', message }, { mode: 'destroy' });
  }

  /** (Re)starts the idle keep-alive; 0 stops it. A server may start it only once the peer is bound. */
  setEnquireLinkInterval(ms: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.options.enquireLinkIntervalMs = ms;
    if (ms > 0 && !this.closeReason) {
      this.idleTimer = setTimeout(() => this.onIdle(), ms);
      this.idleTimer.unref();
    }
  }

  // ---- sending requests -------------------------------------------------------------------------------------

  private async sendRequest(pdu: PduInput, timeoutMs: number, usesWindow: boolean): Promise<Pdu> {
    if (this.closeReason) throw new SmppSessionClosedError(this.closeReason);
    const refused = () => this.unbindRequested && pdu.command !== 'unbind';
    if (refused()) throw new SmppSessionClosedError({ kind: 'unbound' });
    if (usesWindow) await this.acquireSlot();
    if (this.closeReason || refused()) {
      if (usesWindow) this.releaseSlot();
      throw new SmppSessionClosedError(this.closeReason ?? { kind: 'unbound' });
    }
    // Encoded only once it has a slot: callers waiting for the window hold their PDU objects, not a second copy.
    const sequenceNumber = this.allocateSequenceNumber();
    let buffer: Buffer;
    try {
      buffer = encodePdu({ ...pdu, sequence_number: sequenceNumber } as PduInput, { maxPduLength: this.options.maxPduLength });
    } catch (error) {
      if (usesWindow) this.releaseSlot();
      throw error;
    }
    return new Promise<Pdu>((resolve, reject) => {
      const out: Outgoing = { buffer, kind: 'request', written: false };
      const timer = setTimeout(() => this.onResponseTimeout(sequenceNumber), timeoutMs);
      timer.unref();
      this.inFlight.set(sequenceNumber, {
        command: pdu.command as RequestCommand,
        sequenceNumber,
        timeoutMs,
        usesWindow,
        out,
        timer,
        resolve,
        reject,
      });
      this.outQueue.push(out);
      this.scheduleFlush();
    });
  }

  /** 1..0x7FFFFFFF then back to 1 (§3.2), skipping numbers still in flight after a wrap. */
  private allocateSequenceNumber(): number {
    let n = this.nextSequence;
    while (this.inFlight.has(n)) n = n >= MAX_SEQUENCE_NUMBER ? 1 : n + 1;
    this.nextSequence = n >= MAX_SEQUENCE_NUMBER ? 1 : n + 1;
    return n;
  }

  private acquireSlot(): Promise<void> {
    if (this.slotsInUse < this.options.window && this.windowWaiters.length === 0) {
      this.slotsInUse++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.windowWaiters.push({ resolve, reject }));
  }

  private releaseSlot(): void {
    const next = this.windowWaiters.shift();
    if (next) next.resolve(); // the slot passes straight to the next caller
    else this.slotsInUse--;
  }

  /** Removes a request from flight; returns it if it was there. */
  private settle(sequenceNumber: number): InFlight | undefined {
    const entry = this.inFlight.get(sequenceNumber);
    if (!entry) return undefined;
    this.inFlight.delete(sequenceNumber);
    clearTimeout(entry.timer);
    if (entry.usesWindow) this.releaseSlot();
    if (this.inFlight.size === 0) for (const waiter of this.inFlightDrainedWaiters.splice(0)) waiter();
    return entry;
  }

  private onResponseTimeout(sequenceNumber: number): void {
    const entry = this.settle(sequenceNumber);
    if (!entry) return;
    if (!entry.out.written) {
      // Never reached the socket (it was blocked): drop it, the caller is told it failed.
      const i = this.outQueue.indexOf(entry.out);
      if (i !== -1) this.outQueue.splice(i, 1);
    }
    entry.reject(new SmppResponseTimeoutError(entry.command, sequenceNumber, entry.timeoutMs));
  }

  private onResponse(pdu: ResponsePdu): void {
    const entry = this.settle(pdu.sequence_number);
    if (!entry) {
      this.warn({ kind: 'unexpected_response', pdu });
      return;
    }
    if (pdu.command !== 'generic_nack' && pdu.command !== responseCommandFor(entry.command)) {
      entry.reject(new SmppBadResponseError(entry.command, entry.sequenceNumber, `answered with ${pdu.command}`));
      return;
    }
    entry.resolve(pdu);
  }

  // ---- writing ----------------------------------------------------------------------------------------------

  private queueResponseBuffer(buffer: Buffer, done?: (written: boolean) => void): void {
    const out: Outgoing = { buffer, kind: 'response', written: false };
    if (done) out.done = done;
    this.outQueue.push(out);
    this.queuedResponses++;
    this.scheduleFlush();
    this.updateReading();
  }

  /** Encodes and queues a response we generate ourselves (enquire_link_resp, nacks); these inputs are always valid. */
  private queueResponse(input: PduInput): void {
    this.queueResponseBuffer(encodePdu(input));
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
    if (this.closeReason || this.writeBlocked || this.outQueue.length === 0) return;
    const batch = this.outQueue.length > 1;
    if (batch) this.socket.cork(); // one writev for the batch
    let i = 0;
    while (!this.writeBlocked && i < this.outQueue.length) this.writeOut(this.outQueue[i++]!);
    if (batch) this.socket.uncork();
    this.outQueue = this.outQueue.slice(i);
    this.updateReading();
  }

  private writeOut(out: Outgoing): void {
    out.written = true;
    if (!this.socket.write(out.buffer)) this.writeBlocked = true;
    if (out.kind === 'response') {
      this.queuedResponses--;
      out.done?.(true);
    }
  }

  // ---- reading ----------------------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.closeReason) return;
    const { frames, error } = this.framer.push(chunk);
    for (const frame of frames) {
      if (this.closeReason) return;
      this.onFrame(frame);
    }
    if (error && !this.closeReason) this.onFramingError(error);
  }

  private onFrame(frame: Buffer): void {
    this.idleTimer?.refresh();
    const result = decodePdu(frame);
    if (!result.ok) {
      this.onUndecodable(result.error, result.header);
      return;
    }
    const pdu = result.pdu;
    if (!isRequest(pdu)) {
      this.onResponse(pdu);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link': // §4.11: answered in every state, by the session itself
        this.queueResponse({ command: 'enquire_link_resp', sequence_number: pdu.sequence_number });
        return;
      case 'unbind': {
        // §4.2: answer unbind_resp, then the connection is closed.
        const final = encodePdu({ command: 'unbind_resp', sequence_number: pdu.sequence_number });
        this.shutdown({ kind: 'peer_unbound' }, { mode: 'end', final });
        return;
      }
      default:
        this.unanswered.add(pdu);
        this.updateReading();
        this.emitRequest(pdu);
    }
  }

  private emitRequest(pdu: IncomingRequest): void {
    let failure: unknown;
    let failed = false;
    if (this.listenerCount('request') === 0) {
      failed = true;
      failure = new SmppError(`no 'request' listener for ${pdu.command}`);
    } else {
      try {
        this.emit('request', pdu);
      } catch (error) {
        failed = true;
        failure = error;
      }
    }
    if (!failed) return;
    this.warn({ kind: 'listener_error', event: 'request', error: failure });
    // Do not leave the peer waiting for a response that will never come.
    if (this.unanswered.delete(pdu) && !this.closeReason) {
      this.queueResponse({
        command: responseCommandFor(pdu.command),
        command_status: CommandStatus.ESME_RSYSERR,
        sequence_number: pdu.sequence_number,
      } as PduInput);
    }
  }

  private onUndecodable(error: DecodeError, header: PduHeader | undefined): void {
    if (!header) {
      this.shutdown({ kind: 'decode_error', error }, { mode: 'destroy' });
      return;
    }
    if (isResponseId(header.command_id)) {
      // A response is never answered; fail the request it belongs to, if any.
      const entry = this.settle(header.sequence_number);
      entry?.reject(new SmppBadResponseError(entry.command, entry.sequenceNumber, error.message, error.status));
      this.warn({ kind: 'undecodable_response', error, header });
      return;
    }
    // A request: always answered, so the peer's window slot is freed. An unknown command_id gets generic_nack
    // (§4.3); a known request with a bad body gets its own response carrying the status that names the fault
    // (§5.1.3, e.g. submit_sm_resp ESME_RINVMSGLEN), which ESMEs map to a failed message.
    const command =
      header.command !== undefined && isRequestCommand(header.command) && error.code !== 'length_mismatch'
        ? responseCommandFor(header.command)
        : 'generic_nack';
    this.queueResponse({ command, command_status: error.status, sequence_number: header.sequence_number } as PduInput);
    this.warn({ kind: 'undecodable_request', error, header, answeredWith: error.status });
  }

  private onFramingError(error: FramingError): void {
    // §4.3 asks for a generic_nack on an invalid command_length; the stream cannot be resynchronised after it, so
    // the nack is a courtesy before closing this connection (and only this one).
    const final = error.header
      ? encodePdu({
          command: 'generic_nack',
          command_status: CommandStatus.ESME_RINVCMDLEN,
          sequence_number: error.header.sequence_number,
        })
      : undefined;
    this.shutdown({ kind: 'framing_error', error }, final ? { mode: 'end', final } : { mode: 'end' });
  }

  /** Stops reading while we owe the peer too many responses (TCP then pushes back on it); resumes below that. */
  private updateReading(): void {
    if (this.closeReason) return;
    const owed = this.unanswered.size + this.queuedResponses;
    if (!this.readPaused && owed >= this.options.maxOwedResponses) {
      this.readPaused = true;
      this.socket.pause();
    } else if (this.readPaused && owed < this.options.maxOwedResponses) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  // ---- keep-alive and unbind --------------------------------------------------------------------------------

  private onIdle(): void {
    if (this.closeReason) return;
    this.idleTimer?.refresh();
    if (this.enquireLinkOutstanding) return;
    this.enquireLinkOutstanding = true;
    this.sendRequest({ command: 'enquire_link' }, this.options.responseTimeoutMs, false).then(
      () => {
        // Any answer, even a generic_nack, shows the peer is alive.
        this.missedEnquireLinks = 0;
        this.enquireLinkOutstanding = false;
      },
      (error: unknown) => {
        this.enquireLinkOutstanding = false;
        if (!(error instanceof SmppResponseTimeoutError)) return;
        this.missedEnquireLinks++;
        if (this.missedEnquireLinks >= this.options.enquireLinkMaxMissed) {
          this.shutdown({ kind: 'enquire_link_timeout', missed: this.missedEnquireLinks }, { mode: 'destroy' });
        }
      },
    );
  }

  private async doUnbind(): Promise<void> {
    if (!this.closeReason) {
      const refused = new SmppSessionClosedError({ kind: 'unbound' });
      for (const waiter of this.windowWaiters.splice(0)) waiter.reject(refused);
      while (this.inFlight.size > 0 && !this.closeReason) {
        await new Promise<void>((resolve) => this.inFlightDrainedWaiters.push(resolve));
      }
      if (!this.closeReason) {
        try {
          await this.sendRequest({ command: 'unbind' }, this.options.responseTimeoutMs, false);
        } catch {
          // No unbind_resp in time or the peer closed first: we close all the same.
        }
        this.shutdown({ kind: 'unbound' }, { mode: 'end' });
      }
    }
    await this.closed;
  }

  // ---- closing ----------------------------------------------------------------------------------------------

  /** The one way a session ends. The first reason wins; 'close' is emitted once the socket has closed. */
  private shutdown(reason: CloseReason, how: ShutdownMode): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;

    const closedError = new SmppSessionClosedError(reason);
    for (const waiter of this.windowWaiters.splice(0)) waiter.reject(closedError);
    for (const entry of [...this.inFlight.values()]) {
      this.settle(entry.sequenceNumber);
      entry.reject(closedError);
    }
    for (const waiter of this.inFlightDrainedWaiters.splice(0)) waiter();
    this.unanswered.clear();

    // Responses already queued are still worth sending on a graceful end; requests never are (they were rejected).
    const queued = this.outQueue;
    this.outQueue = [];
    for (const out of queued) {
      if (how.mode === 'end' && out.kind === 'response' && !this.socket.destroyed) this.writeOut(out);
      else if (out.kind === 'response') out.done?.(false);
    }
    this.queuedResponses = 0;

    if (how.mode === 'destroy' || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    if (this.readPaused) this.socket.resume(); // let 'end' and 'close' arrive
    if (how.final) this.socket.end(how.final);
    else this.socket.end();
    this.graceTimer = setTimeout(() => this.socket.destroy(), this.options.closeGraceMs);
    this.graceTimer.unref();
  }

  private onSocketClose(): void {
    this.shutdown({ kind: 'peer_closed' }, { mode: 'destroy' });
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    const reason = this.closeReason!;
    try {
      this.emit('close', reason);
    } catch (error) {
      this.warn({ kind: 'listener_error', event: 'close', error });
    }
    this.resolveClosed(reason);
  }

  private warn(warning: SmppWarning): void {
    try {
      this.emit('warning', warning);
    } catch {
      // A throwing 'warning' listener has nowhere left to report to.
    }
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
