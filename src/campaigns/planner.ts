/**
 * The campaign's jobs: the start (audience evaluated and snapshot, pacing fixed) and the planner,
 * which hands recipients to the sending core one chunk at a time, each chunk when it falls due.
 *
 * Exactly once per recipient: every sending request carries an idempotency key derived from the
 * campaign, the chunk and the part (`campaign:<id>:<chunk>:<part>`), over the same recipients with
 * the same due time (fixed in `campaign_chunks` before the first request). A planner run repeated
 * after a crash — between the send and the record of its message ids, or anywhere else — sends the
 * same request again and the sending core answers the first request's messages: nobody gets a
 * second message. The sending core's own submit claim then sends each message once (docs/sending.md
 * for the one window it leaves: a crash between the provider's answer and its record).
 *
 * Lazy by design: a chunk is handed over at most LOOKAHEAD_MS before it is due, so a pause or a
 * cancel stops everything not due within that time, and a staggered campaign of 100,000 holds no
 * 100,000 delayed jobs.
 */
import type { Logger } from 'pino';
import type { JobQueue } from '../queue/job-queue.ts';
import type { SendingModule } from '../sending/sending-module.ts';
import { SendInputError, type EmailItem, type SmsItem } from '../sending/requests.ts';
import type { Db } from '../store/db.ts';
import { campaignOrigin, chunkDueAt, pacing, PART_SIZE, type Audience, type Campaign } from './campaign.ts';
import {
  fixChunk,
  getCampaign,
  markChunkPlanned,
  markChunkStarted,
  recipientsBetween,
  recordMessages,
  recordSkipped,
  startCampaign,
  transition,
  type RecipientRow,
} from './campaign-store.ts';

export const START_JOB = 'campaigns.start';
export const PLAN_JOB = 'campaigns.plan';
export const SWEEP_JOB = 'campaigns.sweep';

/** A chunk is handed to the sending core this long before it is due. */
export const LOOKAHEAD_MS = 60_000;
/** A start job that runs this much early (a clock skew, a changed start time) waits again. */
const EARLY_TOLERANCE_MS = 1_000;
const JOB_RETRY = { attempts: 10, backoff: { type: 'exponential' as const, delayMs: 2_000 } };

export type CampaignJob = { tenantId: string; campaignId: string };

/** Who is in a list or segment now (given at composition: lists are the contacts part's, segments automation's). */
export interface Audiences {
  contactIds(tenantId: string, audience: Audience): Promise<string[] | undefined>;
}

export interface PlannerDeps {
  db: Db;
  queue: JobQueue;
  sending: Pick<SendingModule, 'send'>;
  audiences: Audiences;
  log: Logger;
  clock: () => Date;
}

const startJobId = (campaign: Pick<Campaign, 'id' | 'scheduleVersion'>) => `campaign.start.${campaign.id}.${campaign.scheduleVersion}`;
const planJobId = (campaign: Pick<Campaign, 'id' | 'plannedChunks' | 'resumes'>) => `campaign.plan.${campaign.id}.${campaign.plannedChunks}.${campaign.resumes}`;

export async function enqueueStart(deps: Pick<PlannerDeps, 'queue' | 'clock'>, campaign: Campaign): Promise<void> {
  const delayMs = Math.max(0, (campaign.startAt?.getTime() ?? 0) - deps.clock().getTime());
  await deps.queue.add(START_JOB, { tenantId: campaign.tenantId, campaignId: campaign.id } satisfies CampaignJob, { jobId: startJobId(campaign), delayMs, ...JOB_RETRY });
}

export async function enqueuePlan(deps: Pick<PlannerDeps, 'queue' | 'clock'>, campaign: Campaign, at?: Date): Promise<void> {
  const delayMs = at === undefined ? 0 : Math.max(0, at.getTime() - deps.clock().getTime());
  await deps.queue.add(PLAN_JOB, { tenantId: campaign.tenantId, campaignId: campaign.id } satisfies CampaignJob, { jobId: planJobId(campaign), delayMs, ...JOB_RETRY });
}

/** The `campaigns.start` job: evaluate the audience, snapshot it, start planning. */
export async function runStart(deps: PlannerDeps, job: CampaignJob): Promise<void> {
  const campaign = await getCampaign(deps.db, job.tenantId, job.campaignId);
  if (!campaign) return;
  if (campaign.status === 'running') return enqueuePlan(deps, campaign);
  if (campaign.status !== 'scheduled') return;
  const now = deps.clock();
  if (campaign.startAt && campaign.startAt.getTime() - now.getTime() > EARLY_TOLERANCE_MS) return enqueueStart(deps, campaign);
  const contactIds = await deps.audiences.contactIds(campaign.tenantId, campaign.audience);
  if (contactIds === undefined) {
    const what = 'listId' in campaign.audience ? `list "${campaign.audience.listId}"` : `segment "${campaign.audience.segmentId}"`;
    await transition(deps.db, campaign.tenantId, campaign.id, ['scheduled'], 'failed', 'error = $5', [`the ${what} no longer exists`]);
    return;
  }
  const unique = [...new Set(contactIds)];
  const started = await startCampaign(deps.db, campaign, unique, pacing(campaign.stagger, unique.length), campaign.startAt && campaign.startAt > now ? campaign.startAt : now);
  deps.log.info({ tenantId: campaign.tenantId, campaignId: campaign.id, targeted: unique.length }, 'campaign started');
  if (started) await enqueuePlan(deps, started);
}

function itemFor(campaign: Campaign, recipient: RecipientRow, sendAt: string | undefined): SmsItem | EmailItem {
  const { message } = campaign;
  const common = { contactId: recipient.contactId, category: campaign.category, ...(sendAt === undefined ? {} : { sendAt }) };
  if (campaign.channel === 'sms') return { ...common, text: message.text, ...(typeof message.from === 'string' ? { from: message.from } : {}) };
  return {
    ...common,
    subject: message.subject!,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.from !== undefined && typeof message.from !== 'string' ? { from: message.from } : {}),
    ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
  };
}

const ITEM_PATH = /^messages\[(\d+)\]\.?(.*)$/;

/**
 * Hands one part of a chunk to the sending core. Recipients the core refuses one by one (a contact
 * deleted since the start, a text that cannot be rendered for them) are recorded as skipped with
 * the reason, and the rest is sent again without them.
 */
async function sendPart(deps: PlannerDeps, campaign: Campaign, chunk: number, part: number, rows: RecipientRow[], sendAt: Date): Promise<void> {
  let pending = rows.filter((row) => row.messageId === null && row.skipped === null);
  const due = sendAt.getTime() > deps.clock().getTime() + 1_000 ? sendAt.toISOString() : undefined;
  while (pending.length > 0) {
    const items = pending.map((row) => itemFor(campaign, row, due));
    try {
      const result = await deps.sending.send(
        campaign.tenantId,
        campaign.channel === 'sms' ? { channel: 'sms', items: items as SmsItem[], batch: true } : { channel: 'email', items: items as EmailItem[], batch: true },
        { idempotencyKey: `campaign:${campaign.id}:${chunk}:${part}`, origin: campaignOrigin(campaign.id) },
      );
      // A batch answers its messages in the order of its items.
      await recordMessages(deps.db, campaign.id, result.messages.map((message, index) => ({ position: pending[index]!.position, messageId: message.id })));
      return;
    } catch (error) {
      if (!(error instanceof SendInputError)) throw error;
      const skipped = new Map<number, string>();
      for (const issue of error.issues) {
        const match = ITEM_PATH.exec(issue.path);
        if (!match) throw error;
        const row = pending[Number(match[1])]!;
        const kind = match[2] === 'contactId' ? 'contact_deleted' : 'unrenderable';
        skipped.set(row.position, `${kind}: ${match[2] ? `${match[2]}: ` : ''}${issue.message}`);
      }
      if (skipped.size === 0) throw error;
      await recordSkipped(deps.db, campaign.id, [...skipped].map(([position, reason]) => ({ position, reason })));
      pending = pending.filter((row) => !skipped.has(row.position));
    }
  }
}

/**
 * The `campaigns.plan` job: hands over every chunk due within LOOKAHEAD_MS, then waits (a delayed
 * job) for the next one. Stops as soon as the campaign is no longer running (paused, cancelled).
 */
export async function runPlan(deps: PlannerDeps, job: CampaignJob): Promise<void> {
  for (;;) {
    const campaign = await getCampaign(deps.db, job.tenantId, job.campaignId);
    if (!campaign || campaign.status !== 'running') return;
    const chunk = campaign.plannedChunks;
    const perBatch = campaign.perBatch!;
    if (chunk * perBatch >= campaign.targeted!) {
      await transition(deps.db, campaign.tenantId, campaign.id, ['running'], 'completed', 'completed_at = now()');
      deps.log.info({ tenantId: campaign.tenantId, campaignId: campaign.id }, 'campaign handed over entirely');
      return;
    }
    const now = deps.clock();
    const fixed = await fixChunk(deps.db, campaign.id, chunk, new Date(Math.max(now.getTime(), chunkDueAt(campaign, chunk).getTime())));
    if (fixed.sendAt.getTime() - now.getTime() > LOOKAHEAD_MS) return enqueuePlan(deps, campaign, new Date(fixed.sendAt.getTime() - LOOKAHEAD_MS));
    if (!fixed.started) await markChunkStarted(deps.db, campaign.id, chunk);
    const first = chunk * perBatch;
    const end = Math.min(first + perBatch, campaign.targeted!);
    for (let part = 0; first + part * PART_SIZE < end; part++) {
      const rows = await recipientsBetween(deps.db, campaign.id, first + part * PART_SIZE, Math.min(first + (part + 1) * PART_SIZE, end));
      await sendPart(deps, campaign, chunk, part, rows, fixed.sendAt);
    }
    await markChunkPlanned(deps.db, campaign.id, chunk);
  }
}
