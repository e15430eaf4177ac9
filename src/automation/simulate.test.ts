import { describe, expect, it } from 'vitest';
import { DEFAULT_SENDING_SETTINGS } from '../sending/settings.ts';
import { abandonedCartTemplate } from './templates/abandoned-cart.ts';
import { birthdayTemplate } from './templates/birthday.ts';
import { simulate, SimulationInputSchema, type SimulationInputBody } from './simulate.ts';
import type { ScenarioDefinitionInput } from './scenario.ts';
import { validateScenario } from './validate.ts';

const DAY = 86_400_000;
/** Tuesday 3 March 2026, 10:00 in Paris (CET, UTC+1). */
const TUESDAY = '2026-03-03T09:00:00.000Z';
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

async function run(recipe: ScenarioDefinitionInput, input: SimulationInputBody) {
  const validation = validateScenario(recipe);
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  return simulate(validation.definition, SimulationInputSchema.parse(input), { tenantId: 'ten_sim', scenarioId: 'scn_sim', settings: DEFAULT_SENDING_SETTINGS, now: new Date(TUESDAY) });
}

/** After a purchase: J+7 an SMS, then 7 days for a new order; without one, the SMS again, twice at most (a bounded goto). */
const loyaltyLoop = (): ScenarioDefinitionInput => ({
  trigger: { kind: 'event', event: 'order.created' },
  entry: { per: 'contact', reentry: true },
  exitEvents: [{ event: 'order.created' }, { event: 'contact.unsubscribed' }],
  steps: [
    { id: 'attendre-j7', type: 'wait', wait: { kind: 'duration', duration: '7d' }, next: 'sms-relance' },
    { id: 'sms-relance', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: '{{ contact.firstName | default: "Bonjour" }}, vos produits préférés vous attendent : -10% avec le code MERCI10 cette semaine.' }, next: 'attendre-commande' },
    { id: 'attendre-commande', type: 'waitFor', event: 'order.created', timeout: '7d', happened: 'fin', timedOut: 'relancer' },
    { id: 'relancer', type: 'goto', target: 'sms-relance', maxRotations: 2, then: 'fin' },
    { id: 'fin', type: 'exit' },
  ],
});
const abandonedCart = () => abandonedCartTemplate.build(abandonedCartTemplate.parameters.parse({})).definition;
const birthday = () => birthdayTemplate.build(birthdayTemplate.parameters.parse({})).definition;

const camille = { firstName: 'Camille', phone: '+33612345678', email: 'camille@example.fr' };

describe('simulation of a loop, the abandoned cart and the birthday', () => {
  it('loyalty loop: J+7, J+14, J+21 without an order, then the run ends', async () => {
    const result = await run(loyaltyLoop(), { contact: camille, start: TUESDAY, events: [{ type: 'order.created', data: { orderId: 'A1', status: 'processing', total: { amount: 40, currency: 'EUR' } } }] });
    expect(result.messages.map((message) => message.sendAt)).toEqual([plus(TUESDAY, 7 * DAY), plus(TUESDAY, 14 * DAY), plus(TUESDAY, 21 * DAY)]);
    expect(result.messages[0]!.text).toBe('Camille, vos produits préférés vous attendent : -10% avec le code MERCI10 cette semaine.\nSTOP au 36173');
    expect(result.runs).toEqual([expect.objectContaining({ status: 'completed', endReason: 'exit step "fin"' })]);
    expect(result.timeline.at(-1)).toMatchObject({ kind: 'ended', at: plus(TUESDAY, 28 * DAY) });
    // Each pass of the loop is its own rotation: three executions of the send step.
    expect(result.runs[0]!.steps.filter((step) => step.stepId === 'sms-relance').map((step) => step.rotation)).toEqual([0, 1, 2]);
    expect(result.truncated).toBe(false);
  });

  it('loyalty loop: a new order ends the run at once and starts the next one', async () => {
    const order = (orderId: string, at: string) => ({ at, type: 'order.created', data: { orderId, status: 'processing', total: { amount: 40, currency: 'EUR' } } });
    const result = await run(loyaltyLoop(), { contact: camille, start: TUESDAY, events: [order('A1', '+0s'), order('A2', '+10d')], horizon: '20d' });
    const [first, second] = result.runs;
    expect(first).toMatchObject({ status: 'exited', endReason: 'exit event order.created' });
    expect(second).toMatchObject({ status: 'waiting' });
    // Nothing of the first run after the order: its SMS at J+7 only; the second run's at J+17.
    expect(result.messages.map((message) => [message.runId, message.sendAt])).toEqual([
      [first!.id, plus(TUESDAY, 7 * DAY)],
      [second!.id, plus(TUESDAY, 17 * DAY)],
    ]);
    expect(result.truncated).toBe(true);
  });

  it('abandoned cart: the link at once, the reminder 24 h later without an order', async () => {
    const cart = { cartId: 'c-981', total: { amount: 42, currency: 'EUR' }, lines: [], recoveryUrl: 'https://shop.fr/p/c-981', abandonedAfterMinutes: 60 };
    const result = await run(abandonedCart(), { contact: camille, start: TUESDAY, events: [{ type: 'cart.abandoned', data: cart }] });
    expect(result.messages.map((message) => [message.step, message.sendAt])).toEqual([
      ['sms-panier', TUESDAY],
      ['sms-rappel', plus(TUESDAY, DAY)],
    ]);
    expect(result.messages[0]!.text).toContain('https://shop.fr/p/c-981');
  });

  it('abandoned cart: an order ends it, and each cart is its own run', async () => {
    const cart = (cartId: string) => ({ cartId, total: { amount: 42, currency: 'EUR' }, lines: [], recoveryUrl: `https://shop.fr/p/${cartId}`, abandonedAfterMinutes: 60 });
    const result = await run(abandonedCart(), {
      contact: camille,
      start: TUESDAY,
      events: [
        { type: 'cart.abandoned', data: cart('c-1') },
        { at: '+1h', type: 'cart.abandoned', data: cart('c-1') },
        { at: '+2h', type: 'order.created', data: { orderId: 'A1', status: 'processing', total: { amount: 42, currency: 'EUR' } } },
        { at: '+3h', type: 'cart.abandoned', data: cart('c-2') },
      ],
    });
    expect(result.timeline.filter((entry) => entry.kind === 'notEntered')).toEqual([expect.objectContaining({ at: plus(TUESDAY, 3_600_000), reason: 'a run of this contact (and key) is still going' })]);
    expect(result.messages.map((message) => [message.step, message.sendAt])).toEqual([
      ['sms-panier', TUESDAY],
      ['sms-panier', plus(TUESDAY, 3 * 3_600_000)],
      ['sms-rappel', plus(TUESDAY, 27 * 3_600_000)],
    ]);
    expect(result.runs.map((run) => run.status)).toEqual(['exited', 'completed']);
  });

  it('birthday: every year at 10:00 in the contact\'s zone', async () => {
    const result = await run(birthday(), { contact: { ...camille, timeZone: 'America/Martinique', attributes: { birthday: '1990-03-10' } }, start: TUESDAY });
    expect(result.messages.map((message) => [message.step, message.sendAt])).toEqual([
      ['sms-anniversaire', '2026-03-10T14:00:00.000Z'],
      ['sms-relance', '2026-03-17T14:00:00.000Z'],
      ['sms-anniversaire', '2027-03-10T14:00:00.000Z'],
      ['sms-relance', '2027-03-17T14:00:00.000Z'],
    ]);
    expect(result.messages[0]!.text).toBe('Joyeux anniversaire Camille ! -20% sur tout le site avec le code ANNIV20, valable 14 jours.\nSTOP au 36173');
    expect(result.runs.map((run) => run.status)).toEqual(['completed', 'completed']);
  });
});

describe('simulation of each step kind', () => {
  const scenario = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ trigger: { kind: 'event', event: 'custom.start' }, steps, ...extra }) as ScenarioDefinitionInput;
  const start = [{ type: 'custom.start', data: { appointmentAt: '2026-03-20T14:30:00+01:00', ref: 'R1' } }];

  it('waits for the next allowed window (quiet hours) and until a date minus an offset at a local time', async () => {
    const result = await run(
      scenario([
        { id: 'fenetre', type: 'wait', wait: { kind: 'window' }, next: 'veille' },
        { id: 'veille', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.appointmentAt', offset: '-1d', at: '18:00' } },
      ]),
      { contact: camille, start: '2026-03-07T20:30:00.000Z', events: start },
    );
    const waits = result.timeline.filter((entry) => entry.kind === 'waiting').map((entry) => entry.kind === 'waiting' && entry.until);
    // Saturday 21:30 Paris → Monday 08:00 (Sunday is quiet); then 19 March 18:00 Paris.
    expect(waits).toEqual(['2026-03-09T07:00:00.000Z', '2026-03-19T17:00:00.000Z']);
  });

  it('a waitFor with `until` stops waiting at a date of the run when it comes before the timeout', async () => {
    const steps = [
      { id: 'reponse', type: 'waitFor', event: 'sms.received', timeout: '7d', until: { field: 'event.data.appointmentAt', offset: '-2h' }, happened: 'merci', timedOut: 'relance' },
      { id: 'merci', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Merci' } },
      { id: 'relance', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Relance' } },
    ];
    const result = await run(scenario(steps), { contact: camille, start: '2026-03-16T09:00:00.000Z', events: start });
    // 20 March 14:30 Paris (13:30Z) minus 2 hours, well before the 7 days.
    expect(result.messages.map((message) => [message.sendAt, message.text])).toEqual([['2026-03-20T11:30:00.000Z', 'Relance']]);
    const far = await run(scenario([{ ...steps[0], until: { field: 'event.data.ref' } }, steps[1], steps[2]]), { contact: camille, start: '2026-03-16T09:00:00.000Z', events: start });
    // An unreadable date leaves the timeout alone.
    expect(far.messages.map((message) => message.sendAt)).toEqual(['2026-03-23T09:00:00.000Z']);
  });

  it('a trigger with other event types (also): a moved appointment ends the old run and starts one for the new date', async () => {
    const definition = {
      trigger: { kind: 'event', event: 'custom.start', also: ['custom.moved'] },
      entry: { per: 'contactAndKey', key: 'event.data.ref' },
      exitEvents: [{ event: 'custom.moved', match: { by: 'key', field: 'data.ref', equals: 'event.data.ref' } }],
      steps: [
        { id: 'veille', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.appointmentAt', offset: '-1d', at: '18:00' }, next: 'sms' },
        { id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'RDV {{ event.data.appointmentAt }}' } },
      ],
    } as ScenarioDefinitionInput;
    const result = await run(definition, {
      contact: camille,
      start: '2026-03-10T09:00:00.000Z',
      events: [...start, { at: '+1h', type: 'custom.moved', data: { appointmentAt: '2026-03-25T10:00:00+01:00', ref: 'R1' } }],
    });
    expect(result.messages.map((message) => [message.sendAt, message.text])).toEqual([['2026-03-24T17:00:00.000Z', 'RDV 2026-03-25T10:00:00+01:00']]);
    expect(result.runs.map((one) => one.status)).toEqual(['exited', 'completed']);
  });

  it('branches on contact fields, consent and the status of a sent message; changes the score once per execution', async () => {
    const steps = [
      { id: 'vip', type: 'condition', if: { kind: 'field', field: 'contact.attributes.tier', op: 'in', value: ['gold', 'platinum'] }, yes: 'sms', no: 'fin' },
      { id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Offre VIP' }, next: 'livre' },
      { id: 'livre', type: 'condition', if: { kind: 'all', of: [{ kind: 'messageStatus', step: 'sms', status: ['delivered'] }, { kind: 'consent', channel: 'sms', status: 'granted' }] }, yes: 'score', no: 'fin' },
      { id: 'score', type: 'action', action: { kind: 'changeScore', by: 5 }, next: 'fin' },
      { id: 'fin', type: 'exit' },
    ];
    const gold = await run(scenario(steps), { contact: { ...camille, attributes: { tier: 'gold', score: 10 } }, events: start });
    expect(gold.runs[0]!.steps.map((step) => [step.stepId, step.outcome])).toEqual([
      ['$entry', 'entered'],
      ['vip', 'yes'],
      ['sms', 'sent'],
      ['livre', 'yes'],
      ['score', 'done'],
      ['fin', 'exited'],
      ['$end', 'done'],
    ]);
    expect(gold.timeline.find((entry) => entry.kind === 'contactUpdated')).toMatchObject({ changes: { attributes: { score: 15 } } });
    const undelivered = await run(scenario(steps), { contact: { ...camille, attributes: { tier: 'gold' } }, events: start, messageStatus: 'undelivered' });
    expect(undelivered.runs[0]!.steps.find((step) => step.stepId === 'livre')!.outcome).toBe('no');
    const bronze = await run(scenario(steps), { contact: { ...camille, attributes: { tier: 'bronze' } }, events: start });
    expect(bronze.messages).toEqual([]);
  });

  it('shows a marketing SMS without consent as blocked, and quiet hours as a later send', async () => {
    const steps = [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Promo' } }];
    const noConsent = await run(scenario(steps), { contact: { ...camille, consent: { sms: 'withdrawn' } }, events: start });
    expect(noConsent.messages).toEqual([expect.objectContaining({ status: 'blocked', blockReason: 'no_consent' })]);
    const sunday = await run(scenario(steps), { contact: camille, start: '2026-03-08T10:00:00.000Z', events: start });
    expect(sunday.messages).toEqual([expect.objectContaining({ status: 'scheduled', sendAt: '2026-03-09T07:00:00.000Z' })]);
  });

  it('ends a run failed when its template cannot be rendered for this contact', async () => {
    const steps = [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Bonjour {{ contact.firstName }}' } }];
    const result = await run(scenario(steps), { contact: { phone: '+33612345678' }, events: start });
    expect(result.runs[0]).toMatchObject({ status: 'failed', endReason: expect.stringMatching(/^step "sms": text: "contact\.firstName" has no value/) });
  });

  it('waits for an event by key, from anyone', async () => {
    const steps = [
      { id: 'attente', type: 'waitFor', event: 'custom.coupon_used', match: { by: 'key', field: 'data.code', equals: 'event.data.ref' }, timeout: '3d', happened: 'merci', timedOut: 'fin' },
      { id: 'merci', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Merci !' } },
      { id: 'fin', type: 'exit' },
    ];
    const result = await run(scenario(steps), {
      contact: camille,
      events: [...start, { at: '+1h', type: 'custom.coupon_used', data: { code: 'OTHER' }, otherContact: true }, { at: '+2h', type: 'custom.coupon_used', data: { code: 'R1' }, otherContact: true }],
    });
    expect(result.messages).toEqual([expect.objectContaining({ step: 'merci', sendAt: plus(TUESDAY, 2 * 3_600_000) })]);
  });

  it('applies re-entry rules: a minimum delay between starts', async () => {
    const steps = [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Bienvenue' } }];
    const result = await run(scenario(steps, { entry: { per: 'contact', reentry: true, minDelay: '2d' } }), {
      contact: camille,
      events: [...start, { ...start[0]!, at: '+1d' }, { ...start[0]!, at: '+3d' }],
    });
    expect(result.messages.map((message) => message.sendAt)).toEqual([TUESDAY, plus(TUESDAY, 3 * DAY)]);
    const once = await run(scenario(steps, { entry: { per: 'contact', reentry: false } }), { contact: camille, events: [...start, { ...start[0]!, at: '+3d' }] });
    expect(once.messages).toHaveLength(1);
  });

  it('filters the trigger on event and contact data', async () => {
    const steps = [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Merci' } }];
    const filter = { kind: 'all', of: [{ kind: 'field', field: 'event.data.total.amount', op: 'gte', value: 50 }, { kind: 'field', field: 'contact.attributes.vip', op: 'eq', value: true }] };
    const definition = { ...scenario(steps), trigger: { kind: 'event', event: 'order.created', filter } } as ScenarioDefinitionInput;
    const order = (amount: number) => ({ type: 'order.created', data: { orderId: 'A', status: 'processing', total: { amount, currency: 'EUR' } } });
    expect((await run(definition, { contact: { ...camille, attributes: { vip: true } }, events: [order(60)] })).messages).toHaveLength(1);
    expect((await run(definition, { contact: { ...camille, attributes: { vip: true } }, events: [order(40)] })).messages).toHaveLength(0);
    expect((await run(definition, { contact: camille, events: [order(60)] })).timeline).toContainEqual(expect.objectContaining({ kind: 'notEntered', reason: 'the trigger filter does not match' }));
  });
});
