/**
 * WooCommerce actions as scenario steps, on a live hub: an order webhook starts a scenario whose
 * `woocommerce.add-order-note` step posts to the store's REST API (FakeStore, nock) with its input
 * rendered from the event. Once per step: a redelivered webhook, a redelivered step job and a crash
 * between the call and the step's completion do not post twice; a store refusal (404) fails the run
 * at once, a store failure (503) is retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, type AutomationPort } from '../../src/automation/interpreter.ts';
import { getRun, insertRun } from '../../src/automation/run-store.ts';
import { definitionOf } from '../../src/automation/scenario-store.ts';
import { type TestHub, type TestHubMode } from '../../test/support/hub.ts';
import { FakeStore, fixture } from './testing/fake-store.ts';
import { waitFor } from '../../test/support/wait.ts';
import { startShopAndHub, stopShopAndHub } from './testing/shop-and-hub.ts';

const NOTES_727 = '/wp-json/wc/v3/orders/727/notes';

type HistoryItem = { step: string; state: string; outcome: string | null; detail: Record<string, unknown> };
type RunView = { id: string; status: string; contactId: string; endReason: string | null; history: HistoryItem[] };

const noteStep = (input: Record<string, unknown>) => ({
  id: 'note-commande',
  type: 'action',
  action: { kind: 'connector', connector: 'woocommerce', action: 'add-order-note', input },
  next: 'fin',
});

describe.each(['embedded', 'postgres+redis'] as TestHubMode[])('WooCommerce actions in scenarios (%s)', (mode) => {
  let t: TestHub;
  const store = new FakeStore();
  let installationId = '';
  let scenarioId = '';

  const notePosts = (path = NOTES_727) => store.requests.filter((request) => request.method === 'POST' && request.path === path);
  const runs = async (query: string) => ((await t.api(`/v1/scenario-runs?${query}`)).body.items as RunView[]);
  const ended = (query: string, count: number) =>
    waitFor(async () => {
      const items = (await runs(query)).filter((run) => !['active', 'waiting', 'held'].includes(run.status));
      return items.length >= count && items;
    }, `${count} run(s) ended (${query})`);
  const scenario = async (name: string, definition: unknown): Promise<string> => {
    const response = await t.api('/v1/scenarios', { body: { name, definition, activate: true } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  beforeAll(async () => {
    t = await startShopAndHub(store, mode);
  });

  afterAll(async () => {
    await stopShopAndHub(store, t);
  });

  it('refuses a scenario naming an action no connector offers, or an input the action does not take', async () => {
    const definition = (step: unknown) => ({ trigger: { kind: 'event', event: 'order.created' }, steps: [step, { id: 'fin', type: 'exit' }] });
    const unknown = await t.api('/v1/scenarios', { body: { name: 'x', definition: definition({ ...noteStep({}), action: { kind: 'connector', connector: 'woocommerce', action: 'create-coupon' } }) } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toContainEqual({
      path: 'body.definition.steps[0].action.action',
      message: expect.stringMatching(/step "note-commande" \(steps\[0\]\), action\.action: no connector action "woocommerce\.create-coupon" is available \(available: .*woocommerce\.add-order-note/),
    });
    const bad = await t.api('/v1/scenarios', { body: { name: 'x', definition: definition(noteStep({ orderId: '{{ event.data.orderId }}', notes: 'typo' })) } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.definition.steps[0].action.input', 'body.definition.steps[0].action.input.note']);
    expect(bad.body.errors.find((error: { path: string }) => error.path.endsWith('input.note')).message).toMatch(/step "note-commande" \(steps\[0\]\), action\.input\.note: .*\(input of woocommerce\.add-order-note\)/);
  });

  it('installs the store, then an order webhook runs woocommerce.add-order-note with the note rendered from the event', async () => {
    const installed = await t.api('/v1/connectors/woocommerce/installations', { body: { storeUrl: store.url, consumerKey: store.consumerKey, consumerSecret: store.consumerSecret, settings: { shopName: 'Bougies & Co' } } });
    expect(installed.status).toBe(201);
    installationId = installed.body.installation.id;
    scenarioId = await scenario('Note de commande', {
      trigger: { kind: 'event', event: 'order.created' },
      entry: { per: 'contactAndKey', key: 'event.data.orderId' },
      steps: [noteStep({ orderId: '{{event.data.orderId}}', note: 'SMS de relance envoyé à {{ contact.firstName }}' }), { id: 'fin', type: 'exit' }],
    });
    const before = store.requests.length;
    const delivered = await store.deliver('order.created', fixture('order-v3.json'));
    expect(delivered.status).toBe(200);
    const [run] = await ended(`scenarioId=${scenarioId}`, 1);
    expect(run!.status).toBe('completed');
    // Exactly one request to the store for the step: the note, as WooCommerce's REST API takes it.
    expect(store.requests.slice(before)).toEqual([{ method: 'POST', path: NOTES_727, body: { note: 'SMS de relance envoyé à Camille', customer_note: false } }]);
    expect(run!.history.find((item) => item.step === 'note-commande')).toMatchObject({
      state: 'done',
      outcome: 'done',
      detail: { connector: 'woocommerce', action: 'add-order-note', installationId, output: { noteId: '2811', orderId: '727', customerNote: false } },
    });
  });

  it('acts once: a redelivered webhook, a redelivered step job, a crash between the call and the step\'s completion', async () => {
    const [first] = await runs(`scenarioId=${scenarioId}`);
    // The same webhook again: absorbed before any run starts.
    await store.deliver('order.created', fixture('order-v3.json'));
    // The step's job delivered again after the run ended.
    await t.hub.queue.add('automation.advance', { tenantId: t.tenantId, runId: first!.id }, { jobId: `auto.adv.${first!.id}.again` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(notePosts()).toHaveLength(1);
    expect(await runs(`scenarioId=${scenarioId}`)).toHaveLength(1);

    // A worker posts the note, then dies before the step is completed; the run's job is redelivered.
    const definition = (await definitionOf(t.hub.store, scenarioId, 1))!;
    const stored = (await getRun(t.hub.store, first!.id))!;
    const inserted = await insertRun(t.hub.store, () => ({ start: true }), {
      tenantId: t.tenantId,
      scenarioId,
      version: 1,
      contactId: stored.contactId,
      key: 'crash',
      firstStep: 'note-commande',
      trigger: { ...stored.trigger!, id: null },
      reason: 'test',
      now: new Date(),
    });
    const crashing: AutomationPort = {
      ...t.hub.automation.engine.port,
      complete: async () => {
        throw new Error('SIGKILL');
      },
    };
    await expect(advance(inserted.run!, definition, crashing)).rejects.toThrow('SIGKILL');
    expect(notePosts()).toHaveLength(2);
    await t.hub.automation.engine.sweep(0);
    await waitFor(async () => (await getRun(t.hub.store, inserted.run!.id))!.status === 'completed', 'the crashed run to complete');
    expect(notePosts()).toHaveLength(2);
    const [crashed] = await runs(`scenarioId=${scenarioId}&status=completed&limit=1`);
    expect(crashed!.history.find((item) => item.step === 'note-commande')!.detail).toMatchObject({ installationId, output: { noteId: '2811' } });
  });

  it('a note the store refuses (unknown order, 404) fails the run at once, with the store\'s reason in its history', async () => {
    const delivered = await store.deliver('order.created', { ...fixture('order-v3.json'), id: 999, number: '999', order_key: 'wc_order_999' });
    expect(delivered.status).toBe(200);
    const failed = await waitFor(async () => (await runs(`scenarioId=${scenarioId}&status=failed`))[0], 'the run to fail');
    expect(failed.endReason).toMatch(/^step "note-commande": WooCommerce ins_\w+ \(https:\/\/boutique\.example\.fr\): Not found while adding a note to order 999/);
    expect(failed.history.find((item) => item.step === 'note-commande')).toMatchObject({ state: 'failed', outcome: 'failed' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(notePosts('/wp-json/wc/v3/orders/999/notes')).toHaveLength(1);
  });

  it('a store that fails (503) is tried again, and the attempt stays in the history; an event from elsewhere uses the only installation', async () => {
    const relance = await scenario('Relance', {
      trigger: { kind: 'event', event: 'custom.relance' },
      steps: [noteStep({ orderId: '{{ event.data.orderId }}', note: 'SMS de relance envoyé', customerNote: '{{ event.data.visible }}' }), { id: 'fin', type: 'exit' }],
    });
    const [order] = await runs(`scenarioId=${scenarioId}&status=completed&limit=1`);
    store.fail('POST', /\/orders\/727\/notes$/, { status: 503 });
    const before = notePosts().length;
    const published = await t.api('/v1/events', { body: { type: 'custom.relance', subject: { contactId: order!.contactId }, data: { orderId: 727, visible: true } } });
    expect(published.status).toBe(201);
    const [run] = await ended(`scenarioId=${relance}`, 1);
    expect(run!.status).toBe('completed');
    expect(notePosts().slice(before)).toEqual([
      { method: 'POST', path: NOTES_727, body: { note: 'SMS de relance envoyé', customer_note: true } },
      { method: 'POST', path: NOTES_727, body: { note: 'SMS de relance envoyé', customer_note: true } },
    ]);
    expect(run!.history.find((item) => item.step === 'note-commande')!.detail).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/HTTP 503/), installationId, output: { noteId: '2811' } });
  });
});
