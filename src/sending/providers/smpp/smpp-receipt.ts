/**
 * SMSC delivery receipts → `ProviderReceipt`. Pure.
 *
 * The text (SMPP 3.4 Appendix B, "vendor specific" by the spec's own words) is read by the protocol
 * library's `parseReceiptText`, tolerant of what SMSCs send. The TLVs of §5.3.2.12 receipted_message_id
 * and §5.3.2.35 message_state, when present, are the spec's own carriers and win over the text.
 *
 * `at` is when the receipt reached us: the text's "done date" is in the SMSC's local time, with no
 * zone, so it would be a guess; it stays readable in `raw`.
 */
import { MessageState, parseReceiptText } from '../../../smpp-protocol/index.ts';
import type { ProviderReceipt, ReceiptStatus } from '../provider.ts';

/** Appendix B `stat:` values and the long forms some SMSCs write, by prefix (UNDELIV before DELIV). */
const STAT_PREFIXES: readonly (readonly [string, ReceiptStatus])[] = [
  ['UNDELIV', 'undelivered'],
  ['DELIV', 'delivered'],
  ['EXPIR', 'expired'],
  ['DELET', 'deleted'],
  ['ACCEPT', 'accepted'],
  ['REJECT', 'rejected'],
  ['ENROUTE', 'enroute'],
  ['UNKNOWN', 'unknown'],
  ['FAIL', 'undelivered'],
];

export function statusFromStat(stat: string): ReceiptStatus {
  const upper = stat.toUpperCase();
  return STAT_PREFIXES.find(([prefix]) => upper.startsWith(prefix))?.[1] ?? 'unknown';
}

const STATE_STATUS: Record<number, ReceiptStatus> = {
  [MessageState.ENROUTE]: 'enroute',
  [MessageState.DELIVERED]: 'delivered',
  [MessageState.EXPIRED]: 'expired',
  [MessageState.DELETED]: 'deleted',
  [MessageState.UNDELIVERABLE]: 'undelivered',
  [MessageState.ACCEPTED]: 'accepted',
  [MessageState.UNKNOWN]: 'unknown',
  [MessageState.REJECTED]: 'rejected',
};

export function statusFromMessageState(state: number): ReceiptStatus | undefined {
  return STATE_STATUS[state];
}

export interface ReceiptFields {
  /** The receipt's short_message (or message_payload) as text; receipts are ASCII (Appendix B). */
  text: string;
  receiptedMessageId?: string | undefined;
  messageState?: number | undefined;
  /** §5.3.2.31: network type, then a 2-octet error code. */
  networkErrorCode?: Buffer | undefined;
}

export type ReceiptResult = { ok: true; receipt: ProviderReceipt } | { ok: false; reason: string };

export function receiptFrom(fields: ReceiptFields, at: Date): ReceiptResult {
  const parsed = parseReceiptText(fields.text);
  const providerMessageId = fields.receiptedMessageId?.trim() || parsed.id;
  if (!providerMessageId) return { ok: false, reason: 'delivery receipt without receipted_message_id nor "id:" in its text' };
  const fromState = fields.messageState === undefined ? undefined : statusFromMessageState(fields.messageState);
  const status = fromState ?? (parsed.stat !== undefined ? statusFromStat(parsed.stat) : undefined);
  if (!status) return { ok: false, reason: `delivery receipt for ${providerMessageId} without a state (no message_state TLV, no "stat:")` };

  let errorCode = parsed.err !== undefined && !/^0+$/.test(parsed.err) ? parsed.err : undefined;
  if (errorCode === undefined && fields.networkErrorCode && fields.networkErrorCode.length === 3) {
    const code = fields.networkErrorCode.readUInt16BE(1);
    if (code !== 0) errorCode = `net:${fields.networkErrorCode[0]}:${code}`;
  }
  const raw =
    fields.text.trim() !== ''
      ? fields.text
      : `receipted_message_id:${providerMessageId}${fields.messageState === undefined ? '' : ` message_state:${fields.messageState}`}`;
  const receipt: ProviderReceipt = { providerMessageId, status, at, raw };
  if (errorCode !== undefined) receipt.errorCode = errorCode;
  return { ok: true, receipt };
}
