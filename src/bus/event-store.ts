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

/**
 * Inserts events unless their dedupe key exists, in one statement for the whole batch; returns, per
 * input and in order, the stored event's id and whether it was a duplicate (of an older event or of
 * an earlier input of the same batch).
 */
export async function insertEvents(db: Sql, events: Omit<TriggerEvent, 'receivedAt'>[]): Promise<{ id: string; duplicate: boolean }[]> {
  const rows = events.map((event) => ({
    id: event.id,
    tenant_id: event.tenantId,
    source: event.source,
    type: event.type,
    dedupe_key: event.dedupeKey,
    occurred_at: event.occurredAt.toISOString(),
    subject: event.subject,
    data: event.data,
  }));
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO events (id, tenant_id, source, type, dedupe_key, occurred_at, subject, data)
     SELECT id, tenant_id, source, type, dedupe_key, occurred_at, subject, data
     FROM jsonb_to_recordset($1::jsonb) AS e(id text, tenant_id text, source text, type text, dedupe_key text, occurred_at timestamptz, subject jsonb, data jsonb)
     ON CONFLICT (tenant_id, source, dedupe_key) DO NOTHING RETURNING id`,
    [JSON.stringify(rows)],
  );
  const insertedIds = new Set(inserted.map((row) => row.id));
  const keyOf = (tenantId: string, source: string, dedupeKey: string) => JSON.stringify([tenantId, source, dedupeKey]);
  const existing = new Map<string, string>();
  const missing = rows.filter((row) => !insertedIds.has(row.id));
  if (missing.length > 0) {
    const found = await db.query<{ id: string; tenant_id: string; source: string; dedupe_key: string }>(
      `SELECT ev.id, ev.tenant_id, ev.source, ev.dedupe_key FROM events ev
       JOIN jsonb_to_recordset($1::jsonb) AS k(tenant_id text, source text, dedupe_key text)
         ON ev.tenant_id = k.tenant_id AND ev.source = k.source AND ev.dedupe_key = k.dedupe_key`,
      [JSON.stringify(missing.map(({ tenant_id, source, dedupe_key }) => ({ tenant_id, source, dedupe_key })))],
    );
    for (const row of found) existing.set(keyOf(row.tenant_id, row.source, row.dedupe_key), row.id);
  }
  return rows.map((row) =>
    insertedIds.has(row.id) ? { id: row.id, duplicate: false } : { id: existing.get(keyOf(row.tenant_id, row.source, row.dedupe_key))!, duplicate: true },
  );
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
