/**
 * The contacts part's SQL read model: what other parts' set queries (a segment's members among
 * 100,000 contacts, the yearly date scan) compose into their own statements, so that selecting
 * contacts by field, consent and list stays one query while the tables, their columns and the
 * consent rule stay here. A change to the part's schema is made in this file, and every query built
 * on it follows; no other part names the part's tables.
 */
import { latestConsentFirst } from './consent.ts';

/**
 * The tenant's contacts as a relation for a FROM clause (`FROM ${CONTACTS_READ_MODEL} c`), with
 * these columns: id, tenant_id, phone (E.164), email (lower case), first_name, last_name, locale,
 * time_zone, attributes (jsonb), created_at. A plain projection: PostgreSQL folds it into the outer
 * query, so filters on tenant_id and id still use the table's indexes.
 */
export const CONTACTS_READ_MODEL = '(SELECT id, tenant_id, phone, email, first_name, last_name, locale, time_zone, attributes, created_at FROM contacts)';

/**
 * The current consent of the contact aliased `contact` on the channel in parameter `channel` ('sms' or
 * 'email'): 'granted', 'withdrawn', or 'unknown' when never recorded. The rule of src/contacts/consent.ts
 * (latest by `at`, then by record), one index probe per contact.
 */
export function consentStatusSql(contact: string, channel: string): string {
  return `coalesce((SELECT cc.status FROM contact_consents cc WHERE cc.tenant_id = ${contact}.tenant_id AND cc.contact_id = ${contact}.id AND cc.channel = ${channel}
        ORDER BY ${latestConsentFirst('cc')} LIMIT 1), 'unknown')`;
}

/** True when the contact aliased `contact` is a member of the list whose id is in parameter `list`. */
export function inListSql(contact: string, list: string): string {
  return `EXISTS (SELECT 1 FROM list_members lm WHERE lm.tenant_id = ${contact}.tenant_id AND lm.contact_id = ${contact}.id AND lm.list_id = ${list})`;
}
