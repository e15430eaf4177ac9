/**
 * The scenario library over the API: listed with parameters and defaults, read with the scenario its
 * defaults build, and instantiated, each template, into a draft scenario that then activates; bad
 * parameters answer 400 naming them. The events the templates wait for are accepted by POST /v1/events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { BUILT_IN_TEMPLATES } from './index.ts';
import { buildFromTemplate } from './instantiate.ts';

const required: Record<string, Record<string, unknown>> = {
  'satisfaction-survey': { reviewUrl: 'https://g.page/r/bougies/review' },
  'merchant-new-order': { phone: '+33698765432' },
  'merchant-stock': { phone: '+33698765432' },
};

describe.each(['embedded', 'postgres'] as const)('scenario templates API (%s)', (mode) => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub(mode);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the templates with what they need, their parameters and defaults', async () => {
    const listed = await t.api('/v1/scenario-templates');
    expect(listed.status).toBe(200);
    // The built-in ones, then the connectors' (Google Calendar's appointment reminders).
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([...BUILT_IN_TEMPLATES.map((template) => template.id), 'appointment-reminders', 'billing-reminders']);
    const birthday = listed.body.items[0];
    expect(birthday).toMatchObject({
      id: 'birthday',
      needs: { events: ['coupon.used'], data: expect.arrayContaining([expect.objectContaining({ field: 'contact.attributes.birthday' })]) },
      defaults: { at: '10:00', couponCode: 'ANNIV20', relanceAfter: '7d', referralCode: 'PARRAIN10', couponText: expect.stringContaining('{{ params.couponCode }}') },
      required: [],
    });
    expect(birthday.parameters.properties.relanceAfter).toMatchObject({ type: 'string', default: '7d' });
    const category = listed.body.items.find((item: { id: string }) => item.id === 'category-relance');
    expect(category.defaults.categories).toEqual({ maquillage: { delay: '30d', label: 'maquillage' }, accessoires: { delay: '85d', label: 'accessoires' }, 'soins-corps': { delay: '55d', label: 'soins du corps' } });
    expect(listed.body.items.find((item: { id: string }) => item.id === 'satisfaction-survey').required).toEqual(['reviewUrl']);

    const one = await t.api('/v1/scenario-templates/abandoned-cart');
    expect(one.body.preview).toEqual(JSON.parse(JSON.stringify(buildFromTemplate(BUILT_IN_TEMPLATES.find((template) => template.id === 'abandoned-cart')!, {}).definition)));
    expect((await t.api('/v1/scenario-templates/satisfaction-survey')).body.preview).toBeNull();
    const missing = await t.api('/v1/scenario-templates/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('urn:hub:problem:not-found');
  });

  it('instantiates each template into a draft scenario the engine then activates', async () => {
    for (const template of BUILT_IN_TEMPLATES) {
      const parameters = required[template.id] ?? {};
      const created = await t.api(`/v1/scenario-templates/${template.id}/instantiate`, { body: { parameters } });
      expect(created.status, `${template.id}: ${JSON.stringify(created.body)}`).toBe(201);
      const built = buildFromTemplate(template, parameters);
      expect(created.body).toMatchObject({ status: 'draft', name: built.name, description: built.description, version: 1 });
      const stored = await t.api(`/v1/scenarios/${created.body.id}`);
      expect(stored.body.definition.steps.map((step: { id: string }) => step.id)).toEqual(built.definition.steps.map((step) => step.id));
      expect((await t.api(`/v1/scenarios/${created.body.id}/activate`, { method: 'POST' })).body.status).toBe('active');
    }
    // Parameters and name given.
    const mine = await t.api('/v1/scenario-templates/category-relance/instantiate', {
      body: { name: 'Relance bougies', parameters: { category: 'bougies', categories: { bougies: { delay: '45d', label: 'bougies' } } } },
    });
    expect(mine.status).toBe(201);
    expect(mine.body.name).toBe('Relance bougies');
    expect(mine.body.definition.steps[0]).toEqual({ id: 'attendre-rachat', type: 'wait', wait: { kind: 'duration', duration: '45d' }, next: 'sms-relance' });
  });

  it('answers 400 naming the parameter, or the step a text parameter lands in', async () => {
    const bad = await t.api('/v1/scenario-templates/birthday/instantiate', { body: { parameters: { couponCode: 'ANNIV 20', at: '25:00', unknown: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.parameters', 'body.parameters.at', 'body.parameters.couponCode']);
    const typo = await t.api('/v1/scenario-templates/win-back/instantiate', { body: { parameters: { text: 'Bonjour {{ contact.fistName }}' } } });
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([{ path: 'body.definition.steps[1].action.text', message: expect.stringMatching(/step "sms-reconquete".*unknown variable "contact\.fistName"/) }]);
    expect((await t.api('/v1/scenario-templates/satisfaction-survey/instantiate', { body: {} })).body.errors).toEqual([{ path: 'body.parameters.reviewUrl', message: expect.any(String) }]);
    const merchant = await t.api('/v1/scenario-templates/satisfaction-survey/instantiate', { body: { parameters: { reviewUrl: 'https://g.page/r/x/review', merchantPhone: 'le 06' } } });
    expect(merchant.body.errors).toEqual([{ path: expect.stringMatching(/^body\.definition\.steps\[\d\]\.action\.to$/), message: expect.stringMatching(/international form/) }]);
  });

  it('takes the events the templates wait for, and the order categories from the lines', async () => {
    const examples: [string, Record<string, unknown>][] = [
      ['coupon.used', { code: 'ANNIV20', orderId: '1234' }],
      ['loyalty.enrolled', { cardId: 'FID-1' }],
      ['loyalty.points_changed', { points: 320, change: 60, reason: 'purchase' }],
      ['survey.answered', { surveyId: 'svy_1', score: 4, via: 'api' }],
    ];
    for (const [type, data] of examples) {
      const published = await t.api('/v1/events', { body: { type, subject: { phone: '+33612345678' }, data } });
      expect(published.status, `${type}: ${JSON.stringify(published.body)}`).toBe(201);
    }
    const refused = await t.api('/v1/events', { body: { type: 'survey.answered', data: { surveyId: 'svy_1', score: 9, via: 'api' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('body.data.score');

    const lines = [
      { productId: '1', name: 'Rouge à lèvres', quantity: 1, total: 20, categories: ['maquillage'] },
      { productId: '2', name: 'Crème', quantity: 1, total: 20, categories: ['soins-corps', 'maquillage'] },
    ];
    const order = await t.api('/v1/events', { body: { type: 'order.created', subject: { phone: '+33612345678' }, data: { orderId: 'C1', status: 'processing', total: { amount: 40, currency: 'EUR' }, lines } } });
    expect((await t.api(`/v1/events/${order.body.id}`)).body.data.categories).toEqual(['maquillage', 'soins-corps']);
  });
});
