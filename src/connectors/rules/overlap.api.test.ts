/**
 * A WooCommerce ready rule and a scenario never both text a customer for one event by default:
 * whichever is switched on second is refused (409) naming the other and how to turn it off, in both
 * directions (scenario create/activate/PUT, installation install/PATCH), unless the request says
 * both are wanted. The shop is the FakeStore (nock); the hub is whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStore } from '../../../connectors/woocommerce/testing/fake-store.ts';
import { type TestHub } from '../../../test/support/hub.ts';
import { abandonedCartRecipe, loyaltyRecipe } from '../../automation/recipes.ts';
import { startShopAndHub, stopShopAndHub } from '../../../connectors/woocommerce/testing/shop-and-hub.ts';

const shippedSms = {
  trigger: { kind: 'event', event: 'order.status_changed' },
  steps: [{ id: 'sms-expedie', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Votre commande {{ event.data.number | default: "" }} est partie.' } }],
};

describe.each(['embedded', 'postgres'] as const)('ready rules and scenarios sending on the same event (%s)', (mode) => {
  let t: TestHub;
  const store = new FakeStore();
  let api: TestHub['api'];
  let installationId = '';
  const installation = () => `/v1/connectors/woocommerce/installations/${installationId}`;

  beforeAll(async () => {
    t = await startShopAndHub(store, mode);
    api = t.api;
  });
  afterAll(async () => {
    await stopShopAndHub(store, t);
  });

  it('refuses to activate the abandoned-cart scenario while the cart reminder rule is on, unless told to keep both', async () => {
    const installed = await api('/v1/connectors/woocommerce/installations', {
      body: { storeUrl: store.url, consumerKey: store.consumerKey, consumerSecret: store.consumerSecret, settings: { shopName: 'Bougies & Co' }, rules: { abandonedCart: { enabled: true } } },
    });
    expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    installationId = installed.body.installation.id;

    const body = { name: 'Panier abandonné', activate: true, definition: abandonedCartRecipe() };
    const refused = await api('/v1/scenarios', { body });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: 'urn:hub:problem:conflict', detail: expect.stringMatching(/^Two SMS for one event: the ready rule "cart-reminder"/) });
    expect(refused.body.errors).toEqual([
      {
        path: 'body.definition.trigger.event',
        message: expect.stringContaining(
          `the ready rule "cart-reminder" of the woocommerce installation ${installationId} already sends a marketing SMS to the customer on every cart.abandoned: with this scenario active too, each customer would get two. ` +
            `Turn the rule off (PATCH /v1/connectors/woocommerce/installations/${installationId} {"rules":{"abandonedCart":{"enabled":false}}}) or send "allowReadyRuleOverlap": true to keep both.`,
        ),
      },
    ]);
    expect((await api('/v1/scenarios')).body.items).toEqual([]);
    // Validate says so before saving, with the same errors; a draft saves, with the warning.
    expect((await api('/v1/scenarios/validate', { body })).body).toEqual({ valid: false, errors: refused.body.errors, warnings: [] });
    expect((await api('/v1/scenarios/validate', { body: { ...body, activate: false } })).body).toEqual({ valid: true, errors: [], warnings: refused.body.errors });

    const draft = await api('/v1/scenarios', { body: { ...body, activate: false } });
    expect(draft.status).toBe(201);
    const activate = await api(`/v1/scenarios/${draft.body.id}/activate`, { method: 'POST' });
    expect(activate.status).toBe(409);
    expect(activate.body.errors).toEqual([{ path: 'definition.trigger.event', message: refused.body.errors[0].message }]);
    expect((await api(`/v1/scenarios/${draft.body.id}`)).body.status).toBe('draft');

    // Turning the rule off, as the answer says, lets the scenario on.
    expect((await api(installation(), { method: 'PATCH', body: { rules: { abandonedCart: { enabled: false } } } })).status).toBe(200);
    expect((await api(`/v1/scenarios/${draft.body.id}/activate`, { method: 'POST' })).body.status).toBe('active');
    await api(`/v1/scenarios/${draft.body.id}/archive`, { method: 'POST' });
    expect((await api(installation(), { method: 'PATCH', body: { rules: { abandonedCart: { enabled: true } } } })).status).toBe(200);

    // Both on, when asked for.
    const both = await api('/v1/scenarios', { body: { ...body, allowReadyRuleOverlap: true } });
    expect(both.status).toBe(201);
    expect(both.body.status).toBe('active');
    // Accepted once: changing the scenario's text does not ask again.
    const edited = abandonedCartRecipe();
    (edited.steps[0] as { action: { text: string } }).action.text = 'Votre panier vous attend : {{ event.data.recoveryUrl }}';
    expect((await api(`/v1/scenarios/${both.body.id}`, { method: 'PUT', body: { definition: edited } })).status).toBe(200);
  });

  it('refuses to switch the cart reminder rule on while an active scenario sends on cart.abandoned, unless told to keep both', async () => {
    const scenario = (await api('/v1/scenarios?status=active')).body.items.find((item: { name: string }) => item.name === 'Panier abandonné');
    expect((await api(installation(), { method: 'PATCH', body: { rules: { abandonedCart: { enabled: false } } } })).status).toBe(200);

    const refused = await api(installation(), { method: 'PATCH', body: { rules: { abandonedCart: { enabled: true } } } });
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([
      {
        path: 'body.rules.abandonedCart.enabled',
        message: expect.stringContaining(
          `the active scenario "Panier abandonné" (${scenario.id}) already sends a marketing SMS on every cart.abandoned: with the ready rule "cart-reminder" of the woocommerce installation ${installationId} on too, each customer would get two. ` +
            `Pause or archive the scenario (POST /v1/scenarios/${scenario.id}/pause) or send "allowScenarioOverlap": true to keep both.`,
        ),
      },
    ]);
    expect((await api(installation())).body.rules.abandonedCart.enabled).toBe(false);
    // Installing the same shop again with the rule on is the same switch.
    const reinstall = await api('/v1/connectors/woocommerce/installations', {
      body: { storeUrl: store.url, consumerKey: store.consumerKey, consumerSecret: store.consumerSecret, rules: { abandonedCart: { enabled: true } } },
    });
    expect(reinstall.status).toBe(409);
    expect(reinstall.body.errors[0].path).toBe('body.rules.abandonedCart.enabled');
    expect((await api(installation())).body.rules.abandonedCart.enabled).toBe(false);

    const allowed = await api(installation(), { method: 'PATCH', body: { rules: { abandonedCart: { enabled: true } }, allowScenarioOverlap: true } });
    expect(allowed.status).toBe(200);
    expect(allowed.body.rules.abandonedCart.enabled).toBe(true);
    // Accepted once: another change of the rules does not ask again.
    expect((await api(installation(), { method: 'PATCH', body: { rules: { abandonedCart: { text: 'Votre panier : {{ event.data.recoveryUrl }}' } } } })).status).toBe(200);
    await api(`/v1/scenarios/${scenario.id}/archive`, { method: 'POST' });
  });

  it('compares SMS of the same category: order status SMS (transactional) and a marketing relance both run; a transactional status scenario does not', async () => {
    expect((await api(installation(), { method: 'PATCH', body: { rules: { orderStatusSms: { enabled: true } } } })).status).toBe(200);
    const loyalty = await api('/v1/scenarios', { body: { name: 'Fidélité', activate: true, definition: loyaltyRecipe() } });
    expect(loyalty.status, JSON.stringify(loyalty.body)).toBe(201);

    const shipped = await api('/v1/scenarios', { body: { name: 'Expédition', activate: true, definition: shippedSms } });
    expect(shipped.status).toBe(409);
    expect(shipped.body.errors[0].message).toMatch(/the ready rule "order-status-sms" .* already sends a transactional SMS to the customer on every order\.status_changed.*\{"rules":\{"orderStatusSms":\{"enabled":false\}\}\}/);

    // A change of an active scenario that starts sending alongside a rule is refused too.
    const withStatusSms = loyaltyRecipe();
    withStatusSms.steps.unshift({ id: 'merci', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: 'Merci pour votre commande !' }, next: 'attendre-j7' });
    const put = await api(`/v1/scenarios/${loyalty.body.id}`, { method: 'PUT', body: { definition: withStatusSms } });
    expect(put.status).toBe(409);
    expect(put.body.errors[0]).toMatchObject({ path: 'body.definition.trigger.event', message: expect.stringMatching(/"order-status-sms".*order\.created/) });
    expect((await api(`/v1/scenarios/${loyalty.body.id}`)).body.version).toBe(1);
    expect((await api(`/v1/scenarios/${loyalty.body.id}`, { method: 'PUT', body: { definition: withStatusSms, allowReadyRuleOverlap: true } })).body.version).toBe(2);
  });
});
