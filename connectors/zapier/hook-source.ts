import type { DeliveryOutcome, RetryPolicy, SubscriberSource } from '../../src/bus/subscribers.ts';
import type { TriggerEvent } from '../../src/bus/trigger-event.ts';
import type { Db, Sql } from '../../src/store/db.ts';
import type { WebhookSource } from '../../src/webhooks/webhook-source.ts';
import { HookFiltersSchema, matchesFilters, type HookFilters } from './filters.ts';

export async function saveFilters(db: Sql, tenantId: string, subscriptionId: string, filters: HookFilters): Promise<void> {
  await db.query('INSERT INTO zapier_hook_filters (subscription_id, tenant_id, filters) VALUES ($1, $2, $3)', [subscriptionId, tenantId, JSON.stringify(filters)]);
}

/**
 * The bus's `zapier` subscriber: the WebhookSource of kind `zapier` (delivery, retries, 410 →
 * delete) with the hooks' optional filters applied when choosing targets, so a filtered-out event
 * makes no delivery at all.
 */
export class ZapierHookSource implements SubscriberSource {
  readonly kind: string;
  readonly #inner: WebhookSource;
  readonly #db: Db;

  constructor(inner: WebhookSource, db: Db) {
    this.kind = inner.kind;
    this.#inner = inner;
    this.#db = db;
  }

  get retry(): RetryPolicy {
    return this.#inner.retry;
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    const ids = await this.#inner.targetsFor(event);
    if (ids.length === 0) return ids;
    const rows = await this.#db.query<{ subscription_id: string; filters: unknown }>(
      'SELECT subscription_id, filters FROM zapier_hook_filters WHERE tenant_id = $1 AND subscription_id = ANY($2::text[])',
      [event.tenantId, ids],
    );
    const filters = new Map(rows.map((row) => [row.subscription_id, HookFiltersSchema.safeParse(typeof row.filters === 'string' ? JSON.parse(row.filters) : row.filters)]));
    return ids.filter((id) => {
      const parsed = filters.get(id);
      // Stored filters were valid when written; one that no longer parses matches nothing rather than everything.
      return parsed === undefined || (parsed.success && matchesFilters(event, parsed.data));
    });
  }

  deliver(targetId: string, event: TriggerEvent, attempt: number): Promise<DeliveryOutcome> {
    return this.#inner.deliver(targetId, event, attempt);
  }

  onDeliveryFailed(targetId: string, event: TriggerEvent, error: string): Promise<void> {
    return this.#inner.onDeliveryFailed(targetId, event, error);
  }
}
