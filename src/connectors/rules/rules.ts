/**
 * Ready rules: the merchant's alerts a shop asks for on day one (each new order, low and
 * out-of-stock products), given with the install (`rules.merchantAlerts`). They are scenarios of the
 * library (`merchant-new-order`, `merchant-stock`, docs/scenario-templates.md): the install turns
 * them into active scenarios restricted to the shop (move-rules.ts), so one engine sends every SMS and
 * nothing is sent by a rule. The rules that texted customers (order status SMS, cart reminders) are
 * refused, naming their template. Pure: the schema and what is refused.
 */
import { z } from 'zod';
import { DEFAULT_LOW_STOCK_TEXT, DEFAULT_NEW_ORDER_TEXT, DEFAULT_OUT_OF_STOCK_TEXT, MerchantPhone } from '../../automation/templates/merchant-alerts.ts';
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

/** Rules that texted customers, now scenarios of the library: what an install or PATCH naming them is told to do instead. */
const MOVED_TO_SCENARIOS: Record<string, string> = {
  orderStatusSms: 'the order status SMS is a scenario now: POST /v1/scenario-templates/order-status/instantiate with your texts, then activate it (docs/scenario-templates.md)',
  abandonedCart: 'the cart reminder is a scenario now: POST /v1/scenario-templates/abandoned-cart/instantiate, then activate it (docs/scenario-templates.md)',
};

/** What a PATCH naming the merchant alerts is told: they are scenarios from the install on. */
const ALERTS_ARE_SCENARIOS =
  'the merchant alerts are scenarios ("Alerte nouvelle commande · <shop>", "Alerte stock · <shop>"): edit, pause or archive them in /v1/scenarios, or POST /v1/scenario-templates/merchant-new-order/instantiate (merchant-stock) for new ones';

/**
 * Refuses the rules that became scenarios, naming the template to use; `null` (a merge patch removing one) passes.
 * At install the merchant alerts are taken (and made scenarios); in a PATCH they are refused too (`patch`).
 */
export function refuseMovedRules(input: unknown, root: string, options: { patch?: boolean } = {}): void {
  if (typeof input !== 'object' || input === null) return;
  const refused: Record<string, string> = options.patch ? { ...MOVED_TO_SCENARIOS, merchantAlerts: ALERTS_ARE_SCENARIOS } : MOVED_TO_SCENARIOS;
  const errors = Object.entries(refused)
    .filter(([key]) => Object.hasOwn(input, key) && (input as Record<string, unknown>)[key] !== null)
    .map(([key, message]) => ({ path: `${root}.${key}`, message }));
  if (errors.length > 0) throw new InvalidInputError(`Ready rules are scenarios now: ${errors[0]!.message}.`, errors);
}

/** Stored rules without the rules that became scenarios, all of them now (what move-rules.ts leaves once it made the scenarios). */
export function withoutMovedRules(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null) return stored;
  return Object.fromEntries(Object.entries(stored).filter(([key]) => !Object.hasOwn(MOVED_TO_SCENARIOS, key) && key !== 'merchantAlerts'));
}
