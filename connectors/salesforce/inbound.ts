/**
 * One inbox entry (a notification of an Outbound Message, plugin.ts) → events, in the contract's two steps:
 * - `fetchRelated` (outside any transaction): what the record's notification cannot carry, read with the
 *   installation's client — a task's owner (User: name, MobilePhone), the contact of an order (bill-to) or of an
 *   invoice (settings.invoices.contactField): phones, email;
 * - `handleDelivery` (inside the inbox transaction): the pure decision of events.ts against the remembered record.
 */
import { z } from 'zod';
import type { FetchContext, Fetched, HandlerContext, InboundDelivery, JsonObject, Outcome } from '../../src/connectors/connector.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { salesforceApi } from './client.ts';
import { memoryKey, recordDecision, type MappingContext, type RecordChange, type RecordMemory, type Related } from './events.ts';
import { SALESFORCE_ID } from './ids.ts';
import type { Credentials, Settings } from './manifest.ts';
import { NOTIFICATION_KIND } from './outbound-message.ts';

const ChangeSchema = z.object({
  sobjectType: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/),
  fields: z.record(z.string(), z.string().nullable()).refine((fields) => typeof fields.Id === 'string' && SALESFORCE_ID.test(fields.Id), 'a record Id'),
});

function changeOf(delivery: InboundDelivery): RecordChange | undefined {
  if (delivery.kind !== NOTIFICATION_KIND) return undefined;
  try {
    const parsed = ChangeSchema.safeParse(JSON.parse(delivery.body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** An id the fetch step puts in SOQL: only a Salesforce id (letters and digits) ever gets there. */
const soqlId = (value: string | null | undefined, prefix: string) => (value && SALESFORCE_ID.test(value) && value.startsWith(prefix) ? value : undefined);

export async function fetchRelated(delivery: InboundDelivery, ctx: FetchContext<Settings, Credentials>): Promise<Fetched | undefined> {
  const change = changeOf(delivery);
  if (!change) return undefined;
  const api = salesforceApi(ctx.auth, ctx.network);
  if (change.sobjectType === 'Task') {
    const ownerId = soqlId(change.fields.OwnerId, '005');
    if (!ownerId) return undefined;
    const page = await api.query<{ Id: string; Name: string | null; MobilePhone: string | null }>(`SELECT Id, Name, MobilePhone FROM User WHERE Id = '${ownerId}'`);
    const owner = page.records[0];
    return { data: { owner: owner ? { Id: owner.Id, Name: owner.Name ?? null, MobilePhone: owner.MobilePhone ?? null } : null } };
  }
  // An order's bill-to contact, an invoice's contact lookup: who the SMS goes to.
  const contactField = change.sobjectType === 'Order' ? 'BillToContactId' : change.sobjectType === ctx.settings.invoices?.sobject ? ctx.settings.invoices.contactField : undefined;
  const contactId = contactField === undefined ? undefined : soqlId(change.fields[contactField], '003');
  if (!contactId) return undefined;
  const page = await api.query<Record<string, string | null>>(`SELECT Id, FirstName, LastName, MobilePhone, Phone, Email FROM Contact WHERE Id = '${contactId}'`);
  const contact = page.records[0];
  return {
    data: {
      contact: contact
        ? { Id: contact.Id!, FirstName: contact.FirstName ?? null, LastName: contact.LastName ?? null, MobilePhone: contact.MobilePhone ?? null, Phone: contact.Phone ?? null, Email: contact.Email ?? null }
        : null,
    },
  };
}

export function mappingContext(ctx: { installation: { id: string; account: string }; settings: Settings }): MappingContext {
  return {
    installationId: ctx.installation.id,
    organizationId: ctx.installation.account,
    region: ctx.settings.phoneRegion,
    currency: ctx.settings.currency,
    orderStatuses: ctx.settings.orderStatuses,
    smsConsentField: ctx.settings.smsConsentField,
    smsOptOutField: ctx.settings.smsOptOutField,
    invoices: ctx.settings.invoices,
  };
}

export async function handleDelivery(delivery: InboundDelivery, ctx: HandlerContext<Settings>): Promise<Outcome> {
  const change = changeOf(delivery);
  if (!change) return { status: 'ignored', note: `not a record notification (kind "${delivery.kind}")`, events: [] };
  const key = memoryKey(change);
  const remembered = await ctx.memory.get<RecordMemory & JsonObject>(key);
  const decision = recordDecision(change, (delivery.fetched ?? {}) as Related, remembered, mappingContext(ctx));
  if (decision.apply) await ctx.memory.set(key, decision.memory as unknown as JsonValue);
  return { status: decision.events.length > 0 ? 'processed' : 'ignored', events: decision.events, ...(decision.note ? { note: decision.note } : {}) };
}
