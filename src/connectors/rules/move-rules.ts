/**
 * Every ready rule became a scenario of the library, so one engine sends every SMS and nobody gets the
 * same one from a rule and a scenario: the order status SMS and the cart reminder (customers), the
 * merchant's new-order and stock alerts. Rules given at install, and those an installation stored
 * before, are turned into active scenarios with the rule's own texts, restricted to that
 * installation's events, then removed from its `rules`: at install for the alerts given, and at start
 * by one job (its id dedupes it across processes) for rows stored before. The scenarios are found
 * again by name, so a move cut short and run again creates none twice; nothing sends until a row is
 * moved (no rule sends anything): at worst a message late, never two.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { OrderStatusSchema } from '../../bus/catalog/commerce.ts';
import type { Scenario } from '../../automation/scenario-store.ts';
import { DEFAULT_LOW_STOCK_TEXT, DEFAULT_NEW_ORDER_TEXT, DEFAULT_OUT_OF_STOCK_TEXT } from '../../automation/templates/merchant-alerts.ts';
import type { ScenarioLibrary } from '../../automation/templates/instantiate.ts';
import type { Db } from '../../store/db.ts';
import { withoutMovedRules } from './rules.ts';

export const MOVE_RULES_JOB = 'connectors.move-rules';

/** The rules' former defaults (GSM-7 only: one segment with a short shop name and order number). */
const LEGACY_STATUS_TEXTS: Partial<Record<z.infer<typeof OrderStatusSchema>, string>> = {
  processing: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} est en préparation. Merci !',
  on_hold: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} est en attente (paiement ou stock). Nous revenons vers vous vite.',
  shipped: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} est expédiée !',
  delivered: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} a été livrée. Bonne journée !',
  cancelled: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} a été annulée.',
  refunded: '{{ event.data.shop.name }} : votre commande {{ event.data.number }} a été remboursée.',
  failed: '{{ event.data.shop.name }} : le paiement de la commande {{ event.data.number }} a échoué. Vous pouvez réessayer sur la boutique.',
};
const LEGACY_CART_TEXT = '{{ event.data.shop.name }} : votre panier vous attend ! Finalisez votre commande ici : {{ event.data.recoveryUrl }}';

/** The shape the two rules were stored in (defaults as they applied). */
const MovedRulesSchema = z.object({
  orderStatusSms: z.object({ enabled: z.boolean().default(false), texts: z.partialRecord(OrderStatusSchema, z.string()).default(LEGACY_STATUS_TEXTS) }).prefault({}),
  abandonedCart: z.object({ enabled: z.boolean().default(false), text: z.string().default(LEGACY_CART_TEXT) }).prefault({}),
  merchantAlerts: z
    .object({
      phone: z.string().optional(),
      newOrder: z.boolean().default(false),
      newOrderText: z.string().default(DEFAULT_NEW_ORDER_TEXT),
      lowStock: z.boolean().default(false),
      lowStockText: z.string().default(DEFAULT_LOW_STOCK_TEXT),
      outOfStockText: z.string().default(DEFAULT_OUT_OF_STOCK_TEXT),
    })
    .prefault({}),
});

interface ScenarioPlan {
  templateId: string;
  name: string;
  parameters: Record<string, unknown>;
}

/** The scenarios that do what an installation's enabled customer rules did. Pure. */
export function scenariosForRules(stored: unknown, installation: { account: string }): ScenarioPlan[] {
  const rules = MovedRulesSchema.parse(typeof stored === 'object' && stored !== null ? stored : {});
  const plans: ScenarioPlan[] = [];
  const texts = Object.fromEntries(Object.entries(rules.orderStatusSms.texts).filter(([, text]) => text !== undefined));
  if (rules.orderStatusSms.enabled && Object.keys(texts).length > 0) {
    // The rule told each status change; the tracking variant of "shipped" keeps the rule's one text.
    plans.push({ templateId: 'order-status', name: `Statut de commande · ${installation.account}`, parameters: { event: 'order.status_changed', texts, ...(texts.shipped ? { trackingText: texts.shipped } : {}) } });
    // And the status an order is created with, but an unpaid one ("pending"), as WooCommerce mails nobody either.
    const { pending: _pending, ...onCreate } = texts;
    if (Object.keys(onCreate).length > 0) plans.push({ templateId: 'order-status', name: `Confirmation de commande · ${installation.account}`, parameters: { event: 'order.created', texts: onCreate, ...(onCreate.shipped ? { trackingText: onCreate.shipped } : {}) } });
  }
  // One SMS per abandoned cart, as the rule sent: the template's 24 h reminder stays off until the merchant turns it on.
  if (rules.abandonedCart.enabled) plans.push({ templateId: 'abandoned-cart', name: `Panier abandonné · ${installation.account}`, parameters: { text: rules.abandonedCart.text, reminder: false } });
  // The merchant's alerts, to the merchant's phone (the rule refused them without one).
  const alerts = rules.merchantAlerts;
  if (alerts.phone !== undefined && alerts.newOrder) plans.push({ templateId: 'merchant-new-order', name: `Alerte nouvelle commande · ${installation.account}`, parameters: { phone: alerts.phone, text: alerts.newOrderText } });
  if (alerts.phone !== undefined && alerts.lowStock) {
    plans.push({ templateId: 'merchant-stock', name: `Alerte stock · ${installation.account}`, parameters: { phone: alerts.phone, lowStockText: alerts.lowStockText, outOfStockText: alerts.outOfStockText } });
  }
  return plans;
}

export type InstallationRulesRow = { id: string; tenant_id: string; account: string; status: string; rules: unknown };

export interface MoveRulesDeps {
  db: Db;
  library: ScenarioLibrary;
  log: Logger;
}

/** One installation's rules into scenarios, then its rules emptied of them; throws if a scenario cannot be made (the rules stay). */
export async function moveInstallationRules(deps: MoveRulesDeps, row: InstallationRulesRow): Promise<Scenario[]> {
  const log = deps.log.child({ installationId: row.id, tenantId: row.tenant_id });
  // An uninstalled shop sends no events: its rules are dropped, no scenario made.
  const plans = row.status === 'uninstalled' ? [] : scenariosForRules(row.rules, row);
  const scenarios: Scenario[] = [];
  for (const plan of plans) {
    const restrictTo = { kind: 'field' as const, field: 'event.data.shop.installationId', op: 'eq' as const, value: row.id };
    const { scenario, created } = await deps.library.ensure(row.tenant_id, { ...plan, restrictTo, activate: true });
    log.info({ scenarioId: scenario.id, template: plan.templateId, created }, 'ready rule moved into a scenario');
    scenarios.push(scenario);
  }
  await deps.db.query('UPDATE connector_installations SET rules = $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2', [row.tenant_id, row.id, JSON.stringify(withoutMovedRules(row.rules))]);
  return scenarios;
}

/** Moves every installation's rules into scenarios; answers how many installations were moved. */
export async function moveRulesToScenarios(deps: MoveRulesDeps): Promise<number> {
  const rows = await deps.db.query<InstallationRulesRow>(
    `SELECT id, tenant_id, account, status, rules FROM connector_installations
     WHERE rules->'orderStatusSms' IS NOT NULL OR rules->'abandonedCart' IS NOT NULL OR rules->'merchantAlerts' IS NOT NULL ORDER BY seq`,
  );
  let moved = 0;
  for (const row of rows) {
    try {
      await moveInstallationRules(deps, row);
      moved++;
    } catch (error) {
      // The rules stay stored as they were (nothing lost); the next start tries again.
      deps.log.error({ err: error, installationId: row.id, tenantId: row.tenant_id }, 'ready rules could not be moved into scenarios');
    }
  }
  return moved;
}
