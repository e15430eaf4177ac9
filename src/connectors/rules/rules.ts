/**
 * Ready rules: the merchant's alerts every shop asks for on day one (each new order, low and
 * out-of-stock products), as plain event → SMS rules configured per connector installation. They text
 * the merchant only: what texts customers (order status SMS, cart reminders) is a scenario of the
 * library (docs/scenario-templates.md), so one engine sends to customers and no customer gets the
 * same message twice. Rules stored before that are moved into scenarios at start (move-rules.ts).
 * Pure: which messages an event calls for. `rules-source.ts` sends them through the sending core.
 */
import { z } from 'zod';
import { normalizePhone } from '../../contacts/phone.ts';
import { InvalidInputError } from '../../errors.ts';
import { parseTemplate, TemplateError } from '../../sending/template.ts';

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

export type RuleId = 'merchant-new-order' | 'merchant-stock';

export const RULE_IDS: readonly RuleId[] = ['merchant-new-order', 'merchant-stock'];

/** Rules that texted customers, now scenarios of the library: what an install or PATCH naming them is told to do instead. */
const MOVED_TO_SCENARIOS: Record<string, string> = {
  orderStatusSms: 'the order status SMS is a scenario now: POST /v1/scenario-templates/order-status/instantiate with your texts, then activate it (docs/scenario-templates.md)',
  abandonedCart: 'the cart reminder is a scenario now: POST /v1/scenario-templates/abandoned-cart/instantiate, then activate it (docs/scenario-templates.md)',
};

/** Refuses the rules that became scenarios, naming the template to use; `null` (a merge patch removing one) passes. */
export function refuseMovedRules(input: unknown, root: string): void {
  if (typeof input !== 'object' || input === null) return;
  const errors = Object.entries(MOVED_TO_SCENARIOS)
    .filter(([key]) => Object.hasOwn(input, key) && (input as Record<string, unknown>)[key] !== null)
    .map(([key, message]) => ({ path: `${root}.${key}`, message }));
  if (errors.length > 0) throw new InvalidInputError(`Ready rules text the merchant only: ${errors[0]!.message}.`, errors);
}

/** Stored rules without the keys of rules that became scenarios (a row written before, until move-rules.ts moved it). */
export function withoutMovedRules(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null) return stored;
  return Object.fromEntries(Object.entries(stored).filter(([key]) => !Object.hasOwn(MOVED_TO_SCENARIOS, key)));
}

export interface PlannedMessage {
  rule: RuleId;
  /** The merchant's phone. */
  to: string;
  text: string;
  /** What the message is sent once for: the event, or a business key (one new-order alert per order even if two events say so). */
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
      const alerts = rules.merchantAlerts;
      if (alerts.newOrder && alerts.phone !== undefined && PLACED.has(status) && NOT_YET_PLACED.has(previous)) {
        out.push({ rule: 'merchant-new-order', to: alerts.phone, text: alerts.newOrderText, once: `order:${orderId}` });
      }
      break;
    }
    case 'product.stock_low':
    case 'product.out_of_stock': {
      const alerts = rules.merchantAlerts;
      if (alerts.lowStock && alerts.phone !== undefined) {
        out.push({
          rule: 'merchant-stock',
          to: alerts.phone,
          text: event.type === 'product.stock_low' ? alerts.lowStockText : alerts.outOfStockText,
          once: event.id,
        });
      }
      break;
    }
  }
  return out;
}
