/**
 * What the SMSC sends us (deliver_sm, or data_sm from SMSCs that use it for MO) → a receipt or a
 * part of an incoming SMS. Pure; the provider does the I/O and the acknowledgements.
 *
 * A PDU is a receipt when esm_class says so (§5.2.12 message type 0x04 SMSC delivery receipt, 0x20
 * intermediate notification, 0x08/0x10 SME acknowledgements) or when it carries receipted_message_id:
 * a few SMSCs leave esm_class at 0 on receipts. Anything else is a mobile-originated message.
 */
import { parseUdh } from '../../encoding/index.ts';
import { CommandStatus, EsmClass } from '../../../smpp-protocol/index.ts';
import type { PduOf } from '../../../smpp-protocol/index.ts';
import type { ProviderReceipt } from '../provider.ts';
import { hubAddress } from './smpp-addresses.ts';
import { receiptFrom } from './smpp-receipt.ts';

export type IncomingPdu = PduOf<'deliver_sm'> | PduOf<'data_sm'>;

export interface ConcatPart {
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
}

/** One deliver_sm of an incoming SMS: the user data still encoded, so parts are joined before decoding. */
export interface InboundPart {
  from: string;
  to: string;
  at: Date;
  dataCoding: number;
  /** User data without its UDH. */
  payload: Buffer;
  concat?: ConcatPart;
}

export type Incoming =
  | { kind: 'receipt'; receipt: ProviderReceipt }
  | { kind: 'message'; part: InboundPart }
  /** Cannot be used, now or later: answered with `status` so the SMSC stops offering it. */
  | { kind: 'unusable'; reason: string; status: number };

const RECEIPT_TYPES = new Set([0x04, 0x08, 0x10, 0x20]);

function userData(pdu: IncomingPdu): Buffer {
  if (pdu.message_payload !== undefined) return pdu.message_payload;
  return pdu.command === 'deliver_sm' ? pdu.short_message : Buffer.alloc(0);
}

export function isReceipt(pdu: IncomingPdu): boolean {
  return RECEIPT_TYPES.has(pdu.esm_class & EsmClass.MESSAGE_TYPE_MASK) || pdu.receipted_message_id !== undefined;
}

export function interpretIncoming(pdu: IncomingPdu, at: Date): Incoming {
  const data = userData(pdu);
  if (isReceipt(pdu)) {
    const result = receiptFrom(
      {
        // Appendix B receipts are ASCII; latin1 keeps every octet, whatever data_coding claims.
        text: data.toString('latin1'),
        receiptedMessageId: pdu.receipted_message_id,
        messageState: pdu.message_state,
        networkErrorCode: pdu.network_error_code,
      },
      at,
    );
    return result.ok ? { kind: 'receipt', receipt: result.receipt } : { kind: 'unusable', reason: result.reason, status: CommandStatus.ESME_RX_P_APPN };
  }

  let payload = data;
  let concat: ConcatPart | undefined;
  if ((pdu.esm_class & EsmClass.UDHI) !== 0) {
    const udh = parseUdh(data);
    if (!udh.ok) return { kind: 'unusable', reason: `incoming SMS with a broken user data header: ${udh.error.message}`, status: CommandStatus.ESME_RX_P_APPN };
    payload = Buffer.from(udh.payload);
    if (udh.udh) concat = { reference: udh.udh.reference, total: udh.udh.total, sequence: udh.udh.sequence };
  } else if (pdu.sar_msg_ref_num !== undefined && pdu.sar_total_segments !== undefined && pdu.sar_segment_seqnum !== undefined) {
    // §5.3.2.22–24: concatenation told in TLVs instead of a UDH.
    const { sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: sequence } = pdu;
    if (total === 0 || sequence === 0 || sequence > total) {
      return { kind: 'unusable', reason: `incoming SMS with SAR segment ${sequence} of ${total}`, status: CommandStatus.ESME_RX_P_APPN };
    }
    concat = { reference, total, sequence };
  }
  const part: InboundPart = {
    from: hubAddress(pdu.source_addr, pdu.source_addr_ton),
    to: hubAddress(pdu.destination_addr, pdu.dest_addr_ton),
    at,
    dataCoding: pdu.data_coding,
    payload,
  };
  // A "concatenated" message of one part is just a message.
  if (concat && concat.total > 1) part.concat = concat;
  return { kind: 'message', part };
}
