/**
 * The SMPP server as a subscriber of the bus: `message.delivered` / `message.failed` of messages that
 * came in over SMPP become receipts, `sms.received` becomes MO, both written to the account's outbox
 * (durable) and acknowledged to the bus only then. The bus retries a delivery that failed.
 *
 * Which messages came from SMPP: the parts that were handed off (`smpp_submits.message_id`). An event
 * can overtake the write of that link (the sending core publishes a `blocked` message's event while
 * accepting it), so the handoff's idempotency key, "smpp:<accountId>:…", also names the account, and
 * `deliver` asks the bus to retry until the link is written.
 */
import type { SubscriberSource, DeliveryOutcome, RetryPolicy } from '../../bus/subscribers.ts';
import type { TriggerEvent } from '../../bus/trigger-event.ts';
import { messageIdempotencyKeys } from '../../sending/message-reads.ts';
import type { Db } from '../../store/db.ts';
import { errorCodeOf, moPdu, receiptPdu, type FinalStatus } from './deliver-pdus.ts';
import { enqueueDeliveries, type OutboxEntry } from './outbox.ts';

export const SMPP_SOURCE_KIND = 'smpp';

const FINAL_STATUSES: ReadonlySet<string> = new Set<FinalStatus>(['delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked']);

type PartRow = {
  id: string;
  source_addr: string;
  source_ton: number;
  source_npi: number;
  destination_addr: string;
  dest_ton: number;
  dest_npi: number;
  receipt: 'none' | 'final' | 'failure';
  received_at: Date;
  text_start: string | null;
};

/** The events whose outcome an ESME gets as a receipt. */
const isOutcome = (event: TriggerEvent): boolean => event.type === 'message.delivered' || event.type === 'message.failed';

export class SmppEventSource implements SubscriberSource {
  readonly kind = SMPP_SOURCE_KIND;
  readonly retry: RetryPolicy = { maxAttempts: 12, baseDelayMs: 500, maxDelayMs: 60_000 };
  readonly #db: Db;
  readonly #onQueued: (accountId: string) => void;

  constructor(db: Db, onQueued: (accountId: string) => void) {
    this.#db = db;
    this.#onQueued = onQueued;
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    if (isOutcome(event)) return (await this.#outcomeTargets([event]))[0]!;
    if (event.type === 'sms.received') {
      // A reply to a message that came over SMPP goes back to that account; any other MO to every account of the tenant that can receive.
      const inReplyTo = typeof event.data.inReplyToMessageId === 'string' ? event.data.inReplyToMessageId : undefined;
      if (inReplyTo) {
        const rows = await this.#db.query<{ account_id: string }>('SELECT DISTINCT account_id FROM smpp_submits WHERE tenant_id = $1 AND message_id = $2', [event.tenantId, inReplyTo]);
        if (rows.length > 0) return rows.map((row) => row.account_id);
      }
      const accounts = await this.#db.query<{ id: string }>(
        `SELECT id FROM smpp_accounts WHERE tenant_id = $1 AND enabled AND bind_types && ARRAY['receiver', 'transceiver']::text[] ORDER BY seq`,
        [event.tenantId],
      );
      return accounts.map((account) => account.id);
    }
    return [];
  }

  /** A batch's message outcomes in two queries (the SMPP parts, then the idempotency keys of the rest); other events one by one. */
  async targetsForMany(events: readonly TriggerEvent[]): Promise<string[][]> {
    const outcomes = events.filter(isOutcome);
    const outcomeTargets = new Map(outcomes.map((event, index) => [event, index]));
    const found = await this.#outcomeTargets(outcomes);
    const targets: string[][] = [];
    for (const event of events) targets.push(outcomeTargets.has(event) ? found[outcomeTargets.get(event)!]! : await this.targetsFor(event));
    return targets;
  }

  /**
   * The accounts a message's outcome goes back to: those whose submit_sm made it (smpp_submits), or,
   * for a message whose part records are gone, the account its idempotency key names.
   */
  async #outcomeTargets(events: readonly TriggerEvent[]): Promise<string[][]> {
    if (events.length === 0) return [];
    const messages = events.map((event) => ({ tenantId: event.tenantId, messageId: String(event.data.messageId ?? '') }));
    const rows = await this.#db.query<{ tenant_id: string; message_id: string; account_id: string }>(
      `SELECT DISTINCT s.tenant_id, s.message_id, s.account_id FROM smpp_submits s
       JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, message_id) ON s.tenant_id = k.tenant_id AND s.message_id = k.message_id`,
      [messages.map((message) => message.tenantId), messages.map((message) => message.messageId)],
    );
    const key = (tenantId: string, messageId: string) => `${tenantId}\u0000${messageId}`;
    const accounts = new Map<string, string[]>();
    for (const row of rows) accounts.set(key(row.tenant_id, row.message_id), [...(accounts.get(key(row.tenant_id, row.message_id)) ?? []), row.account_id]);
    const rest = messages.filter((message) => !accounts.has(key(message.tenantId, message.messageId)));
    const idempotencyKeys = await messageIdempotencyKeys(this.#db, rest);
    rest.forEach((message, index) => {
      const match = idempotencyKeys[index] && /^smpp:([^:]+):/.exec(idempotencyKeys[index]);
      accounts.set(key(message.tenantId, message.messageId), match ? [match[1]!] : []);
    });
    return messages.map((message) => accounts.get(key(message.tenantId, message.messageId))!);
  }

  async deliver(accountId: string, event: TriggerEvent): Promise<DeliveryOutcome> {
    const entries = event.type === 'sms.received' ? this.#moEntries(accountId, event) : await this.#receiptEntries(accountId, event);
    if (entries === undefined) return { kind: 'retry', error: 'the message is not linked to its SMPP parts yet', retryAfterMs: 500 };
    await enqueueDeliveries(this.#db, entries);
    if (entries.length > 0) this.#onQueued(accountId);
    return { kind: 'delivered' };
  }

  #moEntries(accountId: string, event: TriggerEvent): OutboxEntry[] {
    const data = event.data as { from?: unknown; to?: unknown; text?: unknown };
    if (typeof data.from !== 'string' || typeof data.text !== 'string') return [];
    const pdu = moPdu({ from: data.from, to: typeof data.to === 'string' ? data.to : '', text: data.text });
    return [{ tenantId: event.tenantId, accountId, kind: 'mo', dedupeKey: `mo:${event.id}`, pdu }];
  }

  /** Undefined while the message is not linked to its parts yet. */
  async #receiptEntries(accountId: string, event: TriggerEvent): Promise<OutboxEntry[] | undefined> {
    const data = event.data as { messageId?: unknown; status?: unknown; reason?: unknown; deliveredAt?: unknown };
    const status = event.type === 'message.delivered' ? 'delivered' : String(data.status);
    if (!FINAL_STATUSES.has(status)) return [];
    const parts = await this.#db.query<PartRow>(
      `SELECT id, source_addr, source_ton, source_npi, destination_addr, dest_ton, dest_npi, receipt, received_at, text_start
       FROM smpp_submits WHERE tenant_id = $1 AND message_id = $2 AND account_id = $3 ORDER BY part_seq, received_at`,
      [event.tenantId, String(data.messageId), accountId],
    );
    if (parts.length === 0) return undefined;
    const finalStatus = status as FinalStatus;
    const reason = typeof data.reason === 'string' ? data.reason : undefined;
    const doneAt = typeof data.deliveredAt === 'string' ? new Date(data.deliveredAt) : event.occurredAt;
    return parts
      .filter((part) => part.receipt === 'final' || (part.receipt === 'failure' && finalStatus !== 'delivered'))
      .map((part) => ({
        tenantId: event.tenantId,
        accountId,
        kind: 'receipt' as const,
        dedupeKey: `receipt:${part.id}`,
        pdu: receiptPdu({
          id: part.id,
          sourceAddr: part.source_addr,
          sourceTon: part.source_ton,
          sourceNpi: part.source_npi,
          destinationAddr: part.destination_addr,
          destTon: part.dest_ton,
          destNpi: part.dest_npi,
          submittedAt: part.received_at,
          doneAt,
          status: finalStatus,
          errorCode: errorCodeOf(finalStatus, reason),
          text: part.text_start ?? '',
        }),
      }));
  }
}
