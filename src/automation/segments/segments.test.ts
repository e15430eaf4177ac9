import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { waitFor } from '../../../test/support/wait.ts';

const DAY = 86_400_000;

describe.each(['embedded', 'postgres'] as const)('segments (%s)', (mode) => {
  let hub: TestHub;
  let api: TestHub['api'];
  const contacts: string[] = [];

  beforeAll(async () => {
    hub = await startTestHub(mode);
    const tenant = await hub.createTenant('segments');
    api = (path, init = {}) => hub.api(path, { ...init, apiKey: tenant.apiKey });
    // Ten buyers: quintiles rather than the small-tenant thresholds (segment-types.test.ts tests those).
    expect((await api('/v1/segments/settings', { method: 'PUT', body: { smallTenant: { minBuyers: 5 } } })).status).toBe(200);
    // Ten buyers: buyer i placed i orders of i × 10 €, the last one 11 − i days ago.
    for (let i = 1; i <= 10; i++) {
      const phone = `+3361234${String(5600 + i).padStart(4, '0')}`;
      const response = await api('/v1/contacts', { body: { phone, consent: { sms: { status: i % 2 === 0 ? 'granted' : 'withdrawn' } }, attributes: { city: i <= 5 ? 'Lyon' : 'Paris', age: 20 + i } } });
      contacts.push(response.body.contact.id);
      for (let order = 0; order < i; order++) {
        const occurredAt = new Date(Date.now() - (11 - i) * DAY - order * 20 * DAY).toISOString();
        await api('/v1/events', { body: { type: 'order.created', source: 'shop', dedupeKey: `o-${i}-${order}`, occurredAt, subject: { phone }, data: { orderId: `o-${i}-${order}`, status: 'processing', total: { amount: i * 10, currency: 'EUR' } } } });
      }
    }
    await waitFor(async () => (await hub.hub.store.query<{ count: number }>('SELECT count(*)::int AS count FROM purchases'))[0]!.count === 55, 'the 55 orders to be recorded');
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
  });

  const create = async (filter: unknown) => {
    const response = await api('/v1/segments', { body: { name: 'test', filter } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { id: string; memberCount: number };
  };
  const members = async (id: string) => ((await api(`/v1/segments/${id}/members?limit=200`)).body.items as { contactId: string }[]).map((item) => contacts.indexOf(item.contactId) + 1).sort((a, b) => a - b);

  it('scores RFM in quintiles with named groups and value tiers', async () => {
    const scores = await Promise.all([1, 3, 5, 7, 10].map(async (i) => (await api(`/v1/segments/rfm/${contacts[i - 1]}`)).body.scores));
    expect(scores.map((score) => [score.code, score.group, score.valueTier])).toEqual([
      ['111', 'Lost', 'low'],
      ['222', 'Hibernating', 'low'],
      ['333', 'Need Attention', 'low'],
      ['444', 'Champions', 'medium'],
      ['555', 'Champions', 'high'],
    ]);
    expect(scores[4]).toMatchObject({ orders: 10, spent: 1000, averageBasket: 100, rule: 'quintiles', buyers: 10 });
    const nobody = await api('/v1/contacts', { body: { phone: '+33612349999' } });
    expect((await api(`/v1/segments/rfm/${nobody.body.contact.id}`)).body.scores).toBeNull();
  });

  it('selects by behaviour, consent, fields, lists and RFM, and combines them', async () => {
    expect(await members((await create({ kind: 'purchases', within: '60d', count: { gte: 3 } })).id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await members((await create({ kind: 'purchases', amount: { gte: 500 } })).id)).toEqual([8, 9, 10]);
    expect(await members((await create({ kind: 'lastPurchase', op: 'withinLast', value: '3d' })).id)).toEqual([9, 10]);
    expect(await members((await create({ kind: 'all', of: [{ kind: 'consent', channel: 'sms', status: 'granted' }, { kind: 'field', field: 'attributes.city', op: 'eq', value: 'Lyon' }] })).id)).toEqual([2, 4]);
    expect(await members((await create({ kind: 'field', field: 'attributes.age', op: 'gte', value: 28 })).id)).toEqual([8, 9, 10]);
    expect(await members((await create({ kind: 'rfm', groups: ['Champions'] })).id)).toEqual([7, 8, 9, 10]);
    expect(await members((await create({ kind: 'not', filter: { kind: 'valueTier', tiers: ['low', 'none'] } })).id)).toEqual([6, 7, 8, 9, 10]);
    const list = (await api('/v1/lists', { body: { name: 'VIP' } })).body.id;
    await api(`/v1/lists/${list}/members/${contacts[0]}`, { method: 'PUT' });
    expect(await members((await create({ kind: 'any', of: [{ kind: 'inList', listId: list }, { kind: 'rfm', codes: ['555'] }] })).id)).toEqual([1, 9, 10]);
  });

  it('publishes segment.entered and segment.exited for changes after the first fill, and starts scenarios on entry', async () => {
    const segment = await create({ kind: 'field', field: 'attributes.vip', op: 'eq', value: true });
    expect(segment.memberCount).toBe(0);
    const scenario = await api('/v1/scenarios', {
      body: {
        name: 'Bienvenue VIP',
        activate: true,
        definition: {
          trigger: { kind: 'segment', segmentId: segment.id },
          steps: [{ id: 'verif', type: 'condition', if: { kind: 'inSegment', segmentId: segment.id }, yes: 'fin' }, { id: 'fin', type: 'exit' }],
        },
      },
    });
    expect(scenario.status, JSON.stringify(scenario.body)).toBe(201);
    const missing = await api('/v1/scenarios/validate', { body: { definition: { trigger: { kind: 'segment', segmentId: 'seg_nope' }, steps: [{ id: 'fin', type: 'exit' }] } } });
    expect(missing.body).toEqual({ valid: false, errors: [{ path: 'body.definition.trigger.segmentId', message: expect.stringMatching(/no segment "seg_nope"/) }] });
    const refused = await api('/v1/scenarios', { body: { name: 'x', definition: { trigger: { kind: 'segment', segmentId: 'seg_nope' }, steps: [{ id: 'fin', type: 'exit' }] } } });
    expect(refused.body.errors).toEqual([{ path: 'body.definition.trigger.segmentId', message: expect.stringMatching(/no segment "seg_nope"/) }]);

    await api(`/v1/contacts/${contacts[2]}`, { method: 'PATCH', body: { attributes: { vip: true } } });
    expect((await api(`/v1/segments/${segment.id}/refresh`, { method: 'POST' })).body).toEqual({ entered: 1, exited: 0, members: 1 });
    const run = await waitFor(async () => (await api(`/v1/scenario-runs?contactId=${contacts[2]}`)).body.items.find((item: { status: string }) => item.status === 'completed'), 'the VIP run');
    expect(run.history.find((record: { step: string }) => record.step === 'verif').outcome).toBe('yes');

    await api(`/v1/contacts/${contacts[2]}`, { method: 'PATCH', body: { attributes: { vip: null } } });
    expect((await api(`/v1/segments/${segment.id}/refresh`, { method: 'POST' })).body).toEqual({ entered: 0, exited: 1, members: 0 });
    const events = async (type: string) => ((await api(`/v1/events?type=${type}`)).body.items as { data: Record<string, unknown>; dedupeKey: string }[]).filter((event) => event.data.segmentId === segment.id);
    expect(await events('segment.entered')).toEqual([expect.objectContaining({ data: { segmentId: segment.id, segmentName: 'test', contactId: contacts[2] }, dedupeKey: `segment:${segment.id}:${contacts[2]}:1` })]);
    expect(await events('segment.exited')).toEqual([expect.objectContaining({ dedupeKey: `segment:${segment.id}:${contacts[2]}:2` })]);
  });

  it('simulates a stored contact with its segments, refuses to delete a segment a live scenario uses, and 404s scores of unknown contacts', async () => {
    const segment = await create({ kind: 'purchases', amount: { gte: 500 } });
    const definition = {
      trigger: { kind: 'event', event: 'custom.check' },
      steps: [{ id: 'verif', type: 'condition', if: { kind: 'inSegment', segmentId: segment.id }, yes: 'oui', no: 'non' }, { id: 'oui', type: 'exit' }, { id: 'non', type: 'exit' }],
    };
    const outcome = async (contactId: string) => {
      const simulated = await api('/v1/scenarios/simulate', { body: { definition, contactId, events: [{ type: 'custom.check' }] } });
      expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
      return simulated.body.runs[0].steps.find((step: { step: string }) => step.step === 'verif').outcome;
    };
    expect(await outcome(contacts[9]!)).toBe('yes');
    expect(await outcome(contacts[0]!)).toBe('no');

    const scenario = await api('/v1/scenarios', { body: { name: 'Relance gros clients', activate: true, definition } });
    expect(scenario.status, JSON.stringify(scenario.body)).toBe(201);
    const refused = await api(`/v1/segments/${segment.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`"Relance gros clients" (${scenario.body.id})`);
    await api(`/v1/scenarios/${scenario.body.id}/archive`, { method: 'POST' });
    expect((await api(`/v1/segments/${segment.id}`, { method: 'DELETE' })).status).toBe(204);

    const unknown = await api('/v1/segments/rfm/ct_nobody');
    expect(unknown.status).toBe(404);
  });

  it('refuses filters with precise errors', async () => {
    const response = await api('/v1/segments', { body: { name: 'x', filter: { kind: 'all', of: [{ kind: 'field', field: 'ville', op: 'eq', value: 'Lyon' }, { kind: 'rfm' }] } } });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.filter.of.0.field', 'body.filter.of.1']);
  });
});
