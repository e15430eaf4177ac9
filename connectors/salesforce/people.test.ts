import { describe, expect, it } from 'vitest';
import { statusOf } from './activity.ts';
import type { SalesforceApi, SearchRecord } from './client.ts';
import { causeRecords, phoneTerms, searchPeople } from './people.ts';

const CONTACT = '0035e00000ZkM3hAAF';
const LEAD = '00Q5e00000ZkM3hEAF';
const OPPORTUNITY = '0065e00000Opp01AAB';
const org = { installationId: 'ins_1', organizationId: '00D5e000000KQ2eEAG' };

/** An API whose search answers `found` and records the SOSL it was given. */
function searching(found: SearchRecord[]): SalesforceApi & { searches: string[] } {
  const searches: string[] = [];
  const unused = () => Promise.reject(new Error('not used'));
  return { searches, search: async (sosl) => (searches.push(sosl), found), identity: unused, query: unused, queryMore: unused, create: unused, update: unused };
}

describe('the records an SMS is about', () => {
  it.each([
    ['task.assigned: its contact or lead and its Related To', { type: 'task.assigned', data: { task: { whoId: CONTACT, whatId: OPPORTUNITY }, org } }, { whoId: CONTACT, whatId: OPPORTUNITY }],
    ['task.assigned without a Name', { type: 'task.assigned', data: { task: { whoId: null, whatId: OPPORTUNITY }, org } }, { whatId: OPPORTUNITY }],
    ['a CRM lead', { type: 'crm.lead_updated', data: { record: { id: LEAD }, org } }, { whoId: LEAD }],
    ['an order: the Order', { type: 'order.status_changed', data: { orderId: '8015e00000O0001AAA', shop: { installationId: 'ins_1' } } }, { whatId: '8015e00000O0001AAA' }],
    ['an invoice: its record', { type: 'invoice.due', data: { invoice: { id: 'a015e00000Inv01AAA' }, org } }, { whatId: 'a015e00000Inv01AAA' }],
    ['another installation\'s event', { type: 'crm.contact_created', data: { record: { id: CONTACT }, org: { ...org, installationId: 'ins_2' } } }, {}],
    ['an id that is not one', { type: 'crm.contact_created', data: { record: { id: "003' OR Id != '" }, org } }, {}],
  ])('%s', (_, cause, expected) => {
    expect(causeRecords({ source: 'salesforce', ...cause }, 'ins_1')).toEqual(expected);
  });

  it('nothing from another source, or no cause', () => {
    expect(causeRecords({ source: 'woocommerce', type: 'order.created', data: { orderId: '8015e00000O0001AAA', shop: { installationId: 'ins_1' } } }, 'ins_1')).toEqual({});
    expect(causeRecords(null, 'ins_1')).toEqual({});
  });
});

describe('searching Salesforce for a number or an address', () => {
  it('a number in its international and national digits', () => {
    expect(phoneTerms('+33612345678')).toEqual(['33612345678', '0612345678']);
    expect(phoneTerms('+4915123456789')).toEqual(['4915123456789', '015123456789']);
  });

  it('SOSL on phone or email fields, reserved characters escaped; contacts first, then leads', async () => {
    const api = searching([
      { attributes: { type: 'Lead' }, Id: LEAD },
      { attributes: { type: 'Contact' }, Id: CONTACT },
      { attributes: { type: 'Account' }, Id: '0015e00000Acc01AAB' },
    ]);
    expect(await searchPeople(api, 'sms', '+33612345678')).toEqual([
      { sobject: 'Contact', id: CONTACT },
      { sobject: 'Lead', id: LEAD },
    ]);
    await searchPeople(api, 'email', "o'brien+promo@exa-mple.fr");
    expect(api.searches).toEqual([
      'FIND {33612345678 OR 0612345678} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)',
      "FIND {o\\'brien\\+promo@exa\\-mple.fr} IN EMAIL FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)",
    ]);
  });
});

describe('the status written on the Task', () => {
  it.each([
    [{ status: 'submitted', error: null }, 'envoyé'],
    [{ status: 'delivered', error: null }, 'délivré'],
    [{ status: 'expired', error: 'no receipt in time' }, 'non délivré (expired : no receipt in time)'],
    [{ status: 'undelivered', error: null }, 'non délivré (undelivered)'],
  ])('%o → %s', (message, label) => {
    expect(statusOf(message).label).toBe(label);
  });
});
