/**
 * Opt-outs both ways on a live hub over PostgreSQL: a STOP reply → the opt-out checkbox PATCHed on the person's contact
 * and lead in Salesforce (nock), with the reply logged as "SMS reçu"; the box ticked in Salesforce (an Outbound
 * Message) → the number opted out in the hub, nothing written back; unticked → lifted when Salesforce had set it, kept
 * and ticked again when the person had texted STOP; an email unsubscribe → HasOptedOutOfEmail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../../test/support/hub.ts';
import { waitFor } from '../../test/support/wait.ts';
import { id18 } from './ids.ts';
import { ACK_RESPONSE } from './outbound-message.ts';
import { outboundMessage, type FakeSalesforce } from './testing/fake-salesforce.ts';
import { installThroughOAuth, postOutboundMessage, startSalesforceHub } from './testing/salesforce-hub.ts';

const FIELD = 'SMS_Opt_Out__c';
const CAMILLE = id18('0035e00000Cam01')!;
const CAMILLE_LEAD = id18('00Q5e00000Cam02')!;
const LEA = id18('0035e00000Lea01')!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type OptOut = { channel: string; address: string; source: string };

describe('Salesforce: opt-outs both ways', () => {
  let hub: TestHub;
  let fake: FakeSalesforce;
  let close: (() => Promise<void>) | undefined;
  let installationId = '';
  let endpoint = '';
  let notification = 0;

  const api = (path: string, init?: Parameters<TestHub['api']>[1]) => hub.api(path, init);
  const optOuts = async () => (await api('/v1/opt-outs?limit=100')).body.items as OptOut[];
  const unsubscribed = async () => (await api('/v1/events?type=contact.unsubscribed&limit=100')).body.items as { data: { address: string; via: string } }[];
  const patchesOf = (id: string) => fake.updated.filter((call) => call.id === id);
  /** The Contact's Outbound Message, as a record-triggered Flow sends it on every change. */
  const contactChanged = async (fields: Record<string, string | null>, at: string) => {
    notification++;
    const message = outboundMessage({ sobject: 'Contact', notifications: [{ id: id18(`04l5e00000Gc${String(notification).padStart(3, '0')}`)!, fields: { ...fields, SystemModstamp: at } }] });
    expect(await (await postOutboundMessage(endpoint, message)).text()).toBe(ACK_RESPONSE);
  };
  /** Every inbox entry processed, every event dispatched, and the connector's deliveries done. */
  const settled = (what: string) =>
    waitFor(
      async () =>
        (
          await hub.hub.store.query(
            `SELECT 1 FROM connector_inbox WHERE installation_id = $1 AND status = 'pending'
             UNION ALL SELECT 1 FROM events WHERE dispatched_at IS NULL
             UNION ALL SELECT 1 FROM event_deliveries WHERE subscriber = $2 AND status = 'pending'`,
            [installationId, `connector:${installationId}`],
          )
        ).length === 0,
      what,
    );

  beforeAll(async () => {
    ({ hub, fake, close } = await startSalesforceHub('postgres'));
  }, 120_000);
  afterAll(async () => {
    await close?.();
  });

  it('installs; the admin names the opt-out checkbox; Camille is a contact and a lead in Salesforce', async () => {
    ({ id: installationId, endpoint } = await installThroughOAuth(hub));
    const patched = await api(`/v1/connectors/salesforce/installations/${installationId}`, { method: 'PATCH', body: { settings: { smsOptOutField: FIELD } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
    fake.put('Contact', { Id: CAMILLE, FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Phone: null, Email: 'camille.martin@example.fr', [FIELD]: false, HasOptedOutOfEmail: false });
    fake.put('Lead', { Id: CAMILLE_LEAD, FirstName: 'Camille', LastName: 'Martin', MobilePhone: null, Phone: '+33 6 12 34 56 78', Email: null, IsConverted: false, [FIELD]: false, HasOptedOutOfEmail: false });
    await contactChanged({ Id: CAMILLE, FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Email: 'camille.martin@example.fr', [FIELD]: 'false', HasOptedOutOfEmail: 'false' }, '2026-12-05T09:00:00.000Z');
    await waitFor(async () => ((await api('/v1/events?type=crm.contact_created')).body.items as unknown[]).length === 1, 'crm.contact_created');
    await settled('the contact\'s event handled');
    expect(await optOuts()).toEqual([]);
    expect(fake.updated).toEqual([]);
  });

  it('a STOP reply → the checkbox ticked on Camille\'s contact and lead in Salesforce, the reply logged; the change coming back changes nothing', async () => {
    const stop = await api('/v1/sandbox/inbound-sms', { body: { from: '+33612345678', text: 'STOP' } });
    expect(stop.status, JSON.stringify(stop.body)).toBe(200);
    await waitFor(async () => patchesOf(CAMILLE).length > 0 && patchesOf(CAMILLE_LEAD).length > 0, 'the box ticked on the contact and the lead');
    // PATCH /services/data/v66.0/sobjects/Contact/<id> and …/Lead/<id>, exactly this body.
    expect(patchesOf(CAMILLE)).toEqual([{ sobject: 'Contact', id: CAMILLE, body: { [FIELD]: true } }]);
    expect(patchesOf(CAMILLE_LEAD)).toEqual([{ sobject: 'Lead', id: CAMILLE_LEAD, body: { [FIELD]: true } }]);
    expect(fake.searches).toContain('FIND {33612345678 OR 0612345678} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)');
    const reply = await waitFor(async () => fake.created.find((call) => call.body.Subject === 'SMS reçu'), 'the reply logged');
    expect(reply.body).toEqual({ Subject: 'SMS reçu', Description: expect.stringMatching(/^STOP\n\n\(réf\. hub mo_\w+\)$/), WhoId: CAMILLE, Status: 'Completed', TaskSubtype: 'Task', ActivityDate: new Date().toISOString().slice(0, 10) });
    expect(await optOuts()).toEqual([expect.objectContaining({ channel: 'sms', address: '+33612345678', source: 'sms-keyword:STOP' })]);

    // Salesforce's Flow sends the ticked contact back: already opted out, no new event, nothing written again.
    await contactChanged({ Id: CAMILLE, FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Email: 'camille.martin@example.fr', [FIELD]: 'true', HasOptedOutOfEmail: 'false' }, '2026-12-05T09:05:00.000Z');
    await waitFor(async () => ((await api('/v1/events?type=crm.contact_updated')).body.items as unknown[]).length === 1, 'crm.contact_updated');
    await settled('the change handled');
    await sleep(300);
    expect(await unsubscribed()).toHaveLength(1);
    expect(patchesOf(CAMILLE)).toHaveLength(1);
  });

  it('the box ticked in Salesforce → the number opted out in the hub, not written back; unticked → lifted', async () => {
    const lea = { Id: LEA, FirstName: 'Léa', LastName: 'Roux', MobilePhone: '07 81 23 45 67', Email: null };
    await contactChanged({ ...lea, [FIELD]: 'false' }, '2026-12-05T10:00:00.000Z');
    await settled('Léa created');
    await contactChanged({ ...lea, [FIELD]: 'true' }, '2026-12-05T10:01:00.000Z');
    const optOut = await waitFor(async () => (await optOuts()).find((entry) => entry.address === '+33781234567'), 'Léa opted out in the hub');
    expect(optOut).toMatchObject({ channel: 'sms', source: `salesforce:Contact.${FIELD}` });
    const event = await waitFor(async () => (await unsubscribed()).find((entry) => entry.data.address === '+33781234567'), 'contact.unsubscribed');
    expect(event.data.via).toBe(`salesforce:Contact.${FIELD}`);
    await settled('contact.unsubscribed handled');
    expect(patchesOf(LEA)).toEqual([]);

    await contactChanged({ ...lea, [FIELD]: 'false' }, '2026-12-05T10:02:00.000Z');
    await waitFor(async () => !(await optOuts()).some((entry) => entry.address === '+33781234567'), 'Léa\'s opt-out lifted');
    expect(patchesOf(LEA)).toEqual([]);
  });

  it('unticking a person\'s own STOP in Salesforce keeps the opt-out and ticks the box again; an email unsubscribe ticks HasOptedOutOfEmail', async () => {
    await contactChanged({ Id: CAMILLE, FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Email: 'camille.martin@example.fr', [FIELD]: 'false', HasOptedOutOfEmail: 'false' }, '2026-12-05T11:00:00.000Z');
    await waitFor(async () => patchesOf(CAMILLE).length === 2, 'the box ticked again');
    expect(patchesOf(CAMILLE).at(-1)).toEqual({ sobject: 'Contact', id: CAMILLE, body: { [FIELD]: true } });
    expect((await optOuts()).find((entry) => entry.address === '+33612345678')).toMatchObject({ source: 'sms-keyword:STOP' });

    const email = await api('/v1/opt-outs', { body: { channel: 'email', address: 'camille.martin@example.fr', source: 'unsubscribe-link' } });
    expect(email.status, JSON.stringify(email.body)).toBe(201);
    await waitFor(async () => patchesOf(CAMILLE).some((call) => call.body.HasOptedOutOfEmail === true), 'HasOptedOutOfEmail ticked');
    expect(patchesOf(CAMILLE).at(-1)).toEqual({ sobject: 'Contact', id: CAMILLE, body: { HasOptedOutOfEmail: true } });
    expect(fake.searches).toContain('FIND {camille.martin@example.fr} IN EMAIL FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)');
  });
});
