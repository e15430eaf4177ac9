import type { Logger } from 'pino';
import { newId } from '../ids.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Db } from '../store/db.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { EVENT_COLUMNS, insertEvents, toEvent } from './event-store.ts';
import { normalizeSubject, type SubjectPhoneNormalizer } from './subject-phone.ts';
import { backoffDelay, type DeliveryOutcome, type SubscriberSource } from './subscribers.ts';
import type { PublishInput, PublishResult, TriggerEvent } from './trigger-event.ts';

const DISPATCH_JOB = 'bus.dispatch';
const DELIVER_JOB = 'bus.deliver';
/**
 * The bulk lane: the same jobs for the events a bulk send produces (a 10,000-SMS batch publishes
 * 20,000 `message.*` events), in queues of their own with their own workers, so that a shop's order
 * or a scenario trigger never waits behind them (issue 18, defect 5).
 */
const BULK_DISPATCH_JOB = 'bus.dispatch.bulk';
const BULK_DELIVER_JOB = 'bus.deliver.bulk';
const SWEEP_JOB = 'bus.sweep';
/** An event still undispatched this long after it was stored lost its dispatch job (crash between commit and enqueue). */
const SWEEP_GRACE_SECONDS = 5;
/** How often the sweeper runs: with the graces, lost work is found within 5–10 s (events) or 10–15 s (deliveries). */
const SWEEP_EVERY_MS = 5_000;
/** A pending delivery this long past its due time (or past its in-flight hold) lost its job. */
const DELIVERY_SWEEP_GRACE_SECONDS = 10;
/**
 * While an attempt runs, its delivery is not due for this long (above any source's call timeout:
 * webhooks 10 s), so the sweeper never starts a second call beside a live one.
 */
const IN_FLIGHT_HOLD_SECONDS = 30;

type DispatchJob = { eventId: string };
type DeliverJob = { deliveryId: string };

/**
 * The durable trigger bus.
 *
 * `publish()` stores the event (deduplicated on tenant + source + dedupe key) and only after the
 * commit enqueues its dispatch — the transactional outbox: a dispatch never runs for an event that
 * was not stored, and the sweeper re-enqueues any stored event whose enqueue was lost to a crash.
 * Dispatch fans the event out into one delivery row per interested subscriber; each delivery is a
 * job retried with backoff per its source's policy, every attempt recorded. Jobs run at least once,
 * so every step checks the stored state first and is safe to repeat.
 */
export class EventBus {
  readonly #db: Db;
  readonly #queue: JobQueue;
  readonly #log: Logger;
  readonly #normalizePhone: SubjectPhoneNormalizer;
  readonly #sources = new Map<string, SubscriberSource>();
  /** In-process listeners told of each stored event's tenant (live streams wake on them instead of waiting for their next poll). */
  readonly #storedListeners = new Set<(tenantId: string) => void>();
  /** Concurrent publishes share one INSERT (group commit): ingest bursts cost a few statements. */
  readonly #inserts: GroupCommit<Omit<TriggerEvent, 'receivedAt'>, PublishResult>;
  readonly #isBulk: (event: { source: string; type: string }) => boolean;
  /** Concurrent dispatch jobs share their reads and writes (`#dispatchBatch`). */
  readonly #dispatches: GroupCommit<string, { error: unknown } | undefined>;

  /**
   * `normalizePhone`: the hub's phone rule for `subject.phone` (src/bus/subject-phone.ts). `isBulk`:
   * which events take the bulk lane (given at composition: the bus does not know the sending part).
   */
  constructor(db: Db, queue: JobQueue, log: Logger, normalizePhone: SubjectPhoneNormalizer, options: { isBulk?: (event: { source: string; type: string }) => boolean } = {}) {
    this.#isBulk = options.isBulk ?? (() => false);
    this.#db = db;
    this.#queue = queue;
    this.#log = log;
    this.#normalizePhone = normalizePhone;
    this.#inserts = new GroupCommit((events) => insertEvents(db, events), 200);
    this.#dispatches = new GroupCommit((eventIds) => this.#dispatchOrIsolate(eventIds), 200);
  }

  /** Calls `listener` with the tenant of every event this process stores; returns the function that stops it. */
  onStored(listener: (tenantId: string) => void): () => void {
    this.#storedListeners.add(listener);
    return () => this.#storedListeners.delete(listener);
  }

  addSource(source: SubscriberSource): void {
    if (this.#sources.has(source.kind)) throw new Error(`Subscriber source "${source.kind}" is registered twice`);
    this.#sources.set(source.kind, source);
  }

  /**
   * Stores the event (its subject's phone normalized first, src/bus/subject-phone.ts) and enqueues its dispatch.
   * @throws InvalidSubjectError when `invalidPhone` is `refuse` and the subject's phone is not a number.
   */
  async publish(input: PublishInput): Promise<PublishResult> {
    const { subject, dropped } = await normalizeSubject(this.#normalizePhone, input.tenantId, input.subject ?? {}, input.invalidPhone ?? 'drop');
    if (dropped.length > 0) this.#log.warn({ tenantId: input.tenantId, source: input.source, type: input.type, dropped }, 'event published without its invalid subject fields');
    const id = newId('evt');
    const result = await this.#inserts.push({
      id,
      tenantId: input.tenantId,
      source: input.source,
      type: input.type,
      dedupeKey: input.dedupeKey ?? id,
      occurredAt: input.occurredAt ?? new Date(),
      subject,
      data: input.data,
    });
    if (!result.duplicate) {
      for (const listener of this.#storedListeners) listener(input.tenantId);
      await this.#enqueueDispatch(result.id, this.#isBulk(input));
    }
    return dropped.length > 0 ? { ...result, dropped } : result;
  }

  /** Starts the bus's workers (worker role) and its sweeper schedule. */
  async startWorkers(options: { dispatchConcurrency?: number; deliverConcurrency?: number } = {}): Promise<void> {
    // Dispatch jobs running together share one batch (`#dispatchBatch`): the bulk lane's concurrency is its batch size.
    const dispatchConcurrency = options.dispatchConcurrency ?? 32;
    const deliverConcurrency = options.deliverConcurrency ?? 32;
    this.#queue.process<DispatchJob>(DISPATCH_JOB, (job) => this.#dispatch(job.data.eventId), { concurrency: dispatchConcurrency });
    this.#queue.process<DeliverJob>(DELIVER_JOB, (job) => this.#deliver(job.data.deliveryId), { concurrency: deliverConcurrency });
    this.#queue.process<DispatchJob>(BULK_DISPATCH_JOB, (job) => this.#dispatch(job.data.eventId), { concurrency: Math.max(dispatchConcurrency, 128) });
    this.#queue.process<DeliverJob>(BULK_DELIVER_JOB, (job) => this.#deliver(job.data.deliveryId), { concurrency: deliverConcurrency });
    this.#queue.process(SWEEP_JOB, async () => {
      await this.sweep();
    }, { concurrency: 1 });
    await this.#queue.schedule('bus.sweep', SWEEP_JOB, SWEEP_EVERY_MS);
  }

  /** Re-enqueues lost work: undispatched events and pending deliveries whose job went missing. */
  async sweep(): Promise<{ events: number; deliveries: number }> {
    const events = await this.#db.query<{ id: string; source: string; type: string }>(
      `SELECT id, source, type FROM events WHERE dispatched_at IS NULL AND received_at < now() - make_interval(secs => $1) ORDER BY received_at LIMIT 1000`,
      [SWEEP_GRACE_SECONDS],
    );
    for (const event of events) await this.#enqueueDispatch(event.id, this.#isBulk(event));
    const deliveries = await this.#db.query<{ id: string; attempts: number; source: string; type: string }>(
      `SELECT d.id, d.attempts, e.source, e.type FROM event_deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.status = 'pending' AND d.next_attempt_at < now() - make_interval(secs => $1) ORDER BY d.next_attempt_at LIMIT 1000`,
      [DELIVERY_SWEEP_GRACE_SECONDS],
    );
    for (const delivery of deliveries) await this.#enqueueDelivery(delivery.id, delivery.attempts + 1, 0, this.#isBulk(delivery));
    if (events.length + deliveries.length > 0) this.#log.warn({ events: events.length, deliveries: deliveries.length }, 'bus sweeper re-enqueued lost work');
    return { events: events.length, deliveries: deliveries.length };
  }

  /** Job ids are the same in both lanes: an event is in one lane only, and the store queue's ids span every name. */
  async #enqueueDispatch(eventId: string, bulk: boolean): Promise<void> {
    await this.#queue.add(bulk ? BULK_DISPATCH_JOB : DISPATCH_JOB, { eventId }, { jobId: `dispatch.${eventId}`, attempts: 10, backoff: { type: 'exponential', delayMs: 1000 } });
  }

  async #enqueueDelivery(deliveryId: string, attempt: number, delayMs: number, bulk: boolean): Promise<void> {
    await this.#queue.add(bulk ? BULK_DELIVER_JOB : DELIVER_JOB, { deliveryId }, {
      jobId: `deliver.${deliveryId}.${attempt}`,
      delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delayMs: 1000 },
    });
  }

  /** A dispatch job: its event joins the batch being dispatched (`#dispatchBatch`). */
  async #dispatch(eventId: string): Promise<void> {
    const failure = await this.#dispatches.push(eventId);
    if (failure) throw failure.error;
  }

  /** A batch that fails is dispatched again event by event, so one event a source cannot answer for fails alone (its job retries). */
  async #dispatchOrIsolate(eventIds: string[]): Promise<({ error: unknown } | undefined)[]> {
    try {
      await this.#dispatchBatch(eventIds);
      return eventIds.map(() => undefined);
    } catch (error) {
      if (eventIds.length === 1) return [{ error }];
      return sequentially(eventIds, async (eventId) => {
        try {
          await this.#dispatchBatch([eventId]);
          return undefined;
        } catch (failure) {
          return { error: failure };
        }
      });
    }
  }

  /**
   * Dispatches a batch of events: read in one query, their targets asked of each source (in one
   * query per batch where the source can, `targetsForMany`), their delivery rows and dispatched marks
   * written in one transaction. Rows and marks commit together; a repeated dispatch (crash before the
   * enqueues below) finds the events dispatched and the sweeper finds their pending deliveries.
   */
  async #dispatchBatch(eventIds: string[]): Promise<void> {
    const rows = await this.#db.query<Parameters<typeof toEvent>[0]>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ANY($1::text[]) AND dispatched_at IS NULL`, [eventIds]);
    const events = rows.map(toEvent);
    const deliveries: { id: string; tenant_id: string; event_id: string; subscriber: string; bulk: boolean }[] = [];
    for (const source of this.#sources.values()) {
      const targets = source.targetsForMany ? await source.targetsForMany(events) : await sequentially(events, (event) => source.targetsFor(event));
      events.forEach((event, index) => {
        for (const targetId of targets[index]!) deliveries.push({ id: newId('dlv'), tenant_id: event.tenantId, event_id: event.id, subscriber: `${source.kind}:${targetId}`, bulk: this.#isBulk(event) });
      });
    }
    const ids = events.map((event) => event.id);
    if (deliveries.length === 0) {
      if (ids.length > 0) await this.#db.query('UPDATE events SET dispatched_at = now() WHERE id = ANY($1::text[])', [ids]);
      return;
    }
    const inserted = await this.#db.transaction(async (tx) => {
      const created = await tx.query<{ id: string }>(
        `INSERT INTO event_deliveries (id, tenant_id, event_id, subscriber, status, next_attempt_at)
         SELECT d.id, d.tenant_id, d.event_id, d.subscriber, 'pending', now() FROM jsonb_to_recordset($1::jsonb) AS d(id text, tenant_id text, event_id text, subscriber text)
         ON CONFLICT (event_id, subscriber) DO NOTHING RETURNING id`,
        [JSON.stringify(deliveries)],
      );
      await tx.query('UPDATE events SET dispatched_at = now() WHERE id = ANY($1::text[])', [ids]);
      return new Set(created.map((row) => row.id));
    });
    await Promise.all(deliveries.filter((delivery) => inserted.has(delivery.id)).map((delivery) => this.#enqueueDelivery(delivery.id, 1, 0, delivery.bulk)));
  }

  /** Puts a failed delivery back to pending and runs its next attempt now; false when it is not failed. */
  async redeliverFailed(tenantId: string, deliveryId: string): Promise<boolean> {
    const [row] = await this.#db.query<{ attempts: number }>(
      `UPDATE event_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status = 'failed' RETURNING attempts`,
      [tenantId, deliveryId],
    );
    if (!row) return false;
    // Asked for by a person: the main lane.
    await this.#enqueueDelivery(deliveryId, row.attempts + 1, 0, false);
    return true;
  }

  /**
   * One attempt of a delivery. The attempt is recorded before the call (`in_flight`) and the
   * delivery held for `IN_FLIGHT_HOLD_SECONDS`, so that a worker killed during the call leaves a
   * trace: the next attempt (the job run again by another worker) marks it `interrupted`, and
   * `GET /v1/events/{id}` shows every call that was made, including one the receiver may have got
   * without the hub knowing. The hold keeps the sweeper from starting a second call meanwhile.
   */
  async #deliver(deliveryId: string): Promise<void> {
    const [delivery] = await this.#db.query<Parameters<typeof toEvent>[0] & { delivery_status: string; subscriber: string }>(
      `SELECT ${EVENT_COLUMNS.split(', ').map((column) => `e.${column}`).join(', ')}, d.status AS delivery_status, d.subscriber
       FROM event_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
      [deliveryId],
    );
    if (!delivery || delivery.delivery_status !== 'pending') return;
    const event = toEvent(delivery);
    const separator = delivery.subscriber.indexOf(':');
    const source = this.#sources.get(delivery.subscriber.slice(0, separator));
    const targetId = delivery.subscriber.slice(separator + 1);
    const startedAt = new Date();
    const attempt = await this.#db.transaction(async (tx) => {
      const [started] = await tx.query<{ attempts: number }>(
        `UPDATE event_deliveries SET attempts = attempts + 1, updated_at = now(), next_attempt_at = now() + make_interval(secs => $2)
         WHERE id = $1 AND status = 'pending' RETURNING attempts`,
        [deliveryId, IN_FLIGHT_HOLD_SECONDS],
      );
      if (!started) return undefined;
      await tx.query(`UPDATE delivery_attempts SET outcome = 'interrupted', error = $2 WHERE delivery_id = $1 AND outcome = 'in_flight'`, [
        deliveryId,
        'the worker stopped during this attempt; the receiver may have got it',
      ]);
      await tx.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome) VALUES ($1, $2, $3, 0, 'in_flight')
         ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [deliveryId, started.attempts, startedAt],
      );
      return started.attempts;
    });
    if (attempt === undefined) return;
    let outcome: DeliveryOutcome;
    if (!source) {
      outcome = { kind: 'give-up', error: `No subscriber source "${delivery.subscriber.slice(0, separator)}" in this hub version` };
    } else {
      try {
        outcome = await source.deliver(targetId, event, attempt);
      } catch (error) {
        outcome = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
      }
    }
    const exhausted = outcome.kind === 'retry' && (!source || attempt >= source.retry.maxAttempts);
    const failed = outcome.kind === 'give-up' || exhausted;
    const delayMs = outcome.kind === 'retry' && !exhausted && source ? Math.max(outcome.retryAfterMs ?? 0, backoffDelay(source.retry, attempt)) : 0;
    const error = outcome.kind === 'delivered' ? null : outcome.error;
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `UPDATE delivery_attempts SET duration_ms = $3, outcome = $4, status_code = $5, error = $6 WHERE delivery_id = $1 AND attempt = $2`,
        [deliveryId, attempt, Date.now() - startedAt.getTime(), outcome.kind === 'give-up' ? 'gave_up' : outcome.kind, outcome.statusCode ?? null, error],
      );
      await tx.query(
        `UPDATE event_deliveries SET status = $3, last_error = $4, updated_at = now(),
           next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) ELSE NULL END
         WHERE id = $1 AND attempts = $2`,
        [deliveryId, attempt, outcome.kind === 'delivered' ? 'succeeded' : failed ? 'failed' : 'pending', error, delayMs],
      );
    });
    if (outcome.kind === 'retry' && !failed) await this.#enqueueDelivery(deliveryId, attempt + 1, delayMs, this.#isBulk(event));
    if (failed && source?.onDeliveryFailed) await source.onDeliveryFailed(targetId, event, error ?? 'failed');
  }
}

/** One call after the other (a source without `targetsForMany` may not expect its lookups to overlap). */
async function sequentially<T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await call(item));
  return results;
}
