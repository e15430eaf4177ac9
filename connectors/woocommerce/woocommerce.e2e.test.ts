/**
 * End to end on a live hub: the store's REST API reproduced with nock (FakeStore), WooCommerce's
 * webhook requests built as WC_Webhook::deliver builds them (headers, PHP JSON, base64 HMAC), the
 * plugin's cart posts signed as the WordPress plugin signs them, and the SMS observed where they
 * leave: the sandbox provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../src/signatures/hub-signature.ts';
import { type TestHub, type TestHubMode } from '../../test/support/hub.ts';
import { FakeStore, fixture } from './testing/fake-store.ts';
import { waitFor } from '../../test/support/wait.ts';
import { PUBLIC_URL, startShopAndHub, stopShopAndHub } from './testing/shop-and-hub.ts';
import { activateShopScenarios } from '../../test/support/shop-scenarios.ts';

const MERCHANT = '+33698765432';

type SmsRecord = { message: { to: string; text: string; messageId: string } };

describe.each(['embedded', 'postgres+redis'] as TestHubMode[])('WooCommerce connector on a live hub (%s)', (mode) => {
  let t: TestHub;
  const store = new FakeStore();
  let installationId = '';
  let pluginSecret = '';

  const sms = async (): Promise<SmsRecord[]> => ((await t.hub.sending.registry.resolve(t.tenantId, 'sms')).provider as unknown as { records: SmsRecord[] }).records;
  const smsTo = async (phone: string) => (await sms()).filter((record) => record.message.to === phone);
  const events = async (type: string) => ((await t.api(`/v1/events?type=${type}&limit=100`)).body.items as { id: string; data: Record<string, unknown>; subject: { contactId?: string } }[]).reverse();
  const inbox = async () =>
    t.hub.store.query<{ id: string; kind: string; status: string; note: string | null; published: { type: string }[] | null }>(
      'SELECT id, kind, status, note, published FROM connector_inbox WHERE installation_id = $1 ORDER BY seq',
      [installationId],
    );
  const processed = async (id: string) =>
    waitFor(async () => (await inbox()).find((entry) => entry.id === id && entry.status !== 'pending'), `inbox entry ${id} processed`);
  const orderPayload = (changes: Record<string, unknown> = {}) => ({ ...fixture('order-v3.json'), ...changes });
  const postCart = async (payload: unknown, secret = pluginSecret) => {
    const body = JSON.stringify(payload);
    const response = await fetch(`${t.url}/connectors/woocommerce/${installationId}/cart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-connector-hub-signature': signPayload(secret, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    return { status: response.status, body: (await response.json()) as { id?: string; duplicate?: boolean; ping?: boolean } };
  };

  beforeAll(async () => {
    t = await startShopAndHub(store, mode);
    const put = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await stopShopAndHub(store, t);
  });

  const installBody = {
    storeUrl: 'https://boutique.example.fr/',
    consumerKey: store.consumerKey,
    consumerSecret: store.consumerSecret,
    settings: { shopName: 'Bougies & Co', abandonedCartDelayMinutes: 0.05 },
    rules: { merchantAlerts: { phone: '06 98 76 54 32', newOrder: true, lowStock: true } },
  };

  it('refuses a store that is down, or a wrong key, with a clear error and installs nothing', async () => {
    store.fail('GET', /system_status$/, { error: 'ECONNREFUSED' });
    const down = await t.api('/v1/connectors/woocommerce/installations', { body: installBody });
    expect(down.status).toBe(502);
    expect(down.body.detail).toMatch(/cannot be reached \(ECONNREFUSED.*Nothing was installed/);
    const wrongKey = await t.api('/v1/connectors/woocommerce/installations', { body: { ...installBody, consumerSecret: `cs_${'0'.repeat(40)}` } });
    expect(wrongKey.status).toBe(422);
    expect(wrongKey.body.detail).toMatch(/refused the REST API key.*Read\/Write.*Nothing was installed/);
    const invalid = await t.api('/v1/connectors/woocommerce/installations', { body: { ...installBody, consumerKey: 'key' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toContainEqual({ path: 'body.consumerKey', message: expect.stringContaining('"ck_"') });
    expect((await t.api('/v1/connectors/woocommerce/installations?includeUninstalled=true')).body.items).toEqual([]);
    expect(store.webhooks.size).toBe(0);
  });

  it('installs: checks the key, seals it, registers four webhooks with their own secrets, answers their pings; suggests the scenarios that text customers', async () => {
    // The rules that texted customers are scenarios now: asking for them names the template.
    const legacy = await t.api('/v1/connectors/woocommerce/installations', { body: { ...installBody, rules: { ...installBody.rules, orderStatusSms: { enabled: true } } } });
    expect(legacy.status).toBe(400);
    expect(legacy.body.errors).toEqual([{ path: 'body.rules.orderStatusSms', message: expect.stringContaining('POST /v1/scenario-templates/order-status/instantiate') }]);
    const response = await t.api('/v1/connectors/woocommerce/installations', { body: installBody });
    expect(response.status).toBe(201);
    expect(response.body.suggestedTemplates.map((template: { id: string }) => template.id)).toEqual(['birthday', 'abandoned-cart', 'category-relance', 'satisfaction-survey', 'order-status', 'win-back', 'merchant-new-order', 'merchant-stock']);
    expect(response.body.suggestedTemplates[1]).toMatchObject({ name: expect.any(String), instantiate: 'POST /v1/scenario-templates/abandoned-cart/instantiate' });
    // The order status SMS and the cart reminder, from the library, as the merchant switches them on.
    await activateShopScenarios(t.api);
    const installation = response.body.installation;
    installationId = installation.id;
    pluginSecret = response.body.shownOnce.pluginSecret;
    expect(response.body.warnings).toEqual([]); // HUB_PUBLIC_URL is a public https URL
    expect(pluginSecret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(installation).toMatchObject({ status: 'active', account: 'https://boutique.example.fr', settings: { shopName: 'Bougies & Co', completedMeans: 'shipped' } });
    expect(installation.remote.map((resource: { name: string }) => resource.name).sort()).toEqual(['customer.created', 'order.created', 'order.updated', 'product.updated']);
    const delivery = `${PUBLIC_URL}/connectors/woocommerce/${installationId}/webhook`;
    expect([...store.webhooks.values()].every((webhook) => webhook.delivery_url === delivery && webhook.status === 'active')).toBe(true);
    expect(new Set([...store.webhooks.values()].map((webhook) => webhook.secret)).size).toBe(4);
    expect(store.pings).toHaveLength(4);
    expect(store.pings.every((ping) => ping.status === 200)).toBe(true);
    const [row] = await t.hub.store.query<{ credentials_sealed: string; state: unknown }>('SELECT credentials_sealed, state FROM connector_installations WHERE id = $1', [installationId]);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(store.consumerSecret);
    expect(stored).not.toContain(pluginSecret);
    for (const webhook of store.webhooks.values()) expect(stored).not.toContain(webhook.secret);
    const listed = await t.api('/v1/connectors');
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain('woocommerce');
  });

  it('order created: contact upserted with its checkout consent, merchant alerted, customer told, through the sandbox; its coupon announced', async () => {
    const answer = await store.deliver('order.created', orderPayload({ coupon_lines: [{ id: 31, code: 'anniv20', discount: '9.98', discount_tax: '2.00', meta_data: [] }] }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ received: true, duplicate: false });
    const customer = await waitFor(async () => (await smsTo('+33612345678'))[0], 'the customer SMS');
    expect(customer.message.text).toBe('Bougies & Co : votre commande 727 est en préparation. Merci !');
    const merchant = await waitFor(async () => (await smsTo(MERCHANT))[0], 'the merchant SMS');
    expect(merchant.message.text).toBe('Nouvelle commande 727 : 64.8 EUR.');
    const [created] = await events('order.created');
    expect(created!.data).toMatchObject({ orderId: '727', status: 'processing', total: { amount: 64.8, currency: 'EUR' }, shop: { installationId, name: 'Bougies & Co' } });
    // The coupon of the order: coupon.used, about the same contact (what the birthday scenario waits for).
    expect(await events('coupon.used')).toEqual([expect.objectContaining({ subject: expect.objectContaining({ contactId: created!.subject.contactId }), data: { code: 'anniv20', orderId: '727', discount: { amount: 11.98, currency: 'EUR' }, shop: expect.objectContaining({ installationId }) } })]);
    const contact = (await t.api(`/v1/contacts/${created!.subject.contactId}`)).body;
    expect(contact).toMatchObject({
      phone: '+33612345678',
      email: 'camille.martin@example.fr',
      firstName: 'Camille',
      lastName: 'Martin',
      externalIds: { woocommerce: '12@boutique.example.fr' },
      consent: { sms: { status: 'granted', source: 'woocommerce-checkout', at: '2026-05-12T12:02:58.000Z' } },
    });
  });

  it('status change: completed with a tracking number → the shipped SMS once; replays and late deliveries are absorbed', async () => {
    const completed = fixture('order-v3-completed-tracking.json');
    const first = await store.deliver('order.updated', completed, { deliveryId: 'a4f1c2' });
    expect(first.status).toBe(200);
    await waitFor(async () => (await smsTo('+33612345678')).find((record) => record.message.text.includes('expédiée')), 'the shipped SMS');
    // The very same request again (a replay): stored once.
    const replay = await fetch(first.request.url, first.request.init);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: true, id: (first.body as { id: string }).id });
    // The same order state in a new delivery, then an older state arriving late.
    const again = await store.deliver('order.updated', completed);
    expect((await processed((again.body as { id: string }).id)).note).toMatch(/already handled/);
    const late = await store.deliver('order.updated', orderPayload({ status: 'processing' }));
    expect((await processed((late.body as { id: string }).id)).note).toMatch(/older than/);
    const changed = await events('order.status_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.data).toMatchObject({ previousStatus: 'processing', status: 'shipped', shopStatus: 'completed', tracking: [{ number: '6A12345678901', provider: 'colissimo' }] });
    expect((await smsTo('+33612345678')).filter((record) => record.message.text.includes('expédiée'))).toHaveLength(1);
    // Delivered, from AST/TrackShip's shipment status.
    const delivered = await store.deliver('order.updated', {
      ...completed,
      date_modified_gmt: '2026-05-14T08:00:00',
      meta_data: [...(completed.meta_data as unknown[]), { id: 9960, key: 'shipment_status', value: [{ status: 'in_transit' }, { status: 'delivered', status_date: '2026-05-14 09:58:00' }] }],
    });
    await processed((delivered.body as { id: string }).id);
    await waitFor(async () => (await smsTo('+33612345678')).find((record) => record.message.text.includes('livrée')), 'the delivered SMS');
  });

  it('refuses forged, missing and altered signatures with 401 and stores nothing', async () => {
    const before = (await inbox()).length;
    const forged = await store.deliver('order.updated', orderPayload({ status: 'cancelled' }), { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const unsigned = store.delivery('order.updated', orderPayload());
    delete (unsigned.init.headers as Record<string, string>)['x-wc-webhook-signature'];
    expect((await fetch(unsigned.url, unsigned.init)).status).toBe(401);
    const altered = store.delivery('order.updated', orderPayload({ status: 'refunded' }));
    const response = await fetch(altered.url, { ...altered.init, body: altered.body.replace('refunded', 'cancelled') });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/does not match/);
    expect((await inbox()).length).toBe(before);
    // A ping for an unknown installation is not answered 200.
    expect((await fetch(`${t.url}/connectors/woocommerce/ins_unknown/webhook`, { method: 'POST', body: 'webhook_id=1' })).status).toBe(404);
  });

  it('keeps and explains what it cannot use: unknown topics, bodies that are not JSON, payloads without a status', async () => {
    const unknown = store.delivery('order.created', { id: 5, code: 'BIENVENUE10' });
    (unknown.init.headers as Record<string, string>)['x-wc-webhook-topic'] = 'coupon.created';
    const answer = await fetch(unknown.url, unknown.init);
    expect(answer.status).toBe(200);
    expect((await processed(((await answer.json()) as { id: string }).id)).note).toMatch(/topic "coupon.created" is not one this connector registers/);
    const noStatus = await store.deliver('order.updated', { id: 730, number: '730' });
    expect(await processed((noStatus.body as { id: string }).id)).toMatchObject({ status: 'ignored', note: 'order 730: the payload has no status' });
    const webhook = store.byTopic('order.updated')[0]!;
    const text = store.delivery('order.updated', null, { webhook });
    const body = 'Fatal error: Allowed memory size exhausted';
    const { createHmac } = await import('node:crypto');
    const headers = { ...(text.init.headers as Record<string, string>), 'x-wc-webhook-signature': createHmac('sha256', webhook.secret).update(body).digest('base64') };
    const notJson = await fetch(text.url, { method: 'POST', headers, body });
    expect(notJson.status).toBe(200);
    expect((await processed(((await notJson.json()) as { id: string }).id)).note).toMatch(/not JSON/);
  });

  it('reads the payloads of older API versions: wp_api v1 and the legacy v3 wrapper', async () => {
    const v1 = await store.deliver('order.created', fixture('order-v1.json'));
    expect(await processed((v1.body as { id: string }).id)).toMatchObject({ status: 'processed' });
    const legacy = await store.deliver('order.created', fixture('order-legacy-v3.json'));
    expect(await processed((legacy.body as { id: string }).id)).toMatchObject({ status: 'processed' });
    const created = await events('order.created');
    expect(created.map((event) => [event.data.orderId, event.data.status])).toEqual([
      ['727', 'processing'],
      ['728', 'on_hold'],
      ['729', 'processing'],
    ]);
    await waitFor(async () => (await smsTo('+33798765432')).find((record) => record.message.text.includes('728 est en attente')), 'the on-hold SMS of the v1 order');
    await waitFor(async () => (await smsTo('+33611223344')).find((record) => record.message.text.includes('729 est en préparation')), 'the SMS of the legacy order');
  });

  it('products: low stock and out of stock alert the merchant; back in stock is published', async () => {
    const product = fixture('product-v3.json');
    await store.deliver('product.updated', product);
    await waitFor(async () => (await smsTo(MERCHANT)).find((record) => record.message.text === 'Stock bas : Bougie parfumée Figuier (2 restant).'), 'the low-stock alert');
    await store.deliver('product.updated', { ...product, stock_quantity: 0, stock_status: 'outofstock', date_modified_gmt: '2026-05-12T13:00:00' });
    await waitFor(async () => (await smsTo(MERCHANT)).find((record) => record.message.text === 'Rupture de stock : Bougie parfumée Figuier.'), 'the out-of-stock alert');
    const back = await store.deliver('product.updated', { ...product, stock_quantity: 20, stock_status: 'instock', date_modified_gmt: '2026-05-13T08:00:00' });
    await processed((back.body as { id: string }).id);
    expect((await events('product.back_in_stock')).map((event) => event.data)).toEqual([
      { productId: '77', name: 'Bougie parfumée Figuier', sku: 'BG-77', stockQuantity: 20, lowStockThreshold: 3, shop: expect.objectContaining({ installationId }) },
    ]);
    const v2 = await store.deliver('product.updated', fixture('product-v2.json'));
    await processed((v2.body as { id: string }).id);
    const legacy = await store.deliver('product.updated', fixture('product-legacy-v3.json'));
    await processed((legacy.body as { id: string }).id);
    expect((await events('product.out_of_stock')).map((event) => event.data.productId)).toEqual(['77', '12']);
    expect((await events('product.stock_low')).map((event) => event.data.productId)).toEqual(['77', '140']);
  });

  it('new customers become contacts, from v3 and legacy payloads', async () => {
    for (const name of ['customer-v3.json', 'customer-legacy-v3.json']) await processed(((await store.deliver('customer.created', fixture(name))).body as { id: string }).id);
    const created = await events('customer.created');
    expect(created.map((event) => event.data.customerId)).toEqual(['45', '46']);
    const ines = (await t.api(`/v1/contacts/${created[0]!.subject.contactId}`)).body;
    expect(ines).toMatchObject({ phone: '+33645678901', email: 'ines.robert@example.fr', firstName: 'Inès', externalIds: { woocommerce: '45@boutique.example.fr' } });
  });

  it('abandoned cart: the plugin\'s cart becomes cart.abandoned after the delay and a reminder leaves (marketing, with consent)', async () => {
    // A Tuesday morning in Paris, outside quiet hours, so the marketing SMS is not deferred.
    t.hub.sending.useClock(() => new Date('2026-06-09T08:00:00Z'));
    try {
      const cart = { ...fixture<{ recoveryUrl: string }>('plugin-cart-updated.json'), id: 'evt-zoe-1', cartId: 'cart-zoe', customer: { email: 'zoe@example.fr', phone: '06 23 45 67 89', firstName: 'Zoé', country: 'FR' } };
      const posted = await postCart(cart);
      expect(posted).toMatchObject({ status: 200, body: { duplicate: false } });
      expect((await postCart(cart)).body.duplicate).toBe(true);
      expect((await postCart(cart, 'wrong-secret')).status).toBe(401);
      const reminder = await waitFor(async () => (await smsTo('+33623456789'))[0], 'the cart reminder');
      // Marketing: the sending core appends the tenant's opt-out mention (default "STOP au 36173").
      expect(reminder.message.text).toBe(`Bougies & Co : votre panier vous attend ! Finalisez votre commande ici : ${cart.recoveryUrl}\nSTOP au 36173`);
      const [abandoned] = await events('cart.abandoned');
      expect(abandoned!.data).toMatchObject({ cartId: 'cart-zoe', total: { amount: 49.9, currency: 'EUR' }, recoveryUrl: cart.recoveryUrl, abandonedAfterMinutes: 0 });
    } finally {
      t.hub.sending.useClock(() => new Date());
    }
  });

  it('an order from the same shopper closes the cart: no cart.abandoned, no reminder', async () => {
    const cart = { ...fixture('plugin-cart-updated.json'), id: 'evt-jules-1', cartId: 'cart-jules', customer: { email: 'jules@example.fr', phone: '06 34 56 78 90', country: 'FR' } };
    await postCart(cart);
    const order = orderPayload({ id: 801, number: '801', billing: { ...(fixture<{ billing: object }>('order-v3.json').billing), email: 'JULES@example.fr', phone: '06 34 56 78 90' }, meta_data: [] });
    const answer = await store.deliver('order.created', order);
    expect((await processed((answer.body as { id: string }).id)).note).toMatch(/closed cart\(s\) cart-jules: the shopper ordered/);
    // A control cart posted afterwards with the same delay: once it is abandoned, the first one's timer has run too.
    await postCart({ ...cart, id: 'evt-control', cartId: 'cart-control', customer: { email: 'control@example.fr', phone: '06 45 67 89 01', country: 'FR' } });
    await waitFor(async () => (await events('cart.abandoned')).find((event) => event.data.cartId === 'cart-control'), 'the control cart abandoned');
    expect((await events('cart.abandoned')).map((event) => event.data.cartId)).not.toContain('cart-jules');
    expect(await smsTo('+33634567890')).toHaveLength(0);
  });

  it('actions: adds an order note, reads an order and a product; a missing order is a clear 422', async () => {
    const base = `/v1/connectors/woocommerce/installations/${installationId}/actions`;
    const note = await t.api(`${base}/add-order-note`, { body: { orderId: 727, note: 'SMS « commande expédiée » envoyé au client.' } });
    expect(note.status).toBe(200);
    expect(note.body.result).toMatchObject({ noteId: '2811', orderId: '727', customerNote: false });
    expect(store.requests.find((request) => request.method === 'POST' && request.path.endsWith('/orders/727/notes'))!.body).toEqual({ note: 'SMS « commande expédiée » envoyé au client.', customer_note: false });
    const order = await t.api(`${base}/get-order`, { body: { orderId: '727' } });
    expect(order.body.result).toMatchObject({ orderId: '727', status: 'processing', total: { amount: 64.8, currency: 'EUR' }, customer: { email: 'Camille.Martin@example.fr' } });
    const product = await t.api(`${base}/get-product`, { body: { productId: 77 } });
    expect(product.body.result).toMatchObject({ productId: '77', sku: 'BG-77', stockQuantity: 2, stockStatus: 'instock' });
    const missing = await t.api(`${base}/get-order`, { body: { orderId: 999 } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatch(/Not found while reading order 999/);
    expect((await t.api(`${base}/launch-rocket`, { body: {} })).status).toBe(404);
  });

  it('shows the installation\'s status with its last deliveries and the events they became', async () => {
    const status = await t.api(`/v1/connectors/woocommerce/installations/${installationId}`);
    expect(status.status).toBe(200);
    expect(status.body.lastDeliveries.length).toBeGreaterThan(5);
    expect(status.body.lastDeliveries.some((delivery: { events: { type: string }[] }) => delivery.events.some((event) => event.type === 'order.created'))).toBe(true);
    const other = await t.createTenant('autre boutique');
    expect((await t.api(`/v1/connectors/woocommerce/installations/${installationId}`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it('reconcile: recreates what is missing, reactivates disabled and paused webhooks, removes duplicates, never duplicates', async () => {
    const ours = () => [...store.webhooks.values()].filter((webhook) => webhook.delivery_url.includes(installationId));
    store.byTopic('order.created')[0]!.status = 'disabled';
    store.byTopic('product.updated')[0]!.status = 'paused';
    store.webhooks.delete(store.byTopic('customer.created')[0]!.id);
    store.addWebhook({ topic: 'order.updated', delivery_url: store.byTopic('order.updated')[0]!.delivery_url, secret: 'copied-by-hand' });
    const response = await t.api(`/v1/connectors/woocommerce/installations/${installationId}/reconcile`, { body: {} });
    expect(response.status).toBe(200);
    expect(response.body.changes).toEqual([
      expect.stringMatching(/^reactivated webhook order.created \(#\d+, was disabled\)$/),
      expect.stringMatching(/^deleted duplicate webhook order.updated/),
      expect.stringMatching(/^reactivated webhook product.updated \(#\d+, was paused\)$/),
      expect.stringMatching(/^recreated webhook customer.created/),
    ]);
    expect(ours()).toHaveLength(4);
    expect(ours().every((webhook) => webhook.status === 'active')).toBe(true);
    expect((await t.api(`/v1/connectors/woocommerce/installations/${installationId}/reconcile`, { body: {} })).body.changes).toEqual([]);
    const customer = await store.deliver('customer.created', { ...fixture('customer-v3.json'), id: 47, email: 'nouveau@example.fr' });
    expect(customer.status).toBe(200);
  });

  it('an install interrupted half-way is kept and resumed by the next install call, without duplicates', async () => {
    const second = new FakeStore('https://deuxieme.example.fr').start();
    second.deliverTo = store.deliverTo;
    // The store creates the product.updated webhook, but its answer never arrives.
    second.fail('POST', /\/webhooks$/, { error: 'ETIMEDOUT', applied: true }, 1, (body) => body.topic === 'product.updated');
    const body = { storeUrl: second.url, consumerKey: second.consumerKey, consumerSecret: second.consumerSecret };
    const first = await t.api('/v1/connectors/woocommerce/installations', { body });
    expect(first.status).toBe(502);
    expect(first.body.detail).toMatch(/did not answer creating the product.updated webhook.*kept in status "error"/);
    const [kept] = (await t.api('/v1/connectors/woocommerce/installations')).body.items.filter((item: { account: string }) => item.account === second.url);
    expect(kept).toMatchObject({ status: 'error', lastError: expect.stringContaining('did not answer') });
    expect(second.webhooks.size).toBe(3);
    const resumed = await t.api('/v1/connectors/woocommerce/installations', { body });
    expect(resumed.status).toBe(200);
    expect(resumed.body.installation).toMatchObject({ id: kept.id, status: 'active' });
    expect(resumed.body.changes).toEqual([expect.stringMatching(/^adopted webhook product.updated/), expect.stringMatching(/^created webhook customer.created/)]);
    expect(second.webhooks.size).toBe(4);
    expect(new Set([...second.webhooks.values()].map((webhook) => webhook.topic)).size).toBe(4);
  });

  it('uninstall deletes the webhooks; a re-install revives the same installation with its memory', async () => {
    const removed = await t.api(`/v1/connectors/woocommerce/installations/${installationId}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.body.changes).toHaveLength(4);
    expect(removed.body.installation.status).toBe('uninstalled');
    expect(store.webhooks.size).toBe(0);
    expect(store.requests.filter((request) => request.method === 'DELETE').every((request) => request.path.includes('force=true'))).toBe(true);
    const back = await t.api('/v1/connectors/woocommerce/installations', { body: installBody });
    expect(back.status).toBe(200);
    expect(back.body.installation.id).toBe(installationId);
    expect(back.body.shownOnce).toEqual({});
    expect(store.webhooks.size).toBe(4);
    // The order memory survived: a delivery older than what the hub knows changes nothing.
    const late = await store.deliver('order.updated', orderPayload({ status: 'on-hold' }));
    expect((await processed((late.body as { id: string }).id)).note).toMatch(/older than/);
  });
});
