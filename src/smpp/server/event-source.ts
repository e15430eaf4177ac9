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
import { messageIdempotencyKey } from '../../sending/message-reads.ts';
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
    if (event.type === 'message.delivered' || event.type === 'message.failed') {
      const messageId = String(event.data.messageId ?? '');
      const rows = await this.#db.query<{ account_id: string }>('SELECT DISTINCT account_id FROM smpp_submits WHERE tenant_id = $1 AND message_id = $2', [event.tenantId, messageId]);
      if (rows.length > 0) return rows.map((row) => row.account_id);
      const idempotencyKey = await messageIdempotencyKey(this.#db, event.tenantId, messageId);
      const match = idempotencyKey && /^smpp:([^:]+):/.exec(idempotencyKey);
      return match ? [match[1]!] : [];
    }
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
