// The SMPP session's options and the types of its API (what it emits, takes and reports): session.ts is the
// state machine that uses them.
import type { PduHeader } from './codec.ts';
import type { CloseReason, DecodeError } from './errors.ts';
import { DEFAULT_MAX_PDU_LENGTH } from './framing.ts';
import type { GenericNack, Pdu, PduInput, PduInputOf, RequestCommand, RequestPdu, ResponseCommandFor, ResponsePdu } from './pdu.ts';

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

/** The options given, the defaults for the others (an option given as undefined takes its default). */
export function withDefaults(options: SmppSessionOptions): Required<SmppSessionOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<SmppSessionOptions>;
  return { ...DEFAULTS, ...given };
}

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
