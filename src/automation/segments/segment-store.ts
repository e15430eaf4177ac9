/** Segments and their members in the store; every query is scoped to the tenant. */
import { randomBase62 } from '../../ids.ts';
import type { Db, Sql } from '../../store/db.ts';
import { SegmentFilterSchema, type SegmentFilter, type SegmentInput } from './segment.ts';

export interface Segment {
  id: string;
  seq: number;
  tenantId: string;
  name: string;
  description: string | null;
  filter: SegmentFilter;
  rfmWindow: string;
  refreshedAt: Date | null;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

type SegmentRow = {
  id: string;
  seq: number;
  tenant_id: string;
  name: string;
  description: string | null;
  filter: unknown;
  rfm_window: string;
  refreshed_at: Date | null;
  member_count: number;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `s.id, s.seq, s.tenant_id, s.name, s.description, s.filter, s.rfm_window, s.refreshed_at, s.created_at, s.updated_at,
  (SELECT count(*)::int FROM segment_members m WHERE m.segment_id = s.id AND m.member) AS member_count`;

const toSegment = (row: SegmentRow): Segment => ({
  id: row.id,
  seq: row.seq,
  tenantId: row.tenant_id,
  name: row.name,
  description: row.description,
  filter: SegmentFilterSchema.parse(row.filter),
  rfmWindow: row.rfm_window,
  refreshedAt: row.refreshed_at,
  memberCount: row.member_count,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertSegment(db: Db, tenantId: string, input: SegmentInput): Promise<Segment> {
  const id = `seg_${randomBase62(20)}`;
  await db.query('INSERT INTO segments (id, tenant_id, name, description, filter, rfm_window) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    tenantId,
    input.name,
    input.description ?? null,
    JSON.stringify(input.filter),
    input.rfmWindow,
  ]);
  return (await getSegment(db, tenantId, id))!;
}

export async function getSegment(db: Sql, tenantId: string, id: string): Promise<Segment | undefined> {
  const [row] = await db.query<SegmentRow>(`SELECT ${COLUMNS} FROM segments s WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, id]);
  return row && toSegment(row);
}

export async function listSegments(db: Sql, tenantId: string | undefined, page: { beforeSeq?: number | undefined; limit: number }): Promise<Segment[]> {
  const rows = await db.query<SegmentRow>(
    `SELECT ${COLUMNS} FROM segments s WHERE ($1::text IS NULL OR s.tenant_id = $1) AND ($2::bigint IS NULL OR s.seq < $2) ORDER BY s.seq DESC LIMIT $3`,
    [tenantId ?? null, page.beforeSeq ?? null, page.limit],
  );
  return rows.map(toSegment);
}

export async function updateSegment(db: Sql, tenantId: string, id: string, input: SegmentInput): Promise<Segment | undefined> {
  const rows = await db.query(
    'UPDATE segments SET name = $3, description = $4, filter = $5, rfm_window = $6, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING id',
    [tenantId, id, input.name, input.description ?? null, JSON.stringify(input.filter), input.rfmWindow],
  );
  return rows.length === 1 ? getSegment(db, tenantId, id) : undefined;
}

export async function deleteSegment(db: Sql, tenantId: string, id: string): Promise<boolean> {
  return (await db.query('DELETE FROM segments WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id])).length === 1;
}

/** Members, most recent change first. */
export async function segmentMembers(db: Sql, tenantId: string, segmentId: string, page: { beforeSeq?: number | undefined; limit: number }): Promise<{ contactId: string; since: Date; seq: number }[]> {
  const rows = await db.query<{ contact_id: string; changed_at: Date; seq: number }>(
    `SELECT contact_id, changed_at, seq FROM segment_members WHERE tenant_id = $1 AND segment_id = $2 AND member AND ($3::bigint IS NULL OR seq < $3) ORDER BY seq DESC LIMIT $4`,
    [tenantId, segmentId, page.beforeSeq ?? null, page.limit],
  );
  return rows.map((row) => ({ contactId: row.contact_id, since: row.changed_at, seq: row.seq }));
}

/**
 * Records changes in one statement, each only if its row is still at its `transitions` (another refresh
 * did not get there first); answers the contacts whose change was recorded.
 */
export async function recordMemberships(db: Sql, segment: Pick<Segment, 'id' | 'tenantId'>, changes: readonly { contactId: string; member: boolean; transitions: number }[], at: Date): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const rows = await db.query<{ contact_id: string }>(
    `INSERT INTO segment_members (segment_id, contact_id, tenant_id, member, transitions, changed_at)
     SELECT $1, r.contact_id, $2, r.member, r.transitions + 1, $3 FROM jsonb_to_recordset($4::jsonb) AS r(contact_id text, member boolean, transitions int)
     ON CONFLICT (segment_id, contact_id) DO UPDATE SET member = excluded.member, transitions = excluded.transitions, changed_at = excluded.changed_at, seq = nextval(pg_get_serial_sequence('segment_members', 'seq'))
     WHERE segment_members.transitions = excluded.transitions - 1 RETURNING contact_id`,
    [segment.id, segment.tenantId, at, JSON.stringify(changes.map((change) => ({ contact_id: change.contactId, member: change.member, transitions: change.transitions })))],
  );
  return new Set(rows.map((row) => row.contact_id));
}

export async function markRefreshed(db: Sql, segmentId: string, at: Date): Promise<void> {
  await db.query('UPDATE segments SET refreshed_at = $2 WHERE id = $1', [segmentId, at]);
}
