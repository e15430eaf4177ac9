import type { Db, Sql } from '../store/db.ts';
import type { EventSubject, TriggerEvent } from './trigger-event.ts';

export type EventRow = {
  id: string;
  seq: number;
  tenant_id: string;
  source: string;
  type: string;
  dedupe_key: string;
  occurred_at: Date;
  received_at: Date;
  subject: EventSubject;
  data: Record<string, unknown>;
};

export const EVENT_COLUMNS = 'id, seq, tenant_id, source, type, dedupe_key, occurred_at, received_at, subject, data';

export const toEvent = (row: EventRow): TriggerEvent & { seq: number } => ({
  id: row.id,
  seq: row.seq,
  tenantId: row.tenant_id,
  source: row.source,
  type: row.type,
  dedupeKey: row.dedupe_key,
  occurredAt: row.occurred_at,
  receivedAt: row.received_at,
  subject: row.subject,
  data: row.data,
});

/** Inserts the event unless its dedupe key exists; returns the stored event's id either way. */
export async function insertEvent(db: Sql, event: Omit<TriggerEvent, 'receivedAt'>): Promise<{ id: string; duplicate: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO events (id, tenant_id, source, type, dedupe_key, occurred_at, subject, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, source, dedupe_key) DO NOTHING RETURNING id`,
    [event.id, event.tenantId, event.source, event.type, event.dedupeKey, event.occurredAt, JSON.stringify(event.subject), JSON.stringify(event.data)],
  );
  if (inserted.length === 1) return { id: inserted[0]!.id, duplicate: false };
  const [existing] = await db.query<{ id: string }>('SELECT id FROM events WHERE tenant_id = $1 AND source = $2 AND dedupe_key = $3', [
    event.tenantId,
    event.source,
    event.dedupeKey,
  ]);
  return { id: existing!.id, duplicate: true };
}

/** By id within a tenant; `tenantId` undefined only for the bus's own workers, which got the id from a job. */
export async function findEvent(db: Db, id: string, tenantId?: string): Promise<(TriggerEvent & { seq: number }) | undefined> {
  const rows =
    tenantId === undefined
      ? await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, [id])
      : await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  return rows[0] && toEvent(rows[0]);
}

export interface EventFilter {
  tenantId: string;
  type?: string;
  source?: string;
  since?: Date;
  until?: Date;
  /** Return events older than this sequence number (the cursor). */
  beforeSeq?: number;
  limit: number;
}

/** Newest first. */
export async function listEvents(db: Db, filter: EventFilter): Promise<(TriggerEvent & { seq: number })[]> {
  const conditions = ['tenant_id = $1'];
  const params: unknown[] = [filter.tenantId];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (filter.type !== undefined) add('type = ?', filter.type);
  if (filter.source !== undefined) add('source = ?', filter.source);
  if (filter.since !== undefined) add('received_at >= ?', filter.since);
  if (filter.until !== undefined) add('received_at < ?', filter.until);
  if (filter.beforeSeq !== undefined) add('seq < ?', filter.beforeSeq);
  params.push(filter.limit);
  const rows = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`, params);
  return rows.map(toEvent);
}
