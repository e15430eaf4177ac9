import { describe, expect, it } from 'vitest';
import { checkEventData } from '../../src/bus/catalog/index.ts';
import type { EventDraft } from '../../src/connectors/connector.ts';
import { DEFAULT_ORDER_STATUSES, recordDecision, type Fields, type MappingContext, type RecordMemory, type Related } from './events.ts';
// The connector registers its event types in the catalog.
import './index.ts';

const ctx: MappingContext = { installationId: 'ins_1', organizationId: '00D5e000000KQ2eEAG', region: 'FR', currency: 'EUR', orderStatuses: DEFAULT_ORDER_STATUSES, smsConsentField: 'SMS_Opt_In__c', smsOptOutField: 'SMS_Opt_Out__c', invoices: undefined };
const T0 = '2026-12-05T09:00:00.000Z';
const T1 = '2026-12-05T10:00:00.000Z';
const OWNER = { Id: '0055e000003TdXyAAK', Name: 'Julie Bernard', MobilePhone: '06 98 76 54 32' };

const decide = (sobjectType: string, fields: Fields, remembered?: RecordMemory, related: Related = {}) => recordDecision({ sobjectType, fields }, related, remembered, ctx);

function expectValid(events: EventDraft[]) {
  for (const event of events) expect(checkEventData(event.type, event.data), event.type).toMatchObject({ ok: true });
}

describe('Salesforce records → events', () => {
  const task = (fields: Fields = {}) => ({ Id: '00T5e00000AbCdEEAV', OwnerId: OWNER.Id, Subject: 'Rappeler Mme Dupont', Status: 'Not Started', Priority: 'High', ActivityDate: '2026-12-07', WhoId: '0035e00000ZkM3hAAF', SystemModstamp: T0, ...fields });

  it('a task assigned to a user: task.assigned to the owner\'s mobile, once per owner', () => {
    const first = decide('Task', task(), undefined, { owner: OWNER });
    expect(first.events).toEqual([
      expect.objectContaining({
        type: 'task.assigned',
        key: 'task.assigned:00T5e00000AbCdEEAV:0055e000003TdXyAAK',
        contact: { phone: '+33698765432', firstName: 'Julie Bernard', externalIds: { salesforce: OWNER.Id } },
        data: expect.objectContaining({ assignee: { userId: OWNER.Id, name: 'Julie Bernard', mobilePhone: '06 98 76 54 32' }, task: expect.objectContaining({ subject: 'Rappeler Mme Dupont', whoId: '0035e00000ZkM3hAAF', whatId: null }) }),
      }),
    ]);
    expectValid(first.events);
    // The same task edited (still the same owner): nothing new; handed to another user: assigned again.
    expect(decide('Task', task({ Subject: 'Rappeler vite', SystemModstamp: T1 }), first.memory, { owner: OWNER }).events).toEqual([]);
    const handed = decide('Task', task({ OwnerId: '0055e000003TdXzAAK', SystemModstamp: T1 }), first.memory, { owner: { ...OWNER, Id: '0055e000003TdXzAAK' } });
    expect(handed.events.map((event) => event.key)).toEqual(['task.assigned:00T5e00000AbCdEEAV:0055e000003TdXzAAK']);
  });

  it('a task for a queue, a closed one, one without OwnerId, an owner without mobile, a stale repeat', () => {
    expect(decide('Task', task({ OwnerId: '00G5e000001AbCdEAK' })).events).toEqual([]);
    expect(decide('Task', task({ Status: 'Completed' }), undefined, { owner: OWNER }).events).toEqual([]);
    expect(decide('Task', task({ OwnerId: null })).note).toContain('no OwnerId');
    const noMobile = decide('Task', task(), undefined, { owner: { ...OWNER, MobilePhone: null } });
    expect(noMobile.events).toHaveLength(1);
    expect(noMobile.events[0]!.contact).toBeUndefined();
    expect(noMobile.note).toContain('no mobile phone');
    const stale = decide('Task', task({ SystemModstamp: T0, OwnerId: '0055e000003TdXzAAK' }), { modstamp: T1, ownerId: OWNER.Id });
    expect(stale).toMatchObject({ apply: false, events: [] });
  });

  it('an order: created on first sight, then status_changed with the hub\'s statuses, the bill-to contact as the run\'s contact', () => {
    const billTo = { Id: '0035e00000ZkM3hAAF', FirstName: 'Camille', LastName: 'Martin', MobilePhone: null, Phone: '01 23 45 67 89', Email: 'camille.martin@example.fr' };
    const order = (fields: Fields) => ({ Id: '8015e00000O0001AAA', OrderNumber: '00000100', TotalAmount: '59.9', BillToContactId: billTo.Id, SystemModstamp: T0, ...fields });
    const created = decide('Order', order({ Status: 'Draft' }), undefined, { contact: billTo });
    expect(created.events).toEqual([
      expect.objectContaining({
        type: 'order.created',
        key: 'order.created:8015e00000O0001AAA',
        data: expect.objectContaining({ orderId: '8015e00000O0001AAA', number: '00000100', status: 'pending', total: { amount: 59.9, currency: 'EUR' } }),
        contact: { phone: '+33123456789', email: 'camille.martin@example.fr', firstName: 'Camille', lastName: 'Martin', externalIds: { salesforce: billTo.Id } },
      }),
    ]);
    expectValid(created.events);
    const shipped = decide('Order', order({ Status: 'Shipped', SystemModstamp: T1 }), created.memory, { contact: billTo });
    expect(shipped.events).toEqual([
      expect.objectContaining({ type: 'order.status_changed', key: `order.status_changed:8015e00000O0001AAA:Draft>Shipped:${T1}`, data: expect.objectContaining({ status: 'shipped', previousStatus: 'pending', shopStatus: 'Shipped' }) }),
    ]);
    expectValid(shipped.events);
    expect(decide('Order', order({ Status: 'Shipped', SystemModstamp: T1 }), shipped.memory).events).toEqual([]);
    expect(decide('Order', order({ Status: 'En attente' })).note).toContain('not mapped');
  });

  it('contacts and leads: created, then updated only when what the hub follows changed; consent from the named field', () => {
    const lead = (fields: Fields) => ({ Id: '00Q5e00000ZkM3hEAF', FirstName: 'Camille', LastName: 'Martin', Company: 'Martin SARL', MobilePhone: '06 12 34 56 78', Email: 'camille@example.fr', SMS_Opt_In__c: 'true', SystemModstamp: T0, ...fields });
    const created = decide('Lead', lead({}));
    expect(created.events).toEqual([
      expect.objectContaining({
        type: 'crm.lead_created',
        contact: { phone: '+33612345678', email: 'camille@example.fr', firstName: 'Camille', lastName: 'Martin', externalIds: { salesforce: '00Q5e00000ZkM3hEAF' }, consent: { sms: { status: 'granted', source: 'salesforce', proof: 'Lead.SMS_Opt_In__c = true' } } },
      }),
    ]);
    expectValid(created.events);
    expect(decide('Lead', lead({ Title: 'CEO', SystemModstamp: T1 }), created.memory).events).toEqual([]);
    const withdrawn = decide('Lead', lead({ SMS_Opt_In__c: 'false', SystemModstamp: T1 }), created.memory);
    expect(withdrawn.events).toEqual([expect.objectContaining({ type: 'crm.lead_updated', contact: expect.objectContaining({ consent: { sms: expect.objectContaining({ status: 'withdrawn' }) } }) })]);
    expectValid(withdrawn.events);
    // The opt-out checkboxes (settings.smsOptOutField, HasOptedOutOfEmail) are followed: ticking one is an update.
    expect(created.events[0]!.data.record).toMatchObject({ smsOptOut: null, emailOptOut: null });
    const optedOut = decide('Lead', lead({ SMS_Opt_Out__c: 'true', HasOptedOutOfEmail: 'false', SystemModstamp: T1 }), created.memory);
    expect(optedOut.events).toEqual([expect.objectContaining({ type: 'crm.lead_updated', data: expect.objectContaining({ record: expect.objectContaining({ smsOptOut: true, emailOptOut: false }) }) })]);
    expectValid(optedOut.events);
    const contact = decide('Contact', { Id: '0035e00000ZkM3hAAF', LastName: 'Dupont', Phone: null, Email: 'dupont@example.fr' });
    expect(contact.events.map((event) => event.type)).toEqual(['crm.contact_created']);
    expect(contact.events[0]!.contact).toEqual({ email: 'dupont@example.fr', lastName: 'Dupont', externalIds: { salesforce: '0035e00000ZkM3hAAF' } });
    expectValid(contact.events);
  });

  it('another object is kept with a note, nothing published', () => {
    expect(decide('Opportunity', { Id: '0065e00000ZkM3hAAF' })).toMatchObject({ apply: false, events: [], note: expect.stringContaining('no mapping') });
  });
});

describe('invoices (settings.invoices)', () => {
  const invoices = { ...ctx, invoices: { sobject: 'Invoice__c', dueDateField: 'Due_Date__c', contactField: 'Contact__c', numberField: 'Name', amountField: 'Balance__c', paidField: 'Paid__c' } };
  const contact = { Id: '0035e00000ZkM3hAAF', FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Phone: null, Email: null };
  const record = (fields: Fields) => ({ Id: 'a015e00000Inv01AAA', Name: 'F-2026-0412', Due_Date__c: '2026-12-15', Balance__c: '480', Paid__c: 'false', Contact__c: contact.Id, SystemModstamp: T0, ...fields });
  const decideInvoice = (fields: Fields, remembered?: RecordMemory) => recordDecision({ sobjectType: 'Invoice__c', fields: record(fields) }, { contact }, remembered, invoices);

  it('due when first seen unpaid and when the date moves; paid once; the contact lookup as the run\'s contact', () => {
    const due = decideInvoice({});
    expect(due.events).toEqual([
      expect.objectContaining({
        type: 'invoice.due',
        key: 'invoice.due:a015e00000Inv01AAA:2026-12-15',
        data: expect.objectContaining({ invoice: { id: 'a015e00000Inv01AAA', sobject: 'Invoice__c', number: 'F-2026-0412', dueDate: '2026-12-15', amount: 480, currency: 'EUR' } }),
        contact: expect.objectContaining({ phone: '+33612345678', externalIds: { salesforce: contact.Id } }),
      }),
    ]);
    expectValid(due.events);
    expect(decideInvoice({ Balance__c: '400', SystemModstamp: T1 }, due.memory).events).toEqual([]);
    const moved = decideInvoice({ Due_Date__c: '2026-12-22', SystemModstamp: T1 }, due.memory);
    expect(moved.events.map((event) => event.key)).toEqual(['invoice.due:a015e00000Inv01AAA:2026-12-22']);
    const paid = decideInvoice({ Due_Date__c: '2026-12-22', Paid__c: 'true', SystemModstamp: T1 }, moved.memory);
    expect(paid.events.map((event) => event.type)).toEqual(['invoice.paid']);
    expectValid(paid.events);
    expect(decideInvoice({ Paid__c: 'true', SystemModstamp: T1 }, paid.memory).events).toEqual([]);
    // First seen already paid: nothing to remind, nothing to stop.
    expect(decideInvoice({ Paid__c: 'true' }).events).toEqual([]);
    // A Date/Time due field counts by its date; no due date: kept with a note.
    expect(decideInvoice({ Due_Date__c: '2026-12-15T17:00:00.000Z' }).events[0]!.key).toBe('invoice.due:a015e00000Inv01AAA:2026-12-15');
    expect(decideInvoice({ Due_Date__c: null }).note).toContain('no due date');
  });
});
