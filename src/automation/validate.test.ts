import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { validateScenario } from './validate.ts';

const sms = (id: string, next?: string) => ({ id, type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Bonjour' }, ...(next ? { next } : {}) });
const base = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ trigger: { kind: 'event', event: 'order.created' }, steps, ...extra });
const issuesOf = (input: unknown) => {
  const result = validateScenario(input);
  return result.ok ? [] : result.issues;
};

describe('durations', () => {
  it.each([
    ['7d', 7 * 86_400_000],
    ['24h', 86_400_000],
    ['1d12h', 36 * 3_600_000],
    ['90s', 90_000],
    ['2h30m', 9_000_000],
    ['', undefined],
    ['7 days', undefined],
    ['J+7', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('scenario validation', () => {
  it('fills defaults: entry one run per contact with re-entry, no exit events', () => {
    const result = validateScenario(base([sms('a')]));
    expect(result.ok && result.definition).toMatchObject({ entry: { per: 'contact', reentry: true }, exitEvents: [] });
  });

  it.each([
    ['unknown trigger event type', base([sms('a')], { trigger: { kind: 'event', event: 'order.placed' } }), 'trigger.event', undefined, /unknown event type "order\.placed"/],
    ['unknown waitFor event type', base([sms('a', 'w'), { id: 'w', type: 'waitFor', event: 'commande.creee', timeout: '1d' }]), 'steps[1].event', 'w', /unknown event type "commande\.creee"/],
    ['unknown exit event type', base([sms('a')], { exitEvents: [{ event: 'coupon.utilise' }] }), 'exitEvents[0].event', undefined, /unknown event type "coupon\.utilise"/],
    ['goto without a limit', base([sms('a', 'g'), { id: 'g', type: 'goto', target: 'a' }]), 'steps[1].maxRotations', 'g', /a goto needs a limit, maxRotations/],
    ['SMS action missing its template', base([{ id: 'a', type: 'action', action: { kind: 'sendSms', category: 'marketing' } }]), 'steps[0].action.text', 'a', /an SMS action needs its template/],
    ['email action with an empty subject', base([{ id: 'a', type: 'action', action: { kind: 'sendEmail', category: 'marketing', subject: ' ', text: 'x' } }]), 'steps[0].action.subject', 'a', /empty/],
    ['template syntax', base([{ id: 'a', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Bonjour {{ contact.firstName' } }]), 'steps[0].action.text', 'a', /never closed/],
    ['template variable outside the context', base([{ id: 'a', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Code {{ coupon.code }}' } }]), 'steps[0].action.text', 'a', /unknown variable "coupon\.code"/],
    ['waitFor without timeout', base([sms('a', 'w'), { id: 'w', type: 'waitFor', event: 'order.created', happened: 'a' }]), 'steps[1].timeout', 'w', /a waitFor needs a timeout/],
    ['dangling branch target', base([{ id: 'c', type: 'condition', if: { kind: 'consent', channel: 'sms', status: 'granted' }, yes: 'envoi', no: 'fin' }, sms('envoi'), { id: 'fn', type: 'exit' }]), 'steps[0].no', 'c', /goes to "fin", which is not a step/],
    ['unreachable step', base([sms('a'), sms('b')]), 'steps[1]', 'b', /unreachable/],
    ['cycle not through a goto', base([sms('a', 'b'), { id: 'b', type: 'wait', wait: { kind: 'duration', duration: '1d' }, next: 'a' }]), 'steps[0]', 'a', /"a" → "b" → "a" form a loop that does not go through a goto/],
    ['duplicate step ids', base([sms('a', 'a2'), { ...sms('a'), id: 'a2' }, sms('a')]), 'steps[2].id', 'a', /already used by steps\[0\]/],
    ['bad duration', base([{ id: 'w', type: 'wait', wait: { kind: 'duration', duration: 'J+7' } }]), 'steps[0].wait.duration', 'w', /"J\+7" is not a duration/],
    ['messageStatus on a step that sends nothing', base([{ id: 'w', type: 'wait', wait: { kind: 'duration', duration: '1d' }, next: 'c' }, { id: 'c', type: 'condition', if: { kind: 'messageStatus', step: 'w', status: ['delivered'] } }]), 'steps[1].if', 'c', /sends no message/],
    ['unknown step type', base([{ id: 'x', type: 'delay' }]), 'steps[0].type', 'x', /step\.type is one of/],
    ['key without per contactAndKey', base([sms('a')], { entry: { per: 'contact', key: 'event.data.orderId' } }), 'entry.key', undefined, /only applies with per "contactAndKey"/],
    ['publishEvent data not matching the catalog', base([{ id: 'p', type: 'action', action: { kind: 'publishEvent', event: 'order.created', data: { orderId: 1 } } }]), 'steps[0].action.data.orderId', 'p', /does not match the schema of "order\.created"/],
  ])('%s', (_title, input, path, step, message) => {
    const issues = issuesOf(input);
    const issue = issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issues, null, 2)).toBeDefined();
    expect(issue!.step).toBe(step);
    expect(issue!.message).toMatch(message);
    if (step !== undefined) expect(issue!.message).toContain(`step "${step}"`);
  });

  it('names connector actions that no connector registered', () => {
    const input = base([{ id: 'k', type: 'action', action: { kind: 'connector', connector: 'woocommerce', action: 'createCoupon' } }]);
    expect(validateScenario(input)).toMatchObject({ ok: true });
    const result = validateScenario(input, { connectorAction: () => false, connectorActionNames: () => ['brevo.addContact'] });
    expect(result.ok ? [] : result.issues).toEqual([
      expect.objectContaining({ path: 'steps[0].action.action', step: 'k', message: expect.stringMatching(/no connector action "woocommerce\.createCoupon".*available: brevo\.addContact/) }),
    ]);
  });

  it('lists every problem, not only the first', () => {
    const issues = issuesOf(base([sms('a', 'nowhere'), sms('b'), { id: 'g', type: 'goto', target: 'a', maxRotations: 0 }]));
    expect(issues.map((issue) => issue.path)).toEqual(['steps[2].maxRotations']);
    const graph = issuesOf(base([sms('a', 'nowhere'), sms('b')]));
    expect(graph.map((issue) => issue.path).sort()).toEqual(['steps[0].next', 'steps[1]']);
  });

  describe('template variables against the trigger', () => {
    const smsOn = (trigger: unknown, text: string) => ({ trigger, steps: [{ id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text } }] });
    const onOrder = { kind: 'event', event: 'order.created' };

    it.each([
      ['a contact field typo', onOrder, 'Bonjour {{ contact.fistName }}', /unknown variable "contact\.fistName".*available: contact\.id, contact\.firstName/],
      ['an event data typo on order.created', onOrder, 'Commande {{ event.data.orderID }}', /unknown variable "event\.data\.orderID".*available: event\.data\.orderId/],
      ['a field under a text', onOrder, '{{ event.data.orderId.number }}', /unknown variable "event\.data\.orderId\.number".*event\.data\.orderId has no fields here/],
      ['a nested typo', onOrder, '{{ event.data.total.amout }}', /unknown variable "event\.data\.total\.amout".*available: event\.data\.total\.amount, event\.data\.total\.currency/],
      ['a list item field typo', onOrder, '{{ event.data.lines.0.nom }}', /unknown variable "event\.data\.lines\.0\.nom".*available: event\.data\.lines\.0\.productId/],
      ['a list read by name', onOrder, '{{ event.data.lines.name }}', /event\.data\.lines is a list: name an item by its position/],
      ['an object read as text', onOrder, 'Total {{ event.data.total }}', /"event\.data\.total" is an object, not text/],
      ['a field of the date trigger it does not have', { kind: 'date', field: 'contact.attributes.birthday' }, 'Code {{ event.data.annee }}', /unknown variable "event\.data\.annee".*available: event\.data\.field, event\.data\.date, event\.data\.year/],
      ['an event field typo', { kind: 'event', event: 'custom.signup' }, '{{ event.dat.plan }}', /unknown variable "event\.dat\.plan".*available: event\.id, event\.type/],
      ['the unsubscribe link in an SMS', onOrder, 'Stop: {{ message.unsubscribeUrl }}', /unknown variable "message\.unsubscribeUrl".*available: message\.id/],
    ])('refuses %s, naming the step and the field', (_title, trigger, text, message) => {
      const issues = issuesOf(smsOn(trigger, text));
      expect(issues, JSON.stringify(issues)).toEqual([expect.objectContaining({ path: 'steps[0].action.text', step: 'sms', message: expect.stringMatching(message) })]);
      expect(issues[0]!.message).toMatch(/^step "sms" \(steps\[0\]\), action\.text: /);
    });

    it.each([
      ['contact fields, attributes and external ids', onOrder, '{{ contact.firstName | default: "" }} {{ contact.attributes.anything.deep }} {{ contact.externalIds.woocommerce }} {{ contact.phone }}'],
      ['order data, nested and in lists', onOrder, '{{ event.data.orderId }} {{ event.data.total.amount }} {{ event.data.lines.0.name }} {{ event.data.shop.name }} {{ event.data.tracking.0.url }}'],
      ['the event\'s own fields and the message id', onOrder, '{{ event.type }} {{ event.id }} {{ event.source }} {{ event.occurredAt }} {{ message.id }}'],
      ['any data path of an open custom event', { kind: 'event', event: 'custom.signup' }, '{{ event.data.plan }} {{ event.data.any.depth.0 }}'],
      ['a record\'s keys (form fields)', { kind: 'event', event: 'form.submitted' }, '{{ event.data.fields.city }}'],
      ['the segment entered', { kind: 'segment', segmentId: 'seg_1' }, '{{ event.data.segmentName }}'],
      ['nullable fields of contact events', { kind: 'event', event: 'contact.created' }, '{{ event.data.phone | default: "" }}'],
    ])('accepts %s', (_title, trigger, text) => {
      expect(issuesOf(smsOn(trigger, text))).toEqual([]);
    });

    it('with several trigger types (also), templates read only what all of them carry', () => {
      const both = { kind: 'event', event: 'order.created', also: ['order.status_changed'] };
      expect(issuesOf(smsOn(both, '{{ event.data.orderId }} {{ event.data.total.amount }}'))).toEqual([]);
      expect(issuesOf(smsOn(both, '{{ event.data.previousStatus }}'))).toEqual([expect.objectContaining({ message: expect.stringMatching(/unknown variable "event\.data\.previousStatus"/) })]);
      expect(issuesOf(smsOn({ kind: 'event', event: 'order.created', also: ['order.created'] }, 'x')).map((issue) => issue.path)).toEqual(['trigger.also']);
    });

    it('checks email subjects and bodies; the unsubscribe link only in marketing email', () => {
      const email = (category: string, html: string) => ({
        trigger: onOrder,
        steps: [{ id: 'mail', type: 'action', action: { kind: 'sendEmail', category, subject: 'Commande {{ event.data.numero }}', text: 'Merci', html } }],
      });
      expect(issuesOf(email('marketing', '<a href="{{ message.unsubscribeUrl }}">stop</a>')).map((issue) => issue.path)).toEqual(['steps[0].action.subject']);
      expect(issuesOf(email('transactional', '<a href="{{ message.unsubscribeUrl }}">stop</a>')).map((issue) => issue.path)).toEqual(['steps[0].action.subject', 'steps[0].action.html']);
    });

    it('checks the templates of connector action inputs and installation', () => {
      const action = (input: Record<string, unknown>, installation?: string) => ({
        trigger: onOrder,
        steps: [{ id: 'note', type: 'action', action: { kind: 'connector', connector: 'woocommerce', action: 'add-order-note', ...(installation ? { installation } : {}), input } }],
      });
      const context = { connectorAction: () => true, connectorActionInput: () => z.object({ orderId: z.string(), note: z.string() }).strict() };
      expect(validateScenario(action({ orderId: '{{event.data.orderId}}', note: 'SMS de relance envoyé' }, '{{ event.data.shop.installationId }}'), context)).toMatchObject({ ok: true });
      const result = validateScenario(action({ orderId: '{{ event.data.orderid }}', note: 'x' }, '{{ event.data.shop.id }}'), context);
      expect(result.ok ? [] : result.issues).toEqual([
        expect.objectContaining({ path: 'steps[0].action.installation', step: 'note', message: expect.stringMatching(/unknown variable "event\.data\.shop\.id".*available: event\.data\.shop\.installationId/) }),
        expect.objectContaining({ path: 'steps[0].action.input.orderId', step: 'note', message: expect.stringMatching(/unknown variable "event\.data\.orderid"/) }),
      ]);
    });

    it('accepts every scenario definition shown in docs/automation.md', () => {
      const doc = readFileSync(new URL('../../docs/automation.md', import.meta.url), 'utf8');
      const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);
      const definitions = blocks
        .filter((block) => block.trim().startsWith('{') && block.includes('"trigger"') && block.includes('"steps"'))
        .map((block) => JSON.parse(block) as { definition?: unknown })
        .map((parsed) => parsed.definition ?? parsed);
      // The ready-made scenarios are in the library (docs/scenario-templates.md, checked by templates.test.ts).
      expect(definitions.length).toBeGreaterThanOrEqual(1);
      for (const definition of definitions) expect(issuesOf(definition), JSON.stringify(definition)).toEqual([]);
    });
  });
});
