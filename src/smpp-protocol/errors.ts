// Typed errors of the SMPP protocol layer. Values, never thrown across an event boundary: the framer and the decoder
// return them, the session rejects promises with them and reports them in its 'close' reason.
import { commandStatusName } from './constants.ts';

export type FramingErrorCode = 'length_too_small' | 'length_too_large';

/** The byte stream cannot be split into PDUs any more: the session must be closed (nothing after it can be trusted). */
export interface FramingError {
  kind: 'framing';
  code: FramingErrorCode;
  commandLength: number;
  maxPduLength: number;
  /** command_id and sequence_number when the 16 header octets were already received, for a courtesy generic_nack. */
  header?: { command_id: number; sequence_number: number };
  message: string;
}

export type DecodeErrorCode =
  | 'too_short' // fewer than 16 octets
  | 'length_mismatch' // command_length differs from the buffer length
  | 'unknown_command' // command_id not spoken here
  | 'truncated_body' // a mandatory field runs past the end of the PDU
  | 'bad_tlv' // the optional-parameter stream is malformed or a known TLV has the wrong length
  | 'invalid_field' // decoded, but a value breaks an SMPP 3.4 rule
  | 'internal'; // a bug in the decoder, caught rather than thrown

/** A PDU that was framed but could not be decoded. `status` is the command_status to answer it with. */
export interface DecodeError {
  kind: 'decode';
  code: DecodeErrorCode;
  status: number;
  field?: string;
  message: string;
}

/** Base class so callers can `instanceof SmppError` for everything this layer rejects with. */
export class SmppError extends Error {
  override name = 'SmppError';
}

/** The PDU given to encodePdu() breaks a rule; nothing was sent. */
export class SmppEncodeError extends SmppError {
  override name = 'SmppEncodeError';
  readonly issues: readonly { path: string; message: string }[];
  constructor(command: string, issues: readonly { path: string; message: string }[]) {
    super(`cannot encode ${command}: ${issues.map((i) => `${i.path || '(pdu)'}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** No response within the response timeout. The session is still usable; a late response is ignored. */
export class SmppResponseTimeoutError extends SmppError {
  override name = 'SmppResponseTimeoutError';
  readonly command: string;
  readonly sequenceNumber: number;
  readonly timeoutMs: number;
  constructor(command: string, sequenceNumber: number, timeoutMs: number) {
    super(`no response to ${command} #${sequenceNumber} within ${timeoutMs} ms`);
    this.command = command;
    this.sequenceNumber = sequenceNumber;
    this.timeoutMs = timeoutMs;
  }
}

/** The response to a request arrived but could not be decoded, or answered with the wrong command. */
export class SmppBadResponseError extends SmppError {
  override name = 'SmppBadResponseError';
  readonly command: string;
  readonly sequenceNumber: number;
  readonly status?: number;
  constructor(command: string, sequenceNumber: number, detail: string, status?: number) {
    super(
      `bad response to ${command} #${sequenceNumber}: ${detail}${status === undefined ? '' : ` (${commandStatusName(status)})`}`,
    );
    this.command = command;
    this.sequenceNumber = sequenceNumber;
    if (status !== undefined) this.status = status;
  }
}

/** The session is closed or closing; the request was not (or may not have been) answered. */
export class SmppSessionClosedError extends SmppError {
  override name = 'SmppSessionClosedError';
  readonly reason: CloseReason;
  constructor(reason: CloseReason) {
    super(`SMPP session closed: ${describeCloseReason(reason)}`);
    this.reason = reason;
  }
}

/** Why a session closed. Exactly one is reported, in the session's single 'close' event. */
export type CloseReason =
  | { kind: 'local'; message: string } // destroy() was called
  | { kind: 'unbound' } // we sent unbind (and got unbind_resp or gave up waiting)
  | { kind: 'peer_unbound' } // the peer sent unbind; we answered unbind_resp
  | { kind: 'peer_closed' } // the peer closed the connection
  | { kind: 'socket_error'; error: Error }
  | { kind: 'framing_error'; error: FramingError }
  | { kind: 'decode_error'; error: DecodeError } // a PDU without a readable header (cannot happen after framing)
  | { kind: 'enquire_link_timeout'; missed: number }; // the peer left `missed` enquire_links unanswered in a row

export function describeCloseReason(reason: CloseReason): string {
  switch (reason.kind) {
    case 'local':
      return `closed locally (${reason.message})`;
    case 'unbound':
      return 'unbound';
    case 'peer_unbound':
      return 'unbound by the peer';
    case 'peer_closed':
      return 'connection closed by the peer';
    case 'socket_error':
      return `socket error: ${reason.error.message}`;
    case 'framing_error':
      return `framing error: ${reason.error.message}`;
    case 'decode_error':
      return `undecodable PDU: ${reason.error.message}`;
    case 'enquire_link_timeout':
      return `${reason.missed} enquire_link left unanswered`;
  }
}
