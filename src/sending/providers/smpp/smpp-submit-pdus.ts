/**
 * An outgoing SMS → the submit_sm PDUs that carry it. Pure: the provider sends what this returns.
 *
 * - The text is split by `splitForSmpp` (GSM-7 unpacked septets with data_coding 0, else UTF-16BE with
 *   data_coding 8; UDH `05 00 03 ref total seq` and esm_class UDHI on each part of a long message).
 *   data_coding is always explicit: an SMSC's "default alphabet" guess is how texts arrive garbled.
 * - registered_delivery 1 (receipt on success and failure, §5.2.17) on every part when a receipt is
 *   wanted. Adobe Campaign asks on the first part only, but then the other parts' fate is unknown;
 *   as an ESME we ask for all and let the pipeline aggregate the parts' receipts.
 * - validity_period: the message's own `validUntil` as an absolute UTC time, else the provider's
 *   relative default, else empty (the SMSC's default) (§7.1.1 time format).
 */
import { analyzeSms, splitForSmpp, SmsEncodingError } from '../../encoding/index.ts';
import type { RequestInput } from '../../../smpp-protocol/index.ts';
import { EsmClass } from '../../../smpp-protocol/index.ts';
import type { OutboundSms } from '../provider.ts';
import { destinationAddress, sourceAddress } from './smpp-addresses.ts';
import type { SmppSettings } from './smpp-settings.ts';

export type SubmitPdu = RequestInput<'submit_sm'>;

export type SubmitPlan =
  | { ok: true; pdus: SubmitPdu[] }
  /** The message can never be sent as it is: the pipeline marks it rejected. */
  | { ok: false; reason: string };

type PlanSettings = Pick<SmppSettings, 'addressing' | 'defaultSender' | 'serviceType' | 'validityMinutes'>;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** §7.1.1 absolute time, in UTC: YYMMDDhhmmss, tenths, quarter-hours from UTC ("00"), "+". */
export function absoluteSmppTime(date: Date): string {
  return (
    pad2(date.getUTCFullYear() % 100) +
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    String(Math.floor(date.getUTCMilliseconds() / 100)) +
    '00+'
  );
}

/** §7.1.1 relative time: YYMMDDhhmmss000R, here in days, hours and minutes (at most 99 days). */
export function relativeSmppTime(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return `0000${pad2(days)}${pad2(hours)}${pad2(minutes % 60)}00000R`;
}

export function planSubmit(message: OutboundSms, settings: PlanSettings, reference: number, now: Date): SubmitPlan {
  const source = sourceAddress(message.from === '' ? (settings.defaultSender ?? '') : message.from, settings.addressing);
  if (!source.ok) return { ok: false, reason: source.reason };
  const destination = destinationAddress(message.to, settings.addressing);
  if (!destination.ok) return { ok: false, reason: destination.reason };

  let validity = '';
  if (message.validUntil) {
    if (message.validUntil.getTime() <= now.getTime()) return { ok: false, reason: `validity ended (${message.validUntil.toISOString()}) before the message could be submitted` };
    validity = absoluteSmppTime(message.validUntil);
  } else if (settings.validityMinutes !== undefined) {
    validity = relativeSmppTime(settings.validityMinutes);
  }

  // The pipeline chose the coding with analyzeSms on this very text; a different answer here means the
  // text or the alphabet tables changed in between, and the message would not be what was previewed.
  const analysis = analyzeSms(message.text);
  if (analysis.encoding !== message.encoding) {
    return { ok: false, reason: `the text needs ${analysis.encoding} but the message was prepared as ${message.encoding}; prepare it again` };
  }
  let parts;
  try {
    parts = splitForSmpp(message.text, reference);
  } catch (error) {
    if (error instanceof SmsEncodingError) return { ok: false, reason: error.message };
    throw error;
  }

  const pdus = parts.map(
    (part): SubmitPdu => ({
      command: 'submit_sm',
      service_type: settings.serviceType,
      source_addr_ton: source.address.ton,
      source_addr_npi: source.address.npi,
      source_addr: source.address.addr,
      dest_addr_ton: destination.address.ton,
      dest_addr_npi: destination.address.npi,
      destination_addr: destination.address.addr,
      esm_class: part.esmClassUdhi ? EsmClass.UDHI : 0,
      validity_period: validity,
      registered_delivery: message.requestReceipt ? 1 : 0,
      data_coding: part.dataCoding,
      short_message: part.shortMessage,
    }),
  );
  return { ok: true, pdus };
}
