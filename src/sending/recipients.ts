/**
 * Adapter to the contacts part: everything the pipeline needs to know about the recipients of a
 * request (contact, address, consent, opt-out), for a whole batch in a few queries, all through the
 * contacts part's functions (`contactsBy`, `currentConsents`, `activeOptOutsOf`, `normalizePhone`
 * in the tenant's region).
 */
import { currentConsents } from '../contacts/consent.ts';
import { contactsBy } from '../contacts/contact-store.ts';
import type { Contact } from '../contacts/contacts.ts';
import { activeOptOutsOf } from '../contacts/opt-outs.ts';
import { normalizePhone } from '../contacts/phone.ts';
import { cachedTenantPhoneRegion } from '../contacts/tenant-region.ts';
import type { Db, Sql } from '../store/db.ts';
import type { ConsentStatus, MessageChannel } from './compliance/index.ts';
import type { FieldIssue } from './requests.ts';

export interface RecipientInput {
  to?: string | undefined;
  contactId?: string | undefined;
}

export interface Recipient {
  contact: Contact | undefined;
  /** E.164 phone or lower-cased email; undefined when the contact has none. */
  address: string | undefined;
  /** SMS: the number can receive SMS (a mobile, per the numbering plan). */
  mobile: boolean;
  consent: ConsentStatus;
  optedOut: boolean;
}

/** Issues carry the item index; paths are relative to the item. */
export type RecipientIssue = FieldIssue & { index: number };

/** The current marketing consent of each contact on `channel`; absent: never recorded (unknown). */
export async function consentsOf(db: Sql, tenantId: string, channel: MessageChannel, contactIds: string[]): Promise<Map<string, ConsentStatus>> {
  const statuses = new Map<string, ConsentStatus>();
  for (const [contactId, byChannel] of await currentConsents(db, tenantId, contactIds, channel)) {
    const record = byChannel[channel];
    if (record) statuses.set(contactId, record.status);
  }
  return statuses;
}

const unique = (values: (string | undefined | null)[]) => [...new Set(values.filter((value): value is string => typeof value === 'string'))];

export async function resolveRecipients(
  db: Db,
  tenantId: string,
  channel: MessageChannel,
  items: readonly RecipientInput[],
): Promise<{ recipients: (Recipient | undefined)[]; issues: RecipientIssue[] }> {
  const issues: RecipientIssue[] = [];
  const region = channel === 'sms' ? await cachedTenantPhoneRegion(db, tenantId) : undefined;
  // 1. Addresses given directly.
  const given = items.map((item, index) => {
    if (item.to === undefined) return undefined;
    if (channel === 'email') return { address: item.to.trim().toLowerCase(), mobile: false };
    const phone = normalizePhone(item.to, region);
    if (!phone.ok) {
      issues.push({ index, path: 'to', message: phone.message });
      return undefined;
    }
    return { address: phone.e164, mobile: phone.mobile };
  });
  // 2. Contacts by id, then by address for recipients given only by address.
  const byId = new Map((await contactsBy(db, tenantId, 'id', unique(items.map((item) => item.contactId)))).map((contact) => [contact.id, contact]));
  const field = channel === 'sms' ? 'phone' : 'email';
  const addressOnly = unique(items.map((item, index) => (item.contactId === undefined ? given[index]?.address : undefined)));
  const byAddress = new Map((await contactsBy(db, tenantId, field, addressOnly)).map((contact) => [contact[field]!, contact]));
  const resolved = items.map((item, index) => {
    let contact: Contact | undefined;
    if (item.contactId !== undefined) {
      contact = byId.get(item.contactId);
      if (!contact) {
        issues.push({ index, path: 'contactId', message: `no contact with id "${item.contactId}" in this tenant` });
        return undefined;
      }
    } else if (given[index]) contact = byAddress.get(given[index].address);
    if (item.to !== undefined && !given[index]) return undefined;
    let address = given[index]?.address;
    let mobile = given[index]?.mobile ?? false;
    if (address === undefined && contact) {
      const stored = contact[field] ?? undefined;
      if (stored !== undefined && channel === 'sms') {
        const phone = normalizePhone(stored, region);
        mobile = phone.ok && phone.mobile;
      }
      address = stored;
    }
    return { contact, address, mobile };
  });
  // 3. Consent and opt-outs, one query each.
  const consents = await consentsOf(db, tenantId, channel, unique(resolved.map((entry) => entry?.contact?.id)));
  const addresses = unique(resolved.map((entry) => entry?.address));
  const optedOut = await activeOptOutsOf(db, tenantId, channel === 'sms' ? { sms: addresses, email: [] } : { sms: [], email: addresses });
  const recipients = resolved.map((entry): Recipient | undefined => {
    if (!entry) return undefined;
    return {
      contact: entry.contact,
      address: entry.address,
      mobile: entry.mobile,
      consent: entry.contact ? (consents.get(entry.contact.id) ?? 'unknown') : 'unknown',
      optedOut: entry.address !== undefined && optedOut.has(`${channel}:${entry.address}`),
    };
  });
  return { recipients, issues };
}
