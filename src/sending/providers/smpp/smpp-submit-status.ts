/**
 * What a submit_sm_resp's command_status means for the message. Pure.
 *
 * Temporary, as Kannel's smsc_smpp.c (`smpp_status_to_smscconn_failure_reason`) treats them:
 * ESME_RTHROTTLED and ESME_RMSGQFUL (the SMSC is saturated: slow down everything, not just this
 * message), ESME_RX_T_APPN and ESME_RSYSERR (try again). Added here: ESME_RINVBNDSTS, which an SMSC
 * answers when it no longer counts our link as bound (the link is re-bound, the message retried).
 * Everything else, vendor codes 0x400–0x4FF included, refuses this message for good: retrying an
 * invalid destination only costs throughput.
 */
import { CommandStatus, commandStatusName } from '../../../smpp-protocol/index.ts';

export type SubmitStatusClass =
  | { kind: 'accepted' }
  /** Slow down every send of this provider, then retry. */
  | { kind: 'throttled'; name: string }
  /** Retry this message. `rebind`: the link is not usable any more. */
  | { kind: 'temporary'; name: string; rebind: boolean }
  | { kind: 'permanent'; name: string; code: string };

/** The code the pipeline records: the SMPP name when there is one, else the hex value (vendor codes). */
export function statusCode(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function classifySubmitStatus(status: number): SubmitStatusClass {
  const name = commandStatusName(status);
  switch (status) {
    case CommandStatus.ESME_ROK:
      return { kind: 'accepted' };
    case CommandStatus.ESME_RTHROTTLED:
    case CommandStatus.ESME_RMSGQFUL:
      return { kind: 'throttled', name };
    case CommandStatus.ESME_RX_T_APPN:
    case CommandStatus.ESME_RSYSERR:
      return { kind: 'temporary', name, rebind: false };
    case CommandStatus.ESME_RINVBNDSTS:
      return { kind: 'temporary', name, rebind: true };
    default:
      return { kind: 'permanent', name, code: statusCode(status) };
  }
}

/** Why an SMSC refused: a few words for the message's error, after the SMPP name. */
const EXPLANATIONS: Partial<Record<number, string>> = {
  [CommandStatus.ESME_RINVDSTADR]: 'invalid destination address',
  [CommandStatus.ESME_RINVSRCADR]: 'invalid source address (sender id not allowed on this account?)',
  [CommandStatus.ESME_RINVDSTTON]: 'destination TON refused',
  [CommandStatus.ESME_RINVSRCTON]: 'source TON refused (see the addressing setting)',
  [CommandStatus.ESME_RINVDSTNPI]: 'destination NPI refused',
  [CommandStatus.ESME_RINVSRCNPI]: 'source NPI refused (see the addressing setting)',
  [CommandStatus.ESME_RSUBMITFAIL]: 'submit failed at the SMSC',
  [CommandStatus.ESME_RINVMSGLEN]: 'message length refused',
  [CommandStatus.ESME_RINVESMCLASS]: 'esm_class refused (concatenation not supported?)',
  [CommandStatus.ESME_RINVEXPIRY]: 'validity period refused',
  [CommandStatus.ESME_RTHROTTLED]: 'the SMSC asks us to slow down',
  [CommandStatus.ESME_RMSGQFUL]: 'the SMSC\'s queue is full',
};

export function describeStatus(status: number): string {
  const name = commandStatusName(status);
  const explanation = EXPLANATIONS[status];
  return explanation ? `${name}: ${explanation}` : name;
}
