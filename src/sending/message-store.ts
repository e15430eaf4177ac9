/**
 * SQL of the sending core's messages: inserts, reads, listings, status history, parts and receipts.
 * Every query is scoped to the tenant.
 */
import type { Db, Sql } from '../store/db.ts';
import type { BlockReason, EmailContent, Message, MessageCategory, MessageChannel, MessageStatus, ScheduleReason, SmsEncoding, StatusChange } from './message.ts';
import { insertLinks } from './links/link-store.ts';
import type { Draft } from './prepare.ts';

export type MessageRow = {
  id: string;
  seq: number;
  tenant_id: string;
  channel: MessageChannel;
  category: MessageCategory;
  status: MessageStatus;
  block_reason: BlockReason | null;
  contact_id: string | null;
  to_address: string;
  from_address: string;
  body: string;
  email: EmailContent | null;
  encoding: SmsEncoding | null;
  segments: number | null;
  run_at: Date | null;
  schedule_reason: ScheduleReason | null;
  rate_slot_at: Date | null;
  claimed_until: Date | null;
  provider_kind: string | null;
  provider_message_ids: string[];
  attempts: number;
  job_seq: number;
  error: string | null;
  idempotency_key: string | null;
  batch_id: string | null;
  unsubscribe_token: string | null;
  notified_status: MessageStatus | null;
  origin: string | null;
  created_at: Date;
  submitted_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
};

/** The stored message plus the pipeline's internal columns. */
export type StoredMessage = Message & { rateSlotAt: Date | null; jobSeq: number; unsubscribeToken: string | null; notifiedStatus: MessageStatus | null; origin: string | null };

export function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    seq: row.seq,
    tenantId: row.tenant_id,
    channel: row.channel,
    category: row.category,
    status: row.status,
    blockReason: row.block_reason,
    contactId: row.contact_id,
    to: row.to_address,
    from: row.from_address,
    text: row.body,
    email: row.email,
    encoding: row.encoding,
    segments: row.segments,
    scheduledFor: row.status === 'scheduled' || row.status === 'accepted' ? row.run_at : null,
    scheduleReason: row.schedule_reason,
    providerKind: row.provider_kind,
    providerMessageIds: row.provider_message_ids,
    attempts: row.attempts,
    error: row.error,
    idempotencyKey: row.idempotency_key,
    batchId: row.batch_id,
    createdAt: row.created_at,
    submittedAt: row.submitted_at,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
    rateSlotAt: row.rate_slot_at,
    jobSeq: row.job_seq,
    unsubscribeToken: row.unsubscribe_token,
    notifiedStatus: row.notified_status,
    origin: row.origin,
  };
}

const COLUMNS = 16;

/** Inserts drafts and their first history row, in multi-row statements (PGlite writes rows in bulk far faster than one by one). */
export async function insertMessages(
  tx: Sql,
  tenantId: string,
  drafts: readonly Draft[],
  meta: { idempotencyKey: string | null; batchId: string | null; at: Date; origin?: string | null },
): Promise<StoredMessage[]> {
  const stored: StoredMessage[] = [];
  for (let start = 0; start < drafts.length; start += 200) {
    const chunk = drafts.slice(start, start + 200);
    const params: unknown[] = [tenantId, meta.idempotencyKey, meta.batchId, meta.at, meta.origin ?? null];
    const values = chunk.map((draft) => {
      const base = params.length;
      params.push(
        draft.id,
        draft.channel,
        draft.category,
        draft.status,
        draft.blockReason,
        draft.contactId,
        draft.to,
        draft.from,
        draft.text,
        draft.email === null ? null : JSON.stringify(draft.email),
        draft.encoding,
        draft.segments,
        draft.runAt,
        draft.scheduleReason,
        draft.unsubscribeToken,
        draft.status === 'blocked' ? meta.at : null,
      );
      const placeholders = Array.from({ length: COLUMNS }, (_, index) => `$${base + index + 1}`);
      return `(${placeholders.join(', ')}, $1, $2, $3, $4, $4, $5)`;
    });
    const rows = await tx.query<MessageRow>(
      `INSERT INTO messages (id, channel, category, status, block_reason, contact_id, to_address, from_address, body, email, encoding, segments, run_at,
         schedule_reason, unsubscribe_token, completed_at, tenant_id, idempotency_key, batch_id, created_at, updated_at, origin)
       VALUES ${values.join(', ')} RETURNING *`,
      params,
    );
    const byId = new Map(rows.map((row) => [row.id, toMessage(row)]));
    stored.push(...chunk.map((draft) => byId.get(draft.id)!));
    await insertHistory(
      tx,
      tenantId,
      chunk.map((draft) => ({ messageId: draft.id, status: draft.status, reason: draft.blockReason ?? draft.scheduleReason, at: meta.at })),
    );
    await insertLinks(
      tx,
      tenantId,
      chunk.flatMap((draft) => draft.links.map((link) => ({ ...link, messageId: draft.id, contactId: draft.contactId, origin: meta.origin ?? null }))),
    );
  }
  return stored;
}

export type HistoryEntry = { messageId: string; status: MessageStatus; reason: string | null; at: Date };

export async function insertHistory(tx: Sql, tenantId: string, entries: readonly HistoryEntry[]): Promise<void> {
  await insertHistoryRows(tx, entries.map((entry) => ({ ...entry, tenantId })));
}

/** History rows of any tenants' messages in one statement (the batched pipeline writes a batch's changes at once). */
export async function insertHistoryRows(tx: Sql, entries: readonly (HistoryEntry & { tenantId: string })[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO message_history (tenant_id, message_id, status, reason, at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`,
    [entries.map((entry) => entry.tenantId), entries.map((entry) => entry.messageId), entries.map((entry) => entry.status), entries.map((entry) => entry.reason), entries.map((entry) => entry.at)],
  );
}

export async function getMessage(db: Sql, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredMessage | undefined> {
  const [row] = await db.query<MessageRow>(`SELECT * FROM messages WHERE tenant_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return row && toMessage(row);
}

/** In the order of `ids`. */
export async function getMessages(db: Sql, tenantId: string, ids: readonly string[]): Promise<StoredMessage[]> {
  const rows = await db.query<MessageRow>('SELECT * FROM messages WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, ids]);
  const byId = new Map(rows.map((row) => [row.id, toMessage(row)]));
  return ids.map((id) => byId.get(id)).filter((message): message is StoredMessage => message !== undefined);
}

export interface MessageFilter {
  status?: MessageStatus;
  channel?: MessageChannel;
  contactId?: string;
  to?: string;
  /** Messages another system knows by this id (message_references). */
  reference?: { system: string; id: string };
  batchId?: string;
  since?: Date;
  until?: Date;
  beforeSeq?: number;
  limit: number;
}

/** Newest first. */
export async function listMessages(db: Db, tenantId: string, filter: MessageFilter): Promise<StoredMessage[]> {
  const conditions = ['tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const add = (condition: string, value: unknown) => conditions.push(condition.replace('?', `$${params.push(value)}`));
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.channel !== undefined) add('channel = ?', filter.channel);
  if (filter.contactId !== undefined) add('contact_id = ?', filter.contactId);
  if (filter.to !== undefined) add('to_address = ?', filter.to);
  if (filter.reference !== undefined) {
    const system = params.push(filter.reference.system);
    add(`id IN (SELECT message_id FROM message_references WHERE tenant_id = $1 AND system = $${system} AND reference = ?)`, filter.reference.id);
  }
  if (filter.batchId !== undefined) add('batch_id = ?', filter.batchId);
  if (filter.since !== undefined) add('created_at >= ?', filter.since);
  if (filter.until !== undefined) add('created_at < ?', filter.until);
  if (filter.beforeSeq !== undefined) add('seq < ?', filter.beforeSeq);
  const rows = await db.query<MessageRow>(`SELECT * FROM messages WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT $${params.push(filter.limit)}`, params);
  return rows.map(toMessage);
}

export async function historyOf(db: Sql, tenantId: string, messageId: string): Promise<StatusChange[]> {
  const rows = await db.query<{ status: MessageStatus; reason: string | null; at: Date }>(
    'SELECT status, reason, at FROM message_history WHERE tenant_id = $1 AND message_id = $2 ORDER BY seq',
    [tenantId, messageId],
  );
  return rows;
}

export interface StoredReceipt {
  providerMessageId: string;
  status: string;
  at: Date;
  errorCode: string | null;
  raw: string;
  receivedAt: Date;
}

export async function receiptsOf(db: Sql, tenantId: string, messageId: string): Promise<StoredReceipt[]> {
  const rows = await db.query<{ provider_message_id: string; status: string; at: Date; error_code: string | null; raw: string; received_at: Date }>(
    'SELECT provider_message_id, status, at, error_code, raw, received_at FROM message_receipts WHERE tenant_id = $1 AND message_id = $2 ORDER BY seq',
    [tenantId, messageId],
  );
  return rows.map((row) => ({ providerMessageId: row.provider_message_id, status: row.status, at: row.at, errorCode: row.error_code, raw: row.raw, receivedAt: row.received_at }));
}
