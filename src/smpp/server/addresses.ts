/**
 * SMPP addresses ↔ the hub's, as pure functions.
 *
 * SMPP carries numbers as digits with a TON (type of number, §5.2.5) instead of a "+": Adobe Campaign
 * sends only the digits of the international number by default ("Send the full phone number"
 * unchecked) with the TON set in its external account, often left at 0 (unknown). Kannel strips the
 * "+" and sets TON 1. So digits that can only be an international number are read as one.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone } from '../../contacts/phone.ts';
import { SmsSenderSchema } from '../../sending/settings.ts';

/** §5.2.5 type of number. */
export const Ton = { UNKNOWN: 0, INTERNATIONAL: 1, NATIONAL: 2, NETWORK_SPECIFIC: 3, SUBSCRIBER: 4, ALPHANUMERIC: 5, ABBREVIATED: 6 } as const;
/** §5.2.6 numbering plan indicator. */
export const Npi = { UNKNOWN: 0, ISDN: 1 } as const;

/**
 * destination_addr → what the sending core reads as a recipient: "+<digits>" for an international
 * number, the national form ("0612345678", read in the tenant's region) as it came, undefined when
 * it cannot be a phone number (ESME_RINVDSTADR).
 */
export function recipientOf(address: string, ton: number): string | undefined {
  const compact = address.replace(/[\s.()-]/g, '');
  if (/^\+\d{6,15}$/.test(compact)) return compact;
  if (!/^\d{3,20}$/.test(compact)) return undefined;
  if (ton === Ton.INTERNATIONAL) return `+${compact}`;
  if (compact.startsWith('00')) return `+${compact.slice(2)}`;
  if (compact.startsWith('0') || ton === Ton.NATIONAL) return compact;
  // 8 to 15 digits without a trunk prefix: the digits of an international number (country code first).
  if (/^\d{8,15}$/.test(compact)) return `+${compact}`;
  return compact;
}

export type DestinationResult = { ok: true; e164: string } | { ok: false; message: string };

/**
 * destination_addr → the E.164 recipient, by the rule the sending core applies to every recipient
 * (normalizePhone in the tenant's region): a number it would refuse is refused here, at submit, with
 * ESME_RINVDSTADR, instead of an ESME_ROK followed by a REJECTD receipt the ESME cannot act on.
 * With TON unknown, digits without a trunk prefix are first read as an international number (Adobe's
 * default) and, when that is no number, as a national one without its trunk prefix ("612345678").
 */
export function destinationOf(address: string, ton: number, region: CountryCode): DestinationResult {
  const reading = recipientOf(address, ton);
  if (reading === undefined) return { ok: false, message: `destination_addr "${address}" is not a phone number` };
  const phone = normalizePhone(reading, region);
  if (phone.ok) return { ok: true, e164: phone.e164 };
  const digits = address.replace(/[\s.()-]/g, '');
  if (ton === Ton.UNKNOWN && reading === `+${digits}`) {
    const national = normalizePhone(digits, region);
    if (national.ok) return { ok: true, e164: national.e164 };
  }
  return { ok: false, message: `destination_addr "${address}" (TON ${ton}): ${phone.message}` };
}

export type SenderResult = { ok: true; sender: string } | { ok: false; message: string };

/**
 * source_addr → the sender id of the hub message. Empty: the account's default sender, else '' (the
 * tenant's default sender, else the provider's). Numbers become short codes or E.164; the result must
 * be a sender the sending core accepts (alphanumeric ≤ 11, short code, E.164), else ESME_RINVSRCADR.
 */
export function senderOf(address: string, ton: number, defaultSender: string | null): SenderResult {
  const trimmed = address.trim();
  if (trimmed === '') return { ok: true, sender: defaultSender ?? '' };
  let sender = trimmed;
  if (ton !== Ton.ALPHANUMERIC && /^\+?\d+$/.test(trimmed)) {
    const digits = trimmed.replace(/^\+/, '');
    sender = ton === Ton.INTERNATIONAL || trimmed.startsWith('+') || digits.length > 8 ? `+${digits}` : digits;
  }
  const parsed = SmsSenderSchema.safeParse(sender);
  return parsed.success ? { ok: true, sender: parsed.data } : { ok: false, message: `source_addr "${trimmed}": ${parsed.error.issues[0]!.message}` };
}

/** A hub address (E.164, short code, alphanumeric) as an SMPP address with its TON/NPI, for deliver_sm. */
export function smppAddressOf(address: string): { addr: string; ton: number; npi: number } {
  if (/^\+\d+$/.test(address)) return { addr: address.slice(1), ton: Ton.INTERNATIONAL, npi: Npi.ISDN };
  if (/^\d+$/.test(address)) return { addr: address, ton: Ton.UNKNOWN, npi: Npi.ISDN };
  return { addr: address.slice(0, 20), ton: Ton.ALPHANUMERIC, npi: Npi.UNKNOWN };
}
