/**
 * One submit_sm → the part the hub stores, or the command_status that refuses it. Pure: the caller
 * brings the account's settings and the time.
 *
 * Long messages arrive as parts (UDH concatenation, GSM 03.40 §9.2.3.24.1/.8, or the SAR TLVs of
 * §5.3.2.22-24) that share a group key until the forwarder joins them, or whole in message_payload.
 * Adobe Campaign sends the parts of a long message in reverse order and asks a receipt on the first
 * part only (docs: "SMS connector protocol and settings", registered_delivery), so nothing here
 * depends on the order or on every part asking for a receipt.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { CommandStatus, DataCoding, EsmClass } from '../../smpp-protocol/index.ts';
import type { PduOf } from '../../smpp-protocol/index.ts';
import { decodeShortMessage, parseUdh } from '../../sending/encoding/index.ts';
import type { MessageCategory } from '../../sending/message.ts';
import { destinationOf, senderOf } from './addresses.ts';
import { parseSmppTime } from './smpp-time.ts';

/** What the ESME asked for in registered_delivery bits 0-1 (§5.2.17): none, final receipt, or only on failure. */
export type ReceiptRequest = 'none' | 'final' | 'failure';

export interface SubmitPart {
  /** Shared by the parts of one long message; undefined for a message in one part. */
  groupKey: string | undefined;
  partTotal: number;
  /** 1-based. */
  partSeq: number;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  /** The hub's sender ('' = the tenant's or provider's default) and recipient (E.164). */
  sender: string;
  recipient: string;
  category: MessageCategory;
  dataCoding: number;
  /** The text octets, without the UDH. */
  userData: Buffer;
  receipt: ReceiptRequest;
  sendAt: Date | undefined;
}

export interface PartAccount {
  defaultSender: string | null;
  category: MessageCategory;
  /** The tenant's phone region: national destinations are read in it. */
  phoneRegion: CountryCode;
}

export type ReadSubmitResult = { ok: true; part: SubmitPart } | { ok: false; status: number; reason: string };

/** data_coding values decoded (decodeShortMessage): GSM 03.38 unpacked, Latin-1, UCS-2. */
const DECODED_CODINGS: ReadonlySet<number> = new Set([DataCoding.SMSC_DEFAULT, DataCoding.LATIN1, DataCoding.UCS2]);
/** National language single shift and locking shift (3GPP TS 23.040 §9.2.3.24.15-16): Adobe never sends them, and we do not decode them. */
const NATIONAL_SHIFT_IEIS: ReadonlySet<number> = new Set([0x24, 0x25]);

const refuse = (status: number, reason: string): ReadSubmitResult => ({ ok: false, status, reason });

function receiptRequestOf(registeredDelivery: number): ReceiptRequest {
  switch (registeredDelivery & 0x03) {
    case 0:
      return 'none';
    case 2:
      return 'failure';
    default:
      // 1, and 3 (reserved) read as "final receipt": asking for too much is the safe side.
      return 'final';
  }
}

export function readSubmit(pdu: PduOf<'submit_sm'>, account: PartAccount, now: Date): ReadSubmitResult {
  const destination = destinationOf(pdu.destination_addr, pdu.dest_addr_ton, account.phoneRegion);
  if (!destination.ok) return refuse(CommandStatus.ESME_RINVDSTADR, destination.message);
  const sender = senderOf(pdu.source_addr, pdu.source_addr_ton, account.defaultSender);
  if (!sender.ok) return refuse(CommandStatus.ESME_RINVSRCADR, sender.message);
  // §5.2.12: a submit_sm is a default message (type 0); SME acknowledgements (0x08, 0x10) are accepted as such.
  const messageType = pdu.esm_class & EsmClass.MESSAGE_TYPE_MASK;
  if (messageType !== 0x00 && messageType !== 0x08 && messageType !== 0x10) {
    return refuse(CommandStatus.ESME_RINVESMCLASS, `esm_class 0x${pdu.esm_class.toString(16)} is not a message an ESME submits`);
  }
  if (!DECODED_CODINGS.has(pdu.data_coding)) {
    const check = decodeShortMessage(Buffer.alloc(0), pdu.data_coding);
    return refuse(CommandStatus.ESME_RSUBMITFAIL, check.ok ? `data_coding ${pdu.data_coding} is not supported` : check.error.message);
  }
  const schedule = parseSmppTime(pdu.schedule_delivery_time, now);
  if (!schedule.ok) return refuse(CommandStatus.ESME_RINVSCHED, `schedule_delivery_time ${schedule.message}`);

  let userData = pdu.message_payload ?? pdu.short_message;
  let groupKey: string | undefined;
  let partTotal = 1;
  let partSeq = 1;
  const conversation = `${pdu.source_addr}>${pdu.destination_addr}`;
  if ((pdu.esm_class & EsmClass.UDHI) !== 0) {
    const udh = parseUdh(userData);
    if (!udh.ok) return refuse(CommandStatus.ESME_RINVESMCLASS, `UDHI set but the user data header is invalid: ${udh.error.message}`);
    if (udh.elements.some((element) => NATIONAL_SHIFT_IEIS.has(element.iei))) {
      return refuse(CommandStatus.ESME_RSUBMITFAIL, 'national language shift tables (UDH IE 0x24/0x25) are not supported: send GSM 03.38 default alphabet or UCS-2');
    }
    userData = udh.payload;
    if (udh.udh && udh.udh.total > 1) {
      groupKey = `${conversation}#udh${udh.udh.referenceBits}:${udh.udh.reference}/${udh.udh.total}`;
      partTotal = udh.udh.total;
      partSeq = udh.udh.sequence;
    }
  } else if (pdu.sar_msg_ref_num !== undefined && pdu.sar_total_segments !== undefined && pdu.sar_total_segments > 1) {
    const seq = pdu.sar_segment_seqnum ?? 0;
    if (seq < 1 || seq > pdu.sar_total_segments) {
      return refuse(CommandStatus.ESME_RINVOPTPARAMVAL, `sar_segment_seqnum ${seq} is outside 1-${pdu.sar_total_segments}`);
    }
    groupKey = `${conversation}#sar:${pdu.sar_msg_ref_num}/${pdu.sar_total_segments}`;
    partTotal = pdu.sar_total_segments;
    partSeq = seq;
  }
  if (groupKey === undefined && userData.length === 0) return refuse(CommandStatus.ESME_RINVMSGLEN, 'the message is empty');
  // Decoded once here to refuse what can never be decoded (a Latin-1 octet sent as GSM 03.38); the
  // text is decoded again from the joined parts, so a pair split across parts still comes out right.
  const decoded = decodeShortMessage(userData, pdu.data_coding);
  if (!decoded.ok) return refuse(CommandStatus.ESME_RSUBMITFAIL, decoded.error.message);

  return {
    ok: true,
    part: {
      groupKey,
      partTotal,
      partSeq,
      sourceAddr: pdu.source_addr,
      sourceTon: pdu.source_addr_ton,
      sourceNpi: pdu.source_addr_npi,
      destinationAddr: pdu.destination_addr,
      destTon: pdu.dest_addr_ton,
      destNpi: pdu.dest_addr_npi,
      sender: sender.sender,
      recipient: destination.e164,
      category: account.category,
      dataCoding: pdu.data_coding,
      userData: Buffer.from(userData),
      receipt: receiptRequestOf(pdu.registered_delivery),
      sendAt: schedule.at,
    },
  };
}
