/**
 * Ready rules become scenarios: the merchant alerts given at install are made active scenarios at
 * once; a shop installed before, with its stored `orderStatusSms`, `abandonedCart` and
 * `merchantAlerts`, has them moved at start into active scenarios of the library with the rule's
 * texts, restricted to that shop's events, and removed from the rules; running the move again
 * creates nothing twice; the customer then gets one SMS per status and the merchant one alert, both
 * from scenarios, the alert filed under the merchant's contact. The shop is the FakeStore (nock); the
 * hub is whole.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStore, fixture } from '../../../connectors/woocommerce/testing/fake-store.ts';
import { startShopAndHub, stopShopAndHub } from '../../../connectors/woocommerce/testing/shop-and-hub.ts';
import type { TestHub } from '../../../test/support/hub.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { MOVE_RULES_JOB, moveRulesToScenarios } from './move-rules.ts';

describe.each(['embedded', 'postgres'] as const)('moving stored customer rules into scenarios (%s)', (mode) => {
  let t: TestHub;
  const store = new FakeStore();

  beforeAll(async () => {
    t = await startShopAndHub(store, mode);
    await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } });
  });
  afterAll(async () => {
    await stopShopAndHub(store, t);
  });

  it('turns the enabled rules into active scenarios with their texts, once, and the customer is texted by them', async () => {
    const installed = await t.api('/v1/connectors/woocommerce/installations', {
      body: { storeUrl: store.url, consumerKey: store.consumerKey, consumerSecret: store.consumerSecret, settings: { shopName: 'Bougies & Co' }, rules: { merchantAlerts: { phone: '+33698765432', newOrder: true } } },
    });
    expect(installed.status).toBe(201);
    const id = installed.body.installation.id as string;
    // The alerts asked for at install: a scenario already, not a rule.
    expect(installed.body.installation.rules).toEqual({});
    const alert = `Alerte nouvelle commande · ${store.url}`;
    expect((await t.api('/v1/scenarios?status=active')).body.items.map((scenario: { name: string }) => scenario.name)).toEqual([alert]);
    // As stored before: the rules that texted customers beside the merchant's alerts.
    const legacy = {
      orderStatusSms: { enabled: true, texts: { processing: '{{ event.data.shop.name }} : commande {{ event.data.number }} en préparation.', shipped: 'Commande {{ event.data.number }} partie !' } },
      abandonedCart: { enabled: true, text: 'Votre panier : {{ event.data.recoveryUrl }}' },
      merchantAlerts: { phone: '+33698765432', newOrder: true, lowStock: false },
    };
    await t.hub.store.query('UPDATE connector_installations SET rules = $2::jsonb WHERE id = $1', [id, JSON.stringify(legacy)]);

    const deps = { db: t.hub.store, library: t.hub.automation.library, log: pino({ level: 'silent' }) };
    expect(await moveRulesToScenarios(deps)).toBe(1);
    const active = (await t.api('/v1/scenarios?status=active')).body.items as { id: string; name: string; definition: { trigger: { event: string; filter: unknown } } }[];
    expect(active.map((scenario) => scenario.name).sort()).toEqual([alert, `Confirmation de commande · ${store.url}`, `Panier abandonné · ${store.url}`, `Statut de commande · ${store.url}`].sort());
    const onCreate = active.find((scenario) => scenario.name.startsWith('Confirmation'))!;
    expect(onCreate.definition.trigger).toEqual({
      kind: 'event',
      event: 'order.created',
      filter: { kind: 'all', of: [{ kind: 'field', field: 'event.data.status', op: 'in', value: ['processing', 'shipped'] }, { kind: 'field', field: 'event.data.shop.installationId', op: 'eq', value: id }] },
    });
    const cart = active.find((scenario) => scenario.name.startsWith('Panier'))!;
    expect((cart.definition as unknown as { steps: unknown[] }).steps).toEqual([{ id: 'sms-panier', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Votre panier : {{ event.data.recoveryUrl }}' } }]);
    expect((await t.api(`/v1/connectors/woocommerce/installations/${id}`)).body.rules).toEqual({});
    // The alerts are edited as scenarios now: a PATCH naming them says where.
    const patch = await t.api(`/v1/connectors/woocommerce/installations/${id}`, { method: 'PATCH', body: { rules: { merchantAlerts: { lowStock: true } } } });
    expect(patch.status).toBe(400);
    expect(patch.body.errors).toEqual([{ path: 'body.rules.merchantAlerts', message: expect.stringContaining('/v1/scenarios') }]);

    // Cut short before the rules were rewritten, the move runs again: the scenarios are found by name, none made twice.
    await t.hub.store.query('UPDATE connector_installations SET rules = $2::jsonb WHERE id = $1', [id, JSON.stringify(legacy)]);
    await t.hub.queue.add(MOVE_RULES_JOB, {}, { jobId: MOVE_RULES_JOB });
    await waitFor(async () => (await t.api(`/v1/connectors/woocommerce/installations/${id}`)).body.rules.orderStatusSms === undefined, 'the move job at work');
    expect((await t.api('/v1/scenarios?status=active')).body.items).toHaveLength(4);

    // The customer gets the scenario's SMS, once; the merchant the alert scenario's, filed under the merchant, not the buyer.
    expect((await store.deliver('order.created', fixture('order-v3.json'))).status).toBe(200);
    const smsTo = async (to: string) => ((await t.api('/v1/messages?channel=sms&limit=50')).body.items as { to: string; text: string; contactId: string | null }[]).filter((message) => message.to === to);
    await waitFor(async () => (await smsTo('+33612345678')).length === 1 && (await smsTo('+33698765432')).length === 1, 'the customer SMS and the merchant alert');
    expect((await smsTo('+33612345678')).map((message) => message.text)).toEqual(['Bougies & Co : commande 727 en préparation.']);
    const [merchantSms] = await smsTo('+33698765432');
    expect(merchantSms!.text).toBe('Nouvelle commande 727 : 64.8 EUR.');
    const buyer = (await smsTo('+33612345678'))[0]!.contactId;
    expect(merchantSms!.contactId).not.toBe(buyer);
    expect((await t.api(`/v1/contacts/${merchantSms!.contactId}`)).body.phone).toBe('+33698765432');
    // Nothing twice: the same order again (a replay) alerts nobody again.
    expect((await store.deliver('order.updated', fixture('order-v3.json'))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await smsTo('+33698765432')).toHaveLength(1);
  });

  it('drops the rules of an uninstalled shop without making scenarios', async () => {
    const [row] = await t.hub.store.query<{ id: string }>(`SELECT id FROM connector_installations WHERE connector = 'woocommerce' LIMIT 1`);
    await t.hub.store.query(`UPDATE connector_installations SET status = 'uninstalled', rules = $2::jsonb WHERE id = $1`, [row!.id, JSON.stringify({ abandonedCart: { enabled: true } })]);
    const before = (await t.api('/v1/scenarios')).body.items.length;
    expect(await moveRulesToScenarios({ db: t.hub.store, library: t.hub.automation.library, log: pino({ level: 'silent' }) })).toBe(1);
    expect((await t.api('/v1/scenarios')).body.items).toHaveLength(before);
    expect((await t.hub.store.query<{ rules: unknown }>('SELECT rules FROM connector_installations WHERE id = $1', [row!.id]))[0]!.rules).toEqual({});
  });
});
