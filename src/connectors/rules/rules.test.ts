import { describe, expect, it } from 'vitest';
import { scenariosForRules } from './move-rules.ts';
import { DEFAULT_NEW_ORDER_TEXT } from '../../automation/templates/merchant-alerts.ts';
import { refuseMovedRules, RulesSchema, withoutMovedRules, type Rules } from './rules.ts';

const allOn: Rules = RulesSchema.parse({ merchantAlerts: { phone: '06 98 76 54 32', newOrder: true, lowStock: true } });

describe('ready rules settings', () => {
  it('defaults to everything off, with French texts ready', () => {
    expect(RulesSchema.parse({}).merchantAlerts).toMatchObject({ newOrder: false, lowStock: false, newOrderText: DEFAULT_NEW_ORDER_TEXT });
  });

  it('normalizes the merchant\'s phone and refuses alerts without one', () => {
    expect(allOn.merchantAlerts.phone).toBe('+33698765432');
    const missing = RulesSchema.safeParse({ merchantAlerts: { newOrder: true } });
    expect(missing.success).toBe(false);
    expect(missing.error!.issues[0]).toMatchObject({ path: ['merchantAlerts', 'phone'], message: expect.stringMatching(/merchant's phone/) });
    expect(RulesSchema.safeParse({ merchantAlerts: { phone: '123' } }).success).toBe(false);
  });

  it('refuses texts that are not valid templates, naming the problem', () => {
    const parsed = RulesSchema.safeParse({ merchantAlerts: { newOrderText: 'Commande {{ event.data.number' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(/never closed/);
  });

  it('refuses the rules that became scenarios, naming the template; a merge patch removing one passes', () => {
    expect(() => refuseMovedRules({ orderStatusSms: { enabled: true }, abandonedCart: { enabled: true } }, 'body.rules')).toThrow(
      expect.objectContaining({
        issues: [
          { path: 'body.rules.orderStatusSms', message: expect.stringContaining('POST /v1/scenario-templates/order-status/instantiate') },
          { path: 'body.rules.abandonedCart', message: expect.stringContaining('POST /v1/scenario-templates/abandoned-cart/instantiate') },
        ],
      }),
    );
    expect(() => refuseMovedRules({ orderStatusSms: null, merchantAlerts: {} }, 'body.rules')).not.toThrow();
    // In a PATCH, the merchant alerts are scenarios already: refused, naming where to edit them.
    expect(() => refuseMovedRules({ merchantAlerts: { newOrder: false } }, 'body.rules', { patch: true })).toThrow(
      expect.objectContaining({ issues: [{ path: 'body.rules.merchantAlerts', message: expect.stringContaining('/v1/scenarios') }] }),
    );
    expect(withoutMovedRules({ orderStatusSms: { enabled: true }, merchantAlerts: { newOrder: false } })).toEqual({});
  });
});

describe('the customer rules stored before, as scenarios', () => {
  const shop = { account: 'https://boutique.example.fr' };

  it('an enabled order status SMS: one scenario per event, the rule\'s texts; an unpaid new order says nothing', () => {
    const plans = scenariosForRules({ orderStatusSms: { enabled: true, texts: { pending: 'En attente', shipped: 'Partie !' } } }, shop);
    expect(plans).toEqual([
      { templateId: 'order-status', name: 'Statut de commande · https://boutique.example.fr', parameters: { event: 'order.status_changed', texts: { pending: 'En attente', shipped: 'Partie !' }, trackingText: 'Partie !' } },
      { templateId: 'order-status', name: 'Confirmation de commande · https://boutique.example.fr', parameters: { event: 'order.created', texts: { shipped: 'Partie !' }, trackingText: 'Partie !' } },
    ]);
    // Stored without texts: the rule's former defaults, seven statuses.
    expect(Object.keys(scenariosForRules({ orderStatusSms: { enabled: true } }, shop)[0]!.parameters.texts as object)).toHaveLength(7);
  });

  it('the merchant\'s alerts: the merchant-new-order and merchant-stock scenarios with the phone and texts; off or without a phone: none', () => {
    expect(scenariosForRules(allOn, shop)).toEqual([
      { templateId: 'merchant-new-order', name: 'Alerte nouvelle commande · https://boutique.example.fr', parameters: { phone: '+33698765432', text: DEFAULT_NEW_ORDER_TEXT } },
      { templateId: 'merchant-stock', name: 'Alerte stock · https://boutique.example.fr', parameters: { phone: '+33698765432', lowStockText: expect.stringContaining('Stock bas'), outOfStockText: expect.stringContaining('Rupture') } },
    ]);
    expect(scenariosForRules({ merchantAlerts: { phone: '+33698765432', newOrder: false, lowStock: true, lowStockText: 'Bas : {{ event.data.name }}' } }, shop).map((plan) => [plan.templateId, plan.parameters.lowStockText])).toEqual([['merchant-stock', 'Bas : {{ event.data.name }}']]);
    expect(scenariosForRules({ merchantAlerts: { newOrder: true } }, shop)).toEqual([]);
    expect(scenariosForRules(RulesSchema.parse({}), shop)).toEqual([]);
  });

  it('an enabled cart reminder: the abandoned-cart scenario with the rule\'s text and no second reminder; disabled rules: nothing', () => {
    expect(scenariosForRules({ abandonedCart: { enabled: true, text: 'Votre panier : {{ event.data.recoveryUrl }}' } }, shop)).toEqual([
      { templateId: 'abandoned-cart', name: 'Panier abandonné · https://boutique.example.fr', parameters: { text: 'Votre panier : {{ event.data.recoveryUrl }}', reminder: false } },
    ]);
    expect(scenariosForRules({ orderStatusSms: { enabled: false }, abandonedCart: { enabled: false }, merchantAlerts: {} }, shop)).toEqual([]);
  });
});
