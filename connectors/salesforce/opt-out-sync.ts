/**
 * Opt-outs kept in step both ways between the hub's opt-out list and Salesforce's contacts and leads.
 *
 * Hub → Salesforce (`contact.unsubscribed`: a STOP reply, a one-click email unsubscribe, the API): the checkbox
 * settings.smsOptOutField (SMS), or HasOptedOutOfEmail (email, settings.emailOptOutSync), ticked on every contact and
 * lead with that number or address — the hub contact's own record, and those a SOSL search finds (people.ts). An
 * opt-out that came from Salesforce (`via` salesforce:…) is not written back: no loop.
 *
 * Salesforce → hub (`crm.contact_*` / `crm.lead_*`, from an Outbound Message or the backstop poll, carrying the
 * checkboxes): ticked → the record's numbers (or address) opted out in the hub, source `salesforce:<Object>.<field>`;
 * the hub publishes `contact.unsubscribed` once, which this connector then skips (above). Unticked:
 *   - an opt-out Salesforce made (source salesforce:…) is lifted: the box was Salesforce's decision, undone there;
 *   - an opt-out the person made (STOP, an unsubscribe link) or the API recorded stays: French rules (CPCE L34-5,
 *     the CNIL) do not let anyone but the person undo an explicit STOP silently. The box is ticked again in
 *     Salesforce so the CRM shows what the hub does. When the person gives consent again, an admin lifts the opt-out
 *     in the hub (DELETE /v1/opt-outs/{channel}/{address}, the consent recorded with its proof), then unticks the box.
 * Ticking the box again answers with a record change, whose event finds the opt-out there already: nothing more.
 */
import type { TriggerEvent } from '../../src/bus/trigger-event.ts';
import type { SubscriptionContext, SubscriptionOutcome } from '../../src/connectors/connector.ts';
import { phoneOf, validEmail } from '../../src/connectors/contact-fields.ts';
import type { CrmRecordSchema } from './event-types.ts';
import { salesforceApi } from './client.ts';
import { id18, isPersonId } from './ids.ts';
import type { Credentials, Settings } from './manifest.ts';
import { searchPeople, type Person } from './people.ts';
import type { z } from 'zod';

type Context = SubscriptionContext<Settings, Credentials>;
type Channel = 'sms' | 'email';

export const OPT_OUT_EVENTS = ['contact.unsubscribed', 'crm.contact_created', 'crm.contact_updated', 'crm.lead_created', 'crm.lead_updated'] as const;

const EMAIL_FIELD = 'HasOptedOutOfEmail';
/** Opt-outs recorded from Salesforce start with this (the opt-out list's `source`, `contact.unsubscribed`'s `via`). */
const FROM_SALESFORCE = 'salesforce:';

/** The checkbox a channel's opt-out is written to in this installation; undefined when it is not synced. */
const fieldOf = (channel: Channel, settings: Settings): string | undefined => (channel === 'sms' ? settings.smsOptOutField : settings.emailOptOutSync ? EMAIL_FIELD : undefined);

/** Every contact and lead with this number or address: the hub contact's own record first, then Salesforce's search. */
async function peopleWith(ctx: Context, channel: Channel, address: string, contactId: string | undefined): Promise<Person[]> {
  const own = contactId ? (await ctx.hub.contact(contactId))?.externalIds.salesforce : undefined;
  const found = await searchPeople(salesforceApi(ctx.auth, ctx.network), channel, address);
  const people: Person[] = isPersonId(own) ? [{ sobject: own.startsWith('003') ? 'Contact' : 'Lead', id: own }, ...found] : found;
  return people.filter((person, index) => people.findIndex((other) => id18(other.id) === id18(person.id)) === index);
}

/** Ticks the channel's box on those records. */
async function tick(ctx: Context, field: string, people: Person[]): Promise<void> {
  const api = salesforceApi(ctx.auth, ctx.network);
  for (const person of people) await api.update(person.sobject, person.id, { [field]: true });
}

/** Hub → Salesforce. */
async function unsubscribed(event: TriggerEvent, ctx: Context): Promise<SubscriptionOutcome> {
  const { channel, address, via } = event.data as { channel: Channel; address: string; via: string };
  if (via.startsWith(FROM_SALESFORCE)) return { status: 'done', note: `${channel} ${address}: opted out from Salesforce; not written back` };
  const field = fieldOf(channel, ctx.settings);
  if (!field) return { status: 'done', note: `${channel} opt-outs are not synced (settings.${channel === 'sms' ? 'smsOptOutField' : 'emailOptOutSync'})` };
  const people = await peopleWith(ctx, channel, address, event.subject.contactId);
  await tick(ctx, field, people);
  return { status: 'done', note: `${field} ticked on ${people.map((person) => person.id).join(', ') || 'no record'}` };
}

type CrmRecord = z.infer<typeof CrmRecordSchema>;

/** Salesforce → hub, for one channel of one record. */
async function followBox(ctx: Context, record: CrmRecord, channel: Channel, ticked: boolean | null): Promise<string[]> {
  const field = fieldOf(channel, ctx.settings);
  if (!field || ticked === null) return [];
  const addresses =
    channel === 'sms'
      ? [...new Set([record.mobilePhone, record.phone].map((phone) => phoneOf(phone, ctx.settings.phoneRegion)).filter((phone): phone is string => phone !== undefined))]
      : [validEmail(record.email)].filter((email): email is string => email !== undefined);
  const source = `${FROM_SALESFORCE}${record.type}.${field}`;
  const done: string[] = [];
  for (const address of addresses) {
    if (ticked) {
      const { created } = await ctx.hub.optOuts.optOut(channel, address, { source, reason: `${record.type} ${record.id}: ${field} ticked in Salesforce` });
      if (created) done.push(`${address} opted out`);
      continue;
    }
    const active = await ctx.hub.optOuts.find(channel, address);
    if (!active) continue;
    if (active.source.startsWith(FROM_SALESFORCE)) {
      await ctx.hub.optOuts.optIn(channel, address, { source });
      done.push(`${address} opted back in`);
    } else {
      // The person's own opt-out: kept, and shown again in Salesforce.
      await salesforceApi(ctx.auth, ctx.network).update(record.type, record.id, { [field]: true });
      done.push(`${address} stays opted out (${active.source}); ${field} ticked again`);
    }
  }
  return done;
}

export async function handleOptOuts(event: TriggerEvent, ctx: Context): Promise<SubscriptionOutcome> {
  if (event.type === 'contact.unsubscribed') return unsubscribed(event, ctx);
  const data = event.data as { record: CrmRecord; org: { installationId: string } };
  // Only this installation's records: another org's ids mean nothing here.
  if (data.org.installationId !== ctx.installation.id) return { status: 'done', note: 'another installation\'s record' };
  const done = [...(await followBox(ctx, data.record, 'sms', data.record.smsOptOut ?? null)), ...(await followBox(ctx, data.record, 'email', data.record.emailOptOut ?? null))];
  return { status: 'done', note: done.join('; ') || 'no opt-out change' };
}
