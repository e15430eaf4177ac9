/**
 * Scenarios end to end: real events through POST /v1/events, the real queue, the sandbox provider.
 * The library's templates are instantiated through the API (their delays are parameters, so waits are
 * seconds long); a loop with a bounded goto is posted as JSON. The birthday runs on a moved business
 * clock, since it fires at 10:00 local time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { runView } from '../src/automation/views.ts';
import type { toMessageView } from '../src/sending/routes/message-view.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { waitFor } from './support/wait.ts';

type RunView = ReturnType<typeof runView>;
type MessageView = ReturnType<typeof toMessageView>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const order = (orderId: string) => ({ orderId, status: 'processing', total: { amount: 59.9, currency: 'EUR' }, lines: [] });
/** After a purchase: an SMS, then a window for a new order; without one, the SMS again, twice at most (a goto loop). */
const loyaltyLoop = (wait: string) => ({
  trigger: { kind: 'event', event: 'order.created' },
  entry: { per: 'contact', reentry: true },
  exitEvents: [{ event: 'order.created' }, { event: 'contact.unsubscribed' }],
  steps: [
    { id: 'attendre-j7', type: 'wait', wait: { kind: 'duration', duration: wait }, next: 'sms-relance' },
    { id: 'sms-relance', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: '{{ contact.firstName | default: "Bonjour" }}, vos produits préférés vous attendent : -10% avec le code MERCI10.' }, next: 'attendre-commande' },
    { id: 'attendre-commande', type: 'waitFor', event: 'order.created', timeout: wait, happened: 'fin', timedOut: 'relancer' },
    { id: 'relancer', type: 'goto', target: 'sms-relance', maxRotations: 2, then: 'fin' },
    { id: 'fin', type: 'exit' },
  ],
});
const cart = (cartId: string) => ({ cartId, total: { amount: 42, currency: 'EUR' }, lines: [], recoveryUrl: `https://boutique.fr/panier/${cartId}`, abandonedAfterMinutes: 60 });

describe.each(['embedded', 'postgres+redis'] as const)('scenarios end to end (%s)', (mode) => {
  let hub: TestHub;
  let api: TestHub['api'];

  beforeAll(async () => {
    hub = await startTestHub(mode);
  });
  afterAll(async () => {
    await hub?.close();
  });

  async function tenant(quietHours: boolean) {
    const created = await hub.createTenant('shop');
    api = (path, init = {}) => hub.api(path, { ...init, apiKey: created.apiKey });
    await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
    if (!quietHours) await api('/v1/sending/settings', { method: 'PUT', body: { quietHours: { enabled: false } } });
  }
  async function customer(phone: string, extra: Record<string, unknown> = {}) {
    return (await api('/v1/contacts', { body: { phone, firstName: 'Camille', consent: { sms: { status: 'granted' } }, ...extra } })).body.contact.id as string;
  }
  const scenario = async (name: string, definition: unknown) => {
    const response = await api('/v1/scenarios', { body: { name, definition, activate: true } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };
  const fromTemplate = async (id: string, parameters: Record<string, unknown> = {}) => {
    const created = await api(`/v1/scenario-templates/${id}/instantiate`, { body: { parameters } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api(`/v1/scenarios/${created.body.id}/activate`, { method: 'POST' })).body.status).toBe('active');
    return created.body.id as string;
  };
  const publish = async (type: string, contactId: string, data: Record<string, unknown>) => {
    const response = await api('/v1/events', { body: { type, source: 'woocommerce', subject: { contactId }, data } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const runs = async (contactId: string) => ((await api(`/v1/scenario-runs?contactId=${contactId}`)).body.items as RunView[]).reverse();
  const messages = async (contactId: string) => ((await api(`/v1/messages?contactId=${contactId}&limit=200`)).body.items as MessageView[]).reverse();
  const ofRun = (list: MessageView[], runId: string) => list.filter((message) => message.idempotencyKey?.startsWith(`scn:${runId}:`));
  const detailTime = (value: unknown) => Date.parse(String(value));

  it('loyalty loop: J+7 SMS, then twice more without an order; a new order ends the loop at once', async () => {
    await tenant(false);
    await scenario('Relance fidélité', loyaltyLoop('2s'));
    const quiet = await customer('+33612345671');
    const buyer = await customer('+33612345672');
    await publish('order.created', quiet, order('A-1'));
    await publish('order.created', buyer, order('B-1'));

    // The buyer orders again during the first waitFor: that run ends, the next one starts.
    const first = await waitFor(async () => {
      const [run] = await runs(buyer);
      return run?.step === 'attendre-commande' && run.status === 'waiting' && run;
    }, 'the buyer\'s first run to wait for an order');
    await publish('order.created', buyer, order('B-2'));
    const exited = await waitFor(async () => (await runs(buyer)).find((run) => run.id === first.id && run.status === 'exited'), 'the first run to exit');
    expect(exited.endReason).toBe('exit event order.created');

    const done = await waitFor(async () => (await runs(quiet)).find((run) => run.status === 'completed'), 'the quiet customer\'s loop to end', 40_000);
    const sent = await messages(quiet);
    expect(sent.map((message) => message.idempotencyKey)).toEqual([0, 1, 2].map((rotation) => `scn:${done.id}:sms-relance:${rotation}`));
    expect(sent.every((message) => message.status !== 'blocked')).toBe(true);
    // Each SMS after the wait or timeout before it, never earlier.
    const history = done.history ?? [];
    const firstWait = history.find((record) => record.step === 'attendre-j7');
    expect(Date.parse(sent[0]!.createdAt)).toBeGreaterThanOrEqual(detailTime(firstWait?.detail.until));
    const timeouts = history.filter((record) => record.step === 'attendre-commande');
    expect(timeouts.map((record) => record.outcome)).toEqual(['timedOut', 'timedOut', 'timedOut']);
    for (const [index, message] of sent.slice(1).entries()) expect(Date.parse(message.createdAt)).toBeGreaterThanOrEqual(detailTime(timeouts[index]!.detail.timeoutAt));
    expect(history.filter((record) => record.step === 'relancer').map((record) => record.outcome)).toEqual(['looped', 'looped', 'limitReached']);

    // Nothing of the buyer's first run after the exit event (its wait for J+7 had passed; no second SMS).
    await sleep(3_000);
    const buyerMessages = await messages(buyer);
    expect(ofRun(buyerMessages, first.id)).toHaveLength(1);
    expect(ofRun(buyerMessages, first.id).every((message) => Date.parse(message.createdAt) < detailTime(exited.endedAt))).toBe(true);
  });

  it('abandoned cart (the library\'s template): the recovery link at once, a reminder without an order, nothing after an order', async () => {
    await tenant(false);
    await fromTemplate('abandoned-cart', { reminderAfter: '2s' });
    const forgetful = await customer('+33612345673');
    const buyer = await customer('+33612345674');
    await publish('cart.abandoned', forgetful, cart('c-1'));
    await publish('cart.abandoned', buyer, cart('c-2'));
    await waitFor(async () => (await messages(buyer)).length === 1, 'the buyer\'s first SMS');
    await publish('order.created', buyer, order('B-1'));
    // The same cart reported again (another event) starts nothing: one run per contact and cart.
    await publish('cart.abandoned', forgetful, cart('c-1'));

    const done = await waitFor(async () => (await runs(forgetful)).find((run) => run.status === 'completed'), 'the reminder');
    const sent = await messages(forgetful);
    expect(sent.map((message) => message.text)).toEqual([
      'Camille, votre panier vous attend ! Finalisez votre commande ici : https://boutique.fr/panier/c-1\nSTOP au 36173',
      "Dernier rappel : votre panier est encore disponible aujourd'hui. https://boutique.fr/panier/c-1\nSTOP au 36173",
    ]);
    // The wait for an order (an order would have ended the run: exit event) elapsed, then the reminder.
    const waited = (done.history ?? []).find((record) => record.step === 'attendre-commande');
    expect(waited?.outcome).toBe('elapsed');
    expect(Date.parse(sent[1]!.createdAt)).toBeGreaterThanOrEqual(detailTime(waited?.detail.until));
    expect(await runs(forgetful)).toHaveLength(1);

    const exited = await waitFor(async () => (await runs(buyer)).find((run) => run.status === 'exited'), 'the buyer\'s run to exit');
    await sleep(3_000);
    expect((await messages(buyer)).map((message) => message.text)).toEqual(['Camille, votre panier vous attend ! Finalisez votre commande ici : https://boutique.fr/panier/c-2\nSTOP au 36173']);
    expect(exited.history?.at(-1)).toMatchObject({ step: '$end', outcome: 'exited', detail: { eventType: 'order.created' } });
  });

  it('birthday (the library\'s template): at 10:00 on the contact\'s clock, once per year; a use of the coupon is awaited', async () => {
    await tenant(true);
    const engine = hub.hub.automation.engine;
    let now = Date.parse('2026-03-10T08:59:00.000Z'); // 09:59 in Paris, a Tuesday
    const clock = () => new Date(now);
    engine.useClock(clock);
    hub.hub.sending.useClock(clock);
    try {
      const paris = await customer('+33612345675', { attributes: { birthday: '1990-03-10' } });
      const martinique = await customer('+33612345676', { timeZone: 'America/Martinique', attributes: { birthday: '1985-03-10' } });
      const other = await customer('+33612345677', { attributes: { birthday: '1990-03-11' } });
      await fromTemplate('birthday');
      // The scheduled scan may run too (every minute): assertions are on runs and messages, not on counts of one scan.
      await engine.scanDates();
      expect(await runs(paris)).toEqual([]);
      now = Date.parse('2026-03-10T09:00:30.000Z'); // 10:00 in Paris, 05:00 in Martinique
      await engine.scanDates();
      await engine.scanDates();
      const sms = await waitFor(async () => (await messages(paris))[0], 'the birthday SMS');
      expect(sms).toMatchObject({ text: 'Joyeux anniversaire Camille ! -20% sur tout le site avec le code ANNIV20, valable 14 jours.\nSTOP au 36173', status: expect.not.stringMatching(/blocked/) });
      // The coupon used (any case, as shops report it): the run moves on to the thanks of the next day.
      await waitFor(async () => (await runs(paris))[0]?.step === 'attendre-coupon', 'the run to wait for the coupon');
      const used = await api('/v1/events', { body: { type: 'coupon.used', occurredAt: '2026-03-10T15:00:00+01:00', subject: { contactId: paris }, data: { code: 'anniv20', orderId: 'A-9' } } });
      expect(used.status).toBe(201);
      const thanks = await waitFor(async () => {
        const [run] = await runs(paris);
        return run?.step === 'lendemain' && run.status === 'waiting' && run;
      }, 'the run to wait for the next day');
      expect(thanks.history?.find((record) => record.step === 'lendemain')?.detail.until).toBe('2026-03-11T09:00:00.000Z');
      expect(await runs(martinique)).toEqual([]);
      now = Date.parse('2026-03-10T14:00:00.000Z'); // 10:00 in Martinique
      await engine.scanDates();
      await waitFor(async () => (await messages(martinique)).length === 1, 'the Martinique SMS');
      now = Date.parse('2027-03-10T09:30:00.000Z');
      await engine.scanDates();
      await waitFor(async () => (await messages(paris)).length === 2, 'next year\'s SMS');
      // One run per birthday: next year's waits for its own use of the coupon.
      await waitFor(async () => (await runs(paris)).length === 2 && (await runs(paris))[1]!.step === 'attendre-coupon', 'next year\'s run to wait for the coupon');
      expect((await runs(paris)).map((run) => [run.key, run.status, run.step])).toEqual([
        ['2026-03-10', 'waiting', 'lendemain'],
        ['2027-03-10', 'waiting', 'attendre-coupon'],
      ]);
      expect(await messages(other)).toEqual([]);
    } finally {
      engine.useClock(() => new Date());
      hub.hub.sending.useClock(() => new Date());
    }
  });
});
