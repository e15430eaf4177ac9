/**
 * Which Salesforce records an SMS, a reply or an opt-out is about:
 *
 * - `causeRecords`: the records of the Salesforce event that made a scenario send the SMS (pure): `task.assigned`
 *   → the task's contact or lead (WhoId) and its WhatId; `crm.contact_*` / `crm.lead_*` → the record; an order event
 *   → the Order; `invoice.*` → the invoice record. Only events of this installation count.
 * - `searchPeople`: the Contacts and Leads (not converted) whose phone fields hold a number, or whose email fields
 *   hold an address, by SOSL (`FIND {…} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)`,
 *   the REST API's search resource). A number is searched in its international and national digits
 *   (33612345678 OR 0612345678): Salesforce search reads phone fields without their spaces and punctuation, and
 *   records hold either form.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { SalesforceApi } from './client.ts';
import { isPersonId, SALESFORCE_ID } from './ids.ts';

export interface CauseRecords {
  whoId?: string;
  whatId?: string;
}

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const id = (value: unknown): string | undefined => (typeof value === 'string' && SALESFORCE_ID.test(value) ? value : undefined);

/** The records a Salesforce event of this installation names; nothing for other sources or installations. */
export function causeRecords(cause: { source: string; type: string; data: Record<string, unknown> } | null, installationId: string): CauseRecords {
  if (!cause || cause.source !== 'salesforce') return {};
  const data = cause.data;
  const ofThisOrg = record(data.org).installationId === installationId || record(data.shop).installationId === installationId;
  if (!ofThisOrg) return {};
  const found: CauseRecords = {};
  const set = (who: unknown, what: unknown) => {
    const whoId = id(who);
    const whatId = id(what);
    if (isPersonId(whoId)) found.whoId = whoId;
    if (whatId !== undefined && !isPersonId(whatId)) found.whatId = whatId;
  };
  if (cause.type === 'task.assigned') set(record(data.task).whoId, record(data.task).whatId);
  else if (cause.type.startsWith('crm.')) set(record(data.record).id, undefined);
  else if (cause.type.startsWith('order.')) set(undefined, data.orderId);
  else if (cause.type.startsWith('invoice.')) set(undefined, record(data.invoice).id);
  return found;
}

/** SOSL's reserved characters, escaped with a backslash (SOSL FIND clause). */
const escapeSosl = (text: string) => text.replace(/[?&|!{}[\]()^~*:\\"'+-]/g, (char) => `\\${char}`);

/** The digits a number may be stored with: international (33612345678) and national (0612345678). */
export function phoneTerms(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  const national = parsed?.formatNational().replace(/\D/g, '');
  return [...new Set([e164.replace(/\D/g, ''), ...(national ? [national] : [])])];
}

export interface Person {
  sobject: 'Contact' | 'Lead';
  id: string;
}

/** The Contacts and Leads holding this number or address; contacts first, in Salesforce's order. */
export async function searchPeople(api: SalesforceApi, channel: 'sms' | 'email', address: string): Promise<Person[]> {
  const sosl =
    channel === 'sms'
      ? `FIND {${phoneTerms(address).join(' OR ')}} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)`
      : `FIND {${escapeSosl(address)}} IN EMAIL FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)`;
  const found = await api.search(sosl);
  const people = found.filter((row) => (row.attributes.type === 'Contact' || row.attributes.type === 'Lead') && isPersonId(row.Id)).map((row) => ({ sobject: row.attributes.type as Person['sobject'], id: row.Id }));
  return [...people.filter((person) => person.sobject === 'Contact'), ...people.filter((person) => person.sobject === 'Lead')];
}
