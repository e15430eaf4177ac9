/**
 * The connector action step in the interpreter (on the in-memory port, with the port's connector
 * call replaced): the input rendered from the run's contact and event, a result kept on the step's
 * record so a retry does not act again, transient failures retried and recorded until the retry
 * window closes, permanent ones ending the run. And its input templates as pure functions.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SENDING_SETTINGS } from '../sending/settings.ts';
import { ConnectorActionRegistry, type ConnectorActionContext } from './connector-actions.ts';
import { actionTemplateContext, inputTemplateIssues, renderActionInput, underTemplate } from './action-input.ts';
import { advance, CONNECTOR_RETRY_WINDOW_MS, StepFailure, type AutomationPort, type ConnectorCall } from './interpreter.ts';
import { MemoryWorld, type SimulatedContact } from './memory-port.ts';
import type { ScenarioHandle } from './on-event.ts';
import type { Run, RunEvent } from './run.ts';
import { storePort, type StorePortDeps } from './store-port.ts';
import { validateScenario } from './validate.ts';

const START = new Date('2026-03-03T09:00:00.000Z');
const trigger: RunEvent = { id: 'evt_1', type: 'order.created', source: 'woocommerce', occurredAt: START.toISOString(), data: { orderId: '727', total: { amount: 64.8 }, paid: true, coupon: null } };
const contact = (): SimulatedContact => ({
  id: 'con_1',
  firstName: 'Camille',
  lastName: null,
  email: null,
  phone: '+33612345678',
  locale: 'fr',
  timeZone: 'Europe/Paris',
  attributes: { tier: 'gold' },
  externalIds: {},
  consent: { sms: 'granted', email: 'granted' },
  lists: new Set(),
  segments: new Set(),
  optedOut: { sms: false, email: false },
});

describe('connector action input templates', () => {
  const context = actionTemplateContext(contact(), trigger);

  it.each([
    ['plain values stay as written', { note: 'SMS envoyé', customerNote: false, n: 3 }, { note: 'SMS envoyé', customerNote: false, n: 3 }],
    ['a tag in text renders to text', { note: 'Relance de {{ contact.firstName }} ({{ contact.attributes.tier | upcase }})' }, { note: 'Relance de Camille (GOLD)' }],
    ['a value that is one tag keeps a number or a boolean', { orderId: '{{event.data.orderId}}', amount: '{{ event.data.total.amount }}', paid: '{{ event.data.paid }}' }, { orderId: '727', amount: 64.8, paid: true }],
    ['a filter makes it text', { amount: '{{ event.data.total.amount | default: "0" }}' }, { amount: '64.8' }],
    ['nested objects and lists', { lines: [{ sku: '{{ event.data.orderId }}-A' }], meta: { by: '{{ event.type }}' } }, { lines: [{ sku: '727-A' }], meta: { by: 'order.created' } }],
    ['an empty value takes its default', { code: '{{ event.data.coupon | default: "AUCUN" }}' }, { code: 'AUCUN' }],
  ])('%s', (_title, input, expected) => {
    expect(renderActionInput(input, context)).toEqual({ ok: true, input: expected });
  });

  it('strict like messages: unknown variables and empty values without default name the field', () => {
    const result = renderActionInput({ orderId: '{{ event.data.orderid }}', lines: [{ code: '{{ event.data.coupon }}' }] }, context);
    expect(result).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^input\.orderId: unknown variable "event\.data\.orderid"/), expect.stringMatching(/^input\.lines\[0\]\.code: "event\.data\.coupon" has no value/)],
    });
  });

  it('save-time checks: syntax and variables other than contact and event; which paths hold templates', () => {
    expect(inputTemplateIssues({ a: '{{ message.id }}', b: { c: 'x {{ contact.firstName' }, d: 'plain' })).toEqual([
      { path: ['a'], message: expect.stringMatching(/unknown variable "message\.id": a connector action's input reads contact/) },
      { path: ['b', 'c'], message: expect.stringMatching(/never closed/) },
    ]);
    const input = { orderId: '{{ event.data.orderId }}', lines: ['{{ event.data.x }}', 'plain'], note: 'text' };
    expect([underTemplate(input, ['orderId']), underTemplate(input, ['lines', 0]), underTemplate(input, ['lines', 1]), underTemplate(input, ['note']), underTemplate(input, ['missing'])]).toEqual([true, true, false, false, false]);
  });
});

describe('scenario validation of connector actions', () => {
  const noteInput = (input: unknown) => ({
    trigger: { kind: 'event', event: 'order.created' },
    steps: [{ id: 'note', type: 'action', action: { kind: 'connector', connector: 'woocommerce', action: 'add-order-note', input } }],
  });
  const registered = () => {
    const schema = z.object({ orderId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]), note: z.string().min(1), customerNote: z.boolean().default(false) }).strict();
    return {
      connectorAction: (connector: string, action: string) => `${connector}.${action}` === 'woocommerce.add-order-note',
      connectorActionNames: () => ['woocommerce.add-order-note', 'woocommerce.get-order'],
      connectorActionInput: (connector: string, action: string) => (`${connector}.${action}` === 'woocommerce.add-order-note' ? schema : undefined),
    };
  };

  it('accepts a registered action whose templated values will be checked once rendered', async () => {
    expect(validateScenario(noteInput({ orderId: '{{event.data.orderId}}', note: 'SMS de relance envoyé', customerNote: '{{ contact.attributes.visible }}' }), registered())).toMatchObject({ ok: true });
  });

  it.each([
    ['a missing field', { orderId: 727 }, 'steps[0].action.input.note', /step "note" \(steps\[0\]\), action\.input\.note: .*\(input of woocommerce\.add-order-note\)/],
    ['a literal of the wrong type', { orderId: 'abc', note: 'x' }, 'steps[0].action.input.orderId', /action\.input\.orderId: /],
    ['an unknown field', { orderId: 727, note: 'x', notify: true }, 'steps[0].action.input', /action\.input: .*"notify"/],
    ['a template reading outside contact and event', { orderId: 727, note: '{{ message.id }}' }, 'steps[0].action.input.note', /unknown variable "message\.id"/],
  ])('refuses %s, naming the step and the field', async (_title, input, path, message) => {
    const result = validateScenario(noteInput(input), registered());
    const issues = result.ok ? [] : result.issues;
    expect(issues, JSON.stringify(issues)).toEqual([expect.objectContaining({ path, step: 'note', message: expect.stringMatching(message) })]);
  });

  it('refuses an action no connector offers, listing those that are', async () => {
    const result = validateScenario({ ...noteInput({}), steps: [{ id: 'k', type: 'action', action: { kind: 'connector', connector: 'woocommerce', action: 'create-coupon' } }] }, registered());
    expect(result.ok ? [] : result.issues).toEqual([
      expect.objectContaining({ path: 'steps[0].action.action', step: 'k', message: expect.stringMatching(/no connector action "woocommerce\.create-coupon" is available \(available: woocommerce\.add-order-note, woocommerce\.get-order\)/) }),
    ]);
  });
});

describe('the connector step in the interpreter', () => {
  async function setUp(connector: AutomationPort['connector'], input: Record<string, unknown> = { orderId: '{{ event.data.orderId }}', note: 'Relance envoyée à {{ contact.firstName }}' }) {
    const validation = validateScenario({
      trigger: { kind: 'event', event: 'order.created' },
      steps: [{ id: 'note', type: 'action', action: { kind: 'connector', connector: 'woocommerce', action: 'add-order-note', input }, next: 'fin' }, { id: 'fin', type: 'exit' }],
    });
    if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
    const definition = validation.definition;
    const world = new MemoryWorld({ tenantId: 'ten_1', scenarioId: 'scn_1', contact: contact(), start: START, settings: DEFAULT_SENDING_SETTINGS, messageStatus: 'delivered' });
    const scenario: ScenarioHandle = { id: 'scn_1', tenantId: 'ten_1', status: 'active', activeVersion: 1, latestVersion: 1, definition: async () => definition };
    const started = await world.registry.start({ scenario, version: 1, definition, contactId: 'con_1', key: '', trigger, reason: 'test' }, () => ({ start: true }));
    const port: AutomationPort = { ...world.port, connector };
    return { world, definition, port, run: started.run! };
  }

  it('renders the input for the run and records the result; a retry after a crash reuses it instead of acting again', async () => {
    const calls: { call: ConnectorCall; key: string }[] = [];
    const { world, definition, port, run } = await setUp(async (_run, call, key) => {
      calls.push({ call, key });
      return { output: { noteId: '2811' }, installationId: 'ins_1' };
    });
    // The first worker dies before completing the step.
    await expect(advance(run, definition, { ...port, complete: async () => Promise.reject(new Error('SIGKILL')) })).rejects.toThrow('SIGKILL');
    const after = await advance(run, definition, port);
    expect(after.status).toBe('completed');
    expect(calls).toEqual([{ call: { connector: 'woocommerce', action: 'add-order-note', installation: undefined, input: { orderId: '727', note: 'Relance envoyée à Camille' } }, key: `scn:${run.id}:note:0` }]);
    expect(world.recordsOf(run.id).find((record) => record.stepId === 'note')).toMatchObject({ state: 'done', outcome: 'done', detail: { connector: 'woocommerce', action: 'add-order-note', installationId: 'ins_1', output: { noteId: '2811' } } });
  });

  it('a template that cannot render for this run fails the step, naming the field', async () => {
    // `number` is an optional field of order.created (accepted at save) that this order does not have.
    const { world, definition, port, run } = await setUp(async () => ({ output: null }), { orderId: '{{ event.data.number }}', note: 'x' });
    const after = await advance(run, definition, port);
    expect(after).toMatchObject({ status: 'failed', endReason: expect.stringMatching(/^step "note": woocommerce\.add-order-note: action\.input\.orderId: unknown variable "event\.data\.number"/) });
    expect(world.recordsOf(run.id).find((record) => record.stepId === 'note')).toMatchObject({ state: 'failed', outcome: 'failed' });
  });

  it('a permanent failure ends the run at once; a transient one is thrown for the job to retry, recorded, and given up after the window', async () => {
    let failure: Error = new StepFailure('WooCommerce ins_1: The store refused adding a note (HTTP 400).');
    const attempts: number[] = [];
    const { world, definition, port, run } = await setUp(async () => {
      attempts.push(world.clock);
      throw failure;
    });
    const refused = await advance(run, definition, port);
    expect(refused).toMatchObject({ status: 'failed', endReason: 'step "note": WooCommerce ins_1: The store refused adding a note (HTTP 400).' });
    expect(attempts).toHaveLength(1);

    const second = await setUp(async () => {
      throw failure;
    });
    failure = new Error('The store failed while adding a note to order 727 (HTTP 503). It is retried later.');
    await expect(advance(second.run, second.definition, second.port)).rejects.toThrow(/HTTP 503/);
    await expect(advance(second.run, second.definition, second.port)).rejects.toThrow(/HTTP 503/);
    expect(second.world.recordsOf(second.run.id).find((record) => record.stepId === 'note')).toMatchObject({ state: 'started', detail: { attempts: 2, lastError: expect.stringMatching(/HTTP 503/) } });
    second.world.clock += CONNECTOR_RETRY_WINDOW_MS;
    const gaveUp = await advance(second.run, second.definition, second.port);
    expect(gaveUp).toMatchObject({ status: 'failed', endReason: expect.stringMatching(/^step "note": woocommerce\.add-order-note kept failing for 24 h \(3 attempts\), last: The store failed/) });
  });
});

describe('the store port\'s connector call', () => {
  const registry = new ConnectorActionRegistry();
  const received: { context: ConnectorActionContext; input: Record<string, unknown> }[] = [];
  registry.register({
    connector: 'woocommerce',
    action: 'add-order-note',
    title: 'WooCommerce: Add an order note',
    input: z.object({ orderId: z.string().regex(/^\d+$/).transform(Number), note: z.string().min(1) }).strict(),
    run: async (context, input) => {
      received.push({ context, input });
      return { output: { noteId: '1' }, installationId: 'ins_1' };
    },
  });
  // Only the registry is read by the connector call.
  const port = storePort({ connectorActions: registry } as unknown as StorePortDeps);
  const run = { id: 'run_1', tenantId: 'ten_1', contactId: 'con_1', trigger } as Run;
  const call = (action: string, input: Record<string, unknown>, installation?: string) => port.connector(run, { connector: 'woocommerce', action, installation, input }, 'scn:run_1:note:0');

  it('hands the registered action the input as rendered (checked first) and the run\'s context', async () => {
    expect(await call('add-order-note', { orderId: '727', note: 'x' }, 'ins_1')).toEqual({ output: { noteId: '1' }, installationId: 'ins_1' });
    expect(received).toEqual([
      {
        context: { tenantId: 'ten_1', contactId: 'con_1', runId: 'run_1', idempotencyKey: 'scn:run_1:note:0', installationId: 'ins_1', trigger: { source: 'woocommerce', data: trigger.data } },
        input: { orderId: '727', note: 'x' },
      },
    ]);
  });

  it('an action no connector offers (any more) and a rendered input the action refuses fail the step, naming the field', async () => {
    const unknown = await call('create-coupon', {}).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(StepFailure);
    expect((unknown as Error).message).toBe('no connector action "woocommerce.create-coupon" is available (available: woocommerce.add-order-note)');
    const invalid = await call('add-order-note', { orderId: 'A-727', note: '' }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(StepFailure);
    expect((invalid as Error).message).toMatch(/^woocommerce\.add-order-note: action\.input\.orderId: .*; action\.input\.note: /);
  });
});
