/**
 * Receipts from providers (the `ProviderSink.receipt` side): every receipt is stored as received,
 * then applied to its part and message. Correlation is by (tenant, channel, provider message id).
 *
 * An SMSC may send a receipt before the submit result is written (its `deliver_sm` can overtake
 * our write of the `submit_sm_resp`). Such a receipt is stored with no message and applied when the
 * submit result lands (`applyWaitingReceipts`, same process), or by the sweeper (another process,
 * or both writes raced).
 */
import type { SendingDeps } from './deps.ts';
import { aggregateParts, type PartState } from './lifecycle.ts';
import type { MessageChannel } from './message.ts';
import { toMessage, type MessageRow } from './message-store.ts';
import { notify } from './notify.ts';
import type { ProviderReceipt } from './providers/provider.ts';
import { endMessages, type Applied } from './receipt-batches.ts';

/**
 * Sweeper: a submitted message whose receipt never came (an SMSC that lost it, a provider that
 * sends none, receipts a crash lost) ends as if its pending parts had received EXPIRED, the way an
 * SMSC reports a message at the end of its validity period: the same part states, aggregation and
 * event (`message.failed`, status `expired`) as a receipt. No receipt row is invented: `receipts`
 * stays what providers sent; the history and `error` carry `reason`.
 *
 * Safe to repeat and to race a receipt: under the message's lock it must still be `submitted`, and
 * since before `submittedBefore`, so a second run finds nothing and a receipt applied meanwhile wins.
 * A receipt arriving afterwards is stored and changes nothing: a final part state stays final
 * (`nextPartState`) and so does the message (docs/sending.md, "Final stays final").
 */
export async function expireWithoutReceipt(deps: SendingDeps, tenantId: string, messageId: string, submittedBefore: Date, reason: string, at: Date): Promise<boolean> {
  const applied = await deps.db.transaction(async (tx): Promise<Applied | undefined> => {
    const [row] = await tx.query<MessageRow>(`SELECT * FROM messages WHERE tenant_id = $1 AND id = $2 AND status = 'submitted' AND submitted_at < $3 FOR UPDATE`, [tenantId, messageId, submittedBefore]);
    if (!row) return undefined;
    const message = toMessage(row);
    await tx.query(`UPDATE message_parts SET state = 'expired' WHERE tenant_id = $1 AND message_id = $2 AND state = 'pending'`, [tenantId, message.id]);
    const states = (await tx.query<{ state: PartState }>('SELECT state FROM message_parts WHERE tenant_id = $1 AND message_id = $2 ORDER BY part', [tenantId, message.id])).map((part) => part.state);
    // A message with no part rows (none were recorded) has nothing to aggregate: it expires as a whole.
    const status = states.length === 0 ? 'expired' : aggregateParts(states);
    if (!status) return undefined;
    const ended = { message: { ...message, status, error: status === 'delivered' ? null : reason }, status, at };
    await endMessages(tx, [ended]);
    return ended;
  });
  await announce(deps, tenantId, applied);
  return applied !== undefined;
}

async function announce(deps: SendingDeps, tenantId: string, applied: Applied | undefined): Promise<void> {
  if (applied) await notify(deps, tenantId, applied.message, applied.status, applied.at);
}

/**
 * Provider ids whose receipt this process stored before knowing them. The submit step looks here
 * instead of querying after every submit; receipts stored by another process wait for the sweeper.
 */
const waitingIds = new Set<string>();
const waitingKey = (tenantId: string, channel: MessageChannel, providerMessageId: string) => `${tenantId}:${channel}:${providerMessageId}`;

/** Stores and applies a receipt (in a batch, receipt-batches.ts). Resolves once it is stored: then the provider may acknowledge it. */
export async function handleReceipt(deps: SendingDeps, tenantId: string, channel: MessageChannel, receipt: ProviderReceipt): Promise<void> {
  const applied = await deps.receipts.store({
    tenantId,
    channel,
    providerMessageId: receipt.providerMessageId,
    status: receipt.status,
    at: receipt.at,
    errorCode: receipt.errorCode ?? null,
    raw: receipt.raw,
  });
  if (applied === 'waiting') {
    if (waitingIds.size > 100_000) waitingIds.clear();
    waitingIds.add(waitingKey(tenantId, channel, receipt.providerMessageId));
    return;
  }
  await announce(deps, tenantId, applied);
}

/** Applies receipts stored before their message's submit result (called right after it is written). */
export async function applyWaitingReceipts(deps: SendingDeps, tenantId: string, channel: MessageChannel, providerMessageIds: readonly string[]): Promise<void> {
  const waiting = providerMessageIds.filter((id) => waitingIds.delete(waitingKey(tenantId, channel, id)));
  await Promise.all(
    waiting.map(async (providerMessageId) => {
      for (const applied of await deps.receipts.applyStored({ tenantId, channel, providerMessageId })) await announce(deps, tenantId, applied);
    }),
  );
}

/** Sweeper: receipts still unapplied whose part exists by now (both writes raced). */
export async function applyStrandedReceipts(deps: SendingDeps, olderThanSeconds: number): Promise<number> {
  const rows = await deps.db.query<{ tenant_id: string; channel: MessageChannel; provider_message_id: string }>(
    `SELECT r.tenant_id, r.channel, r.provider_message_id FROM message_receipts r
     JOIN message_parts p ON p.tenant_id = r.tenant_id AND p.channel = r.channel AND p.provider_message_id = r.provider_message_id
     WHERE r.applied = false AND r.received_at < now() - make_interval(secs => $1) ORDER BY r.seq LIMIT 1000`,
    [olderThanSeconds],
  );
  await Promise.all(
    rows.map(async (row) => {
      const ref = { tenantId: row.tenant_id, channel: row.channel, providerMessageId: row.provider_message_id };
      for (const applied of await deps.receipts.applyStored(ref)) await announce(deps, row.tenant_id, applied);
    }),
  );
  return rows.length;
}

