/**
 * SQL of `message_references`: ids other systems know a message by (the SMPP server's message_id of
 * each submit_sm part). The sending core owns the table; the SMPP server reaches it only through the
 * sending module (`send` with `references`, `addReferences`), never by SQL.
 */
import type { Sql } from '../store/db.ts';

/** A namespace and an id in it: `{ system: 'smpp', id: '4Xk9…' }`. */
export interface MessageReference {
  system: string;
  id: string;
}

/** Links references to messages; a reference already linked keeps its first message. */
export async function insertReferences(tx: Sql, tenantId: string, links: readonly (MessageReference & { messageId: string })[]): Promise<void> {
  if (links.length === 0) return;
  await tx.query(
    `INSERT INTO message_references (tenant_id, system, reference, message_id)
     SELECT $1, l.system, l.id, l.message_id FROM jsonb_to_recordset($2::jsonb) AS l(system text, id text, message_id text)
     WHERE EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = $1 AND m.id = l.message_id)
     ON CONFLICT (tenant_id, system, reference) DO NOTHING`,
    [tenantId, JSON.stringify(links.map((link) => ({ system: link.system, id: link.id, message_id: link.messageId })))],
  );
}

export async function messageIdByReference(db: Sql, tenantId: string, reference: MessageReference): Promise<string | undefined> {
  const [row] = await db.query<{ message_id: string }>('SELECT message_id FROM message_references WHERE tenant_id = $1 AND system = $2 AND reference = $3', [
    tenantId,
    reference.system,
    reference.id,
  ]);
  return row?.message_id;
}

/** The message's references, oldest part first within a system. */
export async function referencesOf(db: Sql, tenantId: string, messageId: string): Promise<MessageReference[]> {
  const rows = await db.query<{ system: string; reference: string }>(
    'SELECT system, reference FROM message_references WHERE tenant_id = $1 AND message_id = $2 ORDER BY system, reference',
    [tenantId, messageId],
  );
  return rows.map((row) => ({ system: row.system, id: row.reference }));
}
