/**
 * The SMS tab on a live hub: the org connected with the web server flow (local authorization server speaking
 * Salesforce's endpoints), Salesforce's REST API reproduced with nock (testing/fake-salesforce.ts), and the Canvas
 * signed request built as Salesforce builds it (testing/canvas-request.ts) with the app's consumer secret, which is
 * the OAuth client's secret. Anything refused stores nothing; the tab's calls carry the hub's tab credential only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../../test/support/hub.ts';
import type { OAuthTestServer } from '../../test/support/oauth-server.ts';
import { waitFor } from '../../test/support/wait.ts';
import { id18 } from './ids.ts';
import { canvasRequest, signRequest, type CanvasRequestOptions } from './testing/canvas-request.ts';
import type { FakeSalesforce } from './testing/fake-salesforce.ts';
import { startTabHub, TAB_TEMPLATE, type TabHub } from './testing/tab-hub.ts';

const CONTACT = id18('0035e00000ZkM3h')!;
const ORDER = id18('8015e00000O0009')!;

describe('the Salesforce SMS tab (Canvas)', () => {
  let tab: TabHub;
  let server: OAuthTestServer;
  let fake: FakeSalesforce;
  let hub: TestHub;
  let installationId = '';

  const api = (path: string, init?: Parameters<TestHub['api']>[1]) => hub.api(path, init);
  const stored = async () => {
    const [row] = await hub.hub.store.query<{ messages: number; inbox: number; events: number }>(
      'SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM connector_inbox) AS inbox, (SELECT count(*)::int FROM events) AS events',
    );
    return row!;
  };
  const openTab = (signedRequest: string | undefined, id = installationId) =>
    fetch(`${hub.url}/connectors/salesforce/${id}/canvas`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(signedRequest === undefined ? {} : { signed_request: signedRequest }).toString(),
    });
  const signed = (options: CanvasRequestOptions = {}, secret = server.clientSecret) => signRequest(canvasRequest(options), secret);
  const pageData = (html: string) => JSON.parse(/<script type="application\/json" id="tab-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as Record<string, any>;
  const tabCall = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${hub.url}/connectors/salesforce/canvas/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

  beforeAll(async () => {
    tab = await startTabHub();
    ({ server, fake, hub, installationId } = tab);
    fake.put('Contact', { Id: CONTACT, Name: 'Camille Martin', FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Phone: '01 42 68 53 00', Email: 'camille.martin@example.fr' });
  }, 180_000);
  afterAll(async () => {
    await tab?.close();
  });

  it('refuses a request signed with another secret, from another org, without a signed request or for an unknown installation: a page saying so, nothing stored', async () => {
    const before = await stored();
    for (const [what, response] of [
      ['another secret', await openTab(signed({}, 'not the consumer secret'))],
      ['another org', await openTab(signed({ organizationId: '00D5e000000ZZZZ' }))],
      ['another algorithm', await openTab(signed({ algorithm: 'HMACSHA1' }))],
      ['no signed request', await openTab(undefined)],
      ['an unknown installation', await openTab(signed(), 'ins_unknown')],
    ] as const) {
      expect(response.status, what).toBe(403);
      const html = await response.text();
      expect(html, what).toContain('could not verify that the request comes from the connected org');
      expect(html, what).not.toContain('tab-data');
      expect(response.headers.get('content-security-policy'), what).toContain('frame-ancestors https://*.my.salesforce.com https://*.lightning.force.com https://*.vf.force.com https://*.visualforce.com');
    }
    expect(await stored()).toEqual(before);
    // Opened with a GET (the app set to "self-authorize"): the page says what to change.
    const get = await fetch(`${hub.url}/connectors/salesforce/${installationId}/canvas`);
    expect(get.status).toBe(405);
    expect(await get.text()).toContain('Admin approved users are pre-authorized');
  });

  it('opens on a Contact: its phones, the templates, the merge fields, in French; framing allowed for the org only; no inline script', async () => {
    const response = await openTab(signed());
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain('frame-ancestors https://acme.my.salesforce.com https://acme.lightning.force.com https://*.vf.force.com https://*.visualforce.com');
    expect(response.headers.get('x-frame-options')).toBeNull();
    const html = await response.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).not.toMatch(/<script(?![^>]*(type="application\/json"|src=))/);
    const data = pageData(html);
    expect(data.record).toMatchObject({ type: 'Contact', id: CONTACT, name: 'Camille Martin', fields: { FirstName: 'Camille' } });
    expect(data.phones).toEqual([
      { field: 'MobilePhone', raw: '06 12 34 56 78', e164: '+33612345678', mobile: true },
      { field: 'Phone', raw: '01 42 68 53 00', e164: '+33142685300', mobile: false },
    ]);
    expect(data.templates).toEqual([TAB_TEMPLATE]);
    expect(data.mergeFields).toContain('record.FirstName');
    expect(data.texts.sendNow).toBe('Envoyer maintenant');
    // The hub shows the admin the Canvas App URL to enter in Salesforce.
    const installation = (await api(`/v1/connectors/salesforce/installations/${installationId}`)).body;
    expect(installation.remote).toContainEqual(expect.objectContaining({ kind: 'canvas app url', externalId: tab.canvasUrl }));
    // The record was read with the installation's access, not the rep's Canvas token.
    expect(fake.queries.at(-1)).toMatch(new RegExp(`^SELECT Id, Name, .*MobilePhone, Phone.* FROM Contact WHERE Id = '${CONTACT}'$`));
    // The SLDS stylesheet and the script the page names are served by the hub.
    for (const asset of [/href="([^"]+salesforce-lightning-design-system\.min\.css)"/, /src="([^"]+canvas-tab\.js)"/]) {
      const served = await fetch(`${hub.url}${asset.exec(html)![1]}`);
      expect(served.status).toBe(200);
    }
    expect((await fetch(`${hub.url}/connectors/salesforce/canvas/assets/slds/package.json`)).status).toBe(404);
  });

  it('the tab\'s calls need its credential: none, altered or another record\'s are refused', async () => {
    const { token } = pageData(await (await openTab(signed())).text());
    expect((await fetch(`${hub.url}/connectors/salesforce/canvas/api/history`)).status).toBe(401);
    expect((await tabCall(`${token.slice(0, -2)}xx`, 'GET', 'history')).status).toBe(401);
    // The tenant's API key is not a tab credential.
    expect((await tabCall(hub.apiKey, 'GET', 'history')).status).toBe(401);
    // Bound to the record: a number that is not the record's is refused.
    const foreign = await tabCall(token, 'POST', 'send', { text: 'Bonjour', category: 'transactional', to: '+33698765432', key: 'k-foreign-0001' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([{ path: 'body.to', message: 'not a phone number of the record' }]);
  });

  it('previews with the hub\'s encoding and STOP rules: merge fields from the record, GSM-7 or UCS-2, segments', async () => {
    const { token, record } = pageData(await (await openTab(signed())).text());
    const gsm = await tabCall(token, 'POST', 'preview', { text: 'Bonjour {{ record.FirstName }}, votre rendez-vous est confirmé.', category: 'transactional', to: '+33612345678', record: record.fields });
    expect(gsm.status, JSON.stringify(gsm.body)).toBe(200);
    expect(gsm.body).toMatchObject({ text: 'Bonjour Camille, votre rendez-vous est confirmé.', encoding: 'GSM-7', segments: 1, optOutMentionAppended: false });
    const marketing = await tabCall(token, 'POST', 'preview', { text: 'Offre 🎁 pour {{ record.FirstName }}', category: 'marketing', to: '+33612345678', record: record.fields });
    expect(marketing.body).toMatchObject({ encoding: 'UCS-2', optOutMentionAppended: true, nonGsmCharacters: ['🎁'] });
    expect(marketing.body.text).toMatch(/^Offre 🎁 pour Camille.*STOP/s);
    const unknown = await tabCall(token, 'POST', 'preview', { text: 'Bonjour {{ record.Nickname }}', category: 'transactional', to: '+33612345678', record: record.fields });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.errors)).toContain('record.Nickname');
  });

  it('sends now from the tab → delivered at the sandbox SMSC, with the receipt in the history; a reply shows too; a retried click sends once', async () => {
    const { token } = pageData(await (await openTab(signed())).text());
    const body = { text: 'Bonjour {{ record.FirstName }}, votre rendez-vous est confirmé.', category: 'transactional', to: '+33612345678', key: 'click-0001-abcd' };
    const sent = await tabCall(token, 'POST', 'send', body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect((await tabCall(token, 'POST', 'send', body)).body.id).toBe(sent.body.id);
    const message = await waitFor(async () => {
      const found = await api(`/v1/messages/${sent.body.id}`);
      return found.body.status === 'delivered' && found.body;
    }, 'the SMS delivered');
    expect(message).toMatchObject({ to: '+33612345678', text: 'Bonjour Camille, votre rendez-vous est confirmé.' });
    const [origin] = await hub.hub.store.query<{ origin: string }>('SELECT origin FROM messages WHERE id = $1', [sent.body.id]);
    expect(origin!.origin).toBe(`salesforce-canvas:${installationId}`);
    expect((await api('/v1/sandbox/inbound-sms', { body: { from: '+33612345678', text: 'Merci, à demain' } })).status).toBe(200);
    const history = await waitFor(async () => {
      const { status, body: answer } = await tabCall(token, 'GET', 'history');
      expect(status, JSON.stringify(answer)).toBe(200);
      const mine = answer.items.find((entry: any) => entry.id === sent.body.id);
      return mine?.receipts.length > 0 && answer.items.some((entry: any) => entry.direction === 'received') && answer.items;
    }, 'the history with the receipt and the reply');
    expect(history[0]).toMatchObject({ direction: 'received', from: '+33612345678', text: 'Merci, à demain', inReplyTo: sent.body.id });
    expect(history.find((entry: any) => entry.id === sent.body.id)).toMatchObject({ direction: 'sent', status: 'delivered', receipts: [{ status: 'delivered' }] });
  });

  it('schedules a send for later', async () => {
    const { token } = pageData(await (await openTab(signed({ language: 'en_US' }))).text());
    const at = new Date(Date.now() + 3 * 3_600_000);
    const sent = await tabCall(token, 'POST', 'send', { text: 'See you tomorrow', category: 'transactional', to: '+33612345678', sendAt: at.toISOString(), key: 'click-0002-abcd' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.status).toBe('scheduled');
    expect(new Date(sent.body.scheduledFor).getTime()).toBeGreaterThanOrEqual(at.getTime() - 1_000);
  });

  it('on an Order: the Bill To Contact\'s phones and fields; on another object: a notice, no credential', async () => {
    fake.put('Order', { Id: ORDER, OrderNumber: '00000109', Status: 'Activated', TotalAmount: 59.9, BillToContactId: CONTACT, AccountId: null });
    const data = pageData(await (await openTab(signed({ record: { type: 'Order', id: ORDER }, language: 'en_US' }))).text());
    expect(data.record).toMatchObject({ type: 'Order', name: '00000109', fields: { OrderNumber: '00000109', BillToContact: { FirstName: 'Camille' } } });
    expect(data.phones.map((phone: any) => phone.field)).toEqual(['BillToContact.MobilePhone', 'BillToContact.Phone']);
    expect(data.mergeFields).toContain('record.BillToContact.FirstName');
    expect(data.texts.sendNow).toBe('Send now');
    const other = await openTab(signed({ record: { type: 'Campaign', id: '7015e00000Cmp01' }, language: 'en_US' }));
    expect(other.status).toBe(200);
    const html = await other.text();
    expect(html).toContain('The SMS tab works on Contacts, Leads, Accounts, Opportunities, Cases and Orders.');
    expect(html).not.toContain('tab-data');
  });
});
