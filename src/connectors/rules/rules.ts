/**
 * Ready rules: the four scenarios every shop asks for on day one, as plain event → message rules,
 * configured per connector installation. They stand in until the automation engine (src/automation)
 * can run them as scenarios; docs/connectors/contract.md says how to retire them. Pure: which
 * messages an event calls for. `rules-source.ts` sends them through the sending core.
 */
import { z } from 'zod';
import { OrderStatusSchema } from '../../bus/catalog/commerce.ts';
import { normalizePhone } from '../../contacts/phone.ts';
import { parseTemplate, TemplateError } from '../../sending/template.ts';

type OrderStatus = z.infer<typeof OrderStatusSchema>;

const TemplateText = z
  .string()
  .trim()
  .min(1)
  .max(1000)
  .superRefine((text, context) => {
    try {
      parseTemplate(text);
    } catch (error) {
      if (error instanceof TemplateError) context.addIssue({ code: 'custom', message: error.message });
      else throw error;
    }
  });

/** French defaults, GSM-7 only (no ê, ç, ’): one segment each with a short shop name and order number. */
export const DEFAULT_STATUS_TEXTS: Partial<Record<OrderStatus, string>> = {
  processing: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} est en préparation. Merci !',
  on_hold: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} est en attente (paiement ou stock). Nous revenons vers vous vite.',
  shipped: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} est expédiée !',
  delivered: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} a été livrée. Bonne journée !',
  cancelled: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} a été annulée.',
  refunded: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} a été remboursée.',
  failed: '{{ event.data.shop.name }} : le paiement de la commande {{ event.data.number }} a échoué. Vous pouvez réessayer sur la boutique.',
};

export const DEFAULT_CART_TEXT = '{{ event.data.shop.name }} : votre panier vous attend ! Finalisez votre commande ici : {{ event.data.recoveryUrl }}';
export const DEFAULT_NEW_ORDER_TEXT = 'Nouvelle commande {{ event.data.number }} : {{ event.data.total.amount }} {{ event.data.total.currency }}.';
export const DEFAULT_LOW_STOCK_TEXT = 'Stock bas : {{ event.data.name }} ({{ event.data.stockQuantity | default: "?" }} restant).';
export const DEFAULT_OUT_OF_STOCK_TEXT = 'Rupture de stock : {{ event.data.name }}.';

const MerchantPhone = z
  .string()
  .trim()
  .max(64)
  .superRefine((phone, context) => {
    const result = normalizePhone(phone);
    if (!result.ok) context.addIssue({ code: 'custom', message: `${result.message}; give it in international form, e.g. +33612345678` });
  })
  .transform((phone) => {
    const result = normalizePhone(phone);
    return result.ok ? result.e164 : phone;
  });

export const RulesSchema = z
  .object({
    orderStatusSms: z
      .object({
        enabled: z.boolean().default(false),
        texts: z.partialRecord(OrderStatusSchema, TemplateText).default(DEFAULT_STATUS_TEXTS).describe('One text per hub status; a status without a text sends nothing.'),
      })
      .strict()
      .prefault({})
      .describe('Transactional SMS to the customer when an order reaches a status.'),
    abandonedCart: z
      .object({ enabled: z.boolean().default(false), text: TemplateText.default(DEFAULT_CART_TEXT) })
      .strict()
      .prefault({})
      .describe('Marketing SMS (needs the shopper\'s consent) when a cart is abandoned; an order placed meanwhile stops it.'),
    merchantAlerts: z
      .object({
        phone: MerchantPhone.optional().describe('The merchant\'s mobile, e.g. +33612345678.'),
        newOrder: z.boolean().default(false),
        newOrderText: TemplateText.default(DEFAULT_NEW_ORDER_TEXT),
        lowStock: z.boolean().default(false),
        lowStockText: TemplateText.default(DEFAULT_LOW_STOCK_TEXT),
        outOfStockText: TemplateText.default(DEFAULT_OUT_OF_STOCK_TEXT),
      })
      .strict()
      .prefault({})
      .superRefine((alerts, context) => {
        if ((alerts.newOrder || alerts.lowStock) && alerts.phone === undefined) context.addIssue({ code: 'custom', path: ['phone'], message: 'give the merchant\'s phone to receive alerts' });
      })
      .describe('SMS to the merchant: each new order, low and out-of-stock products.'),
  })
  .strict()
  .meta({ id: 'ReadyRules' });

export type Rules = z.output<typeof RulesSchema>;

export type RuleId = 'order-status-sms' | 'cart-reminder' | 'merchant-new-order' | 'merchant-stock';

export const RULE_IDS: readonly RuleId[] = ['order-status-sms', 'cart-reminder', 'merchant-new-order', 'merchant-stock'];

/**
 * An enabled rule that sends the event's own customer an SMS, and the events it answers: what a
 * scenario sending on the same events would duplicate (overlap.ts). Merchant alerts go to the
 * merchant, so no scenario duplicates them.
 */
export interface CustomerSmsRule {
  rule: RuleId;
  category: PlannedMessage['category'];
  eventTypes: readonly string[];
  /** Where in the rules it is switched on, e.g. ["abandonedCart", "enabled"]. */
  switchPath: readonly string[];
}

export function customerSmsRules(rules: Rules): CustomerSmsRule[] {
  const out: CustomerSmsRule[] = [];
  if (rules.orderStatusSms.enabled && Object.values(rules.orderStatusSms.texts).some((text) => text !== undefined)) {
    out.push({ rule: 'order-status-sms', category: 'transactional', eventTypes: ['order.created', 'order.status_changed'], switchPath: ['orderStatusSms', 'enabled'] });
  }
  if (rules.abandonedCart.enabled) out.push({ rule: 'cart-reminder', category: 'marketing', eventTypes: ['cart.abandoned'], switchPath: ['abandonedCart', 'enabled'] });
  return out;
}

export interface PlannedMessage {
  rule: RuleId;
  /** The event's contact, or the merchant's phone. */
  to: { contact: true } | { phone: string };
  category: 'marketing' | 'transactional';
  text: string;
  /**
   * What the message is sent once for: the event, or a business key (one new-order alert per
   * order, one SMS per order and status even if two events say so).
   */
  once: string;
}

export interface RuleEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** Statuses at which an order counts as placed (the merchant's "new order"), as WooCommerce's own new-order email does. */
const PLACED: ReadonlySet<string> = new Set(['processing', 'on_hold', 'shipped', 'delivered', 'completed']);
const NOT_YET_PLACED: ReadonlySet<string | null> = new Set([null, 'pending', 'failed']);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The messages an event calls for under these rules; empty for events no rule is about. */
export function planMessages(event: RuleEvent, rules: Rules): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  const { data } = event;
  const status = str(data.status);
  const orderId = str(data.orderId);
  switch (event.type) {
    case 'order.created':
    case 'order.status_changed': {
      if (status === undefined || orderId === undefined) break;
      const previous = event.type === 'order.created' ? null : (str(data.previousStatus) ?? null);
      const text = rules.orderStatusSms.texts[status as OrderStatus];
      // A new order still unpaid says nothing to the customer; WooCommerce mails "pending payment" to nobody either.
      const statusWorthTelling = event.type === 'order.status_changed' ? status !== previous : status !== 'pending';
      if (rules.orderStatusSms.enabled && text !== undefined && statusWorthTelling) {
        out.push({ rule: 'order-status-sms', to: { contact: true }, category: 'transactional', text, once: `order:${orderId}:${status}` });
      }
      const alerts = rules.merchantAlerts;
      if (alerts.newOrder && alerts.phone !== undefined && PLACED.has(status) && NOT_YET_PLACED.has(previous)) {
        out.push({ rule: 'merchant-new-order', to: { phone: alerts.phone }, category: 'transactional', text: alerts.newOrderText, once: `order:${orderId}` });
      }
      break;
    }
    case 'cart.abandoned':
      if (rules.abandonedCart.enabled) out.push({ rule: 'cart-reminder', to: { contact: true }, category: 'marketing', text: rules.abandonedCart.text, once: event.id });
      break;
    case 'product.stock_low':
    case 'product.out_of_stock': {
      const alerts = rules.merchantAlerts;
      if (alerts.lowStock && alerts.phone !== undefined) {
        out.push({
          rule: 'merchant-stock',
          to: { phone: alerts.phone },
          category: 'transactional',
          text: event.type === 'product.stock_low' ? alerts.lowStockText : alerts.outOfStockText,
          once: event.id,
        });
      }
      break;
    }
  }
  return out;
}
