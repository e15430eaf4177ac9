/**
 * Adapter to the contacts part: everything the pipeline needs to know about the recipients of a
 * request (contact, address, consent, opt-out), for a whole batch in a few queries.
 *
 * It uses the contacts part's exported pieces (`normalizePhone`, `cachedTenantPhoneRegion`,
 * `activeOptOutsOf`, `CONTACT_COLUMNS`/`withExternalIds`) and adds one thing the part does not
 * export: the current consent of many contacts in one query (`ContactService.consentOf` answers one
 * contact at a time). It reads `contact_consents` with the same rule as `currentConsent` (latest by
 * `at`, then by `seq`).
 */
import type { Contact } from '../contacts/contacts.ts';
import { CONTACT_COLUMNS, withExternalIds, type ContactRow } from '../contacts/contact-store.ts';
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

async function contactsWhere(db: Sql, tenantId: string, column: 'id' | 'phone' | 'email', values: string[]): Promise<Contact[]> {
  if (values.length === 0) return [];
  const rows = await db.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE c.tenant_id = $1 AND c.${column} = ANY($2::text[])`, [tenantId, values]);
  return withExternalIds(db, tenantId, rows);
}

/** The current marketing consent of each contact on `channel`; absent: never recorded (unknown). */
export async function consentsOf(db: Sql, tenantId: string, channel: MessageChannel, contactIds: string[]): Promise<Map<string, ConsentStatus>> {
  if (contactIds.length === 0) return new Map();
  const rows = await db.query<{ contact_id: string; status: 'granted' | 'withdrawn' }>(
    `SELECT DISTINCT ON (contact_id) contact_id, status FROM contact_consents
     WHERE tenant_id = $1 AND channel = $2 AND contact_id = ANY($3::text[])
     ORDER BY contact_id, at DESC, seq DESC`,
    [tenantId, channel, contactIds],
  );
  return new Map(rows.map((row) => [row.contact_id, row.status]));
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
  const byId = new Map((await contactsWhere(db, tenantId, 'id', unique(items.map((item) => item.contactId)))).map((contact) => [contact.id, contact]));
  const field = channel === 'sms' ? 'phone' : 'email';
  const addressOnly = unique(items.map((item, index) => (item.contactId === undefined ? given[index]?.address : undefined)));
  const byAddress = new Map((await contactsWhere(db, tenantId, field, addressOnly)).map((contact) => [contact[field]!, contact]));
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
