/**
 * Every template of the library, simulated along each of its branches on the hub's own interpreter
 * (simulate.ts: virtual clock, nothing sent), after the scenario validation every save runs. Each
 * message a template sends with its default texts is checked to be GSM-7 in one segment, the STOP
 * mention of marketing SMS included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeSms } from '../../sending/encoding/index.ts';
import { DEFAULT_SENDING_SETTINGS } from '../../sending/settings.ts';
import { simulate, SimulationInputSchema, type SimulationInputBody, type SimulationResult } from '../simulate.ts';
import { validateScenario } from '../validate.ts';
import { BUILT_IN_TEMPLATES, ScenarioTemplates, type ScenarioTemplate } from './index.ts';
import { buildFromTemplate } from './instantiate.ts';
import { fillParams } from './template.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Tuesday 3 March 2026, 10:00 in Paris (CET, UTC+1). */
const TUESDAY = '2026-03-03T09:00:00.000Z';
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const library = new ScenarioTemplates();
/** The parameters without a default. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  'satisfaction-survey': { reviewUrl: 'https://g.page/r/bougies/review' },
  'merchant-new-order': { phone: '+33698765432' },
  'merchant-stock': { phone: '+33698765432' },
};

/** Each template's steps and the outcomes the simulations below took them with: the last test checks every branch was taken. */
const visited = new Map<string, Set<string>>();

async function run(id: string, parameters: Record<string, unknown>, input: SimulationInputBody): Promise<SimulationResult> {
  const template = library.get(id)!;
  const validation = validateScenario(buildFromTemplate(template, parameters).definition);
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  const result = await simulate(validation.definition, SimulationInputSchema.parse({ start: TUESDAY, ...input }), { tenantId: 'ten_sim', scenarioId: 'scn_sim', settings: DEFAULT_SENDING_SETTINGS, now: new Date(TUESDAY) });
  const seen = visited.get(id) ?? new Set<string>();
  for (const simulated of result.runs) for (const step of simulated.steps) seen.add(`${step.stepId}:${step.outcome}`);
  visited.set(id, seen);
  // Default texts fit one GSM-7 segment, STOP mention included (realistic names, codes and links below).
  for (const message of result.messages) {
    const analysis = analyzeSms(message.text);
    expect({ step: message.step, encoding: analysis.encoding, segments: analysis.segmentCount, nonGsm: analysis.nonGsmCharacters }).toEqual({ step: message.step, encoding: 'GSM-7', segments: 1, nonGsm: [] });
  }
  return result;
}

const sent = (result: SimulationResult) => result.messages.map((message) => [message.step, message.sendAt]);
const camille = { firstName: 'Stéphanie', lastName: 'Martin', phone: '+33612345678', email: 'camille@example.fr' };
const order = (orderId: string, extra: Record<string, unknown> = {}) => ({ orderId, number: orderId, status: 'processing', total: { amount: 40, currency: 'EUR' }, lines: [], ...extra });

describe('the library', () => {
  it('lists every template once, each with parameters that all have defaults but a few named required ones', () => {
    expect(library.list().map((template) => template.id)).toEqual([
      'birthday',
      'loyalty-card',
      'loyalty-points',
      'abandoned-cart',
      'category-relance',
      'satisfaction-survey',
      'order-status',
      'win-back',
      'merchant-new-order',
      'merchant-stock',
    ]);
    for (const template of BUILT_IN_TEMPLATES) {
      const required = REQUIRED[template.id] ?? {};
      // Every default builds a scenario the validation accepts.
      expect(validateScenario(buildFromTemplate(template, required).definition), template.id).toMatchObject({ ok: true });
    }
    expect(() => library.add(BUILT_IN_TEMPLATES[0]!)).toThrow(/registered twice/);
  });

  it('lets a connector add its own template, and suggests the templates an event source can feed', () => {
    const own = new ScenarioTemplates();
    const reminder = { ...(BUILT_IN_TEMPLATES[0] as ScenarioTemplate), id: 'appointment-reminder', needs: { events: ['appointment.scheduled'], data: [] } };
    own.add(reminder);
    expect(own.get('appointment-reminder')).toBe(reminder);
    const shop = own.fitting(['order.created', 'order.status_changed', 'cart.updated']).map((template) => template.id);
    expect(shop).toEqual(['abandoned-cart', 'category-relance', 'satisfaction-survey', 'order-status', 'win-back', 'merchant-new-order']);
  });

  it('is documented: docs/scenario-templates.md names each template and shows its default texts and delays', () => {
    const doc = readFileSync(new URL('../../../docs/scenario-templates.md', import.meta.url), 'utf8');
    for (const template of library.list()) {
      expect(doc.split('\n').some((line) => line.startsWith('## ') && line.includes(`\`${template.id}\``)), `a heading names ${template.id}`).toBe(true);
      const required = REQUIRED[template.id] ?? {};
      const defaults = template.parameters.safeParse(required);
      for (const [name, value] of Object.entries(defaults.data ?? {})) {
        // Texts as the tables show them (a | in a table cell is written \|).
        if (typeof value === 'string' && !(name in required)) expect(doc, `${template.id}.${name}`).toContain(value.replaceAll('|', '\\|'));
      }
    }
  });

  it('fills {{ params.… }} once and refuses a name that is no parameter', () => {
    expect(fillParams('code {{ params.couponCode }} / {{params.n}}', { couponCode: 'ANNIV20', n: 3 })).toBe('code ANNIV20 / 3');
    expect(() => fillParams('{{ params.nope }}', {})).toThrow(/no such text or number parameter/);
  });

  it('names the parameter that does not parse, under body.parameters', () => {
    const birthday = library.get('birthday')!;
    expect(() => buildFromTemplate(birthday, { couponCode: 'ANNIV 20', relanceAfter: 'une semaine' })).toThrow(
      expect.objectContaining({ issues: expect.arrayContaining([expect.objectContaining({ path: 'body.parameters.couponCode' }), expect.objectContaining({ path: 'body.parameters.relanceAfter', message: expect.stringMatching(/^"une semaine" is not a duration/) })]) }),
    );
    expect(() => buildFromTemplate(library.get('category-relance')!, { category: 'bougies' })).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'body.parameters.category', message: expect.stringMatching(/no delay for this category/) })] }));
  });
});

describe('birthday', () => {
  const contact = { ...camille, attributes: { birthday: '1990-03-10' } };
  const BIRTHDAY = '2026-03-10T09:00:00.000Z';
  const used = (at: string, code = 'anniv20') => ({ at, type: 'coupon.used', data: { code, orderId: 'A1' } });

  it('coupon used within the week: the thanks and referral offer the next day at 10:00, no relance', async () => {
    const result = await run('birthday', {}, { contact, events: [used('2026-03-12T15:20:00.000Z')], horizon: '30d' });
    expect(sent(result)).toEqual([
      ['sms-anniversaire', BIRTHDAY],
      ['sms-merci', '2026-03-13T09:00:00.000Z'],
    ]);
    expect(result.messages[0]!.text).toBe('Joyeux anniversaire Stéphanie ! -20% sur tout le site avec le code ANNIV20, valable 14 jours.\nSTOP au 36173');
    expect(result.messages[1]!.text).toBe('Merci Stéphanie ! Parrainez une amie : avec le code PARRAIN10, elle a -10% et vous aussi.\nSTOP au 36173');
    expect(result.runs[0]).toMatchObject({ status: 'completed', endReason: 'exit step "fin"' });
  });

  it('coupon unused after 7 days: the relance at J+7; used after it: the thanks the next day', async () => {
    const result = await run('birthday', {}, { contact, events: [used('2026-03-19T18:00:00.000Z', 'ANNIV20')], horizon: '30d' });
    expect(sent(result)).toEqual([
      ['sms-anniversaire', BIRTHDAY],
      ['sms-relance', plus(BIRTHDAY, 7 * DAY)],
      ['sms-merci', '2026-03-20T09:00:00.000Z'],
    ]);
    expect(result.messages[1]!.text).toBe('Stéphanie, votre cadeau d\'anniversaire vous attend : -20% avec le code ANNIV20, encore 7 jours.\nSTOP au 36173');
  });

  it('never used (another code does not count): birthday SMS, relance, then the run ends', async () => {
    const result = await run('birthday', {}, { contact, events: [used('2026-03-11T10:00:00.000Z', 'NOEL10')], horizon: '30d' });
    expect(sent(result)).toEqual([
      ['sms-anniversaire', BIRTHDAY],
      ['sms-relance', plus(BIRTHDAY, 7 * DAY)],
    ]);
    expect(result.runs[0]).toMatchObject({ status: 'completed', endReason: 'exit step "fin"' });
    expect(result.timeline.at(-1)).toMatchObject({ kind: 'ended', at: plus(BIRTHDAY, 14 * DAY) });
  });

  it('an unsubscribe ends the loop; the parameters change the hour, codes and delays', async () => {
    const unsubscribed = await run('birthday', {}, { contact, events: [{ at: '2026-03-11T10:00:00.000Z', type: 'contact.unsubscribed', data: { channel: 'sms', address: camille.phone, via: 'sms-keyword:STOP' } }], horizon: '30d' });
    expect(sent(unsubscribed)).toEqual([['sms-anniversaire', BIRTHDAY]]);
    expect(unsubscribed.runs[0]).toMatchObject({ status: 'exited', endReason: 'exit event contact.unsubscribed' });
    const custom = await run('birthday', { at: '11:30', couponCode: 'BDAY', relanceAfter: '3d' }, { contact, horizon: '30d' });
    expect(sent(custom)).toEqual([
      ['sms-anniversaire', '2026-03-10T10:30:00.000Z'],
      ['sms-relance', '2026-03-13T10:30:00.000Z'],
    ]);
    expect(custom.messages[0]!.text).toContain('code BDAY,');
  });
});

describe('loyalty card', () => {
  const enrolled = { type: 'loyalty.enrolled', data: { cardId: 'FID-000417', points: 50 } };

  it('welcome on enrolment; a purchase within two months: nothing more', async () => {
    const result = await run('loyalty-card', {}, { contact: camille, events: [enrolled, { at: '+40d', type: 'order.created', data: order('A1') }] });
    expect(sent(result)).toEqual([['sms-bienvenue', TUESDAY]]);
    expect(result.messages[0]!.text).toBe('Bienvenue dans notre programme fidélité Stéphanie ! Vous avez déjà 50 points, cumulez-en à chaque achat.');
    expect(result.runs[0]).toMatchObject({ status: 'completed' });
  });

  it('no purchase within two months: the relance', async () => {
    const result = await run('loyalty-card', {}, { contact: camille, events: [enrolled] });
    expect(sent(result)).toEqual([
      ['sms-bienvenue', TUESDAY],
      ['sms-relance', plus(TUESDAY, 60 * DAY)],
    ]);
    expect(result.messages[1]!.text).toBe('Stéphanie, vos points fidélité vous attendent ! -10% sur votre prochain achat avec le code FIDELE10.\nSTOP au 36173');
  });

  it('points balance after each purchase, not after a reward', async () => {
    const change = (at: string, reason: string, points: number, delta: number) => ({ at, type: 'loyalty.points_changed', data: { points, change: delta, reason, orderId: 'A1' } });
    const result = await run('loyalty-points', {}, { contact: camille, events: [change('+0s', 'purchase', 320, 60), change('+1d', 'reward', 120, -200), change('+5d', 'purchase', 150, 30)] });
    expect(result.messages.map((message) => message.text)).toEqual([
      'Merci pour votre achat Stéphanie ! +60 points : votre solde fidélité est de 320 points.',
      'Merci pour votre achat Stéphanie ! +30 points : votre solde fidélité est de 150 points.',
    ]);
    expect(result.timeline).toContainEqual(expect.objectContaining({ kind: 'notEntered', reason: 'the trigger filter does not match' }));
  });
});

describe('abandoned cart', () => {
  const cart = { cartId: 'c-981', total: { amount: 42, currency: 'EUR' }, lines: [], recoveryUrl: 'https://bougies.fr/panier?c=981', abandonedAfterMinutes: 60 };

  it('the link at once (the event comes an hour after the last change), the reminder 24 h later without an order', async () => {
    const result = await run('abandoned-cart', {}, { contact: camille, events: [{ type: 'cart.abandoned', data: cart }] });
    expect(sent(result)).toEqual([
      ['sms-panier', TUESDAY],
      ['sms-rappel', plus(TUESDAY, DAY)],
    ]);
    expect(result.messages[0]!.text).toBe('Stéphanie, votre panier vous attend ! Finalisez votre commande ici : https://bougies.fr/panier?c=981\nSTOP au 36173');
  });

  it('an order stops it', async () => {
    const result = await run('abandoned-cart', {}, { contact: camille, events: [{ type: 'cart.abandoned', data: cart }, { at: '+5h', type: 'order.created', data: order('A1') }] });
    expect(sent(result)).toEqual([['sms-panier', TUESDAY]]);
    expect(result.runs[0]).toMatchObject({ status: 'exited', endReason: 'exit event order.created' });
  });

  it('without the reminder (as the former rule sent): the link only', async () => {
    const result = await run('abandoned-cart', { reminder: false }, { contact: camille, events: [{ type: 'cart.abandoned', data: cart }] });
    expect(sent(result)).toEqual([['sms-panier', TUESDAY]]);
    expect(result.runs[0]).toMatchObject({ status: 'completed' });
  });
});

describe('per-category relance', () => {
  const bought = (at: string, categories: string[]) => ({ at, type: 'order.created', data: order(`O${at}`, { categories }) });

  it('make-up: a relance 30 days after the purchase', async () => {
    const result = await run('category-relance', {}, { contact: camille, events: [bought('+0s', ['maquillage', 'accessoires'])], horizon: '100d' });
    expect(sent(result)).toEqual([['sms-relance', plus(TUESDAY, 30 * DAY)]]);
    expect(result.messages[0]!.text).toBe('Stéphanie, il est temps de renouveler vos produits maquillage ? -10% avec le code RACHAT10.\nSTOP au 36173');
  });

  it('a new make-up purchase stops the relance and starts the count again; a purchase in another category does not', async () => {
    const result = await run('category-relance', {}, { contact: camille, events: [bought('+0s', ['maquillage']), bought('+10d', ['accessoires']), bought('+20d', ['maquillage'])], horizon: '100d' });
    expect(sent(result)).toEqual([['sms-relance', plus(TUESDAY, 50 * DAY)]]);
    expect(result.runs.map((item) => item.status)).toEqual(['exited', 'completed']);
    expect(result.timeline).toContainEqual(expect.objectContaining({ kind: 'notEntered', reason: 'the trigger filter does not match', at: plus(TUESDAY, 10 * DAY) }));
  });

  it('each category has its delay, and the tenant its own categories', async () => {
    const body = await run('category-relance', { category: 'soins-corps' }, { contact: camille, events: [bought('+0s', ['soins-corps'])], horizon: '100d' });
    expect(sent(body)).toEqual([['sms-relance', plus(TUESDAY, 55 * DAY)]]);
    expect(body.messages[0]!.text).toContain('vos produits soins du corps ?');
    const accessories = await run('category-relance', { category: 'accessoires' }, { contact: camille, events: [bought('+0s', ['accessoires'])], horizon: '100d' });
    expect(sent(accessories)).toEqual([['sms-relance', plus(TUESDAY, 85 * DAY)]]);
    const own = await run('category-relance', { category: 'bougies', categories: { bougies: { delay: '45d', label: 'bougies' } } }, { contact: camille, events: [bought('+0s', ['bougies'])], horizon: '100d' });
    expect(sent(own)).toEqual([['sms-relance', plus(TUESDAY, 45 * DAY)]]);
  });
});

describe('satisfaction survey', () => {
  const params = { reviewUrl: 'https://g.page/r/bougies/review', merchantPhone: '+33698765432' };
  const delivered = { type: 'order.status_changed', data: { ...order('1234'), status: 'delivered', previousStatus: 'shipped', shopStatus: 'completed' } };
  /** The answer as the hub publishes it, from an SMS reply (survey-replies.ts) or the page (survey-routes.ts): the same payload. */
  const answered = (at: string, score: number, via: 'sms' | 'page', ref = '1234') => ({ at, type: 'survey.answered', data: { surveyId: 'Q1w2E3r4T5y6', score, via, ref } });
  const QUESTION = plus(TUESDAY, DAY);

  describe.each(['sms', 'page'] as const)('answered by %s', (mode) => {
    const withMode = { ...params, mode };

    it('asks a day after delivery; 1 or 2: an alert to the merchant and an apology offer', async () => {
      const result = await run('satisfaction-survey', withMode, { contact: camille, events: [delivered, answered('+26h', 2, mode)] });
      expect(sent(result)).toEqual([
        ['sms-question', QUESTION],
        ['alerte-commercant', plus(TUESDAY, 26 * HOUR)],
        ['sms-excuses', plus(TUESDAY, 26 * HOUR)],
      ]);
      expect(result.messages[1]).toMatchObject({ to: '+33698765432', text: 'Avis client 1 ou 2/5 : Stéphanie Martin +33612345678, commande 1234. A rappeler.' });
      expect(result.messages[2]).toMatchObject({ to: camille.phone, text: 'Stéphanie, nous sommes désolés. Pour nous faire pardonner : -15% avec le code DESOLE15. Nous revenons vers vous.\nSTOP au 36173' });
    });

    it('1 without the merchant\'s phone: the apology offer only', async () => {
      const result = await run('satisfaction-survey', { reviewUrl: params.reviewUrl, mode }, { contact: camille, events: [delivered, answered('+26h', 1, mode)] });
      expect(sent(result).map(([step]) => step)).toEqual(['sms-question', 'sms-excuses']);
    });

    it('4 or 5: a request for a review; an answer about another order is not this one\'s', async () => {
      const result = await run('satisfaction-survey', withMode, { contact: camille, events: [delivered, answered('+25h', 1, mode, '999'), answered('+26h', 4, mode)] });
      expect(sent(result)).toEqual([
        ['sms-question', QUESTION],
        ['sms-avis', plus(TUESDAY, 26 * HOUR)],
      ]);
      expect(result.messages[1]!.text).toBe('Merci Stéphanie ! Votre avis sur https://g.page/r/bougies/review aiderait beaucoup notre boutique.');
      const five = await run('satisfaction-survey', withMode, { contact: camille, events: [delivered, answered('+30h', 5, mode)] });
      expect(sent(five).map(([step]) => step)).toEqual(['sms-question', 'sms-avis']);
    });

    it('3, or no answer within 3 days: nothing more', async () => {
      const three = await run('satisfaction-survey', withMode, { contact: camille, events: [delivered, answered('+30h', 3, mode)] });
      expect(sent(three)).toEqual([['sms-question', QUESTION]]);
      expect(three.runs[0]!.steps.map((step) => [step.stepId, step.outcome]).slice(-3)).toEqual([
        ['note-haute', 'no'],
        ['fin', 'exited'],
        ['$end', 'done'],
      ]);
      const silent = await run('satisfaction-survey', withMode, { contact: camille, events: [delivered, answered('+5d', 5, mode)] });
      expect(sent(silent)).toEqual([['sms-question', QUESTION]]);
      expect(silent.runs[0]!.steps.find((step) => step.stepId === 'attendre-reponse')!.outcome).toBe('timedOut');
    });
  });

  it('the question: a reply by SMS, or the signed link of the page', async () => {
    const sms = await run('satisfaction-survey', params, { contact: camille, events: [delivered] });
    expect(sms.messages[0]!.text).toBe('Stéphanie, votre commande est bien arrivée ? Répondez de 1 (pas satisfait) à 5 (ravi) à ce SMS pour nous donner votre avis.');
    const page = await run('satisfaction-survey', { ...params, mode: 'page' }, { contact: camille, events: [delivered] });
    expect(page.messages[0]!.text).toMatch(/^Stéphanie, votre commande est bien arrivée \? Donnez-nous votre avis en 1 clic : https:\/\/hub\.example\/s\/[0-9A-Za-z]{12}\.[\w-]{22}$/);
    const question = buildFromTemplate(library.get('satisfaction-survey')!, { ...params, mode: 'page' }).definition.steps.find((step) => step.id === 'sms-question');
    expect(question).toMatchObject({ action: { survey: { via: 'page', ref: '{{ event.data.orderId }}', validFor: '3d' } } });
  });

  it('only a delivered order starts it, once per order', async () => {
    const shipped = { type: 'order.status_changed', data: { ...delivered.data, status: 'shipped' } };
    const result = await run('satisfaction-survey', params, { contact: camille, events: [shipped, delivered, { ...delivered, at: '+1h' }] });
    expect(sent(result)).toEqual([['sms-question', QUESTION]]);
    expect(result.timeline.filter((entry) => entry.kind === 'notEntered').map((entry) => entry.kind === 'notEntered' && entry.reason)).toEqual(['the trigger filter does not match', 'a run of this contact (and key) is still going']);
  });
});

describe('order shipped / ready for pickup', () => {
  const changed = (status: string, extra: Record<string, unknown> = {}) => ({ type: 'order.status_changed', data: { ...order('1234'), status, previousStatus: 'processing', shopStatus: status, ...extra } });

  it('shipped: with the tracking link when the shop has one, without otherwise', async () => {
    const tracked = await run('order-status', {}, { contact: camille, events: [changed('shipped', { tracking: [{ number: '6A123', url: 'https://suivi.laposte.fr/6A123' }] })] });
    expect(tracked.messages.map((message) => [message.step, message.text])).toEqual([['sms-shipped-suivi', 'Stéphanie, bonne nouvelle : votre commande est expédiée ! Suivez-la ici : https://suivi.laposte.fr/6A123']]);
    const plain = await run('order-status', {}, { contact: camille, events: [changed('shipped')] });
    expect(plain.messages.map((message) => [message.step, message.text])).toEqual([['sms-shipped', 'Stéphanie, bonne nouvelle : votre commande est expédiée !']]);
  });

  it('ready for pickup; other statuses send nothing; each status once per order', async () => {
    const result = await run('order-status', {}, { contact: camille, events: [changed('processing'), changed('ready_for_pickup'), { at: '+2d', ...changed('shipped') }] });
    expect(result.messages.map((message) => message.step)).toEqual(['sms-ready_for_pickup', 'sms-shipped']);
    expect(result.messages[0]!.text).toBe('Stéphanie, votre commande vous attend en boutique : vous pouvez venir la retirer.');
    expect(result.timeline).toContainEqual(expect.objectContaining({ kind: 'notEntered', reason: 'the trigger filter does not match' }));
  });

  it('on order.created, with the tenant\'s own texts', async () => {
    const result = await run('order-status', { event: 'order.created', texts: { processing: 'Merci {{ contact.firstName }} ! Commande {{ event.data.number }} en préparation.' } }, { contact: camille, events: [{ type: 'order.created', data: order('1234') }] });
    expect(result.messages.map((message) => message.text)).toEqual(['Merci Stéphanie ! Commande 1234 en préparation.']);
  });
});

describe('win-back', () => {
  it('six months without an order: the offer', async () => {
    const result = await run('win-back', {}, { contact: camille, events: [{ type: 'order.created', data: order('A1') }] });
    // J+180 is Sunday 30 August: the marketing SMS waits for Monday 08:00 (quiet hours, summer time).
    expect(sent(result)).toEqual([['sms-reconquete', '2026-08-31T06:00:00.000Z']]);
    expect(result.runs[0]!.steps.find((step) => step.stepId === 'attendre')!.detail).toMatchObject({ until: plus(TUESDAY, 180 * DAY) });
    expect(result.messages[0]!.text).toBe('Stéphanie, vous nous manquez ! -15% sur votre prochaine commande avec le code RETOUR15, valable 1 mois.\nSTOP au 36173');
  });

  it('an order within the six months starts the count again', async () => {
    const result = await run('win-back', {}, { contact: camille, events: [{ type: 'order.created', data: order('A1') }, { at: '+100d', type: 'order.created', data: order('A2') }] });
    expect(sent(result)).toEqual([['sms-reconquete', plus(TUESDAY, 280 * DAY)]]);
    expect(result.runs.map((item) => item.status)).toEqual(['exited', 'completed']);
  });
});

describe('merchant alerts', () => {
  const merchant = { firstName: null, lastName: null, phone: '+33698765432', email: null };
  const placed = (type: string, status: string, previousStatus?: string | null) => ({ type, data: { ...order('727', { number: '727', total: { amount: 64.8, currency: 'EUR' } }), status, ...(previousStatus === undefined ? {} : { previousStatus, shopStatus: status }) } });

  it('new order: one alert when the order is placed, whichever event says so; none for an unpaid one or a later change', async () => {
    const created = await run('merchant-new-order', { phone: '06 98 76 54 32' }, { contact: merchant, events: [placed('order.created', 'processing'), { at: '+1d', ...placed('order.status_changed', 'shipped', 'processing') }] });
    expect(created.messages.map((message) => [message.step, message.to, message.text])).toEqual([['sms-alerte', '+33698765432', 'Nouvelle commande 727 : 64.8 EUR.']]);
    expect(created.timeline.filter((entry) => entry.kind === 'notEntered').map((entry) => entry.kind === 'notEntered' && entry.reason)).toEqual(['the trigger filter does not match']);
    // Created unpaid, then paid: the alert comes with the payment, once.
    const paidLater = await run('merchant-new-order', { phone: '+33698765432' }, { contact: merchant, events: [placed('order.created', 'pending'), { at: '+1h', ...placed('order.status_changed', 'processing', 'pending') }, { at: '+2h', ...placed('order.status_changed', 'on_hold', null) }] });
    expect(paidLater.messages.map((message) => message.sendAt)).toEqual([plus(TUESDAY, HOUR)]);
    expect(paidLater.timeline.filter((entry) => entry.kind === 'notEntered').map((entry) => entry.kind === 'notEntered' && entry.reason)).toEqual([
      'the trigger filter does not match',
      're-entry is not allowed and this contact (and key) already went through',
    ]);
    const definition = buildFromTemplate(library.get('merchant-new-order')!, { phone: '06 98 76 54 32' }).definition;
    expect(definition.trigger).toMatchObject({ runFor: { phone: '+33698765432' } });
    expect(() => buildFromTemplate(library.get('merchant-new-order')!, { phone: '123' })).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'body.parameters.phone' })] }));
  });

  it('stock: low stock and out of stock each their text, every event its alert; back in stock says nothing', async () => {
    const product = (type: string, stockQuantity: number, at = '+0s') => ({ at, type, data: { productId: '77', name: 'Bougie figue', stockQuantity, lowStockThreshold: 3 } });
    const result = await run('merchant-stock', { phone: '+33698765432' }, { contact: merchant, events: [product('product.stock_low', 2), product('product.out_of_stock', 0, '+1h'), product('product.back_in_stock', 5, '+2h'), product('product.stock_low', 1, '+3h')] });
    expect(result.messages.map((message) => [message.step, message.text])).toEqual([
      ['sms-stock-bas', 'Stock bas : Bougie figue (2 restant).'],
      ['sms-rupture', 'Rupture de stock : Bougie figue.'],
      ['sms-stock-bas', 'Stock bas : Bougie figue (1 restant).'],
    ]);
  });
});

describe('branch coverage', () => {
  // Runs last (the file's tests run in order): every step of every template, with its parameters at their defaults
  // (and the merchant's phone for the survey's alert), was reached by a simulation above, and every condition and
  // waitFor both ways.
  it('every template was simulated along each of its branches', () => {
    const withOptional: Record<string, Record<string, unknown>> = { 'satisfaction-survey': { merchantPhone: '+33698765432' } };
    const missing: string[] = [];
    for (const template of BUILT_IN_TEMPLATES) {
      const seen = visited.get(template.id) ?? new Set<string>();
      const { steps } = buildFromTemplate(template, { ...REQUIRED[template.id], ...withOptional[template.id] }).definition;
      for (const step of steps) {
        // Both ways where both lead somewhere (a last status test has no "no": the trigger filter admits only its statuses).
        const outcomes = step.type === 'condition' ? (['yes', 'no'] as const).filter((way) => step[way] !== undefined) : step.type === 'waitFor' ? ['happened', 'timedOut'] : [undefined];
        for (const outcome of outcomes) {
          const reached = outcome === undefined ? [...seen].some((entry) => entry.startsWith(`${step.id}:`)) : seen.has(`${step.id}:${outcome}`);
          if (!reached) missing.push(`${template.id}: ${step.id}${outcome === undefined ? '' : ` (${outcome})`}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
