/**
 * The deliver_sm PDUs the hub sends an ESME: delivery receipts (esm_class 0x04) and MO (esm_class 0),
 * as pure functions. They are stored in the outbox as `OutboxPdu` (JSON) and sent as they are.
 *
 * Receipt text: SMPP 3.4 Appendix B, `id:<id> sub:001 dlvrd:001 submit date:YYMMDDhhmm done
 * date:YYMMDDhhmm stat:DELIVRD err:000 text:<20 chars>`, with the same id in the receipted_message_id
 * TLV and the state in message_state. Adobe Campaign's default "Extraction regex of the ID in the SR"
 * takes up to 10 alphanumerics after "id:", stat is matched from "stat:" (DELIV… = success) and err
 * is 3 characters after "err:" (Campaign Classic "SMS connector protocol and settings").
 */
import { DataCoding, EsmClass, formatReceiptText, MessageState } from '../../smpp-protocol/index.ts';
import type { PduInputOf } from '../../smpp-protocol/index.ts';
import { analyzeSms, encodeGsm7, encodeUcs2 } from '../../sending/encoding/index.ts';
import { smppAddressOf } from './addresses.ts';

/** A deliver_sm as stored in the outbox (octets in base64). */
export interface OutboxPdu {
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  esm_class: number;
  data_coding: number;
  short_message: string;
  message_payload?: string;
  receipted_message_id?: string;
  message_state?: number;
}

/** A message's end, as the sending core reports it (message.delivered / message.failed). */
export type FinalStatus = 'delivered' | 'undelivered' | 'expired' | 'rejected' | 'failed' | 'blocked';

/**
 * Error codes in `err:` for outcomes the hub decides itself; a provider's own code (from its receipt,
 * "err:NNN" in the failure reason) is passed through instead. Listed in docs/adobe-campaign.md.
 */
export const HubErrorCode = {
  delivered: '000',
  providerFailure: '001',
  optedOut: '101',
  noConsent: '102',
  invalidNumber: '103',
  refusedText: '104',
  gaveUp: '105',
} as const;

const STATES: Record<FinalStatus, { stat: string; state: number }> = {
  delivered: { stat: 'DELIVRD', state: MessageState.DELIVERED },
  undelivered: { stat: 'UNDELIV', state: MessageState.UNDELIVERABLE },
  expired: { stat: 'EXPIRED', state: MessageState.EXPIRED },
  rejected: { stat: 'REJECTD', state: MessageState.REJECTED },
  failed: { stat: 'UNDELIV', state: MessageState.UNDELIVERABLE },
  blocked: { stat: 'REJECTD', state: MessageState.REJECTED },
};

/** The 3-character err: for an outcome and the sending core's failure reason. */
export function errorCodeOf(status: FinalStatus, reason: string | undefined): string {
  if (status === 'delivered') return HubErrorCode.delivered;
  const provider = reason && /\berr:([0-9A-Za-z]{3})\b/.exec(reason);
  if (provider) return provider[1]!;
  if (status === 'blocked') {
    if (reason === 'opted_out') return HubErrorCode.optedOut;
    if (reason === 'no_consent') return HubErrorCode.noConsent;
    return HubErrorCode.invalidNumber;
  }
  if (status === 'failed') return HubErrorCode.gaveUp;
  if (status === 'rejected' && reason === 'refused by the hub') return HubErrorCode.refusedText;
  return HubErrorCode.providerFailure;
}

/**
 * Characters that read the same in ASCII and in GSM 03.38 (the receipt travels as data_coding 0 and
 * ESMEs parse it as ASCII): letters, digits, space and common punctuation; others become ".".
 */
export function receiptExcerpt(text: string): string {
  return [...text.slice(0, 20)].map((char) => (/^[A-Za-z0-9 !"#%&'()*+,\-./:;<=>?]$/.test(char) ? char : '.')).join('').slice(0, 20);
}

export interface ReceiptInput {
  /** The id answered in submit_sm_resp for the part that asked for the receipt. */
  id: string;
  /** The part's submit_sm addresses: a receipt goes from the recipient back to the originator. */
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  submittedAt: Date;
  doneAt: Date;
  status: FinalStatus;
  errorCode: string;
  text: string;
}

export function receiptPdu(input: ReceiptInput): OutboxPdu {
  const { stat, state } = STATES[input.status];
  const text = formatReceiptText({ id: input.id, submitted: input.submittedAt, done: input.doneAt, stat, err: input.errorCode, text: receiptExcerpt(input.text) });
  return {
    source_addr: input.destinationAddr,
    source_addr_ton: input.destTon,
    source_addr_npi: input.destNpi,
    destination_addr: input.sourceAddr,
    dest_addr_ton: input.sourceTon,
    dest_addr_npi: input.sourceNpi,
    esm_class: EsmClass.DELIVERY_RECEIPT,
    data_coding: DataCoding.SMSC_DEFAULT,
    short_message: Buffer.from(text, 'latin1').toString('base64'),
    receipted_message_id: input.id,
    message_state: state,
  };
}

/**
 * An incoming SMS as deliver_sm: GSM 03.38 (data_coding 0) when it can be, else UCS-2 (8); text that
 * does not fit short_message (254 octets) goes in message_payload. Adobe Campaign reads MO of up to
 * 160 characters without UDH, which covers STOP and other keywords.
 */
export function moPdu(sms: { from: string; to: string; text: string }): OutboxPdu {
  const source = smppAddressOf(sms.from);
  const destination = smppAddressOf(sms.to);
  const gsm = analyzeSms(sms.text).encoding === 'GSM-7';
  const octets = gsm ? encodeGsm7(sms.text) : encodeUcs2(sms.text);
  const long = octets.length > 254;
  return {
    source_addr: source.addr,
    source_addr_ton: source.ton,
    source_addr_npi: source.npi,
    destination_addr: destination.addr,
    dest_addr_ton: destination.ton,
    dest_addr_npi: destination.npi,
    esm_class: 0,
    data_coding: gsm ? DataCoding.SMSC_DEFAULT : DataCoding.UCS2,
    short_message: long ? '' : octets.toString('base64'),
    ...(long ? { message_payload: octets.toString('base64') } : {}),
  };
}

/** The stored PDU as the session sends it; an SMPP 3.3 ESME (interface_version < 0x34) gets no TLVs. */
export function toDeliverSm(pdu: OutboxPdu, withTlvs: boolean): PduInputOf<'deliver_sm'> & { command: 'deliver_sm' } {
  const payload = pdu.message_payload === undefined ? undefined : Buffer.from(pdu.message_payload, 'base64');
  return {
    command: 'deliver_sm',
    source_addr: pdu.source_addr,
    source_addr_ton: pdu.source_addr_ton,
    source_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.destination_addr,
    dest_addr_ton: pdu.dest_addr_ton,
    dest_addr_npi: pdu.dest_addr_npi,
    esm_class: pdu.esm_class,
    data_coding: pdu.data_coding,
    short_message: payload && !withTlvs ? payload.subarray(0, 254) : Buffer.from(pdu.short_message, 'base64'),
    ...(withTlvs && payload ? { message_payload: payload } : {}),
    ...(withTlvs && pdu.receipted_message_id !== undefined ? { receipted_message_id: pdu.receipted_message_id } : {}),
    ...(withTlvs && pdu.message_state !== undefined ? { message_state: pdu.message_state } : {}),
  };
}
