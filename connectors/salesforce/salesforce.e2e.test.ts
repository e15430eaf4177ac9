/**
 * The Salesforce connector on a live hub: the OAuth web server flow against a local authorization server speaking
 * Salesforce's endpoints (client credentials in the form, instance_url and identity URL in the token answer, no
 * refresh token rotation), the identity URL and REST API reproduced with nock (testing/fake-salesforce.ts), Outbound
 * Messages posted as Salesforce posts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/support/browser.ts';
import type { TestHub } from '../../test/support/hub.ts';
import type { OAuthTestServer } from '../../test/support/oauth-server.ts';
import { waitFor } from '../../test/support/wait.ts';
import { runScheduleNow } from '../../src/connectors/schedules.ts';
import { id18 } from './ids.ts';
import { ACK_RESPONSE } from './outbound-message.ts';
import { ORG_ID, outboundMessage, USERNAME, type FakeSalesforce } from './testing/fake-salesforce.ts';
import { postOutboundMessage, startSalesforceHub } from './testing/salesforce-hub.ts';

const ASSIGNEE = id18('0055e000003TdXz')!;
const INVOICE_ID = id18('a015e00000Inv01')!;

describe('Salesforce connector', () => {
  let server: OAuthTestServer;
  let fake: FakeSalesforce;
  let hub: TestHub;
  let close: (() => Promise<void>) | undefined;
  let installationId = '';
  let endpoint = '';

  const api = (path: string, init?: Parameters<TestHub['api']>[1]) => hub.api(path, init);
  const events = async (type: string) => (await api(`/v1/events?type=${type}&limit=100`)).body.items as { id: string; data: Record<string, any>; subject: Record<string, string> }[];
  const inbox = () => hub.hub.store.query<{ dedupe_key: string; status: string; note: string | null }>('SELECT dedupe_key, status, note FROM connector_inbox WHERE installation_id = $1 ORDER BY seq', [installationId]);
  const post = (body: string, url = endpoint) => postOutboundMessage(url, body);
  const phoneOf = async (contactId: string) => (await api(`/v1/contacts/${contactId}`)).body.phone as string;
  const refreshes = () => server.tokenCalls.filter((call) => call.grantType === 'refresh_token');
  const createTask = (input: Record<string, unknown>) => api(`/v1/connectors/salesforce/installations/${installationId}/actions/create-task`, { body: input });

  beforeAll(async () => {
    ({ hub, oauth: server, fake, close } = await startSalesforceHub('embedded'));
  }, 180_000);
  afterAll(async () => {
    await close?.();
  });

  it('installs with the web server flow: PKCE, scopes api refresh_token, the client in the form, the org as the account', async () => {
    const start = await api('/v1/connectors/salesforce/installations', { body: { environment: 'production' } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const page = await new TestBrowser().follow(start.body.authorizationUrl);
    expect(page.status, page.body).toBe(200);
    expect(page.body).toContain(ORG_ID);
    const authorize = server.authorizeRequests.at(-1)!;
    expect(authorize.get('scope')).toBe('api refresh_token');
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(server.tokenCalls.at(-1)).toMatchObject({ grantType: 'authorization_code', clientAuth: 'body', result: 'ok' });

    const [installation] = (await api('/v1/connectors/salesforce/installations')).body.items as { id: string; account: string; status: string }[];
    expect(installation).toMatchObject({ account: ORG_ID, status: 'active' });
    installationId = installation!.id;
    const detail = (await api(`/v1/connectors/salesforce/installations/${installationId}`)).body;
    expect(detail.settings).toMatchObject({ organizationId: ORG_ID, username: USERNAME, environment: 'production', phoneRegion: 'FR', currency: 'EUR' });
    endpoint = detail.remote[0].externalId;
    expect(endpoint).toMatch(new RegExp(`^${hub.url}/connectors/salesforce/${installationId}/outbound-messages/[A-Za-z0-9]{32}$`));
    // Reconcile checked the API with the new token.
    expect(fake.queries).toContain('SELECT Id FROM Organization LIMIT 1');
  });

  it('refuses a sign-in address that is not a My Domain, storing nothing', async () => {
    for (const body of [{ environment: 'my-domain' }, { environment: 'my-domain', myDomainUrl: 'https://evil.example.com' }, { environment: 'production', myDomainUrl: 'https://acme.my.salesforce.com' }]) {
      const refused = await api('/v1/connectors/salesforce/installations', { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('body.myDomainUrl');
    }
  });

  it('an Outbound Message for a task assigned: stored, acknowledged, task.assigned to the assignee\'s mobile; its repeat changes nothing', async () => {
    fake.put('User', { Id: ASSIGNEE, Name: 'Julie Bernard', MobilePhone: '+33 6 98 76 54 32' });
    const message = outboundMessage({
      sobject: 'Task',
      notifications: [{ id: '04l5e00000Gx7QzAAJ', fields: { Id: '00T5e00000AbCdEEAV', OwnerId: ASSIGNEE, Subject: 'Rappeler Mme Dupont', Status: 'Not Started', Priority: 'High', ActivityDate: '2026-12-07', SystemModstamp: '2026-12-05T09:00:00.000Z' } }],
    });
    const answer = await post(message);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/xml');
    expect(await answer.text()).toBe(ACK_RESPONSE);
    const [assigned] = await waitFor(async () => {
      const found = await events('task.assigned');
      return found.length > 0 && found;
    }, 'task.assigned');
    expect(assigned!.data).toMatchObject({ task: { id: '00T5e00000AbCdEEAV', subject: 'Rappeler Mme Dupont' }, assignee: { userId: ASSIGNEE, mobilePhone: '+33 6 98 76 54 32' }, org: { organizationId: ORG_ID } });
    expect(await phoneOf(assigned!.subject.contactId!)).toBe('+33698765432');
    expect(fake.queries).toContain(`SELECT Id, Name, MobilePhone FROM User WHERE Id = '${ASSIGNEE}'`);

    // Salesforce sends it again (no ack seen in time): acknowledged, one entry, one event.
    expect(await (await post(message)).text()).toBe(ACK_RESPONSE);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await inbox()).map((entry) => entry.dedupe_key)).toEqual(['notification:04l5e00000Gx7QzAAJ']);
    expect(await events('task.assigned')).toHaveLength(1);
  });

  it('a batch of orders: one entry per notification, an order.created for each, with the bill-to contact', async () => {
    fake.put('Contact', { Id: '0035e00000ZkM3hAAF', FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Phone: null, Email: 'camille.martin@example.fr' });
    const orders = ['8015e00000O0001AAA', '8015e00000O0002AAA'].map((id, index) => ({
      id: id18(`04l5e00000Gy00${index}`)!,
      fields: { Id: id, OrderNumber: `0000010${index}`, Status: 'Activated', TotalAmount: '59.9', BillToContactId: '0035e00000ZkM3hAAF', SystemModstamp: '2026-12-05T09:00:00.000Z' },
    }));
    expect(await (await post(outboundMessage({ sobject: 'Order', notifications: orders }))).text()).toBe(ACK_RESPONSE);
    const created = await waitFor(async () => {
      const found = await events('order.created');
      return found.length === 2 && found;
    }, 'two order.created');
    expect(created.map((event) => event.data.status)).toEqual(['processing', 'processing']);
    expect(await phoneOf(created[0]!.subject.contactId!)).toBe('+33612345678');
    expect((await inbox()).filter((entry) => entry.dedupe_key.startsWith('notification:04l5e00000Gy00'))).toHaveLength(2);
  });

  it('billing: with settings.invoices, an unpaid invoice\'s Outbound Message becomes invoice.due for its contact; the template is offered', async () => {
    const patched = await api(`/v1/connectors/salesforce/installations/${installationId}`, {
      method: 'PATCH',
      // The automatic SMS log is sms-log.e2e.test.ts's: off here, so the Tasks created are the actions' alone.
      body: { settings: { logSms: false, invoices: { sobject: 'Invoice__c', dueDateField: 'Due_Date__c', contactField: 'Contact__c', amountField: 'Balance__c', paidField: 'Paid__c' } } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const message = outboundMessage({
      sobject: 'Invoice__c',
      notifications: [{ id: id18('04l5e00000Gw001')!, fields: { Id: INVOICE_ID, Name: 'F-2026-0412', Due_Date__c: '2026-12-15', Balance__c: '480', Paid__c: 'false', Contact__c: '0035e00000ZkM3hAAF', SystemModstamp: '2026-12-05T09:00:00.000Z' } }],
    });
    expect(await (await post(message)).text()).toBe(ACK_RESPONSE);
    const [due] = await waitFor(async () => {
      const found = await events('invoice.due');
      return found.length > 0 && found;
    }, 'invoice.due');
    expect(due!.data.invoice).toEqual({ id: INVOICE_ID, sobject: 'Invoice__c', number: 'F-2026-0412', dueDate: '2026-12-15', amount: 480, currency: 'EUR' });
    expect(await phoneOf(due!.subject.contactId!)).toBe('+33612345678');
    const templates = (await api('/v1/scenario-templates')).body.items as { id: string }[];
    expect(templates.map((template) => template.id)).toContain('billing-reminders');
  });

  it('refuses a foreign org, malformed XML and a wrong endpoint with a SOAP fault, storing nothing', async () => {
    const before = (await inbox()).length;
    const foreign = await post(outboundMessage({ organizationId: '00D5e000000ZZZZEAA', sobject: 'Lead', notifications: [{ id: id18('04l5e00000Gz001')!, fields: { Id: '00Q5e00000ZkM3hEAF' } }] }));
    expect(foreign.status).toBe(500);
    expect(await foreign.text()).toMatch(/<faultcode>soapenv:Client<\/faultcode>[\s\S]*receives the Outbound Messages of org/);
    const malformed = await post('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications>');
    expect(malformed.status).toBe(500);
    expect(await malformed.text()).toContain('malformed XML');
    const wrongToken = await post(outboundMessage({ sobject: 'Lead', notifications: [{ id: id18('04l5e00000Gz002')!, fields: { Id: '00Q5e00000ZkM3hEAF' } }] }), endpoint.replace(/[A-Za-z0-9]{32}$/, 'x'.repeat(32)));
    expect(wrongToken.status).toBe(500);
    expect(await wrongToken.text()).toContain('Unknown endpoint');
    expect((await inbox()).length).toBe(before);
  });

  it('the backstop poll catches a task whose Outbound Message was lost, once; a change already pushed publishes nothing', async () => {
    const later = (ms: number) => new Date(Date.now() + ms).toISOString().replace('Z', '+0000');
    const lost = id18('00T5e00000LoSt1')!;
    fake.put('Task', { Id: lost, OwnerId: ASSIGNEE, Subject: 'Relancer le devis', Status: 'Not Started', Priority: 'Normal', ActivityDate: '2026-12-08', Description: null, WhoId: null, WhatId: null, IsClosed: false, SystemModstamp: later(60_000) });
    // The task pushed earlier, read again by the poll with the same owner: nothing new.
    fake.put('Task', { Id: '00T5e00000AbCdEEAV', OwnerId: ASSIGNEE, Subject: 'Rappeler Mme Dupont', Status: 'Not Started', Priority: 'High', ActivityDate: '2026-12-07', Description: null, WhoId: null, WhatId: null, IsClosed: false, SystemModstamp: later(30_000) });
    const poll = async () => (await runScheduleNow(hub.hub.connectors.deps, installationId, 'poll'))?.result as { received: number; duplicates: number; skipped: string[] };
    const first = await poll();
    // The fake org has no Order or Lead records table: skipped with the error kept, the other objects polled.
    expect(first).toMatchObject({ received: 2, duplicates: 0, skipped: ['Order', 'Lead'] });
    expect(fake.queries.some((soql) => /^SELECT Id, OwnerId, Subject, .* FROM Task WHERE SystemModstamp >= \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z ORDER BY SystemModstamp ASC LIMIT 1000$/.test(soql))).toBe(true);
    await waitFor(async () => (await events('task.assigned')).some((event) => event.data.task.id === lost), 'the polled task');
    expect((await events('task.assigned')).map((event) => event.data.task.id).sort()).toEqual(['00T5e00000AbCdEEAV', lost].sort());
    // The cursor moved to the newest change read; the inclusive cursor reads that one again, a duplicate.
    expect(await poll()).toMatchObject({ received: 0, duplicates: 1 });
    const [row] = await hub.hub.store.query<{ state: { pollCursors: Record<string, string>; pollErrors: Record<string, string> } }>('SELECT state FROM connector_installations WHERE id = $1', [installationId]);
    expect(Date.parse(row!.state.pollCursors.Task!)).toBeGreaterThan(Date.now());
    expect(row!.state.pollErrors.Order).toContain('INVALID_TYPE');
  });

  it('logs an SMS as a completed Task once, even when the step runs twice', async () => {
    const log = (input: Record<string, unknown>) => api(`/v1/connectors/salesforce/installations/${installationId}/actions/log-sms`, { body: input });
    const sms = { direction: 'sent', messageId: 'msg_8Qy2mZ0bW1', text: 'Votre commande 00000100 est expédiée.', whoId: '0035e00000ZkM3hAAF', whatId: '8015e00000O0001AAA', at: '2026-12-05T10:15:00.000Z' };
    const first = await log(sms);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.result).toMatchObject({ created: true });
    const task = fake.created.at(-1)!;
    expect(task).toMatchObject({
      sobject: 'Task',
      body: { Subject: 'SMS envoyé', Description: 'Votre commande 00000100 est expédiée.\n\n(réf. hub msg_8Qy2mZ0bW1)', WhoId: '0035e00000ZkM3hAAF', WhatId: '8015e00000O0001AAA', Status: 'Completed', TaskSubtype: 'Task', ActivityDate: '2026-12-05' },
    });
    const created = fake.created.length;
    const again = await log(sms);
    expect(again.body.result).toEqual({ taskId: task.id, created: false });
    expect(fake.created.length).toBe(created);
    const reply = await log({ ...sms, direction: 'received', messageId: 'mo_4fQ9mZ0b', text: 'Merci !' });
    expect(reply.body.result).toMatchObject({ created: true });
    expect(fake.created.at(-1)!.body).toMatchObject({ Subject: 'SMS reçu', Description: 'Merci !\n\n(réf. hub mo_4fQ9mZ0b)' });
    expect((await log({ ...sms, whoId: '0015e00000ZkM3hAAF' })).status).toBe(400);
  });

  it('serves the Flow "Send SMS" OpenAPI document, and the call it describes sends once per Idempotency-Key', async () => {
    const served = await fetch(`${hub.url}/connectors/salesforce/external-services/openapi.json`);
    expect(served.status).toBe(200);
    const document = (await served.json()) as { servers: { url: string }[]; paths: Record<string, { post: { operationId: string } }> };
    expect(document.servers).toEqual([{ url: hub.url }]);
    const [path] = Object.keys(document.paths);
    expect(document.paths[path!]!.post.operationId).toBe('sendSms');
    // What Salesforce sends for the action, through the Named Credential (the hub's API key).
    const send = () => api(path!, { body: { to: '+33612345678', text: 'Votre devis est prêt.', category: 'transactional' }, headers: { 'idempotency-key': '0065e00000ZkM3hAAF-devis' } });
    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('creates a Task; refreshes on 401 INVALID_SESSION_ID without a new refresh token; a revoked app puts the installation in reauthorize', async () => {
    const created = await createTask({ subject: 'Rappeler Mme Dupont', whoId: '0035e00000ZkM3hAAF', activityDate: '2026-12-07' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(fake.created.at(-1)).toMatchObject({ sobject: 'Task', body: { Subject: 'Rappeler Mme Dupont', WhoId: '0035e00000ZkM3hAAF', ActivityDate: '2026-12-07', Status: 'Not Started', Priority: 'Normal' } });
    expect(created.body.result).toEqual({ taskId: fake.created.at(-1)!.id });

    // The session expired (Salesforce's token answer says no expiry): a 401, one refresh in the form, the call again.
    server.expireAccessTokens(server.consent.account);
    const count = refreshes().length;
    expect((await createTask({ subject: 'Après expiration' })).status).toBe(200);
    expect(refreshes().slice(count)).toMatchObject([{ clientAuth: 'body', result: 'ok' }]);

    // The admin revoked the app in Salesforce: the refresh is refused, the installation waits for a reconnect.
    server.revokeAccount(server.consent.account);
    server.expireAccessTokens(server.consent.account);
    const refused = await createTask({ subject: 'Après révocation' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('needs to be reconnected');
    const [installation] = (await api('/v1/connectors/salesforce/installations')).body.items as { status: string }[];
    expect(installation!.status).toBe('reauthorize');
  });
});
