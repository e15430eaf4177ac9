/**
 * What other parts may read of the sending core's messages (the SMPP server answers query_sm, routes
 * receipts to the account a message came from and paces its handoffs by them). The `messages` table
 * stays the sending core's: a change to it is made here, not in its readers.
 */
import type { Sql } from '../store/db.ts';
import type { MessageStatus } from './message.ts';

export interface MessageProgress {
  status: MessageStatus;
  completedAt: Date | null;
}

export async function messageProgress(db: Sql, tenantId: string, messageId: string): Promise<MessageProgress | undefined> {
  const [row] = await db.query<{ status: MessageStatus; completed_at: Date | null }>(
    'SELECT status, completed_at FROM messages WHERE tenant_id = $1 AND id = $2',
    [tenantId, messageId],
  );
  return row && { status: row.status, completedAt: row.completed_at };
}

/** The idempotency keys messages (of any tenants) were accepted with, in one query, in their order: null without one, undefined when there is no such message. */
export async function messageIdempotencyKeys(db: Sql, messages: readonly { tenantId: string; messageId: string }[]): Promise<(string | null | undefined)[]> {
  if (messages.length === 0) return [];
  const rows = await db.query<{ tenant_id: string; id: string; idempotency_key: string | null }>(
    'SELECT m.tenant_id, m.id, m.idempotency_key FROM messages m JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, id) ON m.id = k.id AND m.tenant_id = k.tenant_id',
    [messages.map((message) => message.tenantId), messages.map((message) => message.messageId)],
  );
  const keys = new Map(rows.map((row) => [`${row.tenant_id}\u0000${row.id}`, row.idempotency_key]));
  return messages.map((message) => keys.get(`${message.tenantId}\u0000${message.messageId}`));
}

/**
 * Messages of every tenant due (accepted or scheduled, their time come) and not submitted yet, counted
 * up to `limit`: the count stops there, so it stays cheap with a large backlog.
 */
export async function countDueMessages(db: Sql, limit: number): Promise<number> {
  const [row] = await db.query<{ due: number }>(
    `SELECT count(*)::int AS due FROM (SELECT 1 FROM messages WHERE status IN ('accepted', 'scheduled') AND run_at <= now() LIMIT $1) AS due`,
    [limit],
  );
  return row!.due;
}

/** What the messages of one origin ("campaign:<id>") became: counts by status and block reason, clicks and STOP replies. */
export interface OriginResults {
  byStatus: Partial<Record<MessageStatus, number>>;
  blockedBy: Record<string, number>;
  /** Clicks on the tracked links of these messages, and how many messages had at least one. */
  clicks: number;
  clickers: number;
  /** Replies with an opt-out keyword (STOP) to one of these messages, counted once per sender. */
  stopReplies: number;
}

export async function originResults(db: Sql, tenantId: string, origin: string): Promise<OriginResults> {
  const statuses = await db.query<{ status: MessageStatus; block_reason: string | null; count: number }>(
    'SELECT status, block_reason, count(*)::int AS count FROM messages WHERE tenant_id = $1 AND origin = $2 GROUP BY status, block_reason',
    [tenantId, origin],
  );
  const [clicks] = await db.query<{ clicks: number; clickers: number }>(
    `SELECT coalesce(sum(clicks), 0)::int AS clicks, count(DISTINCT message_id) FILTER (WHERE clicks > 0)::int AS clickers
     FROM message_links WHERE tenant_id = $1 AND origin = $2`,
    [tenantId, origin],
  );
  const [stops] = await db.query<{ stops: number }>(
    `SELECT count(DISTINCT i.from_address)::int AS stops FROM inbound_sms i JOIN messages m ON m.tenant_id = i.tenant_id AND m.id = i.in_reply_to
     WHERE i.tenant_id = $1 AND m.origin = $2 AND i.opt_out_keyword IS NOT NULL`,
    [tenantId, origin],
  );
  const byStatus: Partial<Record<MessageStatus, number>> = {};
  const blockedBy: Record<string, number> = {};
  for (const row of statuses) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
    if (row.status === 'blocked' && row.block_reason !== null) blockedBy[row.block_reason] = (blockedBy[row.block_reason] ?? 0) + row.count;
  }
  return { byStatus, blockedBy, clicks: clicks!.clicks, clickers: clicks!.clickers, stopReplies: stops!.stops };
}

/** One line of the SMS exchanged with a number: a message sent to it (with its receipts), or an SMS received from it. */
export type ConversationEntry =
  | {
      direction: 'sent';
      id: string;
      to: string;
      text: string;
      category: string;
      status: MessageStatus;
      blockReason: string | null;
      segments: number | null;
      scheduledFor: Date | null;
      at: Date;
      completedAt: Date | null;
      receipts: { status: string; at: Date; errorCode: string | null }[];
    }
  | { direction: 'received'; id: string; from: string; text: string; at: Date; inReplyTo: string | null; optOut: boolean };

/**
 * The SMS sent to and received from these numbers (E.164), newest first, `limit` at most: what a CRM shows beside a
 * record (the Salesforce tab). Receipts are read for the messages shown only.
 */
export async function conversationWith(db: Sql, tenantId: string, phones: readonly string[], limit: number): Promise<ConversationEntry[]> {
  if (phones.length === 0) return [];
  const sent = await db.query<{
    id: string;
    to_address: string;
    body: string;
    category: string;
    status: MessageStatus;
    block_reason: string | null;
    segments: number | null;
    run_at: Date | null;
    created_at: Date;
    completed_at: Date | null;
  }>(
    `SELECT id, to_address, body, category, status, block_reason, segments, run_at, created_at, completed_at FROM messages
     WHERE tenant_id = $1 AND channel = 'sms' AND to_address = ANY($2::text[]) ORDER BY seq DESC LIMIT $3`,
    [tenantId, phones, limit],
  );
  const received = await db.query<{ id: string; from_address: string; text: string; at: Date; in_reply_to: string | null; opt_out_keyword: string | null }>(
    'SELECT id, from_address, text, at, in_reply_to, opt_out_keyword FROM inbound_sms WHERE tenant_id = $1 AND from_address = ANY($2::text[]) ORDER BY seq DESC LIMIT $3',
    [tenantId, phones, limit],
  );
  const receipts = new Map<string, { status: string; at: Date; errorCode: string | null }[]>();
  if (sent.length > 0) {
    const rows = await db.query<{ message_id: string; status: string; at: Date; error_code: string | null }>(
      'SELECT message_id, status, at, error_code FROM message_receipts WHERE tenant_id = $1 AND message_id = ANY($2::text[]) ORDER BY seq',
      [tenantId, sent.map((row) => row.id)],
    );
    for (const row of rows) receipts.set(row.message_id, [...(receipts.get(row.message_id) ?? []), { status: row.status, at: row.at, errorCode: row.error_code }]);
  }
  const entries: ConversationEntry[] = [
    ...sent.map((row) => ({
      direction: 'sent' as const,
      id: row.id,
      to: row.to_address,
      text: row.body,
      category: row.category,
      status: row.status,
      blockReason: row.block_reason,
      segments: row.segments,
      // As the messages API says it: a due time only while the message waits.
      scheduledFor: row.status === 'scheduled' || row.status === 'accepted' ? row.run_at : null,
      at: row.created_at,
      completedAt: row.completed_at,
      receipts: receipts.get(row.id) ?? [],
    })),
    ...received.map((row) => ({ direction: 'received' as const, id: row.id, from: row.from_address, text: row.text, at: row.at, inReplyTo: row.in_reply_to, optOut: row.opt_out_keyword !== null })),
  ];
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
}
