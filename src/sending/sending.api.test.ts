import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(['embedded', 'postgres+redis'] as const)('sending API on a live hub (%s)', (mode) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(mode);
    const put = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } });
    expect(put.status).toBe(200);
    await t.api('/v1/sending/providers/email', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } });
  });
  afterAll(async () => t?.close());

  const status = async (id: string) => (await t.api(`/v1/messages/${id}`)).body.status as string;
  const until = (id: string, wanted: string) => waitFor(async () => (await status(id)) === wanted, `${id} ${wanted}`);
  const sandboxRecords = async () => ((await t.hub.sending.registry.resolve(t.tenantId, 'sms')).provider as unknown as { records: { message: { messageId: string } }[] }).records;

  it('sends an SMS to delivered and answers it with history and receipts', async () => {
    const sent = await t.api('/v1/messages/sms', { body: { to: '06 12 34 56 78', category: 'transactional', text: 'Votre commande 1234 est expédiée' } });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9]{10}$/), status: 'accepted', to: '+33612345678', encoding: 'GSM-7', segments: 1 });
    await until(sent.body.id, 'delivered');
    const got = await t.api(`/v1/messages/${sent.body.id}`);
    expect(got.body.history.map((change: { status: string }) => change.status)).toEqual(['accepted', 'submitted', 'delivered']);
    expect(got.body.receipts[0]).toMatchObject({ status: 'delivered', raw: expect.stringContaining('stat:DELIVRD') });
  });

  it('ends undelivered for the sandbox\'s undelivered number', async () => {
    const sent = await t.api('/v1/messages/sms', { body: { to: '+33600000001', category: 'transactional', text: 'Rappel' } });
    await until(sent.body.id, 'undelivered');
  });

  it('answers the same Idempotency-Key with the same message and submits it once', async () => {
    const body = { to: '+33612345670', category: 'transactional', text: 'Code 9911' };
    const first = await t.api('/v1/messages/sms', { body, headers: { 'idempotency-key': `idem-${mode}` } });
    const second = await t.api('/v1/messages/sms', { body, headers: { 'idempotency-key': `idem-${mode}` } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    await until(first.body.id, 'delivered');
    expect((await sandboxRecords()).filter((record) => record.message.messageId === first.body.id)).toHaveLength(1);
    const other = await t.api('/v1/messages/sms', { body: { ...body, text: 'Code 0000' }, headers: { 'idempotency-key': `idem-${mode}` } });
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([{ path: 'headers.idempotency-key', message: expect.any(String) }]);
  });

  it('accepts a batch, idempotently too, and lists it with filters and a cursor', async () => {
    const body = { messages: [1, 2, 3].map((n) => ({ to: `+3361234567${n}`, category: 'transactional', text: `Message ${n}` })) };
    const first = await t.api('/v1/messages/sms', { body, headers: { 'idempotency-key': `batch-${mode}` } });
    expect(first.status).toBe(201);
    expect(first.body.messages).toHaveLength(3);
    const again = await t.api('/v1/messages/sms', { body, headers: { 'idempotency-key': `batch-${mode}` } });
    expect(again.body.messages.map((message: { id: string }) => message.id)).toEqual(first.body.messages.map((message: { id: string }) => message.id));
    const batchId = first.body.messages[0].batchId;
    const page1 = await t.api(`/v1/messages?batchId=${batchId}&limit=2`);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await t.api(`/v1/messages?batchId=${batchId}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    expect((await t.api('/v1/messages?channel=email&limit=200')).body.items.every((message: { channel: string }) => message.channel === 'email')).toBe(true);
    for (const message of first.body.messages) await until(message.id, 'delivered');
    const delivered = await t.api('/v1/messages?status=delivered&limit=200');
    expect(delivered.body.items.map((message: { id: string }) => message.id)).toEqual(expect.arrayContaining(first.body.messages.map((message: { id: string }) => message.id)));
  });

  it('previews French text: UCS-2 because of ’ and ê, with the characters and a GSM-7 rewrite', async () => {
    const preview = await t.api('/v1/messages/preview', { body: { text: 'L’été est là : fête des soldes -30% !', category: 'marketing' } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      text: 'L’été est là : fête des soldes -30% !\nSTOP au 36173',
      encoding: 'UCS-2',
      segments: 1,
      nonGsmCharacters: ['’', 'ê'],
      optOutMentionAppended: true,
      gsmRewrite: { outcome: 'rewritten', text: "L'été est là : fete des soldes -30% !\nSTOP au 36173", encoding: 'GSM-7', segments: 1 },
    });
    expect(preview.body.gsmRewrite.replacements).toEqual([{ from: '’', to: "'", count: 1 }, { from: 'ê', to: 'e', count: 1 }]);
  });

  it.each([
    ['an invalid number', { to: '06 12', category: 'transactional', text: 'x' }, 'body.to', /not a valid phone number/],
    ['empty text', { to: '+33612345678', category: 'transactional', text: '   ' }, 'body.text', /text is empty/],
    ['no recipient', { category: 'transactional', text: 'x' }, 'body.to', /give the recipient/],
    ['an unknown category', { to: '+33612345678', category: 'promo', text: 'x' }, 'body.category', /marketing|transactional/],
    ['an unknown variable', { to: '+33612345678', category: 'transactional', text: 'Bonjour {{ contact.fistName }}' }, 'body.text', /unknown variable "contact\.fistName"/],
    ['too many segments', { to: '+33612345678', category: 'transactional', text: 'é’'.repeat(300) }, 'body.text', /segments.*at most 6/],
    ['an unknown contact', { contactId: 'con_nope', category: 'transactional', text: 'x' }, 'body.contactId', /no contact/],
    ['an unknown field', { to: '+33612345678', category: 'transactional', text: 'x', colour: 'red' }, 'body', /colour/],
  ])('refuses an SMS with %s (problem+json, field path, nothing queued)', async (_name, body, path, message) => {
    const before = (await t.api('/v1/messages?limit=200')).body.items.length;
    const response = await t.api('/v1/messages/sms', { body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.type).toBe('urn:hub:problem:validation-failed');
    expect(response.body.errors[0].path).toBe(path);
    expect(response.body.errors[0].message).toMatch(message);
    expect((await t.api('/v1/messages?limit=200')).body.items.length).toBe(before);
  });

  it('refuses an invalid email address and a whole batch with per-item errors', async () => {
    const email = await t.api('/v1/messages/email', { body: { to: 'not-an-email', category: 'transactional', subject: 'x', text: 'y', from: { email: 'a@shop.fr' } } });
    expect(email.status).toBe(400);
    expect(email.body.errors[0]).toMatchObject({ path: 'body.to', message: expect.stringMatching(/not a valid email/) });
    const batch = await t.api('/v1/messages/sms', { body: { messages: [{ to: '+33612345678', category: 'transactional', text: 'ok' }, { to: '+33612345678', category: 'transactional', text: '' }] } });
    expect(batch.status).toBe(400);
    expect(batch.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.messages[1].text']);
  });

  it('rehearses STOP: an inbound reply records the opt-out, publishes contact.unsubscribed and blocks marketing', async () => {
    const phone = mode === 'embedded' ? '+33611111111' : '+33611111112';
    await t.hub.contacts.contacts.upsertContact(t.tenantId, { phone, firstName: 'Léa', consent: { sms: { status: 'granted' } } }, 'api');
    const before = await t.api('/v1/messages/sms', { body: { to: phone, category: 'marketing', text: 'Bonjour {{ contact.firstName }}', sendAt: undefined } });
    expect(before.body.status).not.toBe('blocked');
    const inbound = await t.api('/v1/sandbox/inbound-sms', { body: { from: phone, text: 'STOP' } });
    expect(inbound.status).toBe(200);
    expect(inbound.body).toMatchObject({ from: phone, optOutKeyword: 'STOP' });
    const events = await waitFor(async () => {
      const list = await t.api('/v1/events?type=contact.unsubscribed&limit=50');
      return list.body.items.find((event: { data: { address: string } }) => event.data.address === phone);
    }, 'contact.unsubscribed');
    expect(events.data).toEqual({ channel: 'sms', address: phone, via: 'sms-keyword:STOP' });
    const after = await t.api('/v1/messages/sms', { body: { to: phone, category: 'marketing', text: 'Promo' } });
    expect(after.body).toMatchObject({ status: 'blocked', blockReason: 'opted_out' });
  });

  it('sends a marketing email whose one-click unsubscribe link opts the address out', async () => {
    await t.hub.contacts.contacts.upsertContact(t.tenantId, { email: `lea-${mode}@example.fr`, consent: { email: { status: 'granted' } } }, 'api');
    const sent = await t.api('/v1/messages/email', { body: { to: `lea-${mode}@example.fr`, category: 'marketing', subject: 'Soldes', text: 'Jusqu\'à -50%', from: { email: 'news@shop.fr', name: 'Shop' } } });
    expect(sent.status).toBe(201);
    const url = /<(.+)>/.exec(sent.body.email.headers['List-Unsubscribe'])![1]!;
    const path = new URL(url).pathname;
    expect((await fetch(t.url + path)).status).toBe(200);
    expect(await t.hub.contacts.optOuts.isOptedOut(t.tenantId, 'email', `lea-${mode}@example.fr`)).toBe(false);
    const oneClick = await fetch(t.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await t.hub.contacts.optOuts.isOptedOut(t.tenantId, 'email', `lea-${mode}@example.fr`)).toBe(true);
    expect((await fetch(`${t.url}/unsubscribe/${sent.body.id}wrongtoken`, { method: 'POST' })).status).toBe(404);
  });

  it('stores tenant settings and provider configuration with clear errors', async () => {
    const bad = await t.api('/v1/sending/settings', { method: 'PUT', body: { maxSegments: 0, optOutMention: 'STOP au 36173 ’', receiptTimeoutHours: 1000 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.maxSegments', 'body.optOutMention', 'body.receiptTimeoutHours']);
    expect(bad.body.errors.find((error: { path: string }) => error.path === 'body.receiptTimeoutHours').message).toMatch(/at most 720/);
    const good = await t.api('/v1/sending/settings', { method: 'PUT', body: { optOutMention: 'STOP au 36111', maxSegments: 3, defaultSender: { sms: 'MaBoutique' }, receiptTimeoutHours: 48 } });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ optOutMention: 'STOP au 36111', maxSegments: 3, receiptTimeoutHours: 48, timeZone: 'Europe/Paris', quietHours: { days: [1, 2, 3, 4, 5, 6], window: { start: '08:00', end: '20:00' } } });
    expect((await t.api('/v1/sending/settings')).body.receiptTimeoutHours).toBe(48);
    const unknownKind = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'carrier-pigeon' } });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.errors[0]).toMatchObject({ path: 'body.kind', message: expect.stringMatching(/unknown provider kind.*sandbox/) });
    const badSettings = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: -1 } } });
    expect(badSettings.body.errors[0].path).toBe('body.settings.receiptDelayMs');
    const kinds = await t.api('/v1/sending/provider-kinds');
    expect(kinds.body.items).toContainEqual(expect.objectContaining({ kind: 'sandbox', channels: ['sms', 'email'] }));
    await t.api('/v1/sending/settings', { method: 'PUT', body: {} });
  });

  it('hides other tenants\' messages', async () => {
    const other = await t.createTenant(`other ${mode}`);
    const sent = await t.api('/v1/messages/sms', { body: { to: '+33612345678', category: 'transactional', text: 'Privé' } });
    expect((await t.api(`/v1/messages/${sent.body.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await t.api('/v1/messages', { apiKey: other.apiKey })).body.items).toEqual([]);
  });
});
