/**
 * The pure parts: PrestaShop's states mapped to the hub's (custom ones left unmapped), the hook
 * path and the poll agreeing on one memory (an order announced once whichever comes first), stock
 * levels, phones read mobile first in the address's country, shop time to UTC, and the key's
 * permissions read from the webservice's root listing. Every event is checked against the catalog.
 */
import { describe, expect, it } from 'vitest';
import { commerceEvents } from '../../src/bus/catalog/commerce.ts';
import { marketingEvents } from '../../src/bus/catalog/marketing.ts';
import type { EventDraft } from '../../src/connectors/connector.ts';
import { parsePermissions } from './client.ts';
import { customerEvents, orderDecision, stockDecision, type OrderMemory, type StockMemory } from './events.ts';
import { missingPermissions } from './install.ts';
import { contactOf, phoneOfAddress, statusOf, type ShopContext } from './mapping.ts';
import { ModuleMessageSchema, type PsOrder } from './payloads.ts';
import { shopTimeToIso } from './shop-time.ts';

const ctx: ShopContext = {
  shop: { installationId: 'ins_1', url: 'https://boutique.example.fr', name: 'Bougies & Co' },
  host: 'boutique.example.fr',
  installedAt: new Date('2024-03-01T00:00:00Z'),
  lowStockThreshold: 2,
  abandonedCartDelayMinutes: 60,
};
const now = new Date('2024-03-05T12:00:00Z');

const order = (changes: Partial<PsOrder> = {}): PsOrder => ({
  coupons: [],
  orderId: 12,
  reference: 'XKBKNABJK',
  cartId: 30,
  createdAt: '2024-03-05T09:30:00+00:00',
  state: { id: 10, name: 'En attente de virement bancaire', role: 'awaiting_payment' },
  currency: 'EUR',
  total: 64.8,
  customer: { customerId: 5, email: 'zoe@example.fr', firstName: 'Zoé', lastName: 'Martin', guest: false },
  invoiceAddress: { firstName: 'Zoé', lastName: 'Martin', country: 'FR', phone: '01 42 00 00 00', mobilePhone: '06 12 34 56 78' },
  lines: [{ productId: 77, combinationId: 0, name: 'Bougie parfumée', quantity: 2, total: 59.9 }],
  consent: { sms: true, text: 'Oui aux SMS', at: '2024-03-05T09:13:20+00:00' },
  ...changes,
});

function valid(events: EventDraft[]) {
  for (const event of events) {
    const type = [...commerceEvents, ...marketingEvents].find((one) => one.type === event.type);
    expect(type, event.type).toBeDefined();
    expect(type!.data.safeParse(event.data).success, `${event.type} ${JSON.stringify(event.data)}`).toBe(true);
  }
  return events;
}

describe('order states', () => {
  it.each([
    ['awaiting_payment', 'on_hold'],
    ['payment_accepted', 'processing'],
    ['processing', 'processing'],
    ['shipped', 'shipped'],
    ['delivered', 'delivered'],
    ['cancelled', 'cancelled'],
    ['refunded', 'refunded'],
    ['payment_error', 'failed'],
    ['backorder', 'on_hold'],
  ] as const)('%s → %s', (role, status) => expect(statusOf({ role })).toBe(status));

  it('leaves a custom state unmapped, with a note, and publishes nothing', () => {
    const decision = orderDecision(order({ state: { id: 42, name: 'Retiré en boutique', role: null }, previousState: { id: 4, name: 'Expédié', role: 'shipped' } }), '2024-03-06T10:00:00Z', 'status', { stateId: 4, status: 'shipped', at: '2024-03-05T10:00:00.000Z', created: true }, ctx, now);
    expect(decision).toMatchObject({ apply: true, events: [], memory: { stateId: 42, status: null } });
    expect(decision.apply && decision.note).toContain('"Retiré en boutique" (#42) is a custom state');
  });
});

describe('orders from the hook and the poll', () => {
  it('announces a new order with its contact, mobile first, and the module\'s consent', () => {
    const decision = orderDecision(order(), '2024-03-05T09:30:00Z', 'created', undefined, ctx, now);
    if (!decision.apply) throw new Error(decision.note);
    const [created] = valid(decision.events);
    expect(created).toMatchObject({ type: 'order.created', key: 'order.created:12', data: { orderId: '12', number: 'XKBKNABJK', status: 'on_hold', total: { amount: 64.8, currency: 'EUR' } } });
    expect(created!.contact).toMatchObject({ phone: '+33612345678', email: 'zoe@example.fr', externalIds: { prestashop: '5@boutique.example.fr' }, consent: { sms: { status: 'granted', source: 'prestashop-module', at: '2024-03-05T09:13:20.000Z', proof: expect.stringContaining('Oui aux SMS') } } });
  });

  it('announces each coupon of a new order as coupon.used, with the order\'s contact; once, and not on a status change', () => {
    const coupons = [
      { code: 'ANNIV20', name: 'Anniversaire -20%', discount: 11.98 },
      { code: 'anniv20', name: 'the same code again', discount: 0 },
    ];
    const decision = orderDecision(order({ coupons }), '2024-03-05T09:30:00Z', 'created', undefined, ctx, now);
    if (!decision.apply) throw new Error(decision.note);
    const [created, used, ...rest] = valid(decision.events);
    expect(rest).toEqual([]);
    expect(created!.type).toBe('order.created');
    expect(used).toMatchObject({ type: 'coupon.used', key: 'coupon.used:12:anniv20', occurredAt: '2024-03-05T09:30:00.000Z', data: { code: 'ANNIV20', orderId: '12', discount: { amount: 11.98, currency: 'EUR' }, shop: ctx.shop } });
    expect(used!.contact).toEqual(created!.contact);
    // Replayed: the order is known, nothing again; a later status change announces no coupon.
    expect(orderDecision(order({ coupons }), '2024-03-05T09:30:00Z', 'created', decision.memory, ctx, now).apply).toBe(false);
    const shipped = orderDecision(order({ coupons, state: { id: 4, name: 'Expédié', role: 'shipped' } }), '2024-03-05T11:00:00Z', 'status', decision.memory, ctx, now);
    expect(shipped.apply && shipped.events.map((event) => event.type)).toEqual(['order.status_changed']);
    // The module's message with coupons parses; one from an older module (no coupons) too.
    const message = { type: 'order.created', id: 'm1', occurredAt: '2024-03-05T09:30:00+00:00', data: { ...order(), coupons: [{ code: 'ANNIV20', discount: 11.98 }] } };
    expect(ModuleMessageSchema.parse(message)).toMatchObject({ data: { coupons: [{ code: 'ANNIV20', discount: 11.98 }] } });
    const { coupons: _none, ...older } = message.data;
    expect(ModuleMessageSchema.parse({ ...message, data: older })).toMatchObject({ data: { coupons: [] } });
  });

  it('publishes a change once, whichever of the hook and the poll sees it first', () => {
    const created = orderDecision(order(), '2024-03-05T09:30:00Z', 'created', undefined, ctx, now);
    if (!created.apply) throw new Error(created.note);
    const shipped = order({ state: { id: 4, name: 'Expédié', role: 'shipped' }, previousState: { id: 10, name: 'En attente', role: 'awaiting_payment' }, trackingNumber: '6A123' });
    // The poll first, then the module's late hook.
    const polled = orderDecision({ ...shipped, previousState: null }, '2024-03-05T11:00:00Z', 'poll', created.memory, ctx, now);
    if (!polled.apply) throw new Error(polled.note);
    expect(valid(polled.events)).toEqual([expect.objectContaining({ type: 'order.status_changed', key: 'order.status_changed:12:10>4', data: expect.objectContaining({ status: 'shipped', previousStatus: 'on_hold', shopStatus: 'Expédié', tracking: [{ number: '6A123' }] }) })]);
    expect(orderDecision(shipped, '2024-03-05T11:00:01Z', 'status', polled.memory, ctx, now)).toMatchObject({ apply: false, note: expect.stringContaining('already in state') });
    // The hook first, then the poll.
    const hooked = orderDecision(shipped, '2024-03-05T11:00:01Z', 'status', created.memory, ctx, now);
    if (!hooked.apply) throw new Error(hooked.note);
    expect(hooked.events.map((event) => event.key)).toEqual(['order.status_changed:12:10>4']);
    expect(orderDecision({ ...shipped, previousState: null }, '2024-03-05T11:00:00Z', 'poll', hooked.memory, ctx, now).apply).toBe(false);
    // A late order.created after the poll announced it: nothing.
    expect(orderDecision(order(), '2024-03-05T09:30:00Z', 'created', polled.memory, ctx, now).apply).toBe(false);
  });

  it('announces an order the poll finds created after the install, but assumes no change for an older one', () => {
    const fresh = orderDecision(order({ consent: undefined }), '2024-03-05T09:31:00Z', 'poll', undefined, ctx, now);
    expect(fresh.apply && fresh.events.map((event) => event.type)).toEqual(['order.created']);
    const old = orderDecision(order({ createdAt: '2024-02-01T00:00:00+00:00' }), '2024-03-05T09:31:00Z', 'poll', undefined, ctx, now);
    expect(old).toMatchObject({ apply: true, events: [], note: expect.stringContaining('no change is assumed') });
  });

  it('ignores news older than what the hub has', () => {
    const memory: OrderMemory = { stateId: 4, status: 'shipped', at: '2024-03-05T11:00:00.000Z', created: true };
    expect(orderDecision(order({ state: { id: 3, name: 'Préparation', role: 'processing' } }), '2024-03-05T10:00:00Z', 'poll', memory, ctx, now)).toMatchObject({ apply: false, note: expect.stringContaining('older than') });
  });
});

describe('stock', () => {
  const change = { productId: 78, combinationId: 901, name: 'Diffuseur', reference: 'DF-78-XL', quantity: 5, lowStockThreshold: 1 as number | null };
  const step = (quantity: number, previous: StockMemory | undefined, at: string, threshold: number | null = 1) => stockDecision({ ...change, quantity, lowStockThreshold: threshold }, at, previous, ctx);

  it('goes ok → low → out → back in stock, one event per crossing, with the product\'s own threshold or the installation\'s', () => {
    const low = step(1, undefined, '2024-03-05T10:00:00Z');
    if (!low.apply) throw new Error(low.note);
    expect(valid(low.events)).toEqual([expect.objectContaining({ type: 'product.stock_low', data: expect.objectContaining({ productId: '78-901', sku: 'DF-78-XL', stockQuantity: 1, lowStockThreshold: 1 }) })]);
    const still = step(1, low.memory, '2024-03-05T10:01:00Z');
    expect(still.apply && still.events).toEqual([]);
    const out = step(0, low.memory, '2024-03-05T10:02:00Z');
    if (!out.apply) throw new Error(out.note);
    expect(out.events.map((event) => event.type)).toEqual(['product.out_of_stock']);
    const back = step(2, out.memory, '2024-03-05T10:03:00Z', null);
    if (!back.apply) throw new Error(back.note);
    expect(valid(back.events)).toEqual([expect.objectContaining({ type: 'product.back_in_stock', data: expect.objectContaining({ stockQuantity: 2, lowStockThreshold: 2 }) })]);
    expect(step(0, back.memory, '2024-03-05T10:02:30Z').apply).toBe(false);
  });
});

describe('contacts', () => {
  it('reads the mobile phone first, in the address\'s country; a guest has no external id', () => {
    expect(phoneOfAddress({ country: 'BE', phone: '02 123 45 67', mobilePhone: '0470 12 34 56' })).toBe('+32470123456');
    expect(phoneOfAddress({ country: 'FR', phone: '01 42 00 00 00', mobilePhone: '' })).toBe('+33142000000');
    expect(phoneOfAddress({ country: 'FR', phone: 'n/a', mobilePhone: null })).toBeUndefined();
    expect(contactOf({ customerId: 9, email: 'guest@example.fr', guest: true }, null, ctx)).toEqual({ email: 'guest@example.fr' });
  });

  it('announces a new customer', () => {
    const [event] = valid(customerEvents({ customerId: 5, email: 'zoe@example.fr', firstName: 'Zoé', lastName: 'Martin', createdAt: '2024-03-05T09:00:00+00:00' }, null, { sms: true, text: 'Oui' }, '2024-03-05T09:00:01Z', ctx, now));
    expect(event).toMatchObject({ key: 'customer.created:5', occurredAt: '2024-03-05T09:00:00.000Z', data: { customerId: '5', firstName: 'Zoé' }, contact: { email: 'zoe@example.fr' } });
  });
});

describe('the webservice', () => {
  it('converts shop time to UTC across daylight saving', () => {
    expect(shopTimeToIso('2024-03-05 10:30:00', 'Europe/Paris')).toBe('2024-03-05T09:30:00.000Z');
    expect(shopTimeToIso('2024-07-05 10:30:00', 'Europe/Paris')).toBe('2024-07-05T08:30:00.000Z');
    expect(shopTimeToIso('0000-00-00 00:00:00', 'Europe/Paris')).toBeUndefined();
    expect(shopTimeToIso('2024-07-05 10:30:00', 'Not/AZone')).toBe('2024-07-05T10:30:00.000Z');
  });

  it('reads the key\'s permissions from the XML root listing (the JSON one has only names) and names what is missing', () => {
    const granted = parsePermissions(`<?xml version="1.0" encoding="UTF-8"?>
<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">
<api shopName="Bougies &amp; Co">
<orders xlink:href="https://boutique.example.fr/api/orders" get="true" head="true"><description xlink:href="https://boutique.example.fr/api/orders" get="true" head="true">The Customers orders</description><schema xlink:href="https://boutique.example.fr/api/orders?schema=blank" type="blank"/></orders>
<customers xlink:href="https://boutique.example.fr/api/customers" get="true" put="true" head="true"><description xlink:href="https://boutique.example.fr/api/customers" get="true" put="true" head="true">The e-shop's customers</description></customers>
<order_histories xlink:href="https://boutique.example.fr/api/order_histories" get="true" post="true"><description xlink:href="https://boutique.example.fr/api/order_histories" get="true" post="true">The Order histories</description></order_histories>
<products xlink:href="https://boutique.example.fr/api/products" get="true"><description xlink:href="https://boutique.example.fr/api/products" get="true">The products</description></products>
<stock_movements xlink:href="https://boutique.example.fr/api/stock_movements" head="true"><description xlink:href="https://boutique.example.fr/api/stock_movements" head="true">Stock movements</description></stock_movements>
</api>
</prestashop>`);
    expect([...granted.keys()]).toEqual(['orders', 'customers', 'order_histories', 'products']);
    expect(missingPermissions(granted)).toEqual(['addresses (GET)', 'countries (GET)', 'currencies (GET)', 'order_states (GET)', 'configurations (GET)', 'customer_threads (GET, POST)', 'customer_messages (POST)']);
  });
});
