/**
 * The ready rules that texted customers (the order status SMS and the cart reminder) became scenarios
 * of the library, so one engine sends to customers and nobody gets the same SMS from a rule and a
 * scenario. An installation stored before still has them in its `rules`: at start, one job (its id
 * dedupes it across processes) turns each enabled one into an active scenario with the rule's own
 * texts, restricted to that installation's events, then removes it from the rules. The scenarios
 * are found again by name, so a job cut short and run again creates none twice; until a row is moved
 * the rule sends nothing (the rules source ignores those keys): at worst a message late, never two.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { OrderStatusSchema } from '../../bus/catalog/commerce.ts';
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
  return plans;
}

type Row = { id: string; tenant_id: string; connector: string; account: string; status: string; rules: unknown };

/** Moves every installation's customer rules into scenarios; answers how many installations were moved. */
export async function moveRulesToScenarios(deps: { db: Db; library: ScenarioLibrary; log: Logger }): Promise<number> {
  const rows = await deps.db.query<Row>(
    `SELECT id, tenant_id, connector, account, status, rules FROM connector_installations
     WHERE rules->'orderStatusSms' IS NOT NULL OR rules->'abandonedCart' IS NOT NULL ORDER BY seq`,
  );
  let moved = 0;
  for (const row of rows) {
    const log = deps.log.child({ installationId: row.id, tenantId: row.tenant_id });
    try {
      // An uninstalled shop sends no events: its rules are dropped, no scenario made.
      const plans = row.status === 'uninstalled' ? [] : scenariosForRules(row.rules, row);
      for (const plan of plans) {
        const restrictTo = { kind: 'field' as const, field: 'event.data.shop.installationId', op: 'eq' as const, value: row.id };
        const { scenario, created } = await deps.library.ensure(row.tenant_id, { ...plan, restrictTo, activate: true });
        log.info({ scenarioId: scenario.id, template: plan.templateId, created }, 'ready rule moved into a scenario');
      }
      await deps.db.query('UPDATE connector_installations SET rules = $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2', [row.tenant_id, row.id, JSON.stringify(withoutMovedRules(row.rules))]);
      moved++;
    } catch (error) {
      // The rules stay stored as they were (nothing lost); the next start tries again.
      log.error({ err: error }, 'ready rules could not be moved into scenarios');
    }
  }
  return moved;
}
