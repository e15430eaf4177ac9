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
    return (await this.#filtered([event], [await this.#inner.targetsFor(event)]))[0]!;
  }

  async targetsForMany(events: readonly TriggerEvent[]): Promise<string[][]> {
    return this.#filtered(events, await this.#inner.targetsForMany(events));
  }

  /** The hooks among `targets` (per event) whose filters the event matches; the batch's filters read in one query. */
  async #filtered(events: readonly TriggerEvent[], targets: string[][]): Promise<string[][]> {
    const pairs = events.flatMap((event, index) => targets[index]!.map((id) => ({ tenantId: event.tenantId, id })));
    if (pairs.length === 0) return targets;
    const rows = await this.#db.query<{ tenant_id: string; subscription_id: string; filters: unknown }>(
      `SELECT f.tenant_id, f.subscription_id, f.filters FROM zapier_hook_filters f
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(tenant_id, subscription_id) ON f.tenant_id = k.tenant_id AND f.subscription_id = k.subscription_id`,
      [pairs.map((pair) => pair.tenantId), pairs.map((pair) => pair.id)],
    );
    const filters = new Map(
      rows.map((row) => [`${row.tenant_id}\u0000${row.subscription_id}`, HookFiltersSchema.safeParse(typeof row.filters === 'string' ? JSON.parse(row.filters) : row.filters)]),
    );
    return events.map((event, index) =>
      targets[index]!.filter((id) => {
        const parsed = filters.get(`${event.tenantId}\u0000${id}`);
        // Stored filters were valid when written; one that no longer parses matches nothing rather than everything.
        return parsed === undefined || (parsed.success && matchesFilters(event, parsed.data));
      }),
    );
  }

  deliver(targetId: string, event: TriggerEvent, attempt: number): Promise<DeliveryOutcome> {
    return this.#inner.deliver(targetId, event, attempt);
  }

  onDeliveryFailed(targetId: string, event: TriggerEvent, error: string): Promise<void> {
    return this.#inner.onDeliveryFailed(targetId, event, error);
  }
}
