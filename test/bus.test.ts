import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryOutcome, SubscriberSource } from '../src/bus/subscribers.ts';
import type { TriggerEvent } from '../src/bus/trigger-event.ts';
import { startTestHub, type TestHub, type TestHubMode } from './support/hub.ts';

/** A subscriber source whose behaviour each test scripts by the event's dedupe key. */
class ScriptedSource implements SubscriberSource {
  readonly kind = 'scripted';
  readonly retry = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };
  readonly calls: { eventId: string; attempt: number }[] = [];
  readonly failed: string[] = [];

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    return event.type === 'custom.unwatched' ? [] : ['main'];
  }

  async deliver(_target: string, event: TriggerEvent, attempt: number): Promise<DeliveryOutcome> {
    this.calls.push({ eventId: event.id, attempt });
    const script = String(event.data.script ?? 'ok');
    if (script === 'flaky' && attempt < 3) return { kind: 'retry', error: `flaky attempt ${attempt}`, statusCode: 503 };
    if (script === 'always-fails') throw new Error('target is down');
    if (script === 'gone') return { kind: 'give-up', error: 'gone', statusCode: 410 };
    return { kind: 'delivered', statusCode: 200 };
  }

  async onDeliveryFailed(_target: string, event: TriggerEvent): Promise<void> {
    this.failed.push(event.id);
  }

  callsFor(eventId: string) {
    return this.calls.filter((call) => call.eventId === eventId);
  }
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const modes: TestHubMode[] = ['embedded', 'postgres', 'postgres+redis'];

describe.each(modes)('trigger bus on %s', (mode) => {
  let t: TestHub;
  const source = new ScriptedSource();
  beforeAll(async () => {
    t = await startTestHub(mode, {}, { beforeStart: (hub) => hub.bus.addSource(source) });
  });
  afterAll(async () => t?.close());

  const publish = (body: object) => t.api('/v1/events', { body: { type: 'custom.test', ...body } });
  const deliveriesOf = (id: string) => t.api(`/v1/events/${id}`).then((response) => response.body.deliveries as any[]);

  it('stores an event once: a repeated dedupe key answers 200 with the first id and dispatches nothing more', async () => {
    const first = await publish({ dedupeKey: 'once-1', data: {} });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.stringMatching(/^evt_/), duplicate: false });
    const again = await publish({ dedupeKey: 'once-1', data: { changed: true } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: first.body.id, duplicate: true });
    const viaHeader = await t.api('/v1/events', { body: { type: 'custom.test', data: {} }, headers: { 'idempotency-key': 'once-1' } });
    expect(viaHeader.body).toEqual({ id: first.body.id, duplicate: true });

    const deliveries = await eventually(() => deliveriesOf(first.body.id), (list) => list[0]?.status === 'succeeded');
    expect(deliveries).toEqual([expect.objectContaining({ subscriber: 'scripted:main', status: 'succeeded', attempts: [expect.objectContaining({ attempt: 1, outcome: 'delivered', statusCode: 200 })] })]);
    expect(source.callsFor(first.body.id)).toHaveLength(1);
    const stored = await t.api(`/v1/events/${first.body.id}`);
    expect(stored.body.data).toEqual({});
  });

  it('absorbs concurrent duplicates: one event per key even when they arrive in the same batch', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => publish({ dedupeKey: `burst-${index % 8}`, data: { index } })));
    const byKey = new Map<string, Set<string>>();
    answers.forEach((answer, index) => byKey.set(`burst-${index % 8}`, (byKey.get(`burst-${index % 8}`) ?? new Set()).add(answer.body.id)));
    expect([...byKey.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(8);
    expect(answers.filter((answer) => answer.status === 200 && answer.body.duplicate === true)).toHaveLength(32);
  });

  it('stores subject.phone in E.164 (the tenant\'s region) whatever form came, and refuses a non-number naming subject.phone', async () => {
    for (const phone of ['0612345678', '06 12 34 56 78', '+33612345678', '+33 6 12 34 56 78', '0033612345678']) {
      const published = await publish({ subject: { phone }, data: {} });
      expect(published.status, phone).toBe(201);
      expect((await t.api(`/v1/events/${published.body.id}`)).body.subject, phone).toEqual({ phone: '+33612345678' });
    }
    for (const phone of ['12345', '33612', 'call me']) {
      const refused = await publish({ dedupeKey: `bad-phone-${phone}`, subject: { phone, email: 'a@example.com' }, data: {} });
      expect(refused.status, phone).toBe(400);
      expect(refused.body.errors, phone).toEqual([{ path: 'body.subject.phone', message: expect.stringContaining(`"${phone}"`) }]);
    }
    // Refused means not stored: the same key with a valid phone is a first publish.
    expect((await publish({ dedupeKey: 'bad-phone-12345', subject: { phone: '0612345678' }, data: {} })).status).toBe(201);
    const belgian = await t.createTenant('belgian events');
    await t.hub.store.query(`UPDATE tenants SET settings = '{"phoneRegion": "BE"}'::jsonb WHERE id = $1`, [belgian.tenantId]);
    const inBelgium = await t.api('/v1/events', { apiKey: belgian.apiKey, body: { type: 'custom.test', subject: { phone: '0470 12 34 56' }, data: {} } });
    expect((await t.api(`/v1/events/${inBelgium.body.id}`, { apiKey: belgian.apiKey })).body.subject).toEqual({ phone: '+32470123456' });
  });

  it('keeps a connector\'s event whose subject.phone is no number, without the phone, and says so', async () => {
    const published = await t.hub.bus.publish({ tenantId: t.tenantId, source: 'woocommerce', type: 'custom.test', dedupeKey: 'shop-order-1', subject: { phone: '12345', email: 'a@example.com' }, data: { phone: '12345' } });
    expect(published.dropped).toEqual([{ path: 'subject.phone', message: expect.stringContaining('"12345"') }]);
    const stored = (await t.api(`/v1/events/${published.id}`)).body;
    expect(stored.subject).toEqual({ email: 'a@example.com' });
    expect(stored.data).toEqual({ phone: '12345' });
    const national = await t.hub.bus.publish({ tenantId: t.tenantId, source: 'woocommerce', type: 'custom.test', dedupeKey: 'shop-order-2', subject: { phone: '06 12 34 56 78' }, data: {} });
    expect(national.dropped).toBeUndefined();
    expect((await t.api(`/v1/events/${national.id}`)).body.subject).toEqual({ phone: '+33612345678' });
    await expect(t.hub.bus.publish({ tenantId: t.tenantId, source: 'api', type: 'custom.test', subject: { phone: '12345' }, data: {}, invalidPhone: 'refuse' })).rejects.toThrow(/subject\.phone/);
  });

  it('retries a failing delivery with backoff and records every attempt', async () => {
    const { body } = await publish({ data: { script: 'flaky' } });
    const deliveries = await eventually(() => deliveriesOf(body.id), (list) => list[0]?.status === 'succeeded');
    expect(deliveries[0].attempts.map((attempt: { outcome: string; statusCode: number }) => [attempt.outcome, attempt.statusCode])).toEqual([
      ['retry', 503],
      ['retry', 503],
      ['delivered', 200],
    ]);
  });

  it('ends a delivery as failed after the last attempt, or at once on give-up, and tells the source', async () => {
    const down = await publish({ data: { script: 'always-fails' } });
    const gone = await publish({ data: { script: 'gone' } });
    const downDeliveries = await eventually(() => deliveriesOf(down.body.id), (list) => list[0]?.status === 'failed');
    expect(downDeliveries[0]).toMatchObject({ status: 'failed', lastError: 'target is down' });
    expect(downDeliveries[0].attempts).toHaveLength(3);
    const goneDeliveries = await eventually(() => deliveriesOf(gone.body.id), (list) => list[0]?.status === 'failed');
    expect(goneDeliveries[0].attempts).toEqual([expect.objectContaining({ outcome: 'gave_up', statusCode: 410 })]);
    await eventually(async () => source.failed, (failed) => failed.includes(down.body.id) && failed.includes(gone.body.id));
    expect(source.failed).toEqual(expect.arrayContaining([down.body.id, gone.body.id]));
  });

  it('creates no delivery for an event nobody wants, and still marks it dispatched', async () => {
    const { body } = await publish({ type: 'custom.unwatched', data: {} });
    await eventually(
      () => t.hub.store.query<{ done: boolean }>('SELECT dispatched_at IS NOT NULL AS done FROM events WHERE id = $1', [body.id]),
      (rows) => rows[0]?.done === true,
    );
    expect(await deliveriesOf(body.id)).toEqual([]);
  });

  it('the sweeper dispatches a stored event whose dispatch job was lost', async () => {
    // As if the process died between the commit and the enqueue.
    await t.hub.store.query(
      `INSERT INTO events (id, tenant_id, source, type, dedupe_key, occurred_at, received_at, subject, data)
       VALUES ('evt_lostdispatch0000001', $1, 'api', 'custom.test', 'lost-1', now(), now() - interval '1 minute', '{}', '{}')`,
      [t.tenantId],
    );
    expect((await t.hub.bus.sweep()).events).toBeGreaterThanOrEqual(1);
    const deliveries = await eventually(() => deliveriesOf('evt_lostdispatch0000001'), (list) => list[0]?.status === 'succeeded');
    expect(deliveries).toHaveLength(1);
  });

  it('pages through events newest first with filters', async () => {
    for (let index = 0; index < 5; index += 1) await publish({ type: 'custom.page', dedupeKey: `page-${index}`, data: { index } });
    const first = await t.api('/v1/events?type=custom.page&limit=2');
    expect(first.body.items.map((event: { data: { index: number } }) => event.data.index)).toEqual([4, 3]);
    const second = await t.api(`/v1/events?type=custom.page&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((event: { data: { index: number } }) => event.data.index)).toEqual([2, 1]);
    const third = await t.api(`/v1/events?type=custom.page&limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items.map((event: { data: { index: number } }) => event.data.index)).toEqual([0]);
    expect(third.body.nextCursor).toBeNull();
    expect((await t.api('/v1/events?source=nobody')).body.items).toEqual([]);
  });
});
