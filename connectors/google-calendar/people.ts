/**
 * Who an appointment is for. Google gives attendees an email but never a phone, so a receptionist
 * types the phone in the title ("Mme Dupont 06 12 34 56 78 — coupe"), the description or the
 * place: numbers are found there with libphonenumber's finder, read in the tenant's region. The
 * organizer, the calendar's own account (`self`) and rooms (`resource`) are never the customer.
 */
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import { validEmail } from '../../src/connectors/contact-fields.ts';
import type { Attendee, GoogleEvent } from './payloads.ts';

export interface Customer {
  email?: string;
  phone?: string;
  name?: string;
  /** The matched attendee's answer to the invitation, when the customer is an attendee. */
  responseStatus?: Attendee['responseStatus'];
}

/** The first valid number in the text, mobiles first (a reminder is an SMS), in E.164. */
export function phoneInText(texts: (string | undefined)[], region: CountryCode): string | undefined {
  const found = texts.flatMap((text) => (text ? findPhoneNumbersInText(text.slice(0, 8_000), { defaultCountry: region }) : []));
  const valid = found.map((match) => match.number).filter((number) => number.isValid());
  const mobile = valid.find((number) => {
    const type = number.getType();
    return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
  });
  return (mobile ?? valid[0])?.number;
}

const isCustomer = (attendee: Attendee, ownEmails: Set<string>) =>
  !attendee.organizer && !attendee.self && !attendee.resource && attendee.email !== undefined && !ownEmails.has(attendee.email.toLowerCase());

export function customerOf(event: GoogleEvent, region: CountryCode, calendarId: string): Customer | undefined {
  // The calendar's own address and the organizer's are the salon's, whatever the flags say.
  const ownEmails = new Set([calendarId, event.organizer?.email, event.creator?.email].filter((email): email is string => !!email).map((email) => email.toLowerCase()));
  const attendee = (event.attendees ?? []).find((candidate) => isCustomer(candidate, ownEmails));
  const email = validEmail(attendee?.email);
  const phone = phoneInText([event.summary, event.description, event.location], region);
  if (!email && !phone) return undefined;
  const name = attendee?.displayName?.trim().slice(0, 100) || undefined;
  return {
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(name ? { name } : {}),
    ...(email && attendee?.responseStatus ? { responseStatus: attendee.responseStatus } : {}),
  };
}
