/**
 * The automatic SMS log on a live hub (settings.logSms): an Outbound Message for a task assigned → the scenario's SMS
 * to the assignee delivered at the sandbox SMSC → a completed Task "SMS envoyé" on the task's contact, as Salesforce's
 * REST API receives it (nock) → the receipt rewrites its status; a number known only to Salesforce found by SOSL; an
 * expired SMS; the delivery run again (and with its memory lost) logging nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../../test/support/hub.ts';
import { waitFor } from '../../test/support/wait.ts';
import { id18 } from './ids.ts';
import { ACK_RESPONSE } from './outbound-message.ts';
import { outboundMessage, type FakeSalesforce } from './testing/fake-salesforce.ts';
import { installThroughOAuth, postOutboundMessage, startSalesforceHub } from './testing/salesforce-hub.ts';

const ASSIGNEE = id18('0055e000003TdXz')!;
const DUPONT = id18('0035e00000Dupnt')!;
const OPPORTUNITY = id18('0065e00000Opp01')!;
const LEAD = id18('00Q5e00000Lead1')!;
const STATUS_FIELD = 'SMS_Status__c';

type Message = { id: string; to: string; text: string; status: string };
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The Description of an automatic log: the text, the status line (`status`: a pattern), the reference line. */
const description = (message: Message, status: string) => new RegExp(`^${escape(message.text)}\\n\\nStatut : ${status} — \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC\\n\\(réf\\. hub ${message.id}\\)$`);

describe('Salesforce: every SMS logged as a Task, its status from the receipt', () => {
  let hub: TestHub;
  let fake: FakeSalesforce;
  let close: (() => Promise<void>) | undefined;
  let installationId = '';
  let endpoint = '';

  const api = (path: string, init?: Parameters<TestHub['api']>[1]) => hub.api(path, init);
  const messageTo = (to: string, status?: string) =>
    waitFor(async () => ((await api('/v1/messages?limit=100')).body.items as Message[]).find((message) => message.to === to && (status === undefined || message.status === status)), `the SMS to ${to}${status ? ` ${status}` : ''}`);
  const loggedTask = (message: Message) => waitFor(async () => fake.created.find((call) => call.sobject === 'Task' && String(call.body.Description).endsWith(`(réf. hub ${message.id})`)), `the Task of ${message.id}`);
  const sendSms = async (to: string, text: string) => {
    const sent = await api('/v1/messages/sms', { body: { to, text, category: 'transactional' } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    return sent.body as Message;
  };
  /** The connector's delivery of an event (target `connector:<installation>`). */
  const connectorDelivery = async (type: string, messageId: string) =>
    (
      await hub.hub.store.query<{ id: string; status: string; attempts: number }>(
        `SELECT d.id, d.status, d.attempts FROM event_deliveries d JOIN events e ON e.id = d.event_id WHERE e.type = $1 AND e.data->>'messageId' = $2 AND d.subscriber = $3`,
        [type, messageId, `connector:${installationId}`],
      )
    )[0];

  beforeAll(async () => {
    ({ hub, fake, close } = await startSalesforceHub('embedded'));
  }, 120_000);
  afterAll(async () => {
    await close?.();
  });

  it('installs with the log on by default; the connector says which events it consumes', async () => {
    ({ id: installationId, endpoint } = await installThroughOAuth(hub));
    const detail = (await api(`/v1/connectors/salesforce/installations/${installationId}`)).body;
    expect(detail.settings).toMatchObject({ logSms: true, emailOptOutSync: true });
    const patched = await api(`/v1/connectors/salesforce/installations/${installationId}`, { method: 'PATCH', body: { settings: { smsStatusField: STATUS_FIELD } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await api('/v1/connectors/salesforce')).body.consumes).toEqual(expect.arrayContaining(['message.submitted', 'sms.received', 'message.delivered', 'message.failed']));
    // The SMSC answers after a second, as a real one does: the log is written first, the receipt then updates it.
    await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 1_500 } } });
  });

  it('a task assigned → the SMS to the assignee, delivered → a Task on the task\'s contact, then its status from the receipt', async () => {
    const scenario = await api('/v1/scenarios', {
      body: {
        name: 'Notification de tâche',
        activate: true,
        definition: { trigger: { kind: 'event', event: 'task.assigned' }, steps: [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Nouvelle tâche : {{ event.data.task.subject }}' } }] },
      },
    });
    expect(scenario.status, JSON.stringify(scenario.body)).toBe(201);
    fake.put('User', { Id: ASSIGNEE, Name: 'Julie Bernard', MobilePhone: '+33 6 98 76 54 32' });
    fake.put('Contact', { Id: DUPONT, FirstName: 'Anne', LastName: 'Dupont', Phone: '01 23 45 67 89', MobilePhone: null, Email: null });
    const task = id18('00T5e00000Task1')!;
    const message = outboundMessage({
      sobject: 'Task',
      notifications: [{ id: id18('04l5e00000Gx001')!, fields: { Id: task, OwnerId: ASSIGNEE, Subject: 'Rappeler Mme Dupont', Status: 'Not Started', Priority: 'High', WhoId: DUPONT, WhatId: OPPORTUNITY, SystemModstamp: '2026-12-05T09:00:00.000Z' } }],
    });
    expect(await (await postOutboundMessage(endpoint, message)).text()).toBe(ACK_RESPONSE);

    const sms = await messageTo('+33698765432');
    expect(sms.text).toBe('Nouvelle tâche : Rappeler Mme Dupont');
    const logged = await loggedTask(sms);
    // Exactly what Salesforce's REST API received: POST /services/data/v66.0/sobjects/Task.
    expect(logged.body).toEqual({
      Subject: 'SMS envoyé',
      Description: expect.stringMatching(description(sms, 'envoyé')),
      WhoId: DUPONT,
      WhatId: OPPORTUNITY,
      Status: 'Completed',
      TaskSubtype: 'Task',
      ActivityDate: new Date().toISOString().slice(0, 10),
      [STATUS_FIELD]: 'envoyé',
    });
    // The contact came from the task: no search was needed.
    expect(fake.searches).toEqual([]);

    await messageTo('+33698765432', 'delivered');
    const update = await waitFor(async () => fake.updated.find((call) => call.sobject === 'Task' && call.id === logged.id), 'the Task updated by the receipt');
    expect(update.body).toEqual({ Description: expect.stringMatching(description(sms, 'délivré')), [STATUS_FIELD]: 'délivré' });
    expect(fake.records.get('Task')!.get(logged.id)).toMatchObject({ [STATUS_FIELD]: 'délivré' });
  });

  it('the log\'s delivery run again, and again with its memory lost: still one Task, no second update', async () => {
    const sms = await messageTo('+33698765432', 'delivered');
    const tasks = fake.created.length;
    const updates = fake.updated.length;
    const delivery = await waitFor(async () => {
      const found = await connectorDelivery('message.submitted', sms.id);
      return found?.status === 'succeeded' && found;
    }, 'the log delivered');
    const runAgain = async (attempts: number) => {
      // What a crash after the call and before the delivery's record leaves: the delivery pending, its job lost.
      await hub.hub.store.query(`UPDATE event_deliveries SET status = 'pending', next_attempt_at = now() - interval '1 minute' WHERE id = $1`, [delivery.id]);
      await hub.hub.bus.sweep();
      await waitFor(async () => {
        const found = await connectorDelivery('message.submitted', sms.id);
        return found?.status === 'succeeded' && found.attempts === attempts;
      }, `attempt ${attempts}`);
    };
    await runAgain(2);
    await hub.hub.store.query(`DELETE FROM connector_memory WHERE installation_id = $1 AND key = $2`, [installationId, `sms:${sms.id}`]);
    await runAgain(3);
    expect(fake.created.length).toBe(tasks);
    expect(fake.updated.length).toBe(updates);
    expect(fake.created.filter((call) => String(call.body.Description).endsWith(`(réf. hub ${sms.id})`))).toHaveLength(1);
  });

  it('a number only Salesforce knows is found by SOSL (a lead); an unknown number logs nothing; an expired SMS says so', async () => {
    fake.put('Lead', { Id: LEAD, FirstName: 'Marc', LastName: 'Petit', Phone: '06 11 22 33 44', MobilePhone: null, Email: null, IsConverted: false });
    const toLead = await sendSms('+33611223344', 'Votre devis est prêt.');
    const logged = await loggedTask(toLead);
    expect(logged.body).toMatchObject({ Subject: 'SMS envoyé', WhoId: LEAD, Status: 'Completed' });
    expect(logged.body.WhatId).toBeUndefined();
    expect(fake.searches).toContain('FIND {33611223344 OR 0611223344} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id WHERE IsConverted = false)');

    const stranger = await sendSms('+33622334455', 'Bonjour');
    await waitFor(async () => (await connectorDelivery('message.submitted', stranger.id))?.status === 'succeeded', 'the stranger\'s SMS handled');
    expect(fake.created.some((call) => String(call.body.Description).endsWith(`(réf. hub ${stranger.id})`))).toBe(false);

    // +33600000002: the sandbox's magic number whose receipt says expired.
    fake.put('Contact', { Id: id18('0035e00000Exp01')!, FirstName: 'Léa', LastName: 'Roux', Phone: null, MobilePhone: '+33 6 00 00 00 02', Email: null });
    const expiring = await sendSms('+33600000002', 'Rappel : rendez-vous demain.');
    const task = await loggedTask(expiring);
    const update = await waitFor(async () => fake.updated.find((call) => call.sobject === 'Task' && call.id === task.id), 'the expired status');
    expect(update.body).toEqual({ Description: expect.stringMatching(description(expiring, 'non délivré \\(expired[^\\n]*\\)')), [STATUS_FIELD]: expect.stringMatching(/^non délivré \(expired/) });
  });
});
