import { describe, expect, it } from 'vitest';
import { customerSmsRules, DEFAULT_STATUS_TEXTS, planMessages, RulesSchema, type Rules } from './rules.ts';

const allOn: Rules = RulesSchema.parse({
  orderStatusSms: { enabled: true },
  abandonedCart: { enabled: true },
  merchantAlerts: { phone: '06 98 76 54 32', newOrder: true, lowStock: true },
});

const order = (type: string, status: string, previousStatus?: string | null) => ({
  id: 'evt_1',
  type,
  data: { orderId: '727', status, ...(previousStatus === undefined ? {} : { previousStatus }) },
});

describe('ready rules settings', () => {
  it('defaults to everything off, with French texts ready', () => {
    const rules = RulesSchema.parse({});
    expect(rules.orderStatusSms).toEqual({ enabled: false, texts: DEFAULT_STATUS_TEXTS });
    expect(rules.abandonedCart.enabled).toBe(false);
    expect(rules.merchantAlerts).toMatchObject({ newOrder: false, lowStock: false });
  });

  it('normalizes the merchant\'s phone and refuses alerts without one', () => {
    expect(allOn.merchantAlerts.phone).toBe('+33698765432');
    const missing = RulesSchema.safeParse({ merchantAlerts: { newOrder: true } });
    expect(missing.success).toBe(false);
    expect(missing.error!.issues[0]).toMatchObject({ path: ['merchantAlerts', 'phone'], message: expect.stringMatching(/merchant's phone/) });
    expect(RulesSchema.safeParse({ merchantAlerts: { phone: '123' } }).success).toBe(false);
  });

  it('refuses texts that are not valid templates, naming the problem', () => {
    const parsed = RulesSchema.safeParse({ orderStatusSms: { texts: { shipped: 'Commande {{ event.data.number expédiée' } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(/never closed/);
    expect(RulesSchema.safeParse({ orderStatusSms: { texts: { teleported: 'x' } } }).success).toBe(false);
  });
});

describe('planMessages', () => {
  it.each([
    [order('order.created', 'processing'), ['order-status-sms:order:727:processing', 'merchant-new-order:order:727']],
    [order('order.created', 'pending'), []],
    [order('order.created', 'on_hold'), ['order-status-sms:order:727:on_hold', 'merchant-new-order:order:727']],
    [order('order.status_changed', 'processing', 'pending'), ['order-status-sms:order:727:processing', 'merchant-new-order:order:727']],
    [order('order.status_changed', 'processing', 'failed'), ['order-status-sms:order:727:processing', 'merchant-new-order:order:727']],
    [order('order.status_changed', 'shipped', 'processing'), ['order-status-sms:order:727:shipped']],
    [order('order.status_changed', 'shipped', null), ['order-status-sms:order:727:shipped', 'merchant-new-order:order:727']],
    [order('order.status_changed', 'completed', 'shipped'), []],
    [order('order.status_changed', 'pending', 'failed'), []],
    [{ id: 'evt_2', type: 'cart.abandoned', data: { cartId: 'c1' } }, ['cart-reminder:evt_2']],
    [{ id: 'evt_3', type: 'product.stock_low', data: { productId: '77' } }, ['merchant-stock:evt_3']],
    [{ id: 'evt_4', type: 'product.out_of_stock', data: { productId: '77' } }, ['merchant-stock:evt_4']],
    [{ id: 'evt_5', type: 'product.back_in_stock', data: { productId: '77' } }, []],
    [{ id: 'evt_6', type: 'customer.created', data: { customerId: '5' } }, []],
  ])('%j → %j', (event, expected) => {
    expect(planMessages(event, allOn).map((message) => `${message.rule}:${message.once}`)).toEqual(expected);
  });

  it('sends to the right person in the right category', () => {
    const [customer, merchant] = planMessages(order('order.created', 'processing'), allOn);
    expect(customer).toMatchObject({ to: { contact: true }, category: 'transactional', text: DEFAULT_STATUS_TEXTS.processing });
    expect(merchant).toMatchObject({ to: { phone: '+33698765432' }, category: 'transactional' });
    expect(planMessages({ id: 'e', type: 'cart.abandoned', data: {} }, allOn)[0]).toMatchObject({ to: { contact: true }, category: 'marketing' });
  });

  it('sends nothing when the rules are off, or a status has no text', () => {
    expect(planMessages(order('order.created', 'processing'), RulesSchema.parse({}))).toEqual([]);
    const noShippedText = RulesSchema.parse({ orderStatusSms: { enabled: true, texts: { processing: 'Merci !' } } });
    expect(planMessages(order('order.status_changed', 'shipped', 'processing'), noShippedText)).toEqual([]);
  });
});

describe('customer SMS rules (what a scenario could duplicate)', () => {
  it('lists exactly the enabled rules that text the customer, with the category planMessages sends', () => {
    const rules = customerSmsRules(allOn);
    expect(rules.map((rule) => rule.rule)).toEqual(['order-status-sms', 'cart-reminder']);
    for (const rule of rules) {
      for (const type of rule.eventTypes) {
        const planned = planMessages({ id: 'evt_1', type, data: { orderId: '727', status: 'processing', previousStatus: 'pending' } }, allOn).filter((message) => message.rule === rule.rule);
        expect(planned, `${rule.rule} on ${type}`).toEqual([expect.objectContaining({ to: { contact: true }, category: rule.category })]);
      }
    }
    expect(customerSmsRules(RulesSchema.parse({ merchantAlerts: { phone: '+33698765432', newOrder: true } }))).toEqual([]);
    expect(customerSmsRules(RulesSchema.parse({ orderStatusSms: { enabled: true, texts: {} } }))).toEqual([]);
  });
});
