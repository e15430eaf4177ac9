/**
 * Receipts stored and applied in batches: the receipts providers hand in while a batch is written
 * go out together in the next one (group commit, src/store/group-commit.ts), a few statements per
 * batch whatever its size: their parts and messages located (and locked) in one SELECT, the receipts
 * inserted in one, the parts, messages and history written in one each.
 *
 * Within a batch receipts apply in the order they came, with the rule of lifecycle.ts: a part moves
 * from pending once, a message ends when its parts add up to an end state, and a message that already
 * ended changes no more. Several receipts of one message (the parts of a long SMS) may be in one batch:
 * the part states are followed in memory from what the SELECT read under the lock.
 */
import type { Db, Sql } from '../store/db.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { retryConflicts } from './batches.ts';
import { aggregateParts, nextPartState, partStateOf, type PartState } from './lifecycle.ts';
import type { MessageChannel, MessageStatus } from './message.ts';
import { insertHistoryRows, toMessage, type MessageRow, type StoredMessage } from './message-store.ts';
import type { ProviderReceipt } from './providers/provider.ts';

const MAX_BATCH = 500;

/** A message a receipt (or the expiry) brought to an end state: its event is published next. */
export type Applied = { message: StoredMessage; status: MessageStatus; at: Date };

/** What names a part: the provider's id, per tenant and channel. */
export type PartRef = { tenantId: string; channel: MessageChannel; providerMessageId: string };
type ReceiptFields = { status: ProviderReceipt['status']; at: Date; errorCode: string | null };
export type IncomingReceipt = PartRef & ReceiptFields & { raw: string };
type Located = { message: StoredMessage; state: PartState };

const partKey = (ref: PartRef): string => `${ref.tenantId}\u0000${ref.channel}\u0000${ref.providerMessageId}`;

/**
 * The parts `refs` name, with their messages locked. Locked in message id order, so two batches
 * (receipts of one message in two processes) wait for each other rather than deadlock.
 */
async function locateParts(tx: Sql, refs: readonly PartRef[]): Promise<Map<string, Located>> {
  if (refs.length === 0) return new Map();
  const rows = await tx.query<MessageRow & { part_channel: MessageChannel; part_provider_id: string; part_state: PartState }>(
    `SELECT m.*, p.channel AS part_channel, p.provider_message_id AS part_provider_id, p.state AS part_state
     FROM unnest($1::text[], $2::text[], $3::text[]) AS k(tenant_id, channel, provider_message_id)
     JOIN message_parts p ON p.tenant_id = k.tenant_id AND p.channel = k.channel AND p.provider_message_id = k.provider_message_id
     JOIN messages m ON m.id = p.message_id AND m.tenant_id = p.tenant_id
     ORDER BY m.id FOR UPDATE OF m`,
    [refs.map((ref) => ref.tenantId), refs.map((ref) => ref.channel), refs.map((ref) => ref.providerMessageId)],
  );
  return new Map(rows.map((row) => [partKey({ tenantId: row.tenant_id, channel: row.part_channel, providerMessageId: row.part_provider_id }), { message: toMessage(row), state: row.part_state }]));
}

/**
 * Applies located receipts in order: part states, then the messages whose parts add up to an end
 * state, with their history. Returns, per receipt, the message it ended (if it did).
 */
async function applyReceipts(tx: Sql, receipts: readonly (PartRef & ReceiptFields)[], located: Map<string, Located>): Promise<(Applied | undefined)[]> {
  const states = new Map<string, PartState>();
  const messages = new Map<string, StoredMessage>();
  for (const [key, part] of located) {
    states.set(key, part.state);
    messages.set(part.message.id, part.message);
  }
  // A long SMS ends on all its parts: read the states of the parts this batch has no receipt for.
  const partsOf = new Map<string, string[]>();
  const multipart = [...messages.values()].filter((message) => message.providerMessageIds.length > 1);
  if (multipart.length > 0) {
    const rows = await tx.query<{ tenant_id: string; channel: MessageChannel; provider_message_id: string; message_id: string; state: PartState }>(
      `SELECT p.tenant_id, p.channel, p.provider_message_id, p.message_id, p.state FROM message_parts p
       JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, message_id) ON p.tenant_id = k.tenant_id AND p.message_id = k.message_id ORDER BY p.message_id, p.part`,
      [multipart.map((message) => message.tenantId), multipart.map((message) => message.id)],
    );
    for (const row of rows) {
      const key = partKey({ tenantId: row.tenant_id, channel: row.channel, providerMessageId: row.provider_message_id });
      if (!states.has(key)) states.set(key, row.state);
      partsOf.set(row.message_id, [...(partsOf.get(row.message_id) ?? []), key]);
    }
  }
  const changedParts = new Map<string, PartRef & { state: PartState }>();
  const results = receipts.map((receipt): Applied | undefined => {
    const key = partKey(receipt);
    const part = located.get(key);
    if (!part) return undefined;
    const state = nextPartState(states.get(key)!, partStateOf(receipt.status));
    if (state !== states.get(key)) {
      states.set(key, state);
      changedParts.set(key, { tenantId: receipt.tenantId, channel: receipt.channel, providerMessageId: receipt.providerMessageId, state });
    }
    const message = messages.get(part.message.id)!;
    if (message.status !== 'submitted') return undefined;
    const status = aggregateParts(message.providerMessageIds.length <= 1 ? [state] : (partsOf.get(message.id) ?? [key]).map((part) => states.get(part)!));
    if (!status) return undefined;
    const error = status === 'delivered' ? null : `${receipt.status}${receipt.errorCode ? ` (err:${receipt.errorCode})` : ''}`;
    const ended = { ...message, status, error };
    messages.set(message.id, ended);
    return { message: ended, status, at: receipt.at };
  });
  if (changedParts.size > 0) {
    const parts = [...changedParts.values()];
    await tx.query(
      `UPDATE message_parts p SET state = c.state FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(tenant_id, channel, provider_message_id, state)
       WHERE p.tenant_id = c.tenant_id AND p.channel = c.channel AND p.provider_message_id = c.provider_message_id`,
      [parts.map((part) => part.tenantId), parts.map((part) => part.channel), parts.map((part) => part.providerMessageId), parts.map((part) => part.state)],
    );
  }
  await endMessages(tx, results.filter((applied): applied is Applied => applied !== undefined));
  return results;
}

/** Writes the end states, with their history rows (the reason is the message's `error`). */
export async function endMessages(tx: Sql, ended: readonly Applied[]): Promise<void> {
  if (ended.length === 0) return;
  await tx.query(
    `UPDATE messages m SET status = e.status, error = e.error, completed_at = e.at, updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS e(tenant_id, id, status, error, at)
     WHERE m.id = e.id AND m.tenant_id = e.tenant_id`,
    [ended.map((e) => e.message.tenantId), ended.map((e) => e.message.id), ended.map((e) => e.status), ended.map((e) => e.message.error), ended.map((e) => e.at)],
  );
  await insertHistoryRows(tx, ended.map((e) => ({ tenantId: e.message.tenantId, messageId: e.message.id, status: e.status, reason: e.message.error, at: e.at })));
}

export class ReceiptBatches {
  readonly #incoming: GroupCommit<IncomingReceipt, Applied | undefined | 'waiting'>;
  readonly #waiting: GroupCommit<PartRef, Applied[]>;

  constructor(db: Db, options: { concurrency?: number } = {}) {
    const concurrency = { concurrency: options.concurrency ?? 1 };
    this.#incoming = new GroupCommit((receipts) => retryConflicts(() => storeAndApply(db, receipts)), MAX_BATCH, concurrency);
    this.#waiting = new GroupCommit((refs) => retryConflicts(() => applyStored(db, refs)), MAX_BATCH, concurrency);
  }

  /**
   * Stores a receipt as received and applies it. Resolves once it is stored (the provider may then
   * acknowledge it): with the message it ended, or `waiting` when its part is not known yet.
   */
  store(receipt: IncomingReceipt): Promise<Applied | undefined | 'waiting'> {
    return this.#incoming.push(receipt);
  }

  /** Applies the receipts stored for this part before it was known; resolves with the messages they ended. */
  applyStored(ref: PartRef): Promise<Applied[]> {
    return this.#waiting.push(ref);
  }
}

async function storeAndApply(db: Db, receipts: IncomingReceipt[]): Promise<(Applied | undefined | 'waiting')[]> {
  return db.transaction(async (tx) => {
    const located = await locateParts(tx, receipts);
    const messageIds = receipts.map((receipt) => located.get(partKey(receipt))?.message.id ?? null);
    await tx.query(
      `INSERT INTO message_receipts (tenant_id, channel, provider_message_id, status, at, error_code, raw, message_id, applied)
       SELECT r.*, r.message_id IS NOT NULL FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
         AS r(tenant_id, channel, provider_message_id, status, at, error_code, raw, message_id)`,
      [
        receipts.map((r) => r.tenantId),
        receipts.map((r) => r.channel),
        receipts.map((r) => r.providerMessageId),
        receipts.map((r) => r.status),
        receipts.map((r) => r.at),
        receipts.map((r) => r.errorCode),
        receipts.map((r) => r.raw),
        messageIds,
      ],
    );
    const applied = await applyReceipts(tx, receipts, located);
    return applied.map((result, index) => (messageIds[index] === null ? 'waiting' : result));
  });
}

/** Receipts stored unapplied for these parts, applied now that the parts exist (oldest first). */
async function applyStored(db: Db, refs: PartRef[]): Promise<Applied[][]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ seq: number; tenant_id: string; channel: MessageChannel; provider_message_id: string; status: ProviderReceipt['status']; at: Date; error_code: string | null }>(
      `SELECT r.seq, r.tenant_id, r.channel, r.provider_message_id, r.status, r.at, r.error_code FROM message_receipts r
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::text[])) AS k(tenant_id, channel, provider_message_id)
         ON r.tenant_id = k.tenant_id AND r.channel = k.channel AND r.provider_message_id = k.provider_message_id
       WHERE r.applied = false ORDER BY r.seq FOR UPDATE OF r`,
      [refs.map((ref) => ref.tenantId), refs.map((ref) => ref.channel), refs.map((ref) => ref.providerMessageId)],
    );
    const receipts = rows.map((row) => ({ tenantId: row.tenant_id, channel: row.channel, providerMessageId: row.provider_message_id, status: row.status, at: row.at, errorCode: row.error_code, seq: row.seq }));
    const located = await locateParts(tx, receipts);
    const known = receipts.filter((receipt) => located.has(partKey(receipt)));
    if (known.length > 0) {
      await tx.query(
        'UPDATE message_receipts r SET applied = true, message_id = u.message_id FROM unnest($1::bigint[], $2::text[]) AS u(seq, message_id) WHERE r.seq = u.seq',
        [known.map((receipt) => receipt.seq), known.map((receipt) => located.get(partKey(receipt))!.message.id)],
      );
    }
    const applied = await applyReceipts(tx, known, located);
    // Each ref answers the messages its own receipts ended.
    const byPart = new Map<string, Applied[]>();
    known.forEach((receipt, index) => {
      const result = applied[index];
      if (result) byPart.set(partKey(receipt), [...(byPart.get(partKey(receipt)) ?? []), result]);
    });
    const answered = new Set<string>();
    return refs.map((ref) => {
      const key = partKey(ref);
      if (answered.has(key)) return [];
      answered.add(key);
      return byPart.get(key) ?? [];
    });
  });
}
