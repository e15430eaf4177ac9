import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TriggerEvent } from '../bus/trigger-event.ts';
import { ContactService } from '../contacts/contacts.ts';
import { RecordingPublisher } from '../contacts/test-support.ts';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { testStores } from '../../test/support/stores.ts';
import { ledgerLine } from './ledger.ts';
import { purchasesOf, writeLines } from './ledger-store.ts';
import { PURCHASES_READ_MODEL } from './read-model.ts';
import { PurchaseRecorder } from './recorder.ts';
import { putPurchaseSettings } from './settings.ts';

const RECEIVED = new Date('2026-06-10T12:00:00Z');
let sequence = 0;

type Data = Record<string, unknown>;
const order = (orderId: string, status: string, amount: number, currency = 'EUR', extra: Data = {}): Data => ({ orderId, status, total: { amount, currency }, lines: [], ...extra });
const event = (type: 'order.created' | 'order.status_changed', data: Data, occurredAt: string, receivedAt = RECEIVED): TriggerEvent =>
  ({ id: `evt_${++sequence}`, tenantId: 't', source: 'shop', type, dedupeKey: `k${sequence}`, occurredAt: new Date(occurredAt), receivedAt, subject: {}, data }) as unknown as TriggerEvent;

describe('the ledger line of an order event (pure)', () => {
  it.each([
    ['processing', true],
    ['on_hold', true],
    ['shipped', true],
    ['delivered', true],
    ['completed', true],
    ['pending', false],
    ['cancelled', false],
    ['failed', false],
    ['refunded', false],
  ])('status %s → a purchase: %s', (status, counts) => {
    const made = ledgerLine(event('order.created', order('1', status, 50), '2026-06-01T10:00:00Z'), 'ct');
    expect('line' in made && made.line.counts).toBe(counts);
  });

  it('reads a negative total as a credit note, subtracts refunds, reads a future date as the arrival, and collects categories', () => {
    const credit = ledgerLine(event('order.created', order('AV-1', 'completed', -100), '2026-06-01T10:00:00Z'), 'ct');
    expect(credit).toMatchObject({ line: { kind: 'credit_note', counts: false, amount: -100, refunded: 0 } });
    const partial = ledgerLine(event('order.status_changed', order('2', 'completed', 80, 'EUR', { refunded: 30 }), '2026-06-01T10:00:00Z'), 'ct');
    expect(partial).toMatchObject({ line: { counts: true, amount: 80, refunded: 30 } });
    const whole = ledgerLine(event('order.status_changed', order('3', 'refunded', 80), '2026-06-01T10:00:00Z'), 'ct');
    expect(whole).toMatchObject({ line: { counts: false, refunded: 80 } });
    const future = ledgerLine(event('order.created', order('4', 'processing', 10), '2027-01-01T00:00:00Z'), 'ct');
    expect(future).toMatchObject({ line: { placedAt: RECEIVED, modifiedAt: RECEIVED } });
    const lines = [{ productId: '1', name: 'a', quantity: 1, total: 5, categories: ['Maquillage'] }, { productId: '2', name: 'b', quantity: 1, total: 5, categories: ['Soin', 'Maquillage'] }];
    expect(ledgerLine(event('order.created', order('5', 'processing', 10, 'eur', { lines }), '2026-06-01T10:00:00Z'), 'ct')).toMatchObject({ line: { categories: ['Maquillage', 'Soin'], currency: 'EUR' } });
    expect(ledgerLine(event('order.created', { orderId: '6', status: 'processing' }, '2026-06-01T10:00:00Z'), 'ct')).toEqual({ error: expect.stringContaining('total') });
  });
});

/**
 * Every case of the issue, through the recorder on a real store: the events of each case are delivered in
 * the order given (which is not always their modification order), then the ledger and what the read model
 * sums for the contact are compared with what the case expects.
 */
describe.each(testStores)('the purchase ledger on $kind', (factory) => {
  let store: Store;
  let contacts: ContactService;
  let recorder: PurchaseRecorder;

  beforeAll(async () => {
    store = await factory.open();
    contacts = new ContactService(store, new RecordingPublisher());
    recorder = new PurchaseRecorder({ db: store, contacts, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => store?.close());

  const summary = async (tenantId: string, contactId: string) => {
    const [row] = await store.query<{ orders: number; spent: string | null; last: Date | null }>(
      `SELECT (count(*) FILTER (WHERE is_order))::int AS orders, sum(value) AS spent, max(placed_at) FILTER (WHERE is_order) AS last FROM ${PURCHASES_READ_MODEL} p WHERE tenant_id = $1 AND contact_id = $2`,
      [tenantId, contactId],
    );
    return { orders: row!.orders, spent: row!.spent === null ? null : Number(row!.spent), last: row!.last };
  };

  const cases: { name: string; settings?: { currency: string; exchangeRates: Record<string, number> }; events: TriggerEvent[]; orders: number; spent: number | null; lines?: Data[] }[] = [
    { name: 'an order that arrives already cancelled is no purchase', events: [event('order.created', order('A', 'cancelled', 120), '2026-06-01T10:00:00Z')], orders: 0, spent: 0 },
    { name: 'a failed order is no purchase', events: [event('order.created', order('A', 'failed', 120), '2026-06-01T10:00:00Z')], orders: 0, spent: 0 },
    {
      name: 'an order cancelled later stops counting',
      events: [event('order.created', order('A', 'processing', 120), '2026-06-01T10:00:00Z'), event('order.status_changed', order('A', 'cancelled', 120), '2026-06-02T10:00:00Z')],
      orders: 0,
      spent: 0,
      lines: [{ status: 'cancelled', counts: false }],
    },
    {
      name: 'a partial refund is subtracted, a refunded order gives everything back',
      events: [
        event('order.created', order('A', 'completed', 100, 'EUR', { refunded: 25 }), '2026-06-01T10:00:00Z'),
        event('order.created', order('B', 'processing', 60), '2026-06-02T10:00:00Z'),
        event('order.status_changed', order('B', 'refunded', 60), '2026-06-03T10:00:00Z'),
      ],
      orders: 1,
      spent: 75,
    },
    {
      name: 'a −100 € credit note is money given back, not an order',
      events: [event('order.created', order('A', 'completed', 300), '2026-06-01T10:00:00Z'), event('order.created', order('AV-1', 'completed', -100), '2026-06-02T10:00:00Z')],
      orders: 1,
      spent: 200,
      lines: [{ orderId: 'AV-1', kind: 'credit_note', counts: false, value: -100 }, { orderId: 'A', kind: 'order', value: 300 }],
    },
    {
      name: 'currencies are converted at the tenant\'s stated rate, never added as they are',
      settings: { currency: 'EUR', exchangeRates: { USD: 0.9 } },
      events: [event('order.created', order('A', 'processing', 450, 'USD'), '2026-06-01T10:00:00Z'), event('order.created', order('B', 'processing', 40), '2026-06-02T10:00:00Z')],
      orders: 2,
      spent: 445,
    },
    {
      name: 'an order in a currency without a rate counts as an order but is kept apart from money',
      events: [event('order.created', order('A', 'processing', 450, 'USD'), '2026-06-01T10:00:00Z'), event('order.created', order('B', 'processing', 40), '2026-06-02T10:00:00Z')],
      orders: 2,
      spent: 40,
      lines: [{ orderId: 'B', value: 40 }, { orderId: 'A', currency: 'USD', value: null }],
    },
    {
      name: 'the same order sent twice keeps its latest modification, whichever arrives last',
      events: [
        event('order.status_changed', order('A', 'completed', 90, 'EUR', { modifiedAt: '2026-06-05T10:00:00Z' }), '2026-06-05T10:00:00Z'),
        event('order.created', order('A', 'processing', 70, 'EUR', { modifiedAt: '2026-06-01T10:00:00Z' }), '2026-06-01T10:00:00Z'),
      ],
      orders: 1,
      spent: 90,
      lines: [{ status: 'completed', amount: 90, placedAt: '2026-06-01T10:00:00.000Z' }],
    },
    {
      name: 'a future-dated order is dated when it arrived',
      events: [event('order.created', order('A', 'processing', 10), '2027-03-01T00:00:00Z')],
      orders: 1,
      spent: 10,
      lines: [{ placedAt: RECEIVED.toISOString() }],
    },
  ];

  it.each(cases)('$name', async ({ settings, events, orders, spent, lines }) => {
    const tenantId = (await createTenant(store, 'ledger')).id;
    if (settings) await putPurchaseSettings(store, tenantId, settings);
    const phone = '+33612345678';
    for (const one of events) {
      const outcome = await recorder.deliver('orders', { ...one, tenantId, subject: { phone } } as TriggerEvent);
      expect(outcome).toEqual({ kind: 'delivered' });
    }
    const contactId = (await contacts.findContact(tenantId, { phone }))!.id;
    expect(await summary(tenantId, contactId)).toMatchObject({ orders, spent });
    if (lines) {
      const stored = (await purchasesOf(store, tenantId, contactId)).map((line) => ({ ...line, placedAt: line.placedAt.toISOString() }));
      expect(stored).toEqual(lines.map((line) => expect.objectContaining(line)));
    }
  });

  it('writes a batch holding two states of one order as the latest, and a later rate re-values the ledger', async () => {
    const tenantId = (await createTenant(store, 'ledger')).id;
    const contactId = (await contacts.upsertContact(tenantId, { phone: '+33698765432' }, 'api')).contact.id;
    const line = (status: string, amount: number, modifiedAt: string) => {
      const made = ledgerLine({ ...event('order.created', order('A', status, amount, 'USD', { modifiedAt }), '2026-06-01T10:00:00Z'), tenantId }, contactId);
      if ('error' in made) throw new Error(made.error);
      return made.line;
    };
    await writeLines(store, [line('completed', 50, '2026-06-04T00:00:00Z'), line('processing', 40, '2026-06-02T00:00:00Z')]);
    await writeLines(store, [line('cancelled', 40, '2026-06-03T00:00:00Z')]);
    expect(await purchasesOf(store, tenantId, contactId)).toEqual([expect.objectContaining({ status: 'completed', amount: 50, value: null })]);
    await putPurchaseSettings(store, tenantId, { currency: 'EUR', exchangeRates: { USD: 0.5 } });
    expect(await purchasesOf(store, tenantId, contactId)).toEqual([expect.objectContaining({ value: 25 })]);
    await putPurchaseSettings(store, tenantId, { currency: 'USD', exchangeRates: {} });
    expect(await purchasesOf(store, tenantId, contactId)).toEqual([expect.objectContaining({ value: 50 })]);
  });
});
