import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { waitFor } from '../../test/support/wait.ts';

describe.each(['embedded', 'postgres+redis'] as const)('campaigns on a live hub (%s)', (mode) => {
  let t: TestHub;
  const phones = ['+33612345101', '+33612345102', '+33612345103', '+33612345104', '+33612345105', '+33612345106'];
  let contactIds: string[] = [];
  let segmentId: string;

  beforeAll(async () => {
    t = await startTestHub(mode);
    expect((await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } })).status).toBe(200);
    // Quiet hours would hold marketing SMS at night, when CI may run; sending's own tests cover them.
    // The tenant's short-link domain: here the test hub's own address, so the links can be opened.
    expect((await t.api('/v1/sending/settings', { method: 'PUT', body: { quietHours: { enabled: false }, shortLinkBase: t.url } })).status).toBe(200);
    const contact = async (body: object) => {
      const response = await t.api("/v1/contacts", { body });
      if (!response.body?.contact) throw new Error(JSON.stringify(response.body));
      return response.body.contact.id as string;
    };
    contactIds = [];
    for (const [index, phone] of phones.entries()) {
      contactIds.push(await contact({ phone, ...(index === 0 ? {} : { firstName: `Client${index}` }), attributes: { city: 'Paris' }, consent: { sms: { status: 'granted' } } }));
    }
    // Targeted but removed by compliance: no consent, opted out, no phone.
    await contact({ phone: '+33612345107', attributes: { city: 'Paris' }, consent: { sms: { status: 'withdrawn' } } });
    await contact({ phone: '+33612345108', attributes: { city: 'Paris' }, consent: { sms: { status: 'granted' } } });
    expect((await t.api('/v1/opt-outs', { body: { channel: 'sms', address: '+33612345108' } })).status).toBe(201);
    await contact({ email: 'sans-mobile@example.fr', attributes: { city: 'Paris' } });
    // Not in the segment.
    await contact({ phone: '+33612345109', attributes: { city: 'Lyon' }, consent: { sms: { status: 'granted' } } });
    const segment = await t.api('/v1/segments', { body: { name: 'Parisiens', filter: { kind: 'field', field: 'attributes.city', op: 'eq', value: 'Paris' } } });
    expect(segment.status).toBe(201);
    segmentId = segment.body.id;
  });
  afterAll(async () => t?.close());

  const results = async (id: string) => (await t.api(`/v1/campaigns/${id}/results`)).body;

  it('segment → BAT → start → staggered → results, a STOP reply and a tracked-link click counted', async () => {
    const created = await t.api('/v1/campaigns', {
      body: {
        name: 'Soldes',
        channel: 'sms',
        audience: { segmentId },
        message: { text: 'Bonjour {{ contact.firstName | default: "à vous" }}, -20% ce week-end : {{ link "https://boutique.example/soldes?utm=sms" }}' },
        stagger: { perBatch: 2, everyMinutes: 0.02 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', category: 'marketing', targeted: null });
    const id = created.body.id as string;

    // BAT: sent now to a test number, with the STOP mention, not counted in the results.
    const bat = await t.api(`/v1/campaigns/${id}/test-send`, { body: { to: ['06 99 88 77 66'] } });
    expect(bat.status).toBe(201);
    const batMessage = (await t.api(`/v1/messages/${bat.body.messageIds[0]}`)).body;
    expect(batMessage).toMatchObject({ to: '+33699887766', category: 'transactional' });
    expect(batMessage.text).toMatch(/^Bonjour à vous, -20% ce week-end : http:\/\/127\.0\.0\.1:\d+\/l\/[0-9A-Za-z]{8}\nSTOP au 36173$/);

    const beforeSchedule = Date.now();
    const scheduled = await t.api(`/v1/campaigns/${id}/schedule`, { body: {} });
    expect(scheduled.status).toBe(200);
    const done = await waitFor(async () => {
      const r = await results(id);
      return r.status === 'completed' && r.delivered + r.blocked === 9 && r;
    }, 'the campaign delivered');
    expect(done).toMatchObject({ targeted: 9, planned: 9, delivered: 6, blocked: 3, blockedBy: { no_consent: 1, opted_out: 1, invalid_number: 1 }, testSends: 1, failed: 0, scheduled: 0 });

    // Staggered: 2 recipients every 1.2 s from the start, so no message left more than the planner's
    // 1 s lead (a part due within a second is sent at once) before its pair's slot. Checked per slot
    // rather than between first and last: a loaded machine may submit the first pair late.
    const detail = (await t.api(`/v1/campaigns/${id}/recipients?limit=200`)).body.items as { position: number; messageId: string; status: string }[];
    expect(detail.map((row) => row.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const messages = await Promise.all(detail.map(async (row) => ({ ...(await t.api(`/v1/messages/${row.messageId}`)).body, position: row.position })));
    const sent = messages.filter((message) => message.status === 'delivered');
    for (const message of sent) expect(Date.parse(message.submittedAt)).toBeGreaterThanOrEqual(beforeSchedule + Math.floor(message.position / 2) * 1_200 - 1_000);
    expect(Math.max(...sent.map((message) => message.position))).toBeGreaterThanOrEqual(5);
    // The short link is in the text, and counted in its length.
    const first = sent.find((message) => message.to === phones[1])!;
    expect(first.text).toMatch(/^Bonjour Client1, -20% ce week-end : http:\/\/127\.0\.0\.1:\d+\/l\/[0-9A-Za-z]{8}\nSTOP au 36173$/);
    expect(first.text).not.toContain('boutique.example');
    expect(first.segments).toBe(1);

    // A click: 302 to the original URL, counted, published with the contact and the campaign.
    const shortUrl = /http:\/\/\S+\/l\/[0-9A-Za-z]{8}/.exec(first.text)![0];
    const click = await fetch(shortUrl, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://boutique.example/soldes?utm=sms');
    expect((await fetch(`${t.url}/l/AAAAAAAA`, { redirect: 'manual' })).status).toBe(404);
    const event = await waitFor(async () => (await t.api('/v1/events?type=link.clicked')).body.items[0], 'link.clicked');
    expect(event).toMatchObject({ type: 'link.clicked', subject: { contactId: contactIds[1], phone: phones[1] }, data: { campaignId: id, messageId: first.id, url: 'https://boutique.example/soldes?utm=sms', clicks: 1 } });

    // A STOP reply to the campaign's SMS.
    expect((await t.api('/v1/sandbox/inbound-sms', { body: { from: phones[2], text: 'STOP' } })).status).toBe(200);
    expect(await results(id)).toMatchObject({ clicks: 1, clickers: 1, stopReplies: 1 });

    // A running or finished campaign cannot be changed or scheduled again.
    expect((await t.api(`/v1/campaigns/${id}/schedule`, { body: {} })).status).toBe(409);
    expect((await t.api(`/v1/campaigns/${id}`, { method: 'PUT', body: { name: 'x', channel: 'sms', audience: { segmentId }, message: { text: 'x' } } })).status).toBe(409);
  });

  it('pauses, resumes at the same pace from now, and cancels what is left', async () => {
    const list = (await t.api('/v1/lists', { body: { name: `Liste ${mode}` } })).body.id as string;
    for (const contactId of contactIds.slice(3)) expect((await t.api(`/v1/lists/${list}/members/${contactId}`, { method: 'PUT' })).status).toBeLessThan(300);
    const created = await t.api('/v1/campaigns', {
      body: { name: 'Lente', channel: 'sms', category: 'transactional', audience: { listId: list }, message: { text: 'Votre retrait est prêt' }, stagger: { perBatch: 1, everyMinutes: 10 } },
    });
    const id = created.body.id as string;
    await t.api(`/v1/campaigns/${id}/schedule`, { body: {} });
    // The first recipient at once; the next one is 10 minutes away.
    await waitFor(async () => (await results(id)).delivered === 1, 'the first batch');
    expect(await results(id)).toMatchObject({ status: 'running', targeted: 3, planned: 1 });
    expect((await t.api(`/v1/campaigns/${id}/pause`, { method: 'POST' })).body.status).toBe('paused');
    expect((await t.api(`/v1/campaigns/${id}/pause`, { method: 'POST' })).status).toBe(409);
    // Resumed: the next batch is due now, the one after 10 minutes later.
    expect((await t.api(`/v1/campaigns/${id}/resume`, { method: 'POST' })).body.status).toBe('running');
    await waitFor(async () => (await results(id)).delivered === 2, 'the second batch after the resume');
    expect((await t.api(`/v1/campaigns/${id}/cancel`, { method: 'POST' })).body.status).toBe('cancelled');
    await t.hub.campaigns.sweep();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await results(id)).toMatchObject({ status: 'cancelled', targeted: 3, planned: 2, delivered: 2 });
  });

  it('a planner run repeated after a crash (messages sent, their ids not recorded) sends nobody a second message', async () => {
    const created = await t.api('/v1/campaigns', { body: { name: 'Rejouée', channel: 'sms', category: 'transactional', audience: { segmentId }, message: { text: 'Info magasin' } } });
    const id = created.body.id as string;
    await t.api(`/v1/campaigns/${id}/schedule`, { body: {} });
    await waitFor(async () => (await results(id)).status === 'completed', 'the campaign handed over');
    const before = (await t.api(`/v1/campaigns/${id}/recipients?limit=200`)).body.items.map((row: { messageId: string }) => row.messageId);
    // The state a crash between the sending core's commit and the planner's record leaves behind.
    await t.hub.store.query(`UPDATE campaign_recipients SET message_id = NULL WHERE campaign_id = $1`, [id]);
    await t.hub.store.query(`UPDATE campaigns SET status = 'running', planned_chunks = 0 WHERE id = $1`, [id]);
    await t.hub.campaigns.sweep();
    await waitFor(async () => (await results(id)).status === 'completed', 'the campaign handed over again');
    const after = (await t.api(`/v1/campaigns/${id}/recipients?limit=200`)).body.items.map((row: { messageId: string }) => row.messageId);
    expect(after).toEqual(before);
    const r = await results(id);
    expect(r.planned).toBe(9);
    expect(r.delivered + r.blocked + r.submitted).toBe(9);
  });

  it('refuses bad templates and links at creation, and unknown campaigns of another tenant', async () => {
    const bad = await t.api('/v1/campaigns', { body: { name: 'x', channel: 'sms', audience: { segmentId }, message: { text: 'Voir {{ link "javascript:alert(1)" }} et {{ link }}' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.message.text', 'body.message.text']);
    const email = await t.api('/v1/campaigns', { body: { name: 'x', channel: 'email', audience: { segmentId }, message: { text: 'Bonjour' } } });
    expect(email.status).toBe(400);
    const mine = await t.api('/v1/campaigns', { body: { name: 'à moi', channel: 'sms', audience: { segmentId }, message: { text: 'Bonjour' } } });
    const other = await t.createTenant(`other ${mode}`);
    expect((await t.api(`/v1/campaigns/${mine.body.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await t.api(`/v1/campaigns/${mine.body.id}/results`, { apiKey: other.apiKey })).status).toBe(404);
  });
});
