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
//
// This file is the state machine (reading and dispatching PDUs, requests and responses, unbind and close); what it
// drives lives beside it: in-flight.ts (sequence numbers, window, requests awaiting a response), write-queue.ts
// (outgoing PDUs and socket backpressure), keep-alive.ts (enquire_link), session-types.ts (options and API types).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { decodePdu, encodePdu } from './codec.ts';
import type { PduHeader } from './codec.ts';
import { isResponseId } from './constants.ts';
import { SmppBadResponseError, SmppError, SmppResponseTimeoutError, SmppSessionClosedError } from './errors.ts';
import type { CloseReason, DecodeError, FramingError } from './errors.ts';
import { undecodableRequestAnswer, framingErrorNack, systemErrorAnswer } from './fault-answers.ts';
import { PduFramer } from './framing.ts';
import { RequestWindow } from './in-flight.ts';
import { KeepAlive } from './keep-alive.ts';
import { isRequest, responseCommandFor } from './pdu.ts';
import type { Pdu, PduInput, RequestCommand, RequestPdu, ResponsePdu } from './pdu.ts';
import { withDefaults } from './session-types.ts';
import type { IncomingRequest, RequestInput, ResponseInputTo, ResponseTo, SmppSessionEvents, SmppSessionOptions, SmppSessionStats, SmppWarning } from './session-types.ts';
import { WriteQueue, type Outgoing } from './write-queue.ts';

type ShutdownMode = { mode: 'destroy' } | { mode: 'end'; final?: Buffer };

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  readonly socket: Socket;
  /** Resolves (never rejects) with the close reason once the socket is closed and 'close' was emitted. */
  readonly closed: Promise<CloseReason>;

  private readonly options: Required<SmppSessionOptions>;
  private readonly framer: PduFramer;
  private readonly requests: RequestWindow;
  private readonly writes: WriteQueue;
  private readonly unanswered = new Set<RequestPdu>();
  private readPaused = false;
  private readonly keepAlive: KeepAlive;
  private graceTimer: NodeJS.Timeout | undefined;
  private unbinding: Promise<void> | undefined;
  private unbindRequested = false;
  private closeReason: CloseReason | undefined;
  private closeEmitted = false;
  private resolveClosed!: (reason: CloseReason) => void;

  constructor(socket: Socket, options: SmppSessionOptions = {}) {
    super();
    this.socket = socket;
    this.options = withDefaults(options);
    this.requests = new RequestWindow(this.options.window);
    this.writes = new WriteQueue(socket, () => !this.closeReason, () => this.updateReading());
    this.keepAlive = new KeepAlive(
      () => this.sendRequest({ command: 'enquire_link' }, this.options.responseTimeoutMs, false),
      (missed) => this.shutdown({ kind: 'enquire_link_timeout', missed }, { mode: 'destroy' }),
      this.options.enquireLinkMaxMissed,
    );
    this.framer = new PduFramer({ maxPduLength: this.options.maxPduLength });
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });

    // Small request/response PDUs: Nagle's algorithm meeting the peer's delayed ACK would add ~40 ms to a
    // submit_sm_resp (Adobe Campaign expects < 100 ms). Batches are coalesced with cork() in flush() instead.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.writes.onDrain());
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
      inFlight: this.requests.count,
      waitingForWindow: this.requests.waiting,
      queuedWrites: this.writes.length,
      owedResponses: this.unanswered.size + this.writes.queuedResponses,
      socketBufferedBytes: this.socket.writableLength,
      readPaused: this.readPaused,
      writeBlocked: this.writes.blocked,
    };
  }

  /**
   * Sends a request and resolves with its response (or a generic_nack): check command_status. Waits for a window
   * slot first (the response timeout starts once it has one). Rejects with SmppEncodeError (invalid PDU),
   * SmppResponseTimeoutError (the session stays usable), SmppBadResponseError or SmppSessionClosedError; a caller
   * that does not await must still handle the rejection.
   */
  async request<C extends Exclude<RequestCommand, 'unbind'>>(pdu: RequestInput<C>, options: { timeoutMs?: number } = {}): Promise<ResponseTo<C>> {
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
    this.keepAlive.stop();
    this.options.enquireLinkIntervalMs = ms;
    if (!this.closeReason) this.keepAlive.start(ms);
  }

  // ---- sending requests -------------------------------------------------------------------------------------

  private async sendRequest(pdu: PduInput, timeoutMs: number, usesWindow: boolean): Promise<Pdu> {
    if (this.closeReason) throw new SmppSessionClosedError(this.closeReason);
    const refused = () => this.unbindRequested && pdu.command !== 'unbind';
    if (refused()) throw new SmppSessionClosedError({ kind: 'unbound' });
    if (usesWindow) await this.requests.acquireSlot();
    if (this.closeReason || refused()) {
      if (usesWindow) this.requests.releaseSlot();
      throw new SmppSessionClosedError(this.closeReason ?? { kind: 'unbound' });
    }
    // Encoded only once it has a slot: callers waiting for the window hold their PDU objects, not a second copy.
    const sequenceNumber = this.requests.allocateSequenceNumber();
    let buffer: Buffer;
    try {
      buffer = encodePdu({ ...pdu, sequence_number: sequenceNumber } as PduInput, { maxPduLength: this.options.maxPduLength });
    } catch (error) {
      if (usesWindow) this.requests.releaseSlot();
      throw error;
    }
    return new Promise<Pdu>((resolve, reject) => {
      const out: Outgoing = { buffer, kind: 'request', written: false };
      const timer = setTimeout(() => this.onResponseTimeout(sequenceNumber), timeoutMs);
      timer.unref();
      this.requests.add({
        command: pdu.command as RequestCommand,
        sequenceNumber,
        timeoutMs,
        usesWindow,
        out,
        timer,
        resolve,
        reject,
      });
      this.writes.push(out);
    });
  }

  private onResponseTimeout(sequenceNumber: number): void {
    const entry = this.requests.settle(sequenceNumber);
    if (!entry) return;
    // Never reached the socket (it was blocked): drop it, the caller is told it failed.
    this.writes.remove(entry.out);
    entry.reject(new SmppResponseTimeoutError(entry.command, sequenceNumber, entry.timeoutMs));
  }

  private onResponse(pdu: ResponsePdu): void {
    const entry = this.requests.settle(pdu.sequence_number);
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
    this.writes.push(out);
    this.updateReading();
  }

  /** Encodes and queues a response we generate ourselves (enquire_link_resp, nacks); these inputs are always valid. */
  private queueResponse(input: PduInput): void {
    this.queueResponseBuffer(encodePdu(input));
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
    this.keepAlive.heard();
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
    if (this.unanswered.delete(pdu) && !this.closeReason) this.queueResponse(systemErrorAnswer(pdu));
  }

  private onUndecodable(error: DecodeError, header: PduHeader | undefined): void {
    if (!header) {
      this.shutdown({ kind: 'decode_error', error }, { mode: 'destroy' });
      return;
    }
    if (isResponseId(header.command_id)) {
      // A response is never answered; fail the request it belongs to, if any.
      const entry = this.requests.settle(header.sequence_number);
      entry?.reject(new SmppBadResponseError(entry.command, entry.sequenceNumber, error.message, error.status));
      this.warn({ kind: 'undecodable_response', error, header });
      return;
    }
    // A request: always answered (fault-answers.ts says how).
    this.queueResponse(undecodableRequestAnswer(error, header));
    this.warn({ kind: 'undecodable_request', error, header, answeredWith: error.status });
  }

  private onFramingError(error: FramingError): void {
    // The stream cannot be resynchronised: a courtesy generic_nack, then this connection (and only this one) closes.
    const final = framingErrorNack(error);
    this.shutdown({ kind: 'framing_error', error }, final ? { mode: 'end', final } : { mode: 'end' });
  }

  /** Stops reading while we owe the peer too many responses (TCP then pushes back on it); resumes below that. */
  private updateReading(): void {
    if (this.closeReason) return;
    const owed = this.unanswered.size + this.writes.queuedResponses;
    if (!this.readPaused && owed >= this.options.maxOwedResponses) {
      this.readPaused = true;
      this.socket.pause();
    } else if (this.readPaused && owed < this.options.maxOwedResponses) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  // ---- unbind -------------------------------------------------------------------------------------------------

  private async doUnbind(): Promise<void> {
    if (!this.closeReason) {
      const refused = new SmppSessionClosedError({ kind: 'unbound' });
      this.requests.refuseWaiters(refused);
      while (this.requests.count > 0 && !this.closeReason) await this.requests.drained();
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
    this.keepAlive.stop();

    const closedError = new SmppSessionClosedError(reason);
    this.requests.refuseWaiters(closedError);
    for (const entry of this.requests.entries()) {
      this.requests.settle(entry.sequenceNumber);
      entry.reject(closedError);
    }
    this.requests.releaseDrainedWaiters();
    this.unanswered.clear();

    // Responses already queued are still worth sending on a graceful end; requests never are (they were rejected).
    this.writes.close(how.mode === 'end');

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
