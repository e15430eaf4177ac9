/** SQL of campaigns, their recipients and chunks. Every query is scoped to the tenant or to a campaign id read under it. */
import { newId } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';
import type { Audience, Campaign, CampaignInput, CampaignMessage, CampaignStagger, CampaignStatus, TestSend } from './campaign.ts';

type CampaignRow = {
  id: string;
  seq: number;
  tenant_id: string;
  name: string;
  channel: 'sms' | 'email';
  category: 'marketing' | 'transactional';
  audience: Audience;
  message: CampaignMessage;
  start_at: Date | null;
  stagger: CampaignStagger | null;
  status: CampaignStatus;
  schedule_version: number;
  resumes: number;
  targeted: number | null;
  per_batch: number | null;
  every_ms: string | number | null;
  anchor_at: Date | null;
  anchor_chunk: number;
  planned_chunks: number;
  error: string | null;
  test_sends: TestSend[];
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
};

function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    seq: Number(row.seq),
    tenantId: row.tenant_id,
    name: row.name,
    channel: row.channel,
    category: row.category,
    audience: row.audience,
    message: row.message,
    startAt: row.start_at,
    stagger: row.stagger,
    status: row.status,
    scheduleVersion: row.schedule_version,
    resumes: row.resumes,
    targeted: row.targeted,
    perBatch: row.per_batch,
    // bigint: a string from node-postgres.
    everyMs: row.every_ms === null ? null : Number(row.every_ms),
    anchorAt: row.anchor_at,
    anchorChunk: row.anchor_chunk,
    plannedChunks: row.planned_chunks,
    error: row.error,
    testSends: row.test_sends,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

export async function insertCampaign(db: Sql, tenantId: string, input: CampaignInput): Promise<Campaign> {
  const [row] = await db.query<CampaignRow>(
    `INSERT INTO campaigns (id, tenant_id, name, channel, category, audience, message, start_at, stagger, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft') RETURNING *`,
    [newId('cmp'), tenantId, input.name, input.channel, input.category, JSON.stringify(input.audience), JSON.stringify(input.message), input.startAt ?? null, input.stagger ? JSON.stringify(input.stagger) : null],
  );
  return toCampaign(row!);
}

/** Replaces the definition of a campaign that has not started (draft or scheduled). */
export async function updateCampaign(db: Sql, tenantId: string, id: string, input: CampaignInput): Promise<Campaign | undefined> {
  const [row] = await db.query<CampaignRow>(
    `UPDATE campaigns SET name = $3, channel = $4, category = $5, audience = $6, message = $7, start_at = $8, stagger = $9, updated_at = now(),
       schedule_version = schedule_version + CASE WHEN status = 'scheduled' THEN 1 ELSE 0 END
     WHERE tenant_id = $1 AND id = $2 AND status IN ('draft', 'scheduled') RETURNING *`,
    [tenantId, id, input.name, input.channel, input.category, JSON.stringify(input.audience), JSON.stringify(input.message), input.startAt ?? null, input.stagger ? JSON.stringify(input.stagger) : null],
  );
  return row && toCampaign(row);
}

export async function getCampaign(db: Sql, tenantId: string, id: string): Promise<Campaign | undefined> {
  const [row] = await db.query<CampaignRow>('SELECT * FROM campaigns WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row && toCampaign(row);
}

export async function listCampaigns(db: Sql, tenantId: string, page: { beforeSeq?: number | undefined; limit: number }): Promise<Campaign[]> {
  const rows = await db.query<CampaignRow>(
    'SELECT * FROM campaigns WHERE tenant_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3',
    [tenantId, page.beforeSeq ?? null, page.limit],
  );
  return rows.map(toCampaign);
}

export async function deleteCampaign(db: Sql, tenantId: string, id: string): Promise<boolean> {
  return (await db.query(`DELETE FROM campaigns WHERE tenant_id = $1 AND id = $2 AND status IN ('draft', 'scheduled', 'completed', 'cancelled', 'failed') RETURNING id`, [tenantId, id])).length > 0;
}

/** Moves the campaign from one of `from` to `to`, with extra assignments; undefined when it was in none of them. */
export async function transition(db: Sql, tenantId: string, id: string, from: readonly CampaignStatus[], to: CampaignStatus, set = '', params: unknown[] = []): Promise<Campaign | undefined> {
  const [row] = await db.query<CampaignRow>(
    `UPDATE campaigns SET status = $3, updated_at = now()${set ? `, ${set}` : ''} WHERE tenant_id = $1 AND id = $2 AND status = ANY($4::text[]) RETURNING *`,
    [tenantId, id, to, from, ...params],
  );
  return row && toCampaign(row);
}

export async function addTestSend(db: Sql, tenantId: string, id: string, testSend: TestSend): Promise<void> {
  await db.query(`UPDATE campaigns SET test_sends = test_sends || $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, JSON.stringify([testSend])]);
}

/**
 * The start: the audience snapshot and the pacing, in one transaction with the move to `running`,
 * so a start repeated after a crash finds the campaign running and its recipients complete.
 */
export async function startCampaign(db: Db, campaign: Campaign, contactIds: readonly string[], pacing: { perBatch: number; everyMs: number }, anchorAt: Date): Promise<Campaign | undefined> {
  return db.transaction(async (tx) => {
    const started = await transition(tx, campaign.tenantId, campaign.id, ['scheduled'], 'running', 'targeted = $5, per_batch = $6, every_ms = $7, anchor_at = $8, anchor_chunk = 0, started_at = now()', [
      contactIds.length,
      pacing.perBatch,
      pacing.everyMs,
      anchorAt,
    ]);
    if (!started) return undefined;
    for (let start = 0; start < contactIds.length; start += 1_000) {
      const params: unknown[] = [campaign.tenantId, campaign.id];
      const values = contactIds.slice(start, start + 1_000).map((contactId, offset) => `($1, $2, $${params.push(start + offset)}, $${params.push(contactId)})`);
      await tx.query(`INSERT INTO campaign_recipients (tenant_id, campaign_id, position, contact_id) VALUES ${values.join(', ')}`, params);
    }
    return started;
  });
}

export interface ChunkRow {
  sendAt: Date;
  started: boolean;
}

/** The chunk's due time: the stored one, or `dueAt` stored now. */
export async function fixChunk(db: Sql, campaignId: string, chunk: number, dueAt: Date): Promise<ChunkRow> {
  await db.query('INSERT INTO campaign_chunks (campaign_id, chunk, send_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [campaignId, chunk, dueAt]);
  const [row] = await db.query<{ send_at: Date; started: boolean }>('SELECT send_at, started FROM campaign_chunks WHERE campaign_id = $1 AND chunk = $2', [campaignId, chunk]);
  return { sendAt: row!.send_at, started: row!.started };
}

export async function markChunkStarted(db: Sql, campaignId: string, chunk: number): Promise<void> {
  await db.query('UPDATE campaign_chunks SET started = true WHERE campaign_id = $1 AND chunk = $2', [campaignId, chunk]);
}

/** Chunks whose due time was fixed but that have not started: a resume recomputes them from the new anchor. */
export async function forgetUnstartedChunks(db: Sql, campaignId: string): Promise<void> {
  await db.query('DELETE FROM campaign_chunks WHERE campaign_id = $1 AND started = false', [campaignId]);
}

export interface RecipientRow {
  position: number;
  contactId: string;
  messageId: string | null;
  skipped: string | null;
}

export async function recipientsBetween(db: Sql, campaignId: string, from: number, to: number): Promise<RecipientRow[]> {
  const rows = await db.query<{ position: number; contact_id: string; message_id: string | null; skipped: string | null }>(
    'SELECT position, contact_id, message_id, skipped FROM campaign_recipients WHERE campaign_id = $1 AND position >= $2 AND position < $3 ORDER BY position',
    [campaignId, from, to],
  );
  return rows.map((row) => ({ position: row.position, contactId: row.contact_id, messageId: row.message_id, skipped: row.skipped }));
}

/** Records, in one statement, the message each recipient got. */
export async function recordMessages(db: Sql, campaignId: string, entries: readonly { position: number; messageId: string }[]): Promise<void> {
  if (entries.length === 0) return;
  const params: unknown[] = [campaignId];
  const values = entries.map((entry) => `($${params.push(entry.position)}::int, $${params.push(entry.messageId)}::text)`);
  await db.query(
    `UPDATE campaign_recipients r SET message_id = v.message_id FROM (VALUES ${values.join(', ')}) AS v(position, message_id)
     WHERE r.campaign_id = $1 AND r.position = v.position AND r.message_id IS NULL`,
    params,
  );
}

export async function recordSkipped(db: Sql, campaignId: string, entries: readonly { position: number; reason: string }[]): Promise<void> {
  for (const entry of entries) {
    await db.query('UPDATE campaign_recipients SET skipped = $3 WHERE campaign_id = $1 AND position = $2 AND message_id IS NULL', [campaignId, entry.position, entry.reason.slice(0, 500)]);
  }
}

/** Chunk `chunk` handed over entirely: counts it, once. */
export async function markChunkPlanned(db: Sql, campaignId: string, chunk: number): Promise<void> {
  await db.query('UPDATE campaigns SET planned_chunks = $2 + 1, updated_at = now() WHERE id = $1 AND planned_chunks = $2', [campaignId, chunk]);
}

export async function recipientCounts(db: Sql, campaignId: string): Promise<{ planned: number; skipped: Record<string, number> }> {
  const rows = await db.query<{ planned: boolean; skipped: string | null; count: number }>(
    `SELECT message_id IS NOT NULL AS planned, skipped, count(*)::int AS count FROM campaign_recipients WHERE campaign_id = $1 AND (message_id IS NOT NULL OR skipped IS NOT NULL) GROUP BY 1, 2`,
    [campaignId],
  );
  let planned = 0;
  const skipped: Record<string, number> = {};
  for (const row of rows) {
    if (row.planned) planned += row.count;
    else if (row.skipped !== null) {
      // Reasons are sentences; counted by their kind (before the first colon).
      const kind = row.skipped.split(':', 1)[0]!;
      skipped[kind] = (skipped[kind] ?? 0) + row.count;
    }
  }
  return { planned, skipped };
}

export async function recipientPage(db: Sql, tenantId: string, campaignId: string, page: { afterPosition?: number | undefined; limit: number }): Promise<RecipientRow[]> {
  const rows = await db.query<{ position: number; contact_id: string; message_id: string | null; skipped: string | null }>(
    'SELECT position, contact_id, message_id, skipped FROM campaign_recipients WHERE tenant_id = $1 AND campaign_id = $2 AND position > $3 ORDER BY position LIMIT $4',
    [tenantId, campaignId, page.afterPosition ?? -1, page.limit],
  );
  return rows.map((row) => ({ position: row.position, contactId: row.contact_id, messageId: row.message_id, skipped: row.skipped }));
}
