/**
 * The JSON shapes of contacts, consent, opt-outs and lists in the API (one shape everywhere), and
 * the conversions from the service types.
 */
import { z } from 'zod';
import type { Sql } from '../store/db.ts';
import { currentConsents, type ConsentRecord } from './consent.ts';
import type { Contact } from './contact-store.ts';
import type { ContactList } from './lists.ts';
import { activeOptOutsOf, type OptOut } from './opt-outs.ts';
import { ChannelSchema, ConsentStatusSchema } from './schemas.ts';

export const ConsentViewSchema = z
  .object({
    status: ConsentStatusSchema,
    at: z.string().describe('When consent was given or withdrawn.'),
    source: z.string(),
    proof: z.string().nullable(),
  })
  .meta({ id: 'Consent' });

export const ContactViewSchema = z
  .object({
    id: z.string(),
    phone: z.string().nullable().describe('E.164.'),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    locale: z.string().nullable(),
    timeZone: z.string(),
    attributes: z.record(z.string(), z.unknown()),
    externalIds: z.record(z.string(), z.string()),
    consent: z
      .object({ sms: ConsentViewSchema.nullable(), email: ConsentViewSchema.nullable() })
      .describe('Current consent per channel; null: never recorded.'),
    optedOut: z.object({ sms: z.boolean(), email: z.boolean() }).describe('Whether the contact\'s phone / email is on the opt-out list.'),
    source: z.string().describe('The system that created the contact.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Contact' });
export type ContactView = z.infer<typeof ContactViewSchema>;

export const ConsentRecordViewSchema = ConsentViewSchema.extend({ channel: ChannelSchema, recordedAt: z.string() }).meta({ id: 'ConsentRecord' });

export const OptOutViewSchema = z
  .object({
    channel: ChannelSchema,
    address: z.string(),
    at: z.string(),
    source: z.string(),
    reason: z.string().nullable(),
    liftedAt: z.string().nullable().describe('Set when an opt-in lifted it; lifted opt-outs are kept 3 years as proof.'),
    liftedSource: z.string().nullable(),
  })
  .meta({ id: 'OptOut' });

export const ListViewSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string().nullable(), memberCount: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'ContactList' });

export const consentView = (record: ConsentRecord) => ({ status: record.status, at: record.at.toISOString(), source: record.source, proof: record.proof });

export const consentRecordView = (record: ConsentRecord) => ({ ...consentView(record), channel: record.channel, recordedAt: record.recordedAt.toISOString() });

export const optOutView = (optOut: OptOut) => ({
  channel: optOut.channel,
  address: optOut.address,
  at: optOut.at.toISOString(),
  source: optOut.source,
  reason: optOut.reason,
  liftedAt: optOut.liftedAt?.toISOString() ?? null,
  liftedSource: optOut.liftedSource,
});

export const listView = (list: ContactList) => ({
  id: list.id,
  name: list.name,
  description: list.description,
  memberCount: list.memberCount,
  createdAt: list.createdAt.toISOString(),
  updatedAt: list.updatedAt.toISOString(),
});

/** Contacts with their current consent and opt-out status, in two queries whatever the count. */
export async function contactViews(sql: Sql, tenantId: string, contacts: readonly Contact[]): Promise<ContactView[]> {
  const consents = await currentConsents(sql, tenantId, contacts.map((contact) => contact.id));
  const optedOut = await activeOptOutsOf(sql, tenantId, {
    sms: contacts.flatMap((contact) => (contact.phone === null ? [] : [contact.phone])),
    email: contacts.flatMap((contact) => (contact.email === null ? [] : [contact.email])),
  });
  return contacts.map((contact) => {
    const consent = consents.get(contact.id) ?? {};
    return {
      id: contact.id,
      phone: contact.phone,
      email: contact.email,
      firstName: contact.firstName,
      lastName: contact.lastName,
      locale: contact.locale,
      timeZone: contact.timeZone,
      attributes: contact.attributes,
      externalIds: contact.externalIds,
      consent: { sms: consent.sms ? consentView(consent.sms) : null, email: consent.email ? consentView(consent.email) : null },
      optedOut: { sms: contact.phone !== null && optedOut.has(`sms:${contact.phone}`), email: contact.email !== null && optedOut.has(`email:${contact.email}`) },
      source: contact.source,
      createdAt: contact.createdAt.toISOString(),
      updatedAt: contact.updatedAt.toISOString(),
    };
  });
}

export async function contactView(sql: Sql, tenantId: string, contact: Contact): Promise<ContactView> {
  return (await contactViews(sql, tenantId, [contact]))[0]!;
}
