import { describe, expect, it } from 'vitest';
import { checkEventData } from '../../src/bus/catalog/index.ts';
import type { EventDraft } from '../../src/connectors/connector.ts';
import { cartDecision, cartEmptiedDecision, cartsClosedByOrder, cartTimerDecision, type CartMemory } from './cart-events.ts';
import { phoneOf } from '../../src/connectors/contact-fields.ts';
import { customerEvents, orderDecision, productDecision, stockLevel, type OrderMemory, type ProductMemory, type StockLevel } from './events.ts';
import type { Decision, MappingContext } from './mapping-context.ts';
import { mapOrderStatus, trackingOf } from './order-status.ts';
import { parseCustomer, parseOrder, parseProduct, PluginCartSchema, type WooOrder, type WooProduct } from './payloads.ts';
import { fixture } from './testing/fake-store.ts';

const ctx: MappingContext = {
  shop: { installationId: 'ins_test', url: 'https://boutique.example.fr', name: 'Bougies & Co' },
  installedAt: new Date('2026-05-01T00:00:00Z'),
  completedMeans: 'shipped',
  lowStockThreshold: 2,
  defaultCurrency: 'EUR',
  host: 'boutique.example.fr',
  abandonedCartDelayMinutes: 60,
};
const now = new Date('2026-05-12T12:05:00Z');

function order(changes: Record<string, unknown> = {}, name = 'order-v3.json'): WooOrder {
  const parsed = parseOrder({ ...fixture(name), ...changes });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function product(changes: Record<string, unknown> = {}, name = 'product-v3.json'): WooProduct {
  const parsed = parseProduct({ ...fixture(name), ...changes });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function applied<M>(decision: Decision<M>): Extract<Decision<M>, { apply: true }> {
  if (!decision.apply) throw new Error(`not applied: ${decision.note}`);
  return decision;
}

/** Every event a mapping produces must be publishable: its data matches the catalog. */
function expectValid(events: EventDraft[]): void {
  for (const event of events) expect(checkEventData(event.type, event.data), event.type).toMatchObject({ ok: true });
}

describe('order statuses', () => {
  const tracking = { _wc_shipment_tracking_items: [{ tracking_provider: 'colissimo', tracking_number: '6A1' }] };
  it.each([
    ['pending', {}, 'shipped', 'pending'],
    ['processing', {}, 'shipped', 'processing'],
    ['on-hold', {}, 'shipped', 'on_hold'],
    ['completed', {}, 'shipped', 'shipped'],
    ['completed', {}, 'completed', 'completed'],
    ['completed', tracking, 'shipped', 'shipped'],
    ['completed', { shipment_status: [{ status: 'in_transit' }, { status: 'delivered' }] }, 'shipped', 'delivered'],
    ['completed', { shipment_status: [{ status: 'delivered' }, { status: 'in_transit' }] }, 'shipped', 'shipped'],
    ['completed', { _wc_shipment_tracking_items: [{ tracking_number: '6A1', status: 'delivered' }] }, 'completed', 'delivered'],
    ['shipped', {}, 'shipped', 'shipped'],
    ['partial-shipped', {}, 'shipped', 'shipped'],
    ['delivered', {}, 'shipped', 'delivered'],
    ['cancelled', {}, 'shipped', 'cancelled'],
    ['refunded', {}, 'shipped', 'refunded'],
    ['failed', {}, 'shipped', 'failed'],
    ['checkout-draft', {}, 'shipped', undefined],
    ['ready-for-pickup', {}, 'shipped', undefined],
  ] as const)('%s %o (completed means %s) → %s', (shopStatus, meta, completedMeans, expected) => {
    expect(mapOrderStatus(shopStatus, meta, completedMeans)).toBe(expected);
  });

  it('reads tracking numbers from Shipment Tracking and AST items', () => {
    expect(trackingOf({ _wc_shipment_tracking_items: [{ tracking_provider: 'colissimo', tracking_number: '6A1' }, { custom_tracking_provider: 'Mondial Relay', custom_tracking_link: 'https://mr.example/1', tracking_number: 'MR1' }, { tracking_provider: 'ups' }] })).toEqual([
      { number: '6A1', provider: 'colissimo' },
      { number: 'MR1', provider: 'Mondial Relay', url: 'https://mr.example/1' },
    ]);
    expect(trackingOf({ _wc_shipment_tracking_items: 'not a list' })).toEqual([]);
  });
});

describe('phone numbers are read in the order\'s billing country', () => {
  it.each([
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['0470 12 34 56', 'BE', '+32470123456'],
    ['0692 12 34 56', 'RE', '+262692123456'],
    ['+33 6 12 34 56 78', 'BE', '+33612345678'],
    ['12', 'FR', undefined],
    ['06 12 34 56 78', undefined, '06 12 34 56 78'],
    ['', 'FR', undefined],
  ])('%s in %s → %s', (phone, country, expected) => {
    expect(phoneOf(phone, country)).toBe(expected);
  });
});

describe('payloads of every API version', () => {
  it('reads a wp_api v3 order', () => {
    const value = order();
    expect(value).toMatchObject({
      shape: 'wp-api',
      id: '727',
      number: '727',
      shopStatus: 'processing',
      currency: 'EUR',
      total: 64.8,
      customerId: '12',
      billing: { firstName: 'Camille', email: 'Camille.Martin@example.fr', phone: '06 12 34 56 78', country: 'FR' },
      createdAt: new Date('2026-05-12T12:03:11Z'),
      modified: { key: '2026-05-12T12:03:12.000Z' },
      paidAt: new Date('2026-05-12T12:03:12Z'),
    });
    expect(value.lines).toEqual([
      { productId: '77', name: 'Bougie parfumée Figuier', quantity: 2, total: 41.6 },
      { productId: '93', name: 'Diffuseur Rotin - Noir', quantity: 1, total: 8.3 },
    ]);
    expect(value.meta._connector_hub_cart_id).toBe('c5e1b0f4a2');
  });

  it('reads a wp_api v1 order (UTC dates without _gmt twins, no meta)', () => {
    expect(order({}, 'order-v1.json')).toMatchObject({ shape: 'wp-api-v1', id: '728', shopStatus: 'on-hold', customerId: '0', createdAt: new Date('2026-05-12T12:10:00Z'), paidAt: undefined, meta: {} });
  });

  it('reads a legacy v3 order wrapped in "order"', () => {
    expect(order({}, 'order-legacy-v3.json')).toMatchObject({
      shape: 'legacy',
      id: '729',
      shopStatus: 'processing',
      total: 35,
      billing: { phone: '+33 6 11 22 33 44', country: 'FR' },
      modified: { key: '2026-05-12T12:20:03.000Z' },
      paidAt: new Date('2026-05-12T12:20:00Z'),
      lines: [{ productId: '140', name: 'Coffret Découverte', quantity: 1, total: 35 }],
    });
  });

  it('reads an order whose dates are missing or local only', () => {
    const value = order({ date_modified_gmt: undefined, date_created_gmt: undefined, meta_data: undefined, date_modified: '2026-05-12T14:03:12' });
    expect(value.shape).toBe('wp-api-v1');
    const local = parseOrder({ id: 9, status: 'pending', meta_data: [], date_modified: '2026-05-12T14:03:12' });
    expect(local.ok && local.value.modified).toEqual({ at: undefined, key: '2026-05-12T14:03:12' });
  });

  it.each([
    [null, 'the payload is not a JSON object'],
    [[], 'the payload is not a JSON object'],
    [{ status: 'processing' }, 'the order payload has no id'],
    [{ id: 5 }, 'order 5: the payload has no status'],
    [{ order: { order_number: '3' } }, 'the order payload has no id'],
  ])('refuses %j: %s', (payload, reason) => {
    expect(parseOrder(payload)).toEqual({ ok: false, reason });
  });

  it('reads products: v3 stock_status, v2 in_stock, legacy title and managing_stock', () => {
    expect(product()).toMatchObject({ shape: 'wp-api', id: '77', name: 'Bougie parfumée Figuier', sku: 'BG-77', manageStock: true, stockQuantity: 2, stockStatus: 'instock', lowStockAmount: null });
    expect(product({}, 'product-v2.json')).toMatchObject({ id: '12', stockStatus: 'outofstock', stockQuantity: 0 });
    expect(product({}, 'product-legacy-v3.json')).toMatchObject({ shape: 'legacy', id: '140', name: 'Coffret Découverte', manageStock: true, stockQuantity: 1, stockStatus: 'instock' });
    expect(product({ stock_status: undefined, in_stock: true, backordered: true })).toMatchObject({ stockStatus: 'onbackorder' });
    expect(product({ stock_quantity: '4', low_stock_amount: '5' })).toMatchObject({ stockQuantity: 4, lowStockAmount: 5 });
  });

  it('reads customers: v3 and legacy', () => {
    const v3 = parseCustomer(fixture('customer-v3.json'));
    expect(v3.ok && v3.value).toMatchObject({ id: '45', email: 'ines.robert@example.fr', firstName: 'Inès', billing: { phone: '0645678901', country: 'FR' }, createdAt: new Date('2026-05-12T13:20:11Z') });
    const legacy = parseCustomer(fixture('customer-legacy-v3.json'));
    expect(legacy.ok && legacy.value).toMatchObject({ shape: 'legacy', id: '46', billing: { phone: '06 55 44 33 22' } });
  });
});

describe('order decisions', () => {
  it('a new order: order.created with the contact and the consent ticked at checkout', () => {
    const decision = applied(orderDecision('order.created', order(), undefined, ctx, now));
    expect(decision.events.map((event) => event.type)).toEqual(['order.created']);
    const [created] = decision.events;
    expect(created).toMatchObject({
      key: 'order.created:727',
      occurredAt: '2026-05-12T12:03:11.000Z',
      data: { orderId: '727', number: '727', status: 'processing', total: { amount: 64.8, currency: 'EUR' }, shop: ctx.shop },
      contact: {
        phone: '+33612345678',
        email: 'camille.martin@example.fr',
        firstName: 'Camille',
        lastName: 'Martin',
        externalIds: { woocommerce: '12@boutique.example.fr' },
        consent: { sms: { status: 'granted', at: '2026-05-12T12:02:58.000Z', source: 'woocommerce-checkout', proof: expect.stringContaining('order 727') } },
      },
    });
    expect(decision.memory).toEqual({ status: 'processing', shopStatus: 'processing', modified: '2026-05-12T12:03:12.000Z', fingerprint: 'processing|processing', created: true });
    expectValid(decision.events);
  });

  it('the coupons of a new order (coupon_lines): one coupon.used each, with the order\'s contact; once; none on an update', () => {
    // As the REST API v3 gives them: code lower-cased by WooCommerce, discount without tax, discount_tax apart.
    const couponLines = [
      { id: 31, code: 'anniv20', discount: '9.98', discount_tax: '2.00', meta_data: [] },
      { id: 32, code: 'livraison', discount: '0.00', discount_tax: '0.00', meta_data: [] },
    ];
    const decision = applied(orderDecision('order.created', order({ coupon_lines: couponLines }), undefined, ctx, now));
    expect(decision.events.map((event) => [event.type, event.key])).toEqual([
      ['order.created', 'order.created:727'],
      ['coupon.used', 'coupon.used:727:anniv20'],
      ['coupon.used', 'coupon.used:727:livraison'],
    ]);
    expect(decision.events[1]).toMatchObject({ occurredAt: '2026-05-12T12:03:11.000Z', data: { code: 'anniv20', orderId: '727', discount: { amount: 11.98, currency: 'EUR' }, shop: ctx.shop } });
    expect(decision.events[1]!.contact).toEqual(decision.events[0]!.contact);
    expectValid(decision.events);
    // The same order again, then completed: no coupon announced a second time.
    expect(orderDecision('order.updated', order({ coupon_lines: couponLines }), decision.memory, ctx, now).apply).toBe(false);
    const completed = applied(orderDecision('order.updated', order({ coupon_lines: couponLines, status: 'completed', date_modified_gmt: '2026-05-13T08:00:00' }), decision.memory, ctx, now));
    expect(completed.events.map((event) => event.type)).toEqual(['order.status_changed']);
    // The legacy API names the discount `amount`.
    const legacy = parseOrder({ order: { ...(fixture('order-legacy-v3.json') as { order: object }).order, coupon_lines: [{ id: 9, code: 'NOEL10', amount: '5.00' }] } });
    expect(legacy.ok && legacy.value.coupons).toEqual([{ code: 'NOEL10', discount: 5 }]);
  });

  it('no consent recorded: none is invented; an unticked box is not a withdrawal', () => {
    const none = applied(orderDecision('order.created', order({ meta_data: [] }), undefined, ctx, now));
    expect(none.events[0]!.contact!.consent).toBeUndefined();
    const unticked = applied(orderDecision('order.created', order({ meta_data: [{ id: 1, key: '_connector_hub_sms_consent', value: 'no' }] }), undefined, ctx, now));
    expect(unticked.events[0]!.contact!.consent).toBeUndefined();
  });

  it('the block checkout\'s first webhook is order.updated: an order created after install still counts as created', () => {
    const decision = applied(orderDecision('order.updated', order({ date_created_gmt: '2026-05-12T12:03:11' }), undefined, ctx, now));
    expect(decision.events.map((event) => event.type)).toEqual(['order.created']);
  });

  it('an order from before the install, first seen now: remembered, no change assumed…', () => {
    const old = { date_created_gmt: '2026-04-20T10:00:00', date_paid_gmt: '2026-04-20T10:01:00' };
    const decision = applied(orderDecision('order.updated', order(old), undefined, ctx, now));
    expect(decision.events).toEqual([]);
    expect(decision.note).toMatch(/created before it/);
    expect(decision.memory.status).toBe('processing');
  });

  it('…unless its dates prove the status changed since (completed after install)', () => {
    const completed = order({ date_created_gmt: '2026-04-20T10:00:00' }, 'order-v3-completed-tracking.json');
    const decision = applied(orderDecision('order.updated', completed, undefined, ctx, now));
    expect(decision.events.map((event) => [event.type, event.data.previousStatus, event.data.status])).toEqual([['order.status_changed', null, 'shipped']]);
    expectValid(decision.events);
  });

  it('processing → completed: order.status_changed with the tracking number, no consent replayed', () => {
    const previous = applied(orderDecision('order.created', order(), undefined, ctx, now)).memory;
    const decision = applied(orderDecision('order.updated', order({}, 'order-v3-completed-tracking.json'), previous, ctx, now));
    expect(decision.events).toHaveLength(1);
    expect(decision.events[0]).toMatchObject({
      type: 'order.status_changed',
      key: 'order.status_changed:727:processing>shipped:2026-05-13T07:41:05.000Z',
      data: { previousStatus: 'processing', status: 'shipped', shopStatus: 'completed', tracking: [{ number: '6A12345678901', provider: 'colissimo' }] },
    });
    expect(decision.events[0]!.contact!.consent).toBeUndefined();
    expectValid(decision.events);
  });

  it('stale and replayed payloads change nothing', () => {
    const memory: OrderMemory = { status: 'shipped', shopStatus: 'completed', modified: '2026-05-13T07:41:05.000Z', fingerprint: 'completed|shipped', created: true };
    expect(orderDecision('order.updated', order(), memory, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/older than/) });
    expect(orderDecision('order.updated', order({}, 'order-v3-completed-tracking.json'), memory, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/already handled/) });
  });

  it('two changes in the same second: the new content is applied', () => {
    const memory: OrderMemory = { status: 'processing', shopStatus: 'processing', modified: '2026-05-12T12:03:12.000Z', fingerprint: 'processing|processing', created: true };
    const decision = applied(orderDecision('order.updated', order({ status: 'cancelled' }), memory, ctx, now));
    expect(decision.events.map((event) => event.data.status)).toEqual(['cancelled']);
  });

  it('without modification times, the content still tells replays apart', () => {
    const bare = { date_modified_gmt: undefined, date_modified: undefined, date_created_gmt: undefined };
    const first = applied(orderDecision('order.created', order(bare), undefined, ctx, now));
    expect(orderDecision('order.updated', order(bare), first.memory, ctx, now)).toMatchObject({ apply: false });
    const next = applied(orderDecision('order.updated', order({ ...bare, status: 'on-hold' }), first.memory, ctx, now));
    expect(next.events[0]!.key).toBe('order.status_changed:727:processing>on_hold:on-hold|on_hold');
  });

  it('drafts and unknown statuses publish nothing, with the reason', () => {
    expect(orderDecision('order.updated', order({ status: 'checkout-draft' }), undefined, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/draft/) });
    const custom = applied(orderDecision('order.updated', order({ status: 'ready-for-pickup' }), undefined, ctx, now));
    expect(custom.events).toEqual([]);
    expect(custom.note).toMatch(/"ready-for-pickup" is not one the hub maps/);
  });

  it('an order without a total or currency still publishes, with the store\'s currency', () => {
    const decision = applied(orderDecision('order.created', order({ total: undefined, currency: '' }), undefined, { ...ctx, defaultCurrency: 'CHF' }, now));
    expect(decision.events[0]!.data.total).toEqual({ amount: 0, currency: 'CHF' });
  });
});

describe('stock decisions', () => {
  it.each([
    [{ stock_quantity: 5 }, 'ok'],
    [{ stock_quantity: 2 }, 'low'],
    [{ stock_quantity: 3, low_stock_amount: 3 }, 'low'],
    [{ stock_quantity: 0, stock_status: 'outofstock' }, 'out'],
    [{ stock_quantity: -2, stock_status: 'onbackorder' }, 'low'],
    [{ manage_stock: false, stock_quantity: null }, 'ok'],
    [{ manage_stock: false, stock_quantity: null, stock_status: 'outofstock' }, 'out'],
  ] as const)('%o → %s', (changes, level) => {
    expect(stockLevel(product(changes), 2)).toBe(level);
  });

  const memory = (level: StockLevel): ProductMemory => ({ level, modified: '2026-05-01T00:00:00.000Z', fingerprint: '-' });
  it.each([
    [undefined, { stock_quantity: 9 }, []],
    [undefined, { stock_quantity: 1 }, ['product.stock_low']],
    [undefined, { stock_quantity: 0, stock_status: 'outofstock' }, ['product.out_of_stock']],
    ['ok', { stock_quantity: 2 }, ['product.stock_low']],
    ['low', { stock_quantity: 1 }, []],
    ['low', { stock_quantity: 0, stock_status: 'outofstock' }, ['product.out_of_stock']],
    ['out', { stock_quantity: 12 }, ['product.back_in_stock']],
    ['out', { stock_quantity: 1 }, ['product.back_in_stock']],
    ['low', { stock_quantity: 30 }, []],
    ['ok', { stock_quantity: 30 }, []],
  ] as const)('remembered %s, now %o → %o', (previous, changes, types) => {
    const decision = applied(productDecision(product(changes), previous === undefined ? undefined : memory(previous), ctx, now));
    expect(decision.events.map((event) => event.type)).toEqual(types);
    expectValid(decision.events);
  });

  it('publishes the product\'s threshold, else the store\'s', () => {
    const own = applied(productDecision(product({ stock_quantity: 4, low_stock_amount: 5 }), undefined, ctx, now));
    expect(own.events[0]!.data).toMatchObject({ productId: '77', stockQuantity: 4, lowStockThreshold: 5, sku: 'BG-77' });
    const store = applied(productDecision(product({ stock_quantity: 3 }), undefined, { ...ctx, lowStockThreshold: 3 }, now));
    expect(store.events[0]!.data.lowStockThreshold).toBe(3);
  });

  it('ignores stale and replayed products and products without stock information', () => {
    const seen: ProductMemory = { level: 'low', modified: '2026-05-12T12:03:12.000Z', fingerprint: 'instock|2' };
    expect(productDecision(product(), seen, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/already handled/) });
    expect(productDecision(product({ date_modified_gmt: '2026-05-10T00:00:00' }), seen, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/older/) });
    expect(productDecision(product({ stock_status: undefined }), undefined, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/no stock status/) });
  });
});

describe('customers', () => {
  it('customer.created with the contact from the account and its billing phone', () => {
    const parsed = parseCustomer(fixture('customer-v3.json'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const events = customerEvents(parsed.value, ctx, now);
    expect(events).toEqual([
      {
        type: 'customer.created',
        key: 'customer.created:45',
        occurredAt: '2026-05-12T13:20:11.000Z',
        data: { customerId: '45', firstName: 'Inès', lastName: 'Robert', shop: ctx.shop },
        contact: { phone: '+33645678901', email: 'ines.robert@example.fr', firstName: 'Inès', lastName: 'Robert', externalIds: { woocommerce: '45@boutique.example.fr' } },
      },
    ]);
    expectValid(events);
  });
});

describe('carts', () => {
  const cart = (changes: Record<string, unknown> = {}) => PluginCartSchema.parse({ ...fixture('plugin-cart-updated.json'), ...changes });

  it('a new cart: cart.updated with the consent, and a timer for the tenant\'s delay', () => {
    const decision = applied(cartDecision(cart(), undefined, ctx, now));
    expect(decision.events).toHaveLength(1);
    expect(decision.events[0]).toMatchObject({
      type: 'cart.updated',
      key: 'cart.updated:c5e1b0f4a2:2026-05-12T12:01:30.000Z',
      data: { cartId: 'c5e1b0f4a2', total: { amount: 49.9, currency: 'EUR' }, recoveryUrl: 'https://boutique.example.fr/panier/?connector_hub_cart=c5e1b0f4a2' },
      contact: { phone: '+33612345678', email: 'camille.martin@example.fr', consent: { sms: { status: 'granted', at: '2026-05-12T12:01:29.000Z' } } },
    });
    expect(decision.timers).toEqual({ set: [{ key: 'cart:c5e1b0f4a2', rev: '2026-05-12T12:01:30.000Z', delayMs: 3_600_000 }] });
    expect(decision.memory).toMatchObject({ status: 'open', email: 'camille.martin@example.fr', phone: '+33612345678' });
    expect(decision.memory.contact).not.toHaveProperty('consent');
    expectValid(decision.events);
  });

  it('a newer cart replaces the timer; an older or equal one is ignored', () => {
    const first = applied(cartDecision(cart(), undefined, ctx, now)).memory;
    const next = applied(cartDecision(cart({ updatedAt: '2026-05-12T12:04:00Z', total: 20.8 }), first, ctx, now));
    expect(next.timers).toEqual({ cancel: [{ key: 'cart:c5e1b0f4a2', rev: first.rev }], set: [{ key: 'cart:c5e1b0f4a2', rev: '2026-05-12T12:04:00.000Z', delayMs: 3_600_000 }] });
    expect(cartDecision(cart(), next.memory, ctx, now)).toMatchObject({ apply: false });
  });

  it('nobody to remind: no email nor valid phone', () => {
    expect(cartDecision(cart({ customer: { phone: '12', country: 'FR' } }), undefined, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/nobody to remind/) });
  });

  it('the timer abandons the cart only if it is still open and unchanged', () => {
    const open = applied(cartDecision(cart(), undefined, ctx, now)).memory;
    const fired = applied(cartTimerDecision(open.rev, open, ctx, now));
    expect(fired.events).toMatchObject([{ type: 'cart.abandoned', key: `cart.abandoned:c5e1b0f4a2:${open.rev}`, data: { abandonedAfterMinutes: 60 }, contact: { email: 'camille.martin@example.fr' } }]);
    expectValid(fired.events);
    expect(fired.memory.status).toBe('abandoned');
    expect(cartTimerDecision('2026-01-01T00:00:00.000Z', open, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/newer timer/) });
    expect(cartTimerDecision(open.rev, { ...open, status: 'ordered' }, ctx, now)).toMatchObject({ apply: false, note: expect.stringMatching(/ordered, not abandoned/) });
    expect(cartTimerDecision(open.rev, undefined, ctx, now)).toMatchObject({ apply: false });
  });

  it('an emptied cart cancels its timer; an order closes open and abandoned carts', () => {
    const open = applied(cartDecision(cart(), undefined, ctx, now)).memory;
    expect(applied(cartEmptiedDecision('c5e1b0f4a2', '2026-05-12T12:30:00Z', open))).toMatchObject({ memory: { status: 'emptied' }, timers: { cancel: [{ key: 'cart:c5e1b0f4a2', rev: open.rev }] } });
    const carts: CartMemory[] = [open, { ...open, cartId: 'b', status: 'abandoned' }, { ...open, cartId: 'c', status: 'ordered' }];
    const closed = cartsClosedByOrder(carts);
    expect(closed.memory.map((one) => [one.cartId, one.status])).toEqual([
      ['c5e1b0f4a2', 'ordered'],
      ['b', 'ordered'],
    ]);
    expect(closed.timers.cancel).toEqual([{ key: 'cart:c5e1b0f4a2', rev: open.rev }]);
  });
});
