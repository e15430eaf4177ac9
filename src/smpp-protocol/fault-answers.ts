// What the SMPP session answers, by itself, to a PDU it cannot hand on: pure functions, so the session only
// decides when to send them.
import type { PduHeader } from './codec.ts';
import { encodePdu } from './codec.ts';
import { CommandStatus } from './constants.ts';
import type { DecodeError, FramingError } from './errors.ts';
import { isRequestCommand, responseCommandFor } from './pdu.ts';
import type { PduInput, RequestPdu } from './pdu.ts';

/**
 * A request we could not decode is always answered, so the peer's window slot is freed. An unknown command_id gets
 * generic_nack (§4.3); a known request with a bad body gets its own response carrying the status that names the
 * fault (§5.1.3, e.g. submit_sm_resp ESME_RINVMSGLEN), which ESMEs map to a failed message.
 */
export function undecodableRequestAnswer(error: DecodeError, header: PduHeader): PduInput {
  const command =
    header.command !== undefined && isRequestCommand(header.command) && error.code !== 'length_mismatch'
      ? responseCommandFor(header.command)
      : 'generic_nack';
  return { command, command_status: error.status, sequence_number: header.sequence_number } as PduInput;
}

/**
 * §4.3 asks for a generic_nack on an invalid command_length; the stream cannot be resynchronised after it, so the
 * nack is a courtesy before closing the connection. Undefined when not even the header could be read.
 */
export function framingErrorNack(error: FramingError): Buffer | undefined {
  return error.header
    ? encodePdu({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDLEN, sequence_number: error.header.sequence_number })
    : undefined;
}

/** The answer to a request the application failed to take (no listener, or it threw): a system error. */
export function systemErrorAnswer(pdu: RequestPdu): PduInput {
  return { command: responseCommandFor(pdu.command), command_status: CommandStatus.ESME_RSYSERR, sequence_number: pdu.sequence_number } as PduInput;
}
