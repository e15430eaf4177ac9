import { backoffDelayMs } from '../retry/backoff.ts';
import type { TriggerEvent } from './trigger-event.ts';

/** What one delivery attempt came to; the bus records it and decides what happens next. */
export type DeliveryOutcome =
  | { kind: 'delivered'; statusCode?: number }
  /** Try again later: after `retryAfterMs` when the target said so (HTTP 429 Retry-After), else by backoff. */
  | { kind: 'retry'; error: string; statusCode?: number; retryAfterMs?: number }
  /** Stop for good (HTTP 410 Gone, a deleted subscription): the delivery ends as failed. */
  | { kind: 'give-up'; error: string; statusCode?: number };

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * A kind of subscriber: tenant webhooks, Zapier REST hooks, scenario triggers, the sending core's
 * opt-out handler… Each says which of its targets want an event and how to deliver to one target.
 * Target names are `<kind>:<id>` in the deliveries table, so the bus finds the source again.
 */
export interface SubscriberSource {
  readonly kind: string;
  readonly retry: RetryPolicy;
  /** Target ids (without the kind prefix) that want this event. */
  targetsFor(event: TriggerEvent): Promise<string[]>;
  /**
   * Optional: `targetsFor` of a batch of events at once, in their order (the bus dispatches events in
   * batches; a source answering with one query per batch instead of one per event keeps a campaign's
   * 2 events per SMS from costing a statement each).
   */
  targetsForMany?(events: readonly TriggerEvent[]): Promise<string[][]>;
  deliver(targetId: string, event: TriggerEvent, attempt: number): Promise<DeliveryOutcome>;
  /** Told once when a delivery ends as failed (after the last retry or a give-up). */
  onDeliveryFailed?(targetId: string, event: TriggerEvent, error: string): Promise<void>;
}

/**
 * Delay before retrying after try `attempt` (1-based) failed: exponential from `baseDelayMs`, capped,
 * with equal jitter (half fixed, half random), which spreads the retries of many failed deliveries.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return backoffDelayMs({ baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs, jitter: 'equal' }, attempt - 1, random);
}

/** `targetsForMany` of a source whose targets depend only on the event's tenant and type: one lookup per pair in the batch. */
export function targetsByTenantAndType(events: readonly TriggerEvent[], lookup: (tenantId: string, type: string) => Promise<string[]>): Promise<string[][]> {
  const found = new Map<string, Promise<string[]>>();
  return Promise.all(
    events.map((event) => {
      const key = `${event.tenantId}\u0000${event.type}`;
      let targets = found.get(key);
      if (!targets) {
        targets = lookup(event.tenantId, event.type);
        found.set(key, targets);
      }
      return targets;
    }),
  );
}
