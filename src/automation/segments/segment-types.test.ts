import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactService } from '../../contacts/contacts.ts';
import { RecordingPublisher } from '../../contacts/test-support.ts';
import type { LedgerLine } from '../../purchases/ledger.ts';
import { writeLines } from '../../purchases/ledger-store.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { Store } from '../../store/db.ts';
import { createTenant } from '../../tenancy/tenants.ts';
import { testStores } from '../../../test/support/stores.ts';
import { rfmGroup } from './rfm.ts';
import { insertSegment, updateSegment } from './segment-store.ts';
import type { SegmentFilter } from './segment.ts';
import { Segments } from './segments.ts';
import { putSegmentSettings, SegmentSettingsSchema } from './score-settings.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-06-15T12:00:00Z');
const CATEGORIES = ['maquillage', 'soin', 'accessoires'];

/** A seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

interface Fact {
  counts: boolean;
  placed: boolean;
  value: number;
  at: number;
  categories: string[];
}
interface Person {
  id: string;
  facts: Fact[];
  clicks: number[];
  carts: number[];
}

/** The quintile rule written out from its definition, independently of boundaries.ts. */
const passed = (value: number, cuts: number[], inclusive: boolean) => 1 + cuts.filter((cut) => (inclusive ? value >= cut : value > cut)).length;

describe.each(testStores)('segment types against an independent computation on $kind', (factory) => {
  let store: Store;
  let contacts: ContactService;
  let segments: Segments;
  let tenantId: string;
  const people: Person[] = [];

  beforeAll(async () => {
    store = await factory.open();
    contacts = new ContactService(store, new RecordingPublisher());
    segments = new Segments({ db: store, queue: {} as JobQueue, publisher: new RecordingPublisher(), contacts, log: pino({ level: 'silent' }), clock: () => NOW });
    tenantId = (await createTenant(store, 'generated')).id;
    const next = random(19);
    const lines: LedgerLine[] = [];
    const activity: unknown[] = [];
    for (let index = 0; index < 300; index++) {
      const id = (await contacts.upsertContact(tenantId, { phone: `+3361${String(1_000_000 + index).padStart(7, '0')}` }, 'api')).contact.id;
      const person: Person = { id, facts: [], clicks: [], carts: [] };
      const orders = Math.floor(next() * 9) - 1; // some contacts never buy
      for (let n = 0; n < orders; n++) {
        const status = next() < 0.1 ? 'cancelled' : next() < 0.5 ? 'completed' : 'processing';
        const credit = next() < 0.05;
        const amount = credit ? -Math.round(next() * 50) - 1 : Math.round(next() * 29_500) / 100 + 5;
        const at = NOW.getTime() - Math.floor(next() * 420 * DAY);
        const categories = CATEGORIES.filter(() => next() < 0.4);
        const counts = !credit && status !== 'cancelled';
        person.facts.push({ counts, placed: !credit, value: credit ? amount : counts ? amount : 0, at, categories });
        lines.push({
          tenantId, source: 'shop', orderId: `${index}-${n}`, contactId: id, kind: credit ? 'credit_note' : 'order', status, counts, amount, refunded: 0, currency: 'EUR',
          placedAt: new Date(at), modifiedAt: new Date(at), categories, eventId: `e-${index}-${n}`, receivedAt: new Date(at),
        });
      }
      for (let n = Math.floor(next() * 4) - 1; n > 0; n--) person.clicks.push(NOW.getTime() - Math.floor(next() * 60 * DAY));
      if (next() < 0.3) person.carts.push(NOW.getTime() - Math.floor(next() * 20 * DAY));
      for (const [type, times] of [['link.clicked', person.clicks], ['cart.abandoned', person.carts]] as const) {
        for (const at of times) activity.push({ tenant_id: tenantId, event_id: `a-${activity.length}`, contact_id: id, type, at: new Date(at).toISOString() });
      }
      people.push(person);
    }
    await writeLines(store, lines);
    await store.query(
      `INSERT INTO segment_activity (tenant_id, event_id, contact_id, type, at) SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, event_id text, contact_id text, type text, at timestamptz)`,
      [JSON.stringify(activity)],
    );
  }, 180_000);
  afterAll(async () => store?.close());

  const members = async (filter: SegmentFilter, rfmWindow = '365d') => {
    const segment = await insertSegment(store, tenantId, { name: 'x', filter, rfmWindow });
    return new Set(await segments.evaluate(tenantId, segment.id));
  };
  /** The contacts the independent computation keeps; never none or everyone, so each comparison can fail. */
  const expected = (keep: (person: Person) => boolean) => {
    const kept = new Set(people.filter(keep).map((person) => person.id));
    expect(kept.size).toBeGreaterThan(0);
    expect(kept.size).toBeLessThan(people.length);
    return kept;
  };
  const inWindow = (fact: Fact, days: number) => fact.at >= NOW.getTime() - days * DAY;
  const window = (person: Person, days = 365) => {
    const facts = person.facts.filter((fact) => inWindow(fact, days));
    const orders = facts.filter((fact) => fact.counts);
    return {
      orders: orders.length,
      spent: facts.reduce((sum, fact) => sum + fact.value, 0),
      last: Math.max(...orders.map((fact) => fact.at)),
      basket: orders.length === 0 ? 0 : orders.reduce((sum, fact) => sum + fact.value, 0) / orders.length,
    };
  };

  it('scores RFM and value tiers by quintile boundaries equal to PostgreSQL percentile_cont over the buyers', async () => {
    const buyers = people.map((person) => ({ person, stats: window(person) })).filter(({ stats }) => stats.orders > 0);
    const cutsOf = async (values: number[], fractions = [0.2, 0.4, 0.6, 0.8]) =>
      (await store.query<{ cuts: number[] }>('SELECT percentile_cont($2::float8[]) WITHIN GROUP (ORDER BY x) AS cuts FROM unnest($1::float8[]) x', [values, fractions]))[0]!.cuts.map(Number);
    const r = await cutsOf(buyers.map(({ stats }) => stats.last));
    const f = await cutsOf(buyers.map(({ stats }) => stats.orders));
    const m = await cutsOf(buyers.map(({ stats }) => stats.spent));
    const [medium, high] = await cutsOf(buyers.map(({ stats }) => stats.spent), [0.5, 0.8]);
    const scored = new Map(
      buyers.map(({ person, stats }) => {
        const code = [passed(stats.last, r, false), passed(stats.orders, f, false), passed(stats.spent, m, false)] as const;
        return [person.id, { group: rfmGroup(...code), code: code.join(''), tier: stats.spent > high! ? 'high' : stats.spent > medium! ? 'medium' : 'low' }];
      }),
    );
    expect(await members({ kind: 'rfm', groups: ['Champions', 'Loyal'] })).toEqual(expected((person) => ['Champions', 'Loyal'].includes(scored.get(person.id)?.group ?? '')));
    expect(await members({ kind: 'rfm', groups: ['Lost', 'Hibernating', 'At Risk'] })).toEqual(expected((person) => ['Lost', 'Hibernating', 'At Risk'].includes(scored.get(person.id)?.group ?? '')));
    expect(await members({ kind: 'valueTier', tiers: ['high'] })).toEqual(expected((person) => scored.get(person.id)?.tier === 'high'));
    expect(await members({ kind: 'valueTier', tiers: ['medium', 'none'] })).toEqual(expected((person) => (scored.get(person.id)?.tier ?? 'none') === 'medium' || !scored.has(person.id)));
    const sample = buyers[7]!.person.id;
    expect(await segments.rfmOf(tenantId, sample)).toMatchObject({ code: scored.get(sample)!.code, group: scored.get(sample)!.group, valueTier: scored.get(sample)!.tier, rule: 'quintiles', buyers: buyers.length });
  });

  it('places customers in tiers by orders per year and average basket, with the tenant\'s thresholds', async () => {
    const tierOf = (person: Person, thresholds: { vip: [number, number]; regular: [number, number] }) => {
      const stats = window(person);
      if (stats.orders === 0) return 'none';
      if (stats.orders >= thresholds.vip[0] && stats.basket >= thresholds.vip[1]) return 'vip';
      if (stats.orders >= thresholds.regular[0] && stats.basket >= thresholds.regular[1]) return 'regular';
      return 'small';
    };
    expect(await members({ kind: 'customerTier', tiers: ['vip'] })).toEqual(expected((person) => tierOf(person, { vip: [6, 80], regular: [2, 30] }) === 'vip'));
    await putSegmentSettings(store, tenantId, SegmentSettingsSchema.parse({ customerTiers: { vip: { ordersPerYear: 4, averageBasket: 150 }, regular: { ordersPerYear: 2, averageBasket: 60 } } }));
    for (const tier of ['vip', 'regular', 'small', 'none'] as const) {
      expect(await members({ kind: 'customerTier', tiers: [tier] })).toEqual(expected((person) => tierOf(person, { vip: [4, 150], regular: [2, 60] }) === tier));
    }
    await putSegmentSettings(store, tenantId, SegmentSettingsSchema.parse({}));
  });

  it('selects by average basket, category bought, category last bought, clicks and abandoned carts', async () => {
    const orders = (person: Person, days?: number) => person.facts.filter((fact) => fact.counts && (days === undefined || inWindow(fact, days)));
    const basket = (person: Person, days?: number) => {
      const picked = orders(person, days);
      return picked.length === 0 ? undefined : picked.reduce((sum, fact) => sum + fact.value, 0) / picked.length;
    };
    expect(await members({ kind: 'averageBasket', gte: 150 })).toEqual(expected((person) => (basket(person) ?? -1) >= 150));
    expect(await members({ kind: 'averageBasket', within: '90d', gte: 50, lte: 200 })).toEqual(expected((person) => { const value = basket(person, 90); return value !== undefined && value >= 50 && value <= 200; }));
    expect(await members({ kind: 'categoryBought', categories: ['soin'] })).toEqual(expected((person) => orders(person).some((fact) => fact.categories.includes('soin'))));
    expect(await members({ kind: 'categoryBought', categories: ['maquillage', 'accessoires'], within: '30d' })).toEqual(
      expected((person) => orders(person, 30).some((fact) => fact.categories.includes('maquillage') || fact.categories.includes('accessoires'))),
    );
    const lastIn = (person: Person, category: string) => Math.max(...orders(person).filter((fact) => fact.categories.includes(category)).map((fact) => fact.at));
    expect(await members({ kind: 'categoryLastBought', categories: ['maquillage'], op: 'olderThan', value: '30d' })).toEqual(
      expected((person) => Number.isFinite(lastIn(person, 'maquillage')) && lastIn(person, 'maquillage') < NOW.getTime() - 30 * DAY),
    );
    expect(await members({ kind: 'categoryLastBought', categories: ['soin'], op: 'withinLast', value: '55d' })).toEqual(expected((person) => lastIn(person, 'soin') >= NOW.getTime() - 55 * DAY));
    expect(await members({ kind: 'clicked', within: '30d' })).toEqual(expected((person) => person.clicks.some((at) => at >= NOW.getTime() - 30 * DAY)));
    expect(await members({ kind: 'clicked', count: { gte: 2 } })).toEqual(expected((person) => person.clicks.length >= 2));
    const lastPlaced = (person: Person) => Math.max(...person.facts.filter((fact) => fact.placed).map((fact) => fact.at));
    expect(await members({ kind: 'abandonedCart' })).toEqual(expected((person) => person.carts.length > 0 && Math.max(...person.carts) > lastPlaced(person)));
    expect(await members({ kind: 'abandonedCart', within: '7d' })).toEqual(expected((person) => person.carts.some((at) => at >= NOW.getTime() - 7 * DAY) && Math.max(...person.carts) > lastPlaced(person)));
  });

  it('walks the contacts in chunks (7 at a time) to the same members as in one chunk, and refreshes them so', async () => {
    const chunked = new Segments({ db: store, queue: {} as JobQueue, publisher: new RecordingPublisher(), contacts, log: pino({ level: 'silent' }), clock: () => NOW, chunks: { min: 7, max: 7, targetMs: 15 } });
    const filters: SegmentFilter[] = [
      { kind: 'rfm', groups: ['Champions', 'Loyal'] },
      { kind: 'customerTier', tiers: ['small', 'none'] },
      { kind: 'categoryLastBought', categories: ['maquillage'], op: 'olderThan', value: '30d' },
      { kind: 'any', of: [{ kind: 'abandonedCart' }, { kind: 'not', filter: { kind: 'valueTier', tiers: ['low', 'none'] } }] },
    ];
    for (const filter of filters) {
      const segment = await insertSegment(store, tenantId, { name: 'chunked', filter, rfmWindow: '365d' });
      const whole = await segments.evaluate(tenantId, segment.id);
      expect(whole!.length).toBeGreaterThan(7);
      expect(new Set(await chunked.evaluate(tenantId, segment.id))).toEqual(new Set(whole));
      expect(await chunked.refresh(segment)).toEqual({ entered: whole!.length, exited: 0, members: whole!.length });
      const stored = await store.query<{ contact_id: string }>('SELECT contact_id FROM segment_members WHERE segment_id = $1 AND member', [segment.id]);
      expect(new Set(stored.map((row) => row.contact_id))).toEqual(new Set(whole));
    }
    // A changed filter: the chunks' differences with the stored members are the entries and exits.
    const segment = await insertSegment(store, tenantId, { name: 'changed', filter: filters[0]!, rfmWindow: '365d' });
    const before = new Set(await segments.evaluate(tenantId, segment.id));
    await chunked.refresh(segment);
    const changed = (await updateSegment(store, tenantId, segment.id, { name: 'changed', filter: filters[3]!, rfmWindow: '365d' }))!;
    const after = new Set(await segments.evaluate(tenantId, segment.id));
    const entered = [...after].filter((id) => !before.has(id)).length;
    const exited = [...before].filter((id) => !after.has(id)).length;
    expect(entered * exited).toBeGreaterThan(0);
    expect(await chunked.refresh({ ...changed, refreshedAt: NOW })).toEqual({ entered, exited, members: after.size });
  });

  it('scores a tenant with too few buyers by its fixed thresholds, and says so', async () => {
    const small = (await createTenant(store, 'small')).id;
    const id = async (phone: string) => (await contacts.upsertContact(small, { phone }, 'api')).contact.id;
    const only = await id('+33699000001');
    const line = (contactId: string, n: number, daysAgo: number, amount: number): LedgerLine => ({
      tenantId: small, source: 'shop', orderId: `${contactId}-${n}`, contactId, kind: 'order', status: 'completed', counts: true, amount, refunded: 0, currency: 'EUR',
      placedAt: new Date(NOW.getTime() - daysAgo * DAY), modifiedAt: new Date(NOW.getTime() - daysAgo * DAY), categories: [], eventId: `s-${contactId}-${n}`, receivedAt: NOW,
    });
    // The case: the only buyer, 30 orders, 15,000 €, the last one yesterday.
    await writeLines(store, Array.from({ length: 30 }, (_, n) => line(only, n, 1 + n * 10, 500)));
    expect(await segments.rfmOf(small, only)).toMatchObject({ code: '555', group: 'Champions', valueTier: 'high', rule: 'fixed', buyers: 1, orders: 30, spent: 15_000 });
    // Two more buyers, each scored against the defaults (R: 180/90/60/30 days, F: 2/3/5/10 orders, M: 100/250/500/1000 €).
    const second = await id('+33699000002');
    const third = await id('+33699000003');
    await writeLines(store, [line(second, 1, 45, 120), line(second, 2, 100, 140), line(third, 1, 200, 40)]);
    expect(await segments.rfmOf(small, second)).toMatchObject({ code: '423', group: 'Potential Loyalists', valueTier: 'medium', rule: 'fixed', buyers: 3 });
    expect(await segments.rfmOf(small, third)).toMatchObject({ code: '111', group: 'Lost', valueTier: 'low', rule: 'fixed' });
    // The tenant's own thresholds: one order makes F 5, 100 € makes "high".
    await putSegmentSettings(store, small, SegmentSettingsSchema.parse({ smallTenant: { orders: [0.25, 0.5, 0.75, 1], valueTiers: { medium: 50, high: 100 } } }));
    expect(await segments.rfmOf(small, third)).toMatchObject({ code: '151', valueTier: 'low' });
    expect(await segments.rfmOf(small, second)).toMatchObject({ frequency: 5, valueTier: 'high' });
  });
});
