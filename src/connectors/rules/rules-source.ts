import type { Logger } from 'pino';
import type { DeliveryOutcome, RetryPolicy, SubscriberSource } from '../../bus/subscribers.ts';
import type { TriggerEvent } from '../../bus/trigger-event.ts';
import { IdempotencyKeyReusedError, SendInputError } from '../../sending/requests.ts';
import type { SendingModule } from '../../sending/sending-module.ts';
import type { Db } from '../../store/db.ts';
import { planMessages, RULE_IDS, RulesSchema, withoutMovedRules, type PlannedMessage, type RuleId, type Rules } from './rules.ts';

/**
 * The ready rules (the merchant's alerts) as a subscriber of the bus (like tenant webhooks): an event
 * from a connector installation is dispatched to each rule that wants it, and each delivery sends one
 * SMS to the merchant through the sending core with an idempotency key, so a redelivered event never
 * sends twice. A connector never sends an SMS itself (DESIGN §1); customers are texted by scenarios.
 */
export class ReadyRulesSource implements SubscriberSource {
  readonly kind = 'connector-rules';
  readonly retry: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 60_000 };
  readonly #db: Db;
  readonly #sending: Pick<SendingModule, 'sendSms'>;
  readonly #log: Logger;

  constructor(options: { db: Db; sending: Pick<SendingModule, 'sendSms'>; log: Logger }) {
    this.#db = options.db;
    this.#sending = options.sending;
    this.#log = options.log;
  }

  async #rules(event: TriggerEvent): Promise<{ installationId: string; rules: Rules } | undefined> {
    const shop = event.data.shop as { installationId?: unknown } | undefined;
    if (typeof shop?.installationId !== 'string') return undefined;
    const [row] = await this.#db.query<{ rules: unknown }>(
      `SELECT rules FROM connector_installations WHERE tenant_id = $1 AND id = $2 AND connector = $3 AND status <> 'uninstalled'`,
      [event.tenantId, shop.installationId, event.source],
    );
    if (!row) return undefined;
    const parsed = RulesSchema.safeParse(withoutMovedRules(row.rules));
    if (!parsed.success) {
      this.#log.warn({ installationId: shop.installationId, issues: parsed.error.issues }, 'stored ready rules do not parse; none applied');
      return undefined;
    }
    return { installationId: shop.installationId, rules: parsed.data };
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    const found = await this.#rules(event);
    if (!found) return [];
    return [...new Set(planMessages(event, found.rules).map((message) => `${found.installationId}/${message.rule}`))];
  }

  async deliver(targetId: string, event: TriggerEvent): Promise<DeliveryOutcome> {
    const [installationId, rule] = targetId.split('/') as [string, RuleId];
    if (!RULE_IDS.includes(rule)) return { kind: 'give-up', error: `unknown rule "${rule}"` };
    const found = await this.#rules(event);
    const planned = found?.installationId === installationId ? planMessages(event, found.rules).filter((message) => message.rule === rule) : [];
    if (planned.length === 0) return { kind: 'give-up', error: 'skipped: the rule is now disabled or no longer applies to this event' };
    for (const message of planned) {
      const outcome = await this.#send(installationId, event, message);
      if (outcome.kind !== 'delivered') return outcome;
    }
    return { kind: 'delivered' };
  }

  async #send(installationId: string, event: TriggerEvent, message: PlannedMessage): Promise<DeliveryOutcome> {
    try {
      await this.#sending.sendSms(
        event.tenantId,
        { to: message.to, category: 'transactional', text: message.text, eventId: event.id },
        { idempotencyKey: `connector-rules/${installationId}/${message.rule}/${message.once}` },
      );
      return { kind: 'delivered' };
    } catch (error) {
      if (error instanceof SendInputError) return { kind: 'give-up', error: `the message cannot be sent: ${error.message}` };
      // The key was used by an earlier event with other data (an order's total changed): that message is the one.
      if (error instanceof IdempotencyKeyReusedError) return { kind: 'delivered' };
      throw error;
    }
  }
}
