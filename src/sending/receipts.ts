/**
 * Receipts from providers (the `ProviderSink.receipt` side): every receipt is stored as received,
 * then applied to its part and message. Correlation is by (tenant, channel, provider message id).
 *
 * An SMSC may send a receipt before the submit result is written (its `deliver_sm` can overtake
 * our write of the `submit_sm_resp`). Such a receipt is stored with no message and applied when the
 * submit result lands (`applyWaitingReceipts`, same process), or by the sweeper (another process,
 * or both writes raced).
 */
import type { Sql } from '../store/db.ts';
import type { SendingDeps } from './deps.ts';
import { aggregateParts, nextPartState, partStateOf, type PartState } from './lifecycle.ts';
import type { MessageChannel, MessageStatus } from './message.ts';
import { insertHistory, toMessage, type MessageRow, type StoredMessage } from './message-store.ts';
import { notify } from './notify.ts';
import type { ProviderReceipt } from './providers/provider.ts';

type Applied = { message: StoredMessage; status: MessageStatus; at: Date } | undefined;

interface ReceiptFields {
  providerMessageId: string;
  status: ProviderReceipt['status'];
  at: Date;
  errorCode: string | null;
}

type Located = { message: StoredMessage; part: number; state: PartState };

/** The part a provider id names, with its message locked (parts of one message get receipts concurrently). */
async function locate(tx: Sql, tenantId: string, channel: MessageChannel, providerMessageId: string): Promise<Located | undefined> {
  const [row] = await tx.query<MessageRow & { part_index: number; part_state: PartState }>(
    `SELECT m.*, p.part AS part_index, p.state AS part_state FROM message_parts p JOIN messages m ON m.id = p.message_id AND m.tenant_id = p.tenant_id
     WHERE p.tenant_id = $1 AND p.channel = $2 AND p.provider_message_id = $3 FOR UPDATE OF m`,
    [tenantId, channel, providerMessageId],
  );
  return row && { message: toMessage(row), part: row.part_index, state: row.part_state };
}

/** Moves the part, then the message when its parts add up to an end state. */
async function apply(tx: Sql, tenantId: string, channel: MessageChannel, located: Located, receipt: ReceiptFields): Promise<Applied> {
  const { message } = located;
  const state = nextPartState(located.state, partStateOf(receipt.status));
  if (state !== located.state) {
    await tx.query('UPDATE message_parts SET state = $4 WHERE tenant_id = $1 AND channel = $2 AND provider_message_id = $3', [tenantId, channel, receipt.providerMessageId, state]);
  }
  if (message.status !== 'submitted') return undefined;
  const states =
    message.providerMessageIds.length <= 1
      ? [state]
      : (await tx.query<{ state: PartState }>('SELECT state FROM message_parts WHERE tenant_id = $1 AND message_id = $2 ORDER BY part', [tenantId, message.id])).map((row) => row.state);
  const status = aggregateParts(states);
  if (!status) return undefined;
  const error = status === 'delivered' ? null : `${receipt.status}${receipt.errorCode ? ` (err:${receipt.errorCode})` : ''}`;
  return finish(tx, tenantId, message, status, error, receipt.at);
}

/** Writes the end state its parts added up to, with its history row (the reason is the message's `error`). */
async function finish(tx: Sql, tenantId: string, message: StoredMessage, status: MessageStatus, error: string | null, at: Date): Promise<Applied> {
  await tx.query('UPDATE messages SET status = $3, error = $4, completed_at = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, message.id, status, error, at]);
  await insertHistory(tx, tenantId, [{ messageId: message.id, status, reason: error, at }]);
  return { message: { ...message, status, error }, status, at };
}

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
  const applied = await deps.db.transaction(async (tx): Promise<Applied> => {
    const [row] = await tx.query<MessageRow>(`SELECT * FROM messages WHERE tenant_id = $1 AND id = $2 AND status = 'submitted' AND submitted_at < $3 FOR UPDATE`, [tenantId, messageId, submittedBefore]);
    if (!row) return undefined;
    const message = toMessage(row);
    await tx.query(`UPDATE message_parts SET state = 'expired' WHERE tenant_id = $1 AND message_id = $2 AND state = 'pending'`, [tenantId, message.id]);
    const states = (await tx.query<{ state: PartState }>('SELECT state FROM message_parts WHERE tenant_id = $1 AND message_id = $2 ORDER BY part', [tenantId, message.id])).map((part) => part.state);
    // A message with no part rows (none were recorded) has nothing to aggregate: it expires as a whole.
    const status = states.length === 0 ? 'expired' : aggregateParts(states);
    if (!status) return undefined;
    return finish(tx, tenantId, message, status, status === 'delivered' ? null : reason, at);
  });
  await announce(deps, tenantId, applied);
  return applied !== undefined;
}

/** Applies one stored, unapplied receipt (by seq) if its part is known by now. */
async function applyStored(tx: Sql, tenantId: string, channel: MessageChannel, seq: number): Promise<Applied> {
  const [receipt] = await tx.query<{ provider_message_id: string; status: ProviderReceipt['status']; at: Date; error_code: string | null; applied: boolean }>(
    'SELECT provider_message_id, status, at, error_code, applied FROM message_receipts WHERE seq = $1 AND tenant_id = $2 FOR UPDATE',
    [seq, tenantId],
  );
  if (!receipt || receipt.applied) return undefined;
  const located = await locate(tx, tenantId, channel, receipt.provider_message_id);
  if (!located) return undefined;
  await tx.query('UPDATE message_receipts SET applied = true, message_id = $2 WHERE seq = $1', [seq, located.message.id]);
  return apply(tx, tenantId, channel, located, { providerMessageId: receipt.provider_message_id, status: receipt.status, at: receipt.at, errorCode: receipt.error_code });
}

async function announce(deps: SendingDeps, tenantId: string, applied: Applied): Promise<void> {
  if (applied) await notify(deps, tenantId, applied.message, applied.status, applied.at);
}

/**
 * Provider ids whose receipt this process stored before knowing them. The submit step looks here
 * instead of querying after every submit; receipts stored by another process wait for the sweeper.
 */
const waitingIds = new Set<string>();

/** Stores and applies a receipt. Resolves once it is stored: then the provider may acknowledge it. */
export async function handleReceipt(deps: SendingDeps, tenantId: string, channel: MessageChannel, receipt: ProviderReceipt): Promise<void> {
  const fields: ReceiptFields = { providerMessageId: receipt.providerMessageId, status: receipt.status, at: receipt.at, errorCode: receipt.errorCode ?? null };
  const applied = await deps.db.transaction(async (tx) => {
    const located = await locate(tx, tenantId, channel, receipt.providerMessageId);
    await tx.query(
      `INSERT INTO message_receipts (tenant_id, channel, provider_message_id, status, at, error_code, raw, message_id, applied) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [tenantId, channel, receipt.providerMessageId, receipt.status, receipt.at, fields.errorCode, receipt.raw, located?.message.id ?? null, located !== undefined],
    );
    if (!located) {
      if (waitingIds.size > 100_000) waitingIds.clear();
      waitingIds.add(`${tenantId}:${channel}:${receipt.providerMessageId}`);
      return undefined;
    }
    return apply(tx, tenantId, channel, located, fields);
  });
  await announce(deps, tenantId, applied);
}

/** Applies receipts stored before their message's submit result (called right after it is written). */
export async function applyWaitingReceipts(deps: SendingDeps, tenantId: string, channel: MessageChannel, providerMessageIds: readonly string[]): Promise<void> {
  const keys = providerMessageIds.map((id) => `${tenantId}:${channel}:${id}`);
  if (!keys.some((key) => waitingIds.has(key))) return;
  for (const key of keys) waitingIds.delete(key);
  const waiting = await deps.db.query<{ seq: number }>(
    'SELECT seq FROM message_receipts WHERE tenant_id = $1 AND channel = $2 AND provider_message_id = ANY($3::text[]) AND applied = false ORDER BY seq',
    [tenantId, channel, providerMessageIds],
  );
  for (const { seq } of waiting) {
    const applied = await deps.db.transaction((tx) => applyStored(tx, tenantId, channel, seq));
    await announce(deps, tenantId, applied);
  }
}

/** Sweeper: receipts still unapplied whose part exists by now (both writes raced). */
export async function applyStrandedReceipts(deps: SendingDeps, olderThanSeconds: number): Promise<number> {
  const rows = await deps.db.query<{ seq: number; tenant_id: string; channel: MessageChannel }>(
    `SELECT r.seq, r.tenant_id, r.channel FROM message_receipts r
     JOIN message_parts p ON p.tenant_id = r.tenant_id AND p.channel = r.channel AND p.provider_message_id = r.provider_message_id
     WHERE r.applied = false AND r.received_at < now() - make_interval(secs => $1) ORDER BY r.seq LIMIT 1000`,
    [olderThanSeconds],
  );
  for (const row of rows) {
    const applied = await deps.db.transaction((tx) => applyStored(tx, row.tenant_id, row.channel, row.seq));
    await announce(deps, row.tenant_id, applied);
  }
  return rows.length;
}
