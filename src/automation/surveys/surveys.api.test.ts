/**
 * The satisfaction survey end to end on a whole hub, in both modes of the template: the question SMS
 * (a signed link to the hub's page, or "reply 1 to 5"), the answer published as survey.answered with
 * the same payload, and the template's branches taken by the engine: 1–2 alerts the merchant (filed
 * under the merchant's number, not in the customer's history) and sends the apology offer, 4–5 the
 * review request. An altered link is refused, a second answer publishes nothing, an expired link is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { waitFor } from '../../../test/support/wait.ts';

type Message = { id: string; to: string; text: string; contactId: string | null };

describe.each(['embedded', 'postgres'] as const)('satisfaction survey: page and SMS answers (%s)', (mode) => {
  let hub: TestHub;
  beforeAll(async () => void (hub = await startTestHub(mode)));
  afterAll(async () => hub?.close());
  let api: TestHub['api'];

  async function tenantWithSurvey(parameters: Record<string, unknown>) {
    const tenant = await hub.createTenant('survey');
    api = (path, init = {}) => hub.api(path, { ...init, apiKey: tenant.apiKey });
    await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
    await api('/v1/sending/settings', { method: 'PUT', body: { quietHours: { enabled: false } } });
    const contact = await api('/v1/contacts', { body: { phone: '+33612345678', firstName: 'Camille', lastName: 'Martin', consent: { sms: { status: 'granted' } } } });
    const created = await api('/v1/scenario-templates/satisfaction-survey/instantiate', { body: { parameters: { reviewUrl: 'https://g.page/r/bougies/review', after: '1s', ...parameters } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api(`/v1/scenarios/${created.body.id}/activate`, { method: 'POST' })).body.status).toBe('active');
    return contact.body.contact.id as string;
  }
  const delivered = (contactId: string, orderId: string) =>
    api('/v1/events', { body: { type: 'order.status_changed', subject: { contactId }, data: { orderId, number: orderId, status: 'delivered', previousStatus: 'shipped', shopStatus: 'completed', total: { amount: 40, currency: 'EUR' }, lines: [] } } });
  const messages = async (query = '') => (await api(`/v1/messages?limit=50${query}`)).body.items as Message[];
  const answers = async () => (await api('/v1/events?type=survey.answered')).body.items as { data: Record<string, unknown>; subject: { contactId?: string } }[];
  const page = (path: string, init: RequestInit = {}) => fetch(hub.url + path, init).then(async (response) => ({ status: response.status, html: await response.text() }));
  const form = (body: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('page: the signed link, an answer of 2 → survey.answered, the merchant alerted and the apology sent; altered, replayed and expired links', async () => {
    const contactId = await tenantWithSurvey({ mode: 'page', merchantPhone: '+33698765432' });
    expect((await delivered(contactId, '1234')).status).toBe(201);
    const question = await waitFor(async () => (await messages(`&contactId=${contactId}`)).find((message) => message.text.includes('/s/')), 'the question SMS');
    expect(question.text).toMatch(/^Camille, votre commande est bien arrivée \? Donnez-nous votre avis en 1 clic : http\S+\/s\/[0-9A-Za-z]{12}\.[\w-]{22}$/);
    const path = new URL(question.text.split(' ').at(-1)!).pathname;
    const [id, signature] = path.slice(3).split('.') as [string, string];

    const french = await page(path);
    expect(french.status).toBe(200);
    expect(french.html).toContain('<html lang="fr">');
    expect(french.html).toContain('Êtes-vous satisfait(e) de votre commande ?');
    expect((await page(path, { headers: { 'accept-language': 'en-GB,en;q=0.8' } })).html).toContain('How satisfied are you with your order?');
    // Tampered: another signature, another id, a truncated token.
    const flipped = signature.slice(0, 5) + (signature[5] === 'a' ? 'b' : 'a') + signature.slice(6);
    expect((await page(`/s/${id}.${flipped}`)).status).toBe(404);
    expect((await page(`/s/${id.slice(0, 11)}${id[11] === 'a' ? 'b' : 'a'}.${signature}`)).status).toBe(404);
    expect((await page(`/s/${id}`)).status).toBe(404);
    expect((await page(`/s/${id}.${flipped}`, form('score=1'))).status).toBe(404);
    expect(await answers()).toEqual([]);

    // No score: asked again, nothing recorded.
    const empty = await page(path, form('comment=rien'));
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('role="alert"');
    const thanks = await page(path, form('score=2&comment=Colis+ab%C3%AEm%C3%A9'));
    expect(thanks.status).toBe(200);
    expect(thanks.html).toContain('Merci pour votre réponse');
    expect(await answers()).toEqual([expect.objectContaining({ subject: expect.objectContaining({ contactId }), data: { surveyId: id, score: 2, comment: 'Colis abîmé', via: 'page', ref: '1234' } })]);

    // The 1–2 branch: an alert to the merchant's number (not the customer's message) and the apology offer.
    const alert = await waitFor(async () => (await messages()).find((message) => message.to === '+33698765432'), 'the merchant alert');
    expect(alert).toMatchObject({ contactId: null, text: 'Avis client 1 ou 2/5 : Camille Martin +33612345678, commande 1234. A rappeler.' });
    await waitFor(async () => (await messages(`&contactId=${contactId}`)).some((message) => message.text.includes('DESOLE15')), 'the apology offer');
    expect((await messages(`&contactId=${contactId}`)).map((message) => message.to)).toEqual(['+33612345678', '+33612345678']);

    // Replayed (back button, double click): already answered, nothing published again.
    const replay = await page(path, form('score=5'));
    expect(replay.html).toContain('Vous avez déjà répondu');
    expect((await page(path)).html).toContain('Vous avez déjà répondu');
    expect(await answers()).toHaveLength(1);

    // Another order's question, past its window (3 days): gone.
    expect((await delivered(contactId, '1235')).status).toBe(201);
    const second = await waitFor(async () => (await messages(`&contactId=${contactId}`)).find((message) => message.text.includes('/s/') && message.id !== question.id), 'the second question');
    const secondPath = new URL(second.text.split(' ').at(-1)!).pathname;
    const engine = hub.hub.automation.engine;
    engine.useClock(() => new Date(Date.now() + 4 * 86_400_000));
    try {
      expect((await page(secondPath)).status).toBe(410);
      const late = await page(secondPath, form('score=5'));
      expect(late.status).toBe(410);
      expect(late.html).toContain('le lien a expiré');
    } finally {
      engine.useClock(() => new Date());
    }
    expect(await answers()).toHaveLength(1);
  });

  it('sms: a reply "5" is the answer (same payload, via sms) → the review request; other replies are not answers, a second one changes nothing', async () => {
    const contactId = await tenantWithSurvey({ mode: 'sms' });
    expect((await delivered(contactId, '77')).status).toBe(201);
    await waitFor(async () => (await messages(`&contactId=${contactId}`)).find((message) => message.text.includes('Répondez de 1')), 'the question SMS');
    const reply = (text: string) => api('/v1/sandbox/inbound-sms', { body: { from: '+33612345678', text } });
    expect((await reply('Merci, tout va bien')).status).toBe(200);
    expect((await reply(' 5 ')).status).toBe(200);
    const [answer] = await waitFor(async () => {
      const found = await answers();
      return found.length > 0 && found;
    }, 'survey.answered from the reply');
    expect(answer!.data).toEqual({ surveyId: expect.stringMatching(/^[0-9A-Za-z]{12}$/), score: 5, via: 'sms', ref: '77' });
    await waitFor(async () => (await messages(`&contactId=${contactId}`)).some((message) => message.text.includes('g.page/r/bougies/review')), 'the review request');
    expect((await reply('1')).status).toBe(200);
    // The "1" answers nothing: the bus has delivered it (its sms.received is stored) and no second answer exists.
    await waitFor(async () => (await api('/v1/events?type=sms.received')).body.items.length === 3, 'the three replies');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await answers()).toHaveLength(1);
    expect((await messages(`&contactId=${contactId}`)).filter((message) => message.text.includes('DESOLE15'))).toEqual([]);
  });
});
