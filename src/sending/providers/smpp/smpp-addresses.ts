/**
 * Hub addresses ↔ SMPP addresses (address, TON, NPI; SMPP 3.4 §5.2.5–§5.2.8). Pure.
 *
 * Outgoing, the sender is whatever `SmsSenderSchema` let through: an alphanumeric name (TON 5 NPI 0,
 * TS 23.040 §9.1.2.5 "alphanumeric"), a short code of 3 to 8 digits (network specific, TON 3 NPI 0,
 * by default: SMSCs disagree, so it is a setting), or an E.164 number (TON 1 NPI 1 without "+": the
 * TON already says "international", and SMSCs refuse or mangle a "+" in source_addr/destination_addr).
 * Incoming, an international number (TON 1) gets its "+" back; anything else is passed as received
 * and the pipeline normalizes it with the tenant's region.
 */
import type { SmppAddressing } from './smpp-settings.ts';

export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

export type AddressResult = { ok: true; address: SmppAddress } | { ok: false; reason: string };

const E164 = /^\+[1-9]\d{6,14}$/;
const SHORT_CODE = /^\d{3,8}$/;
// TS 23.040 §9.1.2.5: an alphanumeric originator holds at most 11 GSM characters.
const ALPHANUMERIC = /^[A-Za-z0-9 .\-_&]{1,11}$/;

/** The source address of a submit_sm. An empty sender leaves source_addr empty, for the SMSC to fill in. */
export function sourceAddress(from: string, addressing: SmppAddressing): AddressResult {
  const sender = from.trim();
  if (sender === '') return { ok: true, address: { ton: 0, npi: 0, addr: '' } };
  if (E164.test(sender)) return { ok: true, address: { ...addressing.international, addr: sender.slice(1) } };
  if (SHORT_CODE.test(sender)) return { ok: true, address: { ...addressing.shortCode, addr: sender } };
  if (ALPHANUMERIC.test(sender) && /[A-Za-z]/.test(sender)) return { ok: true, address: { ...addressing.alphanumeric, addr: sender } };
  return { ok: false, reason: `sender "${sender}" is neither an alphanumeric name (1–11 characters), a short code (3–8 digits) nor an E.164 number` };
}

/** The destination of a submit_sm: an E.164 number, sent as international digits. */
export function destinationAddress(to: string, addressing: SmppAddressing): AddressResult {
  const recipient = to.trim();
  if (!E164.test(recipient)) return { ok: false, reason: `recipient "${recipient}" is not an E.164 number ("+33612345678")` };
  return { ok: true, address: { ...addressing.international, addr: recipient.slice(1) } };
}

/** An address the SMSC sent us (the author of a reply, the handset of a receipt), as the hub writes it. */
export function hubAddress(address: string, ton: number): string {
  const value = address.trim();
  // TON 1 = international (§5.2.5): the digits start with the country code.
  if (ton === 1 && /^\d{7,15}$/.test(value)) return `+${value}`;
  return value;
}
