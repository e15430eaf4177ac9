/** SQL of tracked links: stored with their message, counted on each click. */
import type { Sql } from '../../store/db.ts';
import type { MessageLink } from './link-codes.ts';

export interface LinkRow {
  code: string;
  tenant_id: string;
  message_id: string;
  url: string;
  contact_id: string | null;
  origin: string | null;
  clicks: number;
  channel: 'sms' | 'email';
  to_address: string;
}

/** In the message's transaction: one multi-row insert for a whole batch. */
export async function insertLinks(tx: Sql, tenantId: string, links: readonly (MessageLink & { messageId: string; contactId: string | null; origin: string | null })[]): Promise<void> {
  for (let start = 0; start < links.length; start += 500) {
    const params: unknown[] = [tenantId];
    const values = links
      .slice(start, start + 500)
      .map((link) => `($${params.push(link.code)}, $1, $${params.push(link.messageId)}, $${params.push(link.url)}, $${params.push(link.contactId)}, $${params.push(link.origin)})`);
    await tx.query(`INSERT INTO message_links (code, tenant_id, message_id, url, contact_id, origin) VALUES ${values.join(', ')}`, params);
  }
}

/** Counts one click and answers the link with its new count; undefined for an unknown code. */
export async function recordClick(db: Sql, code: string, at: Date): Promise<LinkRow | undefined> {
  const [row] = await db.query<LinkRow>(
    `UPDATE message_links l SET clicks = l.clicks + 1, first_clicked_at = coalesce(l.first_clicked_at, $2), last_clicked_at = $2
     FROM messages m WHERE l.code = $1 AND m.id = l.message_id AND m.tenant_id = l.tenant_id
     RETURNING l.code, l.tenant_id, l.message_id, l.url, l.contact_id, l.origin, l.clicks, m.channel, m.to_address`,
    [code, at],
  );
  return row;
}

export async function linksOf(db: Sql, tenantId: string, messageId: string): Promise<{ code: string; url: string; clicks: number }[]> {
  return db.query('SELECT code, url, clicks FROM message_links WHERE tenant_id = $1 AND message_id = $2 ORDER BY code', [tenantId, messageId]);
}
