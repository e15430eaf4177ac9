/**
 * The record the SMS tab is opened on, read through the installation's API access (the integration user the org was
 * connected with, not the rep's Canvas token): its fields, which the text reads as `{{ record.FirstName }}`, and its
 * phone numbers, in E.164 in the installation's phone region.
 *
 * Each object has its own phone fields (REST API Developer Guide / Object Reference): a Contact's MobilePhone, Phone,
 * HomePhone, OtherPhone; a Lead's MobilePhone and Phone; an Account's Phone; a Case's ContactMobile, ContactPhone and
 * the SuppliedPhone of a web-to-case; an Opportunity reaches people through its primary Contact (ContactId) and its
 * Account; an Order through its Bill To Contact and its Account. Related records are read with a query of their
 * own and appear under their relationship name (`{{ record.BillToContact.FirstName }}`).
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone } from '../../src/contacts/phone.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { SalesforceApi } from './client.ts';
import { id18 } from './ids.ts';

export const TAB_OBJECTS = ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Order'] as const;
export type TabObject = (typeof TAB_OBJECTS)[number];
export const isTabObject = (type: unknown): type is TabObject => TAB_OBJECTS.includes(type as TabObject);

interface Related {
  /** The lookup field on the record, and the relationship name its fields appear under. */
  lookup: string;
  relationship: string;
  sobject: 'Contact' | 'Account';
}

interface ObjectReading {
  fields: string[];
  /** Phone fields, the most likely mobile first. */
  phones: string[];
  /** What the tab calls the record. */
  name: string;
  related: Related[];
}

const CONTACT_FIELDS = ['Id', 'Name', 'Salutation', 'FirstName', 'LastName', 'Email', 'MobilePhone', 'Phone'];
const ACCOUNT_FIELDS = ['Id', 'Name', 'Phone'];
const RELATED_PHONES: Record<Related['sobject'], string[]> = { Contact: ['MobilePhone', 'Phone'], Account: ['Phone'] };
const RELATED_FIELDS: Record<Related['sobject'], string[]> = { Contact: CONTACT_FIELDS, Account: ACCOUNT_FIELDS };

const READINGS: Record<TabObject, ObjectReading> = {
  Contact: { fields: [...CONTACT_FIELDS, 'Title', 'HomePhone', 'OtherPhone', 'AccountId'], phones: ['MobilePhone', 'Phone', 'HomePhone', 'OtherPhone'], name: 'Name', related: [] },
  Lead: { fields: [...CONTACT_FIELDS, 'Title', 'Company', 'Status'], phones: ['MobilePhone', 'Phone'], name: 'Name', related: [] },
  Account: { fields: ACCOUNT_FIELDS, phones: ['Phone'], name: 'Name', related: [] },
  Opportunity: {
    fields: ['Id', 'Name', 'StageName', 'Amount', 'CloseDate', 'AccountId', 'ContactId'],
    phones: [],
    name: 'Name',
    related: [
      { lookup: 'ContactId', relationship: 'Contact', sobject: 'Contact' },
      { lookup: 'AccountId', relationship: 'Account', sobject: 'Account' },
    ],
  },
  Case: { fields: ['Id', 'CaseNumber', 'Subject', 'Status', 'ContactId', 'ContactMobile', 'ContactPhone', 'SuppliedName', 'SuppliedPhone'], phones: ['ContactMobile', 'ContactPhone', 'SuppliedPhone'], name: 'CaseNumber', related: [] },
  Order: {
    fields: ['Id', 'OrderNumber', 'Status', 'TotalAmount', 'EffectiveDate', 'AccountId', 'BillToContactId'],
    phones: [],
    name: 'OrderNumber',
    related: [
      { lookup: 'BillToContactId', relationship: 'BillToContact', sobject: 'Contact' },
      { lookup: 'AccountId', relationship: 'Account', sobject: 'Account' },
    ],
  },
};

export interface RecordPhone {
  /** Where it was read: `MobilePhone`, `BillToContact.Phone`. */
  field: string;
  /** As Salesforce holds it. */
  raw: string;
  e164: string;
  mobile: boolean;
}

export interface TabRecord {
  type: TabObject;
  id: string;
  name: string;
  /** Scalar fields, related records' one level down: what `{{ record.… }}` reads. */
  fields: Record<string, unknown>;
  /** Each number once, mobiles first. */
  phones: RecordPhone[];
}

type Row = Record<string, unknown>;

async function readOne(api: SalesforceApi, sobject: string, fields: string[], id: string): Promise<Row | undefined> {
  // The id is checked to be one (letters and digits only) before it is put in the query.
  const page = await api.query<Row>(`SELECT ${fields.join(', ')} FROM ${sobject} WHERE Id = '${id}'`);
  return page.records[0];
}

const scalars = (row: Row): Row => Object.fromEntries(Object.entries(row).filter(([key, value]) => key !== 'attributes' && (value === null || typeof value !== 'object')));

export async function readTabRecord(api: SalesforceApi, type: TabObject, recordId: string, phoneRegion: CountryCode): Promise<TabRecord> {
  const id = id18(recordId);
  if (!id) throw new ExternalSystemError('refused', `"${recordId.slice(0, 40)}" is not a Salesforce record id.`);
  const reading = READINGS[type];
  const row = await readOne(api, type, reading.fields, id);
  if (!row) throw new ExternalSystemError('not-found', `The ${type} ${id} was not found in Salesforce (deleted, or not visible to the connected user).`, { status: 404 });
  const fields: Row = scalars(row);
  const candidates: { field: string; raw: unknown }[] = reading.phones.map((field) => ({ field, raw: row[field] }));
  for (const related of reading.related) {
    const relatedId = typeof row[related.lookup] === 'string' ? id18(row[related.lookup] as string) : undefined;
    if (!relatedId) continue;
    const other = await readOne(api, related.sobject, RELATED_FIELDS[related.sobject], relatedId);
    if (!other) continue;
    fields[related.relationship] = scalars(other);
    candidates.push(...RELATED_PHONES[related.sobject].map((field) => ({ field: `${related.relationship}.${field}`, raw: other[field] })));
  }
  const phones: RecordPhone[] = [];
  for (const { field, raw } of candidates) {
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    const phone = normalizePhone(raw, phoneRegion);
    if (!phone.ok || phones.some((known) => known.e164 === phone.e164)) continue;
    phones.push({ field, raw, e164: phone.e164, mobile: phone.mobile });
  }
  phones.sort((a, b) => Number(b.mobile) - Number(a.mobile));
  const name = typeof row[reading.name] === 'string' ? (row[reading.name] as string) : id;
  return { type, id, name, fields, phones };
}

/** The variables a text may read: `record.FirstName`, `record.BillToContact.MobilePhone`. */
export function mergeFields(record: Pick<TabRecord, 'fields'>): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(record.fields)) {
    if (value !== null && typeof value === 'object') names.push(...Object.keys(value).map((inner) => `record.${key}.${inner}`));
    else names.push(`record.${key}`);
  }
  return names;
}

/**
 * The hub's templates read what a message is about as `event.data.…`: the tab's `{{ record.X }}` is that event's
 * `record`. Only a variable that opens an output (`{{ record.X | default: "…" }}`) is moved, which is what the tab
 * offers; messages about the template are moved back for the rep.
 */
export const toHubTemplate = (text: string) => text.replace(/(\{\{-?\s*)record\./g, '$1event.data.record.');
export const fromHubWording = (message: string) => message.replace(/event\.data\.record\./g, 'record.');
