import type { Logger } from 'pino';
import { targetsByTenantAndType, type DeliveryOutcome, type RetryPolicy, type SubscriberSource } from '../bus/subscribers.ts';
import { toPublicEvent, type PublicEvent, type TriggerEvent } from '../bus/trigger-event.ts';
import { newId } from '../ids.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import { postWebhook } from './post-webhook.ts';
import { outcomeOf, type WebhookOutcome } from './response-outcome.ts';
import {
  deleteSubscription,
  disableSubscription,
  getSubscription,
  recordFailedDelivery,
  recordFailingAttempt,
  recordSuccess,
  signingSecrets,
  subscriptionsFor,
  type Subscription,
} from './subscription-store.ts';
import { buildWebhookRequest } from './webhook-request.ts';

export interface WebhookTuning {
  /** The bus retries `retry`able outcomes with this policy (exponential backoff with jitter, capped). */
  retry: RetryPolicy;
  /** Per attempt, for the whole exchange. */
  timeoutMs: number;
  /** Tries in all for refused answers (4xx other than 408/410/429, redirects, blocked addresses). */
  refusedAttempts: number;
  /** A target's Retry-After longer than this is cut to it. */
  maxRetryAfterMs: number;
  /** A subscription is disabled after this many failed deliveries in a row, or when failing this long with no success. */
  autoDisable: { consecutiveFailures: number; failingForMs: number };
}

const HOUR_MS = 3_600_000;

/**
 * 12 tries over roughly 2 to 3.5 hours: waits of 5–10 s, 10–20 s, 20–40 s … doubling up to the
 * 1 h cap (each wait is drawn between half and all of its ceiling), enough to ride out a deploy or
 * a short outage of the receiver. docs/webhooks.md shows the table.
 */
export const DEFAULT_WEBHOOK_TUNING: WebhookTuning = {
  retry: { maxAttempts: 12, baseDelayMs: 10_000, maxDelayMs: HOUR_MS },
  timeoutMs: 10_000,
  refusedAttempts: 3,
  maxRetryAfterMs: HOUR_MS,
  autoDisable: { consecutiveFailures: 5, failingForMs: 24 * HOUR_MS },
};

/** What a target answering 410 Gone costs its subscription: tenant webhooks are disabled, Zapier REST hooks deleted. */
export type GonePolicy = 'disable' | 'delete';

export interface WebhookSourceOptions {
  db: Db;
  vault: Vault;
  log: Logger;
  /** `connector-hub/<version>`. */
  userAgent: string;
  allowPrivateTargets: boolean;
  /** The subscriber kind and the `kind` of its rows in webhook_subscriptions (default `webhook`). */
  kind?: string;
  onGone?: GonePolicy;
  tuning?: Partial<WebhookTuning>;
}

export interface TestResult {
  delivered: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * Delivers bus events to the HTTP subscriptions of `webhook_subscriptions`: one signed POST per
 * attempt, the outcome mapped by `outcomeOf`, the bus doing retries and recording attempts. It also
 * keeps each subscription's failure streak and disables the subscription when the streak says the
 * target is dead (`autoDisable`) or the target said 410 Gone.
 */
export class WebhookSource implements SubscriberSource {
  readonly kind: string;
  readonly #db: Db;
  readonly #vault: Vault;
  readonly #log: Logger;
  readonly #userAgent: string;
  readonly #allowPrivateTargets: boolean;
  readonly #onGone: GonePolicy;
  #tuning: WebhookTuning;

  constructor(options: WebhookSourceOptions) {
    this.kind = options.kind ?? 'webhook';
    this.#db = options.db;
    this.#vault = options.vault;
    this.#log = options.log;
    this.#userAgent = options.userAgent;
    this.#allowPrivateTargets = options.allowPrivateTargets;
    this.#onGone = options.onGone ?? 'disable';
    this.#tuning = { ...DEFAULT_WEBHOOK_TUNING, ...options.tuning };
  }

  /** Read by the bus at every attempt. */
  get retry(): RetryPolicy {
    return this.#tuning.retry;
  }

  get tuning(): Readonly<WebhookTuning> {
    return this.#tuning;
  }

  /**
   * Changes the tuning for attempts that start afterwards. The hub builds its sources itself, so
   * end-to-end tests shorten backoff and timeouts through this rather than the constructor.
   */
  tune(overrides: Partial<WebhookTuning>): void {
    this.#tuning = { ...this.#tuning, ...overrides };
  }

  targetsFor(event: TriggerEvent): Promise<string[]> {
    return subscriptionsFor(this.#db, event.tenantId, this.kind, event.type);
  }

  targetsForMany(events: readonly TriggerEvent[]): Promise<string[][]> {
    return targetsByTenantAndType(events, (tenantId, type) => subscriptionsFor(this.#db, tenantId, this.kind, type));
  }

  async deliver(targetId: string, event: TriggerEvent, attempt: number): Promise<DeliveryOutcome> {
    const subscription = await getSubscription(this.#db, event.tenantId, this.kind, targetId);
    if (!subscription) return { kind: 'give-up', error: 'the webhook subscription was deleted' };
    // Pending retries of a disabled subscription stop too; POST …/redeliver replays them once it is enabled again.
    if (!subscription.enabled) return { kind: 'give-up', error: `the webhook subscription is disabled: ${subscription.disabledReason ?? 'no reason recorded'}` };
    const outcome = await this.#post(subscription, toPublicEvent(event), attempt);
    if (outcome.kind === 'delivered') {
      if (subscription.consecutiveFailures > 0 || subscription.failingSince !== null) await recordSuccess(this.#db, subscription);
      return outcome;
    }
    if (subscription.failingSince === null) await recordFailingAttempt(this.#db, subscription);
    if (outcome.kind !== 'gone') return outcome;
    await this.#gone(subscription);
    return { kind: 'give-up', error: outcome.error, statusCode: outcome.statusCode };
  }

  async onDeliveryFailed(targetId: string, event: TriggerEvent, error: string): Promise<void> {
    const streak = await recordFailedDelivery(this.#db, event.tenantId, targetId);
    if (!streak) return;
    const rule = this.#tuning.autoDisable;
    const reason =
      streak.consecutiveFailures >= rule.consecutiveFailures
        ? `${streak.consecutiveFailures} deliveries in a row failed; the last: ${error}`
        : Date.now() - streak.failingSince.getTime() >= rule.failingForMs
          ? `failing since ${streak.failingSince.toISOString()} with no successful delivery; the last error: ${error}`
          : undefined;
    if (reason !== undefined && (await disableSubscription(this.#db, event.tenantId, targetId, reason))) {
      this.#log.warn({ tenantId: event.tenantId, subscription: `${this.kind}:${targetId}`, reason }, 'webhook subscription disabled after repeated failures');
    }
  }

  /** A `webhook.test` ping sent now, outside the bus and the delivery log; it changes nothing on the subscription. */
  async sendTest(subscription: Subscription): Promise<TestResult> {
    const now = new Date();
    const ping: PublicEvent = {
      id: newId('evt'),
      version: 1,
      type: 'webhook.test',
      source: 'hub',
      occurredAt: now.toISOString(),
      receivedAt: now.toISOString(),
      dedupeKey: `test.${subscription.id}.${now.getTime()}`,
      subject: {},
      data: { webhookId: subscription.id, message: 'A test delivery from POST /v1/webhooks/{id}/test; it is not an event of the bus.' },
    };
    const started = performance.now();
    const outcome = await this.#post(subscription, ping, 1);
    return {
      delivered: outcome.kind === 'delivered',
      statusCode: outcome.statusCode ?? null,
      durationMs: Math.round(performance.now() - started),
      error: outcome.kind === 'delivered' ? null : outcome.error,
    };
  }

  async #post(subscription: Subscription, event: PublicEvent, attempt: number): Promise<WebhookOutcome> {
    const now = new Date();
    const request = buildWebhookRequest({ event, attempt, secrets: signingSecrets(this.#vault, subscription, now), userAgent: this.#userAgent, now });
    const result = await postWebhook(subscription.url, request, { timeoutMs: this.#tuning.timeoutMs, allowPrivateTargets: this.#allowPrivateTargets });
    return outcomeOf(result, attempt, this.#tuning, now);
  }

  async #gone(subscription: Subscription): Promise<void> {
    const { tenantId, id } = subscription;
    const done =
      this.#onGone === 'delete'
        ? await deleteSubscription(this.#db, tenantId, this.kind, id)
        : await disableSubscription(this.#db, tenantId, id, 'target answered 410 Gone');
    if (done) this.#log.info({ tenantId, subscription: `${this.kind}:${id}`, policy: this.#onGone }, 'webhook target answered 410 Gone');
  }
}
