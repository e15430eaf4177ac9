/**
 * Save, validate and activate check a scenario alike: validate takes the body of POST /v1/scenarios
 * and answers exactly the errors save would, and template variables are checked against the
 * trigger's event schema and the contact's fields at save and at activation, not at each run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { BUILT_IN_TEMPLATES } from './templates/index.ts';
import { buildFromTemplate } from './templates/instantiate.ts';
import { ScenarioDefinitionSchema } from './scenario.ts';
import { createScenario } from './scenario-store.ts';

const smsOn = (event: string, text: string) => ({ trigger: { kind: 'event', event }, steps: [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text } }] });

describe.each(['embedded', 'postgres'] as const)('scenario checks at save, validate and activate (%s)', (mode) => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub(mode);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('validate takes the body of POST /v1/scenarios and answers the errors save answers, with the same paths', async () => {
    const required: Record<string, Record<string, unknown>> = { 'satisfaction-survey': { reviewUrl: 'https://g.page/r/bougies/review' }, 'merchant-new-order': { phone: '+33698765432' }, 'merchant-stock': { phone: '+33698765432' } };
    for (const template of BUILT_IN_TEMPLATES) {
      const body = { name: 'Recette', description: 'from the library', activate: true, definition: buildFromTemplate(template, required[template.id] ?? {}).definition };
      expect((await t.api('/v1/scenarios/validate', { body })).body).toEqual({ valid: true, errors: [] });
    }
    expect((await t.api('/v1/scenarios/validate', { body: { definition: buildFromTemplate(BUILT_IN_TEMPLATES[0]!, {}).definition } })).body).toMatchObject({ valid: true });

    const bad = {
      name: ' ',
      activate: true,
      definition: {
        trigger: { kind: 'event', event: 'order.created' },
        steps: [
          { id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Bonjour {{ contact.fistName }}, commande {{ event.data.orderID }}' }, next: 'w' },
          { id: 'w', type: 'waitFor', event: 'order.created' },
        ],
      },
    };
    const saved = await t.api('/v1/scenarios', { body: bad });
    expect(saved.status).toBe(400);
    expect(saved.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(saved.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.name', 'body.definition.steps[1].timeout']);
    const validated = await t.api('/v1/scenarios/validate', { body: bad });
    expect(validated.status).toBe(200);
    expect(validated.body).toEqual({ valid: false, errors: saved.body.errors });

    // Once the schema passes, the template variables are checked: the same errors from both.
    const typos = { ...bad, name: 'Typos', definition: { ...bad.definition, steps: [{ ...bad.definition.steps[0], next: undefined }] } };
    const savedTypos = await t.api('/v1/scenarios', { body: typos });
    expect(savedTypos.status).toBe(400);
    expect(savedTypos.body.errors).toEqual([
      { path: 'body.definition.steps[0].action.text', message: expect.stringMatching(/^step "sms" \(steps\[0\]\), action\.text: unknown variable "contact\.fistName".*contact\.firstName/) },
      { path: 'body.definition.steps[0].action.text', message: expect.stringMatching(/unknown variable "event\.data\.orderID".*event\.data\.orderId/) },
    ]);
    expect((await t.api('/v1/scenarios/validate', { body: typos })).body).toEqual({ valid: false, errors: savedTypos.body.errors });
    expect((await t.api('/v1/scenarios/validate', { body: { ...typos, unknown: 1 } })).body.errors[0]).toEqual({ path: 'body', message: expect.stringMatching(/unknown/i) });
  });

  it('PUT refuses a typo in a new version; activate refuses a stored draft that cannot run, naming the step and the field', async () => {
    const created = await t.api('/v1/scenarios', { body: { name: 'Commande', definition: smsOn('order.created', 'Commande {{ event.data.orderId }}') } });
    expect(created.status).toBe(201);
    const put = await t.api(`/v1/scenarios/${created.body.id}`, { method: 'PUT', body: { definition: smsOn('order.created', 'Commande {{ event.data.orderID }}') } });
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([{ path: 'body.definition.steps[0].action.text', message: expect.stringMatching(/unknown variable "event\.data\.orderID"/) }]);
    // Open custom events: any data path is accepted, the contact's fields are still checked.
    expect((await t.api(`/v1/scenarios/${created.body.id}`, { method: 'PUT', body: { definition: smsOn('custom.signup', '{{ event.data.plan.name }}') } })).status).toBe(200);
    expect((await t.api(`/v1/scenarios/${created.body.id}`, { method: 'PUT', body: { definition: smsOn('custom.signup', '{{ contact.prenom }}') } })).status).toBe(400);

    // A draft stored before save checked variables: activation checks it as save would.
    const legacy = await createScenario(t.hub.store, t.tenantId, { name: 'Ancien brouillon', definition: ScenarioDefinitionSchema.parse(smsOn('order.created', 'Bonjour {{ contact.fistName }}')) });
    const activated = await t.api(`/v1/scenarios/${legacy.id}/activate`, { method: 'POST' });
    expect(activated.status, JSON.stringify(activated.body)).toBe(422);
    expect(activated.body.detail).toMatch(new RegExp(`PUT /v1/scenarios/${legacy.id}`));
    expect(activated.body.errors).toEqual([{ path: 'definition.steps[0].action.text', message: expect.stringMatching(/^step "sms" \(steps\[0\]\), action\.text: unknown variable "contact\.fistName"/) }]);
    expect((await t.api(`/v1/scenarios/${legacy.id}`)).body.status).toBe('draft');
    expect((await t.api(`/v1/scenarios/${created.body.id}/activate`, { method: 'POST' })).body.status).toBe('active');
  });
});
