/**
 * End to end on a live hub: the webservice reproduced with nock (FakeWebservice), the module's
 * messages built, signed, kept and sent by the module's own PHP code (testing/module.php runs its
 * classes with `php`, over its real cURL transport), and the SMS observed at the sandbox provider.
 * The hub runs on a fixed port so it can be stopped and started while the module keeps its outbox.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nock from 'nock';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { listSchedules, processOwner, runDueSchedules, runScheduleNow } from '../../src/connectors/schedules.ts';
import { createHub, type Hub } from '../../src/hub.ts';
import { signPayload } from '../../src/signatures/hub-signature.ts';
import { activateShopScenarios } from '../../test/support/shop-scenarios.ts';
import { waitFor } from '../../test/support/wait.ts';
import { FakeWebservice } from './testing/fake-webservice.ts';

const run = promisify(execFile);
const PUBLIC_URL = 'https://hub.example.test';
const CUSTOMER = '+33612345678';
const MERCHANT = '+33698765432';
const apiKey = `hub_ps_${randomBytes(16).toString('hex')}`;

type SmsRecord = { message: { to: string; text: string } };
type ModuleRun = { result: string | null; counts: Record<string, number> | null; message: { id: string; type: string } | null; rows: { event_id: string; type: string; attempts: number; last_status: number }[] };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('PrestaShop connector on a live hub', () => {
  const shop = new FakeWebservice();
  let dataDir = '';
  let port = 0;
  let hub: Hub | undefined;
  let tenantId = '';
  let installationId = '';
  let moduleSecret = '';

  const base = () => `http://127.0.0.1:${port}`;
  const startHub = async () => {
    const config = loadConfig({ PORT: String(port), HUB_HOST: '127.0.0.1', HUB_DATA_DIR: dataDir, HUB_LOG_LEVEL: 'silent', HUB_SMPP_PORT: 'off', HUB_PUBLIC_URL: PUBLIC_URL, HUB_BOOTSTRAP_API_KEY: apiKey });
    hub = await createHub(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
    await hub.start();
  };
  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(base() + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const module = async (input: Record<string, unknown>): Promise<ModuleRun> => {
    const args = { hubUrl: base(), installationId, secret: moduleSecret, db: join(dataDir, 'module-outbox.sqlite'), now: Math.floor(Date.now() / 1000), ...input };
    const { stdout } = await run('php', [join(import.meta.dirname, 'testing/module.php'), JSON.stringify(args)], { timeout: 30_000 });
    return JSON.parse(stdout) as ModuleRun;
  };
  const sms = async (): Promise<SmsRecord[]> => ((await hub!.sending.registry.resolve(tenantId, 'sms')).provider as unknown as { records: SmsRecord[] }).records;
  const smsTo = async (phone: string) => (await sms()).filter((record) => record.message.to === phone);
  const events = async (type: string) => ((await api(`/v1/events?type=${type}&limit=100`)).body.items as { id: string; data: Record<string, any> }[]).reverse();
  const post = (body: string, signature: string) =>
    fetch(`${base()}/connectors/prestashop/${installationId}/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-connector-hub-signature': signature }, body });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hub-prestashop-'));
    port = await freePort();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    shop.start();
    shop.table('configurations').set(1, { id: '1', name: 'PS_TIMEZONE', value: 'Europe/Paris' });
    for (const [i, [name, value]] of Object.entries({ PS_OS_PAYMENT: '2', PS_OS_PREPARATION: '3', PS_OS_SHIPPING: '4', PS_OS_DELIVERED: '5', PS_OS_CANCELED: '6', PS_OS_REFUND: '7', PS_OS_ERROR: '8', PS_OS_BANKWIRE: '10' }).entries()) {
      shop.table('configurations').set(i + 2, { id: String(i + 2), name, value });
    }
    shop.table('orders').set(1, { id: '1', date_upd: '2024-01-10 12:00:00', current_state: '5' });
    shop.table('customers').set(1, { id: '1', date_upd: '2024-01-10 11:00:00' });
    await startHub();
    tenantId = (await hub!.store.query<{ id: string }>('SELECT id FROM tenants LIMIT 1'))[0]!.id;
    expect((await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } })).status).toBe(200);
    // The cart reminder is marketing: at night or on a Sunday quiet hours would hold it past the test's wait.
    expect((await api('/v1/sending/settings', { method: 'PUT', body: { quietHours: { enabled: false } } })).status).toBe(200);
  });

  afterAll(async () => {
    await hub?.stop();
    shop.stop();
    nock.enableNetConnect();
    await rm(dataDir, { recursive: true, force: true });
  });

  const installBody = () => ({
    shopUrl: 'https://boutique.example.fr/',
    webserviceKey: shop.key,
    settings: { shopName: 'Bougies & Co', abandonedCartDelayMinutes: 0.05 },
    rules: { merchantAlerts: { phone: '06 98 76 54 32', newOrder: true, lowStock: true } },
  });

  it('refuses a bad key (401) and names the permissions a key lacks (403 at use), installing nothing', async () => {
    const bad = await api('/v1/connectors/prestashop/installations', { body: { ...installBody(), webserviceKey: 'A'.repeat(32) } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/refused the webservice key .*HTTP 401.*No permission for this authentication key/);
    shop.permissions.order_histories = { get: 'true' };
    delete shop.permissions.customer_messages;
    const lacking = await api('/v1/connectors/prestashop/installations', { body: installBody() });
    expect(lacking.status).toBe(422);
    expect(lacking.body.detail).toContain('lacks these permissions: order_histories (POST), customer_messages (POST)');
    expect(lacking.body.errors).toContainEqual({ path: 'body.webserviceKey', message: expect.stringContaining('order_histories (POST)') });
    expect((await api('/v1/connectors/prestashop/installations?includeUninstalled=true')).body.items).toEqual([]);
    shop.permissions.order_histories = { get: 'true', post: 'true' };
    shop.permissions.customer_messages = { post: 'true' };
  });

  it('installs: shows the module secret once, reads the shop\'s states and starts the poll after the newest change', async () => {
    const response = await api('/v1/connectors/prestashop/installations', { body: installBody() });
    expect(response.status).toBe(201);
    installationId = response.body.installation.id;
    moduleSecret = response.body.shownOnce.moduleSecret;
    expect(moduleSecret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(response.body.installation).toMatchObject({ status: 'active', account: 'https://boutique.example.fr' });
    expect(JSON.stringify(response.body.installation)).not.toContain(shop.key);
    const state = (await hub!.store.query<{ state: any }>('SELECT state FROM connector_installations WHERE id = $1', [installationId]))[0]!.state;
    expect(state).toMatchObject({ shop: { timeZone: 'Europe/Paris', stateRoles: { '4': 'shipped', '10': 'awaiting_payment' } }, cursor: { orders: '2024-01-10 12:00:00', customers: '2024-01-10 11:00:00' } });
    const ping = await module({ do: 'ping' });
    expect(ping.result).toBe('delivered');
    // Customers are texted by the library's scenarios the install suggests: the order status SMS and the cart reminder.
    expect(response.body.suggestedTemplates.map((template: { id: string }) => template.id)).toEqual(['birthday', 'abandoned-cart', 'category-relance', 'satisfaction-survey', 'order-status', 'win-back', 'merchant-new-order', 'merchant-stock']);
    await activateShopScenarios(api);
  });

  it('turns the module\'s cart into cart.updated, then cart.abandoned and the reminder SMS', async () => {
    const sent = await module({ do: 'cart' });
    expect(sent.result).toBe('delivered');
    const reminder = await waitFor(async () => (await smsTo(CUSTOMER)).find((record) => record.message.text.includes('panier')), 'the abandoned-cart SMS');
    expect(reminder.message.text).toContain('recover_cart=30');
    expect((await events('cart.abandoned'))[0]!.data).toMatchObject({ cartId: '30', total: { amount: 59.9, currency: 'EUR' } });
  });

  it('turns the module\'s order and state changes into events and SMS; custom states stay unmapped', async () => {
    expect((await module({ do: 'order.created' })).result).toBe('delivered');
    const merchant = await waitFor(async () => (await smsTo(MERCHANT)).find((record) => record.message.text.includes('XKBKNABJK')), 'the new-order alert');
    expect(merchant.message.text).toBe('Nouvelle commande XKBKNABJK : 64.8 EUR.');
    const [created] = await events('order.created');
    expect(created!.data).toMatchObject({ orderId: '12', number: 'XKBKNABJK', status: 'on_hold', total: { amount: 64.8, currency: 'EUR' }, lines: [{ productId: '77', quantity: 2 }] });
    const contact = (await api(`/v1/contacts?phone=${encodeURIComponent(CUSTOMER)}`)).body;
    expect(JSON.stringify(contact)).toContain('prestashop-module');

    expect((await module({ do: 'order.status_changed', state: 4, previousState: 10 })).result).toBe('delivered');
    await waitFor(async () => (await smsTo(CUSTOMER)).find((record) => record.message.text.includes('XKBKNABJK est expédiée')), 'the shipped SMS');
    expect((await events('order.status_changed'))[0]!.data).toMatchObject({ status: 'shipped', previousStatus: 'on_hold', shopStatus: 'Expédié' });

    expect((await module({ do: 'order.status_changed', state: 42, previousState: 4 })).result).toBe('delivered');
    const inbox = () => hub!.store.query<{ status: string; note: string | null }>('SELECT status, note FROM connector_inbox WHERE installation_id = $1 ORDER BY seq', [installationId]);
    await waitFor(async () => (await inbox()).some((entry) => entry.note?.includes('custom state')), 'the custom state noted');
    expect(await events('order.status_changed')).toHaveLength(1);
  });

  it('refuses a forged or an expired payload (401) and stores a replay once', async () => {
    const body = JSON.stringify({ type: 'product.stock_changed', id: 'b1c2', occurredAt: new Date().toISOString(), shop: { id: 1 }, data: { productId: 77, combinationId: 0, name: 'Bougie', quantity: 0, lowStockThreshold: 3 } });
    const now = Math.floor(Date.now() / 1000);
    const forged = await post(body, signPayload('not-the-secret-not-the-secret-00', body, now));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { detail: string }).detail).toContain('no v1 signature matches');
    const old = await post(body, signPayload(moduleSecret, body, now - 301));
    expect(old.status).toBe(401);
    expect(((await old.json()) as { detail: string }).detail).toContain('more than the 300 s');
    const first = (await (await post(body, signPayload(moduleSecret, body, now))).json()) as { duplicate: boolean };
    const replay = (await (await post(body, signPayload(moduleSecret, body, now))).json()) as { duplicate: boolean };
    expect([first.duplicate, replay.duplicate]).toEqual([false, true]);
    await waitFor(async () => (await events('product.out_of_stock')).length === 1, 'one out-of-stock event');
    expect((await post('not json', signPayload(moduleSecret, 'not json', now))).status).toBe(400);
    expect((await fetch(`${base()}/connectors/prestashop/ins_unknown/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(404);
  });

  it('catches with the backstop poll an order whose hook never came, once', async () => {
    shop.table('customers').set(6, { id: '6', email: 'leo@example.be', firstname: 'Léo', lastname: 'Dubois', is_guest: '0', date_add: '2030-01-01 10:00:00', date_upd: '2030-01-01 10:00:00' });
    shop.table('addresses').set(21, { id: '21', firstname: 'Léo', lastname: 'Dubois', id_country: '3', phone: '', phone_mobile: '0470 12 34 56' });
    shop.table('countries').set(3, { id: '3', iso_code: 'BE' });
    shop.table('currencies').set(1, { id: '1', iso_code: 'EUR' });
    shop.table('order_states').set(2, { id: '2', name: [{ id: '1', value: 'Paiement accepté' }] });
    shop.table('orders').set(13, {
      id: '13', reference: 'QWERTYUIO', id_cart: '31', id_customer: '6', id_currency: '1', id_address_invoice: '21', id_address_delivery: '21', current_state: '2',
      total_paid_tax_incl: '25.000000', date_add: '2030-01-01 10:05:00', date_upd: '2030-01-01 10:05:00', shipping_number: '',
      associations: { order_rows: [{ id: '1', product_id: '78', product_attribute_id: '901', product_quantity: '1', product_name: 'Diffuseur - XL', unit_price_tax_incl: '25.000000' }] },
    });
    const poll = async () => (await runScheduleNow(hub!.connectors.deps, installationId, 'poll'))?.result;
    const first = await poll();
    // The cursor is inclusive: the newest change seen at install (order 1, customer 1) is read again, and changes nothing.
    expect(first).toEqual({ received: 4, duplicates: 0 });
    const polled = await waitFor(async () => (await events('order.created')).find((event) => event.data.orderId === '13'), 'the polled order');
    expect(polled.data).toMatchObject({ number: 'QWERTYUIO', status: 'processing', total: { amount: 25, currency: 'EUR' } });
    await waitFor(async () => (await smsTo('+32470123456')).length > 0, 'the processing SMS to the Belgian mobile');
    await waitFor(async () => (await events('customer.created')).some((event) => event.data.customerId === '6'), 'the polled customer');
    const listing = shop.requests.map((request) => decodeURIComponent(request.path.replace(/\+/g, ' '))).find((path) => path.startsWith('/api/orders?display=full'))!;
    expect(listing).toContain('filter[date_upd]=[2024-01-10 12:00:00,');
    expect(listing).toContain('date=1');
    expect(listing).toContain('sort=[date_upd_ASC]');
    // Read again: the cursor moved to the newest change and is inclusive, so order 13 and customer 6 are read again, stored once.
    expect(await poll()).toEqual({ received: 0, duplicates: 2 });
    expect((await events('order.created')).filter((event) => event.data.orderId === '13')).toHaveLength(1);
    // Scheduled: the installation's `poll` schedule, every pollEveryMinutes (15); due once per slot, whoever ticks.
    const deps = hub!.connectors.deps;
    const [schedule] = await listSchedules(deps, tenantId, installationId, new Date());
    expect(schedule).toMatchObject({ schedule: 'poll', everyMs: 900_000 });
    const due = schedule!.nextRunAt.getTime();
    expect(await runDueSchedules(deps, processOwner(), new Date(due - 1000))).toEqual([]);
    const [ran, again] = await Promise.all([runDueSchedules(deps, processOwner(), new Date(due + 1000)), runDueSchedules(deps, processOwner(), new Date(due + 1000))]);
    expect([...ran!, ...again!]).toEqual([{ installationId, schedule: 'poll', result: { received: 0, duplicates: 2 } }]);
    expect(await runDueSchedules(deps, processOwner(), new Date(due + 14 * 60_000))).toEqual([]);
    expect((await listSchedules(deps, tenantId, installationId, new Date()))[0]!.nextRunAt.getTime()).toBe(due + 900_000);
  });

  it('keeps the module\'s payloads while the hub is down and delivers them after', async () => {
    await hub!.stop();
    const queued = await module({ do: 'order.status_changed', state: 5, previousState: 42 });
    expect(queued.result).toBe('queued');
    expect(queued.rows).toEqual([expect.objectContaining({ type: 'order.status_changed', attempts: 1, last_status: 0 })]);
    await startHub();
    // An hour later (the module's cron): its retries are due, each signed afresh.
    const flushed = await module({ do: 'flush', elapse: 3600 });
    expect(flushed.counts).toMatchObject({ delivered: 1, queued: 0, failed: 0 });
    expect(flushed.rows).toEqual([]);
    await waitFor(async () => (await smsTo(CUSTOMER)).find((record) => record.message.text.includes('XKBKNABJK a été livrée')), 'the delivered SMS after the outage');
  });

  it('changes an order\'s state and adds a private message through the webservice, in XML', async () => {
    const action = (id: string, body: unknown) => api(`/v1/connectors/prestashop/installations/${installationId}/actions/${id}`, { body });
    const state = await action('change-order-state', { orderId: 13, stateId: 4 });
    expect(state.status).toBe(200);
    expect(shop.written.at(-1)).toEqual({ resource: 'order_history', fields: { id_order: '13', id_order_state: '4' } });
    expect(shop.requests.at(-1)!.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><prestashop xmlns:xlink="http:\/\/www.w3.org\/1999\/xlink"><order_history>/);

    Object.assign(shop.table('orders').get(13)!, { id_lang: '1', id_shop: '1' });
    const note = await action('add-order-message', { orderId: 13, message: 'Client prévenu par SMS <relance>' });
    expect(note.status).toBe(200);
    expect(shop.written.slice(-2)).toEqual([
      { resource: 'customer_thread', fields: expect.objectContaining({ id_order: '13', id_customer: '6', email: 'leo@example.be', status: 'open' }) },
      { resource: 'customer_message', fields: { id_customer_thread: String(note.body.result.threadId), id_employee: '0', message: 'Client prévenu par SMS <relance>', private: '1' } },
    ]);

    const order = await action('get-order', { orderId: 13 });
    expect(order.body.result).toMatchObject({ orderId: 13, reference: 'QWERTYUIO', status: 'processing', invoiceAddress: { country: 'BE', mobilePhone: '0470 12 34 56' } });

    shop.permissions.order_histories = { get: 'true' };
    const refused = await action('change-order-state', { orderId: 13, stateId: 5 });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('HTTP 403');
  });
});
