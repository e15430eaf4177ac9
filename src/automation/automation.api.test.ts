import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import type { SmsItem } from '../sending/requests.ts';
import type { toMessageView } from '../sending/routes/message-view.ts';
import { advance } from './interpreter.ts';
import { messageItem } from './message-item.ts';
import { enterStep, getRun, insertRun } from './run-store.ts';
import { effectKey } from './run.ts';
import { definitionOf } from './scenario-store.ts';
import { wakeJobId } from './store-port.ts';
import type { runView } from './views.ts';
import { waitFor } from '../../test/support/wait.ts';

type RunView = ReturnType<typeof runView>;
type MessageView = ReturnType<typeof toMessageView>;

const sms = (id: string, text: string, next?: string) => ({ id, type: 'action', action: { kind: 'sendSms', category: 'marketing', text }, ...(next ? { next } : {}) });
const wait = (id: string, duration: string, next?: string) => ({ id, type: 'wait', wait: { kind: 'duration', duration }, ...(next ? { next } : {}) });
const custom = (name: string, steps: unknown[], extra: Record<string, unknown> = {}) => ({ trigger: { kind: 'event', event: `custom.${name}` }, steps, ...extra });

describe.each(['embedded', 'postgres'] as const)('automation API and engine (%s)', (mode) => {
  let hub: TestHub;
  /** Each test gets its own tenant. */
  let api: TestHub['api'];
  let tenantId: string;

  beforeAll(async () => {
    hub = await startTestHub(mode);
  });
  afterAll(async () => {
    await hub?.close();
  });

  async function freshTenant() {
    const tenant = await hub.createTenant('automation');
    tenantId = tenant.tenantId;
    api = (path, init = {}) => hub.api(path, { ...init, apiKey: tenant.apiKey });
    await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
    // Marketing SMS may leave at any hour in these tests.
    await api('/v1/sending/settings', { method: 'PUT', body: { quietHours: { enabled: false } } });
  }
  async function customer(phone = '+33612345678') {
    const response = await api('/v1/contacts', { body: { phone, firstName: 'Camille', consent: { sms: { status: 'granted' } } } });
    return response.body.contact.id as string;
  }
  const createActive = async (definition: unknown) => {
    const response = await api('/v1/scenarios', { body: { name: 'test', definition, activate: true } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };
  const publish = (type: string, contactId: string, data: Record<string, unknown> = {}) => api('/v1/events', { body: { type, subject: { contactId }, data } });
  const runsOf = async (contactId: string) => (await api(`/v1/scenario-runs?contactId=${contactId}`)).body.items as RunView[];
  const messagesOf = async (contactId: string) => (await api(`/v1/messages?contactId=${contactId}`)).body.items as MessageView[];
  const runWhere = (contactId: string, what: string, test: (run: RunView) => boolean) => waitFor(async () => (await runsOf(contactId)).find(test), what);
  const historyOf = (run: RunView | undefined) => run?.history ?? [];

  it('creates, validates, versions and lists scenarios; errors name the step and the field', async () => {
    await freshTenant();
    const invalid = await api('/v1/scenarios', { body: { name: 'x', definition: custom('a', [sms('a', 'Bonjour', 'b')]) } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([{ path: 'body.definition.steps[0].next', message: expect.stringMatching(/^step "a" \(steps\[0\]\), next: goes to "b", which is not a step/) }]);
    const validated = await api('/v1/scenarios/validate', { body: { definition: custom('a', [{ id: 'w', type: 'waitFor', event: 'order.created' }]) } });
    expect(validated.body).toEqual({ valid: false, errors: [{ path: 'body.definition.steps[0].timeout', message: expect.stringMatching(/^step "w" \(steps\[0\]\), timeout: missing/) }] });

    const created = await api('/v1/scenarios', { body: { name: 'Bienvenue', definition: custom('welcome', [sms('a', 'Bonjour')]) } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', version: 1, activeVersion: null, eventTypes: ['custom.welcome'], definition: { entry: { per: 'contact', reentry: true } } });
    const id = created.body.id;
    const same = await api(`/v1/scenarios/${id}`, { method: 'PUT', body: { definition: custom('welcome', [sms('a', 'Bonjour')]) } });
    expect(same.body.version).toBe(1);
    const changed = await api(`/v1/scenarios/${id}`, { method: 'PUT', body: { name: 'Bienvenue 2', definition: custom('welcome', [sms('a', 'Bonjour !')]) } });
    expect(changed.body).toMatchObject({ name: 'Bienvenue 2', version: 2, activeVersion: null });
    expect((await api(`/v1/scenarios/${id}/activate`, { method: 'POST' })).body).toMatchObject({ status: 'active', activeVersion: 2 });
    const detail = await api(`/v1/scenarios/${id}?version=1`);
    expect(detail.body).toMatchObject({ version: 1, versions: [{ version: 1 }, { version: 2 }], runs: { active: 0, completed: 0 } });
    expect(detail.body.definition.steps[0].action.text).toBe('Bonjour');
    expect((await api(`/v1/scenarios/${id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await api('/v1/scenarios?status=active')).body.items.map((item: { id: string }) => item.id)).toEqual([id]);
    const other = await hub.createTenant('other');
    expect((await hub.api(`/v1/scenarios/${id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await api(`/v1/scenarios/${id}/archive`, { method: 'POST' })).body.status).toBe('archived');
    expect((await api(`/v1/scenarios/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('runs a scenario from a real event: wait, send, waitFor happened, with the history of each step', async () => {
    await freshTenant();
    const contactId = await customer();
    await createActive(
      custom('inscription', [
        wait('pause', '1s', 'sms'),
        sms('sms', 'Bienvenue {{ contact.firstName }} ({{ event.data.plan }})', 'commande'),
        { id: 'commande', type: 'waitFor', event: 'order.created', timeout: '1h', happened: 'merci', timedOut: 'fin' },
        { ...sms('merci', 'Merci pour la commande {{ event.data.plan }}'), next: 'fin' },
        { id: 'fin', type: 'exit' },
      ]),
    );
    await publish('custom.inscription', contactId, { plan: 'or' });
    await runWhere(contactId, 'the run to wait for the order', (run) => run.status === 'waiting' && run.step === 'commande');
    expect((await messagesOf(contactId)).map((message) => message.text)).toEqual(['Bienvenue Camille (or)\nSTOP au 36173']);
    await publish('order.created', contactId, { orderId: 'A1', status: 'processing', total: { amount: 10, currency: 'EUR' } });
    const done = await runWhere(contactId, 'the run to complete', (run) => run.status === 'completed');
    expect(historyOf(done).map((record) => [record.step, record.outcome])).toEqual([
      ['$entry', 'entered'],
      ['pause', 'elapsed'],
      ['sms', 'sent'],
      ['commande', 'happened'],
      ['merci', 'sent'],
      ['fin', 'exited'],
      ['$end', 'done'],
    ]);
    expect(historyOf(done)[1]!.detail.until).toEqual(expect.any(String));
    expect(historyOf(done)[3]!.detail).toMatchObject({ eventType: 'order.created' });
    expect(await waitFor(async () => (await messagesOf(contactId)).length === 2 && messagesOf(contactId), 'two messages')).toEqual([
      expect.objectContaining({ text: 'Merci pour la commande or\nSTOP au 36173', idempotencyKey: expect.stringMatching(/^scn:run_\w+:merci:0$/) }),
      expect.anything(),
    ]);
  });

  it('ends a waiting run the moment an exit event arrives and drops its wait job', async () => {
    await freshTenant();
    const contactId = await customer();
    await createActive(custom('panier', [wait('attente', '1h', 'sms'), sms('sms', 'Relance')], { exitEvents: [{ event: 'order.created' }] }));
    await publish('custom.panier', contactId);
    const waiting = await runWhere(contactId, 'the run to wait', (run) => run.status === 'waiting');
    await publish('order.created', contactId, { orderId: 'A1', status: 'processing', total: { amount: 10, currency: 'EUR' } });
    const exited = await runWhere(contactId, 'the run to exit', (run) => run.status === 'exited');
    expect(exited.endReason).toBe('exit event order.created');
    expect(historyOf(exited).at(-1)).toMatchObject({ step: '$end', outcome: 'exited', detail: { eventType: 'order.created' } });
    // The wait's job is gone from the queue: cancelling it again finds nothing.
    expect(await hub.hub.queue.cancel(wakeJobId(waiting.id, 'attente', 0))).toBe(false);
    expect(await messagesOf(contactId)).toEqual([]);
  });

  it('holds runs of a paused scenario and continues them on resume', async () => {
    await freshTenant();
    const contactId = await customer();
    const id = await createActive(custom('pause', [wait('attente', '1s', 'sms'), sms('sms', 'Après la pause')]));
    await publish('custom.pause', contactId);
    await runWhere(contactId, 'the run to wait', (run) => run.status === 'waiting');
    await api(`/v1/scenarios/${id}/pause`, { method: 'POST' });
    await runWhere(contactId, 'the run to be held', (run) => run.status === 'held');
    // While paused: no new entry, nothing sent.
    const second = await customer('+33612345679');
    const event = (await publish('custom.pause', second)).body.id;
    await waitFor(async () => (await api(`/v1/events/${event}`)).body.deliveries[0]?.status === 'succeeded', 'the paused scenario to get the event');
    expect(await messagesOf(contactId)).toEqual([]);
    await api(`/v1/scenarios/${id}/activate`, { method: 'POST' });
    await runWhere(contactId, 'the run to complete', (run) => run.status === 'completed');
    expect((await messagesOf(contactId)).map((message) => message.text)).toEqual(['Après la pause\nSTOP au 36173']);
    expect(await runsOf(second)).toEqual([]);
  });

  it('keeps running contacts on their version, and refuses to remove a step contacts are on', async () => {
    await freshTenant();
    const first = await customer();
    const definition = (text: string) => custom('version', [wait('attente', '2s', 'sms'), sms('sms', text)]);
    const id = await createActive(definition('Version 1'));
    await publish('custom.version', first);
    await runWhere(first, 'the first run to wait', (run) => run.status === 'waiting');
    const updated = await api(`/v1/scenarios/${id}`, { method: 'PUT', body: { definition: definition('Version 2') } });
    expect(updated.body).toMatchObject({ version: 2, activeVersion: 2 });
    const second = await customer('+33612345679');
    await publish('custom.version', second);
    await runWhere(first, 'the first run to complete', (run) => run.status === 'completed');
    await runWhere(second, 'the second run to complete', (run) => run.status === 'completed');
    expect((await messagesOf(first)).map((message) => message.text)).toEqual(['Version 1\nSTOP au 36173']);
    expect((await messagesOf(second)).map((message) => message.text)).toEqual(['Version 2\nSTOP au 36173']);

    const third = await customer('+33612345670');
    await api(`/v1/scenarios/${id}`, { method: 'PUT', body: { definition: custom('version', [wait('attente', '1h', 'sms'), sms('sms', 'Version 3')]) } });
    await publish('custom.version', third);
    await runWhere(third, 'the third run to wait', (run) => run.status === 'waiting');
    const refused = await api(`/v1/scenarios/${id}`, { method: 'PUT', body: { definition: custom('version', [sms('sms', 'Sans attente')]) } });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/1 contact\(s\) are on step "attente" \(version 3\)/);
    expect((await api(`/v1/scenarios/${id}/cancel-runs`, { body: { step: 'attente' } })).body).toEqual({ cancelled: 1 });
    expect((await api(`/v1/scenarios/${id}`, { method: 'PUT', body: { definition: custom('version', [sms('sms', 'Sans attente')]) } })).status).toBe(200);
    expect((await runsOf(third))[0]).toMatchObject({ status: 'cancelled', endReason: 'cancelled through the API' });
  });

  it('acts once per (run, step, rotation): concurrent advances, a crash after the send, a redelivered wake job', async () => {
    await freshTenant();
    const contactId = await customer();
    const id = await createActive(custom('once', [sms('sms', 'Une seule fois', 'attente'), wait('attente', '1s', 'fin'), { id: 'fin', type: 'exit' }]));
    const definition = (await definitionOf(hub.hub.store, id, 1))!;
    const port = hub.hub.automation.engine.port;
    const trigger = { id: null, type: 'custom.once', source: 'test', occurredAt: new Date().toISOString(), data: {} };
    const start = async (key: string) => (await insertRun(hub.hub.store, () => ({ start: true }), { tenantId, scenarioId: id, version: 1, contactId, key, firstStep: 'sms', trigger, reason: 'test', now: new Date() })).run;

    // Three workers advance the same run at once: one message.
    const run = (await start('concurrent'))!;
    await Promise.all([advance(run, definition, port), advance(run, definition, port), advance(run, definition, port)]);
    const key = effectKey(run, 'sms', 0);
    expect((await messagesOf(contactId)).filter((message) => message.idempotencyKey === key)).toHaveLength(1);

    // A crash between the send and the step's completion: the retry finds the message by its key.
    const crashed = (await start('crash'))!;
    await enterStep(hub.hub.store, crashed, definition.steps[0]!, new Date());
    const step = definition.steps[0]!;
    if (step.type !== 'action' || step.action.kind !== 'sendSms') throw new Error('the first step sends an SMS');
    // What the port sent before the crash: the same request, with the step's key.
    const sentBeforeCrash = await hub.hub.sending.sendSms(tenantId, messageItem(step.action, crashed) as SmsItem, { idempotencyKey: effectKey(crashed, 'sms', 0) });
    await advance(crashed, definition, port);
    const record = historyOf((await api(`/v1/scenario-runs/${crashed.id}`)).body as RunView).find((item) => item.step === 'sms');
    expect(record).toMatchObject({ outcome: 'sent', detail: { messageId: sentBeforeCrash.id } });
    expect((await messagesOf(contactId)).filter((message) => message.idempotencyKey === effectKey(crashed, 'sms', 0))).toHaveLength(1);

    // The wake job delivered twice: the second finds the run moved on.
    await waitFor(async () => (await runsOf(contactId)).filter((item) => item.status === 'completed').length === 2, 'both runs to complete');
    await hub.hub.queue.add('automation.wake', { tenantId, runId: run.id, stepId: 'attente', rotation: 0 }, { jobId: `${wakeJobId(run.id, 'attente', 0)}.again` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await getRun(hub.hub.store, run.id))!.status).toBe('completed');
    expect(historyOf((await runsOf(contactId)).find((item) => item.id === run.id)).filter((item) => item.step === 'attente')).toHaveLength(1);
  });

  it('updates the contact, its score and lists, and publishes events, once each', async () => {
    await freshTenant();
    const contactId = await customer();
    const list = (await api('/v1/lists', { body: { name: 'VIP' } })).body.id;
    await createActive(
      custom('vip', [
        { id: 'attr', type: 'action', action: { kind: 'updateContact', attributes: { tier: 'gold' } }, next: 'score' },
        { id: 'score', type: 'action', action: { kind: 'changeScore', by: 10 }, next: 'liste' },
        { id: 'liste', type: 'action', action: { kind: 'addToList', listId: list }, next: 'evenement' },
        { id: 'evenement', type: 'action', action: { kind: 'publishEvent', event: 'custom.vip_promoted', data: { level: 'gold' } }, next: 'condition' },
        { id: 'condition', type: 'condition', if: { kind: 'all', of: [{ kind: 'inList', listId: list }, { kind: 'field', field: 'contact.attributes.score', op: 'eq', value: 10 }] }, yes: 'fin' },
        { id: 'fin', type: 'exit' },
      ]),
    );
    await publish('custom.vip', contactId);
    const done = await runWhere(contactId, 'the run to complete', (run) => run.status === 'completed');
    expect(historyOf(done).find((record) => record.step === 'condition')?.outcome).toBe('yes');
    const contact = (await api(`/v1/contacts/${contactId}`)).body;
    expect(contact.attributes).toEqual({ tier: 'gold', score: 10 });
    expect((await api(`/v1/lists/${list}/members`)).body.items.map((member: { id: string }) => member.id)).toEqual([contactId]);
    const events = (await api('/v1/events?type=custom.vip_promoted')).body.items;
    expect(events).toEqual([expect.objectContaining({ source: 'automation', subject: { contactId }, data: { level: 'gold' }, dedupeKey: `scn:${done.id}:evenement:0` })]);
  });

  it('fails a run whose list is gone, and says why', async () => {
    await freshTenant();
    const contactId = await customer();
    await createActive(custom('liste', [{ id: 'liste', type: 'action', action: { kind: 'addToList', listId: 'lst_missing' } }]));
    await publish('custom.liste', contactId);
    const failed = await runWhere(contactId, 'the run to fail', (run) => run.status === 'failed');
    expect(failed.endReason).toBe('step "liste": no list "lst_missing" in this tenant (or the contact was erased)');
  });

  it('simulates a stored scenario for a stored contact, and an inline one, without storing or sending', async () => {
    await freshTenant();
    const contactId = await customer();
    const id = await createActive(custom('simu', [wait('j7', '7d', 'sms'), sms('sms', 'Bonjour {{ contact.firstName }}')]));
    const start = '2026-03-03T09:00:00.000Z';
    const simulated = await api(`/v1/scenarios/${id}/simulate`, { body: { contactId, start, events: [{ type: 'custom.simu' }] } });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
    expect(simulated.body.messages).toEqual([expect.objectContaining({ sendAt: '2026-03-10T09:00:00.000Z', text: 'Bonjour Camille\nSTOP au 36173', status: 'accepted' })]);
    const inline = await api('/v1/scenarios/simulate', { body: { definition: custom('x', [sms('sms', 'Bonjour {{ contact.firstName }}')]), contact: { phone: '+33612345678' }, events: [{ type: 'custom.x' }] } });
    expect(inline.body.runs[0]).toMatchObject({ status: 'failed', endReason: expect.stringMatching(/contact\.firstName" has no value/) });
    expect(await runsOf(contactId)).toEqual([]);
    expect(await messagesOf(contactId)).toEqual([]);
  });
});
