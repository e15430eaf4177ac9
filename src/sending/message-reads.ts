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

/** The idempotency key the message was accepted with: null without one, undefined when there is no such message. */
export async function messageIdempotencyKey(db: Sql, tenantId: string, messageId: string): Promise<string | null | undefined> {
  const [row] = await db.query<{ idempotency_key: string | null }>('SELECT idempotency_key FROM messages WHERE tenant_id = $1 AND id = $2', [tenantId, messageId]);
  return row?.idempotency_key;
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
