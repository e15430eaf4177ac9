/**
 * One Salesforce record's notification (an Outbound Message's sObject, or a row the backstop poll read) + what the
 * fetch step read about it + what the connector remembers of the record → events. Pure: table-tested.
 *
 *   Task      a task handed to a user (new, or its OwnerId changed) and still open → `task.assigned`, its run's
 *             contact the assignee (their MobilePhone, read from the User by the fetch step)
 *   Order     first sight → `order.created`; its Status changed → `order.status_changed` (the shops' order SMS);
 *             Salesforce statuses map to the hub's with settings.orderStatuses
 *   Contact,  first sight → `crm.<contact|lead>_created`; phone, email, name or consent changed →
 *   Lead      `crm.<…>_updated`; the hub's contact (external id `salesforce`) follows the record
 *   invoices  the object settings.invoices names: `invoice.due` (unpaid, new due date), `invoice.paid`; the run's
 *             contact is the record's contact lookup (billing reminders, billing-template.ts)
 *
 * Salesforce repeats Outbound Messages and the poll may read what a message already said: a record whose
 * SystemModstamp (or LastModifiedDate) is older than the remembered one changes nothing, and event keys name the
 * change, so what two paths report is published once.
 */
import type { EventDraft, JsonObject } from '../../src/connectors/connector.ts';
import { personName, phoneOf, validEmail } from '../../src/connectors/contact-fields.ts';
import type { ContactInput } from '../../src/contacts/schemas.ts';
import type { OrderStatusSchema } from '../../src/bus/catalog/commerce.ts';
import type { z } from 'zod';

type OrderStatus = z.infer<typeof OrderStatusSchema>;

/** A record as Salesforce sent it: field API name → text (null: xsi:nil). */
export type Fields = Record<string, string | null>;

export interface RecordChange {
  sobjectType: string;
  fields: Fields;
}

export interface RelatedContact {
  Id: string;
  FirstName: string | null;
  LastName: string | null;
  MobilePhone: string | null;
  Phone: string | null;
  Email: string | null;
}

/** What the fetch step read about a record: a task's owner, the contact of an order (bill-to) or an invoice. */
export interface Related {
  owner?: { Id: string; Name: string | null; MobilePhone: string | null } | null;
  contact?: RelatedContact | null;
}

/** The invoices of billing reminders (settings.invoices). */
export interface InvoiceMapping {
  sobject: string;
  dueDateField: string;
  contactField: string;
  numberField: string;
  amountField?: string | undefined;
  paidField?: string | undefined;
}

export interface MappingContext {
  installationId: string;
  organizationId: string;
  /** Country national numbers are read in. */
  region: string;
  /** Orders' currency when the org is not multi-currency (no CurrencyIsoCode). */
  currency: string;
  orderStatuses: Record<string, OrderStatus>;
  /** A checkbox of Contact and Lead saying the person agreed to SMS (settings.smsConsentField). */
  smsConsentField: string | undefined;
  /** A checkbox of Contact and Lead saying the person wants no SMS (settings.smsOptOutField): the opt-out sync's. */
  smsOptOutField: string | undefined;
  invoices: InvoiceMapping | undefined;
}

/** What the connector keeps per record (memory key `<sObject>:<Id>`). */
export interface RecordMemory {
  modstamp: string | null;
  ownerId?: string;
  status?: string;
  fingerprint?: string;
  dueDate?: string;
  paid?: boolean;
}

export interface Decision {
  /** Whether memory changes (false: stale or nothing to keep). */
  apply: boolean;
  memory: RecordMemory;
  events: EventDraft[];
  note?: string;
}

export const memoryKey = (change: RecordChange) => `${change.sobjectType}:${change.fields.Id}`;

/** Salesforce's default Order statuses (Draft, Activated) and the usual custom ones, in English and French. */
export const DEFAULT_ORDER_STATUSES: Record<string, OrderStatus> = {
  Draft: 'pending',
  Activated: 'processing',
  Shipped: 'shipped',
  Delivered: 'delivered',
  Completed: 'completed',
  Cancelled: 'cancelled',
  Canceled: 'cancelled',
  Brouillon: 'pending',
  Activé: 'processing',
  Expédié: 'shipped',
  Livré: 'delivered',
  Annulé: 'cancelled',
};

const modstampOf = (fields: Fields) => fields.SystemModstamp ?? fields.LastModifiedDate ?? null;
const text = (value: string | null | undefined) => (value === undefined || value === null || value === '' ? null : value);
const ignore = (remembered: RecordMemory | undefined, note: string): Decision => ({ apply: false, memory: remembered ?? { modstamp: null }, events: [], note });

/** The record is older than what is remembered: a repeated or late message. */
function isStale(fields: Fields, remembered: RecordMemory | undefined): boolean {
  const incoming = modstampOf(fields);
  return incoming !== null && remembered?.modstamp !== null && remembered?.modstamp !== undefined && Date.parse(incoming) < Date.parse(remembered.modstamp);
}

const org = (ctx: MappingContext) => ({ installationId: ctx.installationId, organizationId: ctx.organizationId });

function taskDecision(fields: Fields, related: Related, remembered: RecordMemory | undefined, ctx: MappingContext): Decision {
  const ownerId = text(fields.OwnerId);
  if (!ownerId) return ignore(remembered, `Task ${fields.Id}: the Outbound Message has no OwnerId; add it to the message's fields`);
  const memory: RecordMemory = { modstamp: modstampOf(fields), ownerId };
  const closed = fields.IsClosed === 'true' || fields.Status === 'Completed';
  if (remembered?.ownerId === ownerId || closed) return { apply: true, memory, events: [], note: `Task ${fields.Id}: ${closed ? 'closed' : `still assigned to ${ownerId}`}` };
  // A queue (00G…) has no phone: nobody to text until a user takes the task.
  if (!ownerId.startsWith('005')) return { apply: true, memory, events: [], note: `Task ${fields.Id}: assigned to queue ${ownerId}, not a user` };
  const owner = related.owner ?? null;
  const mobilePhone = text(owner?.MobilePhone);
  const phone = phoneOf(mobilePhone, ctx.region);
  const contact: ContactInput | undefined = phone ? { phone, ...(personName(owner?.Name) ? { firstName: personName(owner?.Name)! } : {}), externalIds: { salesforce: ownerId } } : undefined;
  return {
    apply: true,
    memory,
    events: [
      {
        type: 'task.assigned',
        key: `task.assigned:${fields.Id}:${ownerId}`,
        ...(modstampOf(fields) ? { occurredAt: new Date(modstampOf(fields)!).toISOString() } : {}),
        data: {
          task: {
            id: fields.Id!,
            subject: text(fields.Subject),
            status: text(fields.Status),
            priority: text(fields.Priority),
            activityDate: text(fields.ActivityDate),
            description: text(fields.Description),
            whoId: text(fields.WhoId),
            whatId: text(fields.WhatId),
          },
          assignee: { userId: ownerId, name: text(owner?.Name), mobilePhone },
          org: org(ctx),
        },
        ...(contact ? { contact } : {}),
      },
    ],
    ...(contact ? {} : { note: `Task ${fields.Id}: the assignee ${ownerId} has no mobile phone in Salesforce (User.MobilePhone)` }),
  };
}

/** The related contact (an order's bill-to, an invoice's) as the run's contact, when it has a phone or an email. */
function contactInput(related: RelatedContact | null | undefined, ctx: MappingContext): ContactInput | undefined {
  if (!related) return undefined;
  const phone = phoneOf(text(related.MobilePhone) ?? text(related.Phone), ctx.region);
  const email = validEmail(related.Email);
  if (!phone && !email) return undefined;
  return {
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
    ...(personName(related.FirstName) ? { firstName: personName(related.FirstName)! } : {}),
    ...(personName(related.LastName) ? { lastName: personName(related.LastName)! } : {}),
    externalIds: { salesforce: related.Id },
  };
}

function orderDecision(fields: Fields, related: Related, remembered: RecordMemory | undefined, ctx: MappingContext): Decision {
  const shopStatus = text(fields.Status);
  if (!shopStatus) return ignore(remembered, `Order ${fields.Id}: the Outbound Message has no Status; add it to the message's fields`);
  const memory: RecordMemory = { modstamp: modstampOf(fields), status: shopStatus };
  const status = ctx.orderStatuses[shopStatus];
  if (!status) return { apply: true, memory, events: [], note: `Order ${fields.Id}: status "${shopStatus}" is not mapped (settings.orderStatuses)` };
  if (remembered?.status === shopStatus) return { apply: true, memory, events: [], note: `Order ${fields.Id}: status still ${shopStatus}` };
  const contact = contactInput(related.contact, ctx);
  const modifiedAt = modstampOf(fields);
  const amount = Number(fields.TotalAmount ?? 0);
  const order: JsonObject = {
    orderId: fields.Id!,
    ...(text(fields.OrderNumber) ? { number: fields.OrderNumber! } : {}),
    status,
    total: { amount: Number.isFinite(amount) ? amount : 0, currency: text(fields.CurrencyIsoCode) ?? ctx.currency },
    ...(modifiedAt ? { modifiedAt: new Date(modifiedAt).toISOString() } : {}),
    lines: [],
    shop: { installationId: ctx.installationId, url: '', name: 'Salesforce' },
  };
  const previous = remembered?.status;
  const event: EventDraft =
    previous === undefined
      ? { type: 'order.created', key: `order.created:${fields.Id}`, data: order }
      : { type: 'order.status_changed', key: `order.status_changed:${fields.Id}:${previous}>${shopStatus}:${modifiedAt ?? ''}`, data: { ...order, previousStatus: ctx.orderStatuses[previous] ?? null, shopStatus } };
  return { apply: true, memory, events: [{ ...event, ...(modifiedAt ? { occurredAt: new Date(modifiedAt).toISOString() } : {}), ...(contact ? { contact } : {}) }] };
}

function personDecision(type: 'Contact' | 'Lead', fields: Fields, remembered: RecordMemory | undefined, ctx: MappingContext): Decision {
  // A checkbox as the message or the poll sent it; null when the installation names none or it was not sent.
  const checkbox = (field: string | undefined) => (field === undefined || fields[field] === undefined || fields[field] === null ? null : fields[field] === 'true');
  const smsConsent = checkbox(ctx.smsConsentField);
  const record = {
    type,
    id: fields.Id!,
    firstName: text(fields.FirstName),
    lastName: text(fields.LastName),
    phone: text(fields.Phone),
    mobilePhone: text(fields.MobilePhone),
    email: text(fields.Email),
    company: type === 'Lead' ? text(fields.Company) : null,
    smsConsent,
    smsOptOut: checkbox(ctx.smsOptOutField),
    emailOptOut: checkbox('HasOptedOutOfEmail'),
  };
  const fingerprint = JSON.stringify(record);
  const memory: RecordMemory = { modstamp: modstampOf(fields), fingerprint };
  if (remembered?.fingerprint === fingerprint) return { apply: true, memory, events: [], note: `${type} ${fields.Id}: nothing the hub follows changed` };
  const phone = phoneOf(record.mobilePhone ?? record.phone, ctx.region);
  const email = validEmail(record.email);
  const contact: ContactInput = {
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
    ...(personName(record.firstName) ? { firstName: personName(record.firstName)! } : {}),
    ...(personName(record.lastName) ? { lastName: personName(record.lastName)! } : {}),
    externalIds: { salesforce: record.id },
    ...(smsConsent === null ? {} : { consent: { sms: { status: smsConsent ? 'granted' : 'withdrawn', source: 'salesforce', proof: `${type}.${ctx.smsConsentField} = ${String(smsConsent)}` } } }),
  };
  const change = remembered === undefined ? 'created' : 'updated';
  const modstamp = modstampOf(fields);
  return {
    apply: true,
    memory,
    events: [
      {
        type: `crm.${type.toLowerCase()}_${change}`,
        key: `crm.${type.toLowerCase()}_${change}:${record.id}:${modstamp ?? fingerprint.length}`,
        ...(modstamp ? { occurredAt: new Date(modstamp).toISOString() } : {}),
        data: { record, org: org(ctx) },
        contact,
      },
    ],
  };
}

/**
 * An invoice (settings.invoices): `invoice.due` when it is first seen unpaid or its due date moves (a billing
 * reminder scenario starts again for the new date), `invoice.paid` when its paid checkbox turns true (the reminders
 * stop). The due date is the calendar date of a Date or Date/Time field.
 */
function invoiceDecision(mapping: InvoiceMapping, fields: Fields, related: Related, remembered: RecordMemory | undefined, ctx: MappingContext): Decision {
  const dueDate = /^(\d{4}-\d{2}-\d{2})/.exec(fields[mapping.dueDateField] ?? '')?.[1];
  if (!dueDate) return ignore(remembered, `${mapping.sobject} ${fields.Id}: no due date in ${mapping.dueDateField}; add it to the Outbound Message's fields`);
  const paid = mapping.paidField !== undefined && fields[mapping.paidField] === 'true';
  const memory: RecordMemory = { modstamp: modstampOf(fields), dueDate, paid };
  const amount = mapping.amountField === undefined ? null : Number(fields[mapping.amountField] ?? Number.NaN);
  const invoice = {
    id: fields.Id!,
    sobject: mapping.sobject,
    number: text(fields[mapping.numberField]) ?? fields.Id!,
    dueDate,
    amount: amount !== null && Number.isFinite(amount) ? amount : null,
    currency: text(fields.CurrencyIsoCode) ?? ctx.currency,
  };
  const contact = contactInput(related.contact, ctx);
  const draft = (type: 'invoice.due' | 'invoice.paid', key: string): EventDraft => ({ type, key, data: { invoice, org: org(ctx) }, ...(contact ? { contact } : {}) });
  if (paid) {
    const events = remembered !== undefined && remembered.paid !== true ? [draft('invoice.paid', `invoice.paid:${fields.Id}`)] : [];
    return { apply: true, memory, events, ...(events.length === 0 ? { note: `${mapping.sobject} ${fields.Id}: paid` } : {}) };
  }
  if (remembered?.dueDate === dueDate && remembered.paid !== true) return { apply: true, memory, events: [], note: `${mapping.sobject} ${fields.Id}: still due ${dueDate}` };
  return {
    apply: true,
    memory,
    events: [draft('invoice.due', `invoice.due:${fields.Id}:${dueDate}`)],
    ...(contact ? {} : { note: `${mapping.sobject} ${fields.Id}: no contact with a phone or email in ${mapping.contactField}` }),
  };
}

/** The sObjects the connector turns into events (besides settings.invoices' object); the others are kept in the inbox with a note. */
export const MAPPED_OBJECTS = ['Task', 'Order', 'Contact', 'Lead'] as const;

export function recordDecision(change: RecordChange, related: Related, remembered: RecordMemory | undefined, ctx: MappingContext): Decision {
  if (isStale(change.fields, remembered)) return ignore(remembered, `${change.sobjectType} ${change.fields.Id}: older than what the hub already has (SystemModstamp)`);
  if (ctx.invoices && change.sobjectType === ctx.invoices.sobject) return invoiceDecision(ctx.invoices, change.fields, related, remembered, ctx);
  switch (change.sobjectType) {
    case 'Task':
      return taskDecision(change.fields, related, remembered, ctx);
    case 'Order':
      return orderDecision(change.fields, related, remembered, ctx);
    case 'Contact':
    case 'Lead':
      return personDecision(change.sobjectType, change.fields, remembered, ctx);
    default:
      return ignore(remembered, `${change.sobjectType} ${change.fields.Id}: no mapping for this object (mapped: ${MAPPED_OBJECTS.join(', ')})`);
  }
}
