/**
 * Campaigns as the hub uses them: the service behind /v1/campaigns, the start and planner jobs,
 * and a sweep that re-adds a running campaign's planner job if it was lost (a job id dedupes, so a
 * live one absorbs it).
 *
 *   const campaigns = createCampaignsModule({ db, queue, sending, audiences, log });
 *   await campaigns.startWorkers();
 */
import type { Logger } from 'pino';
import { ConflictError, InvalidInputError, notFound } from '../errors.ts';
import type { RouteModule } from '../gateway/app.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { ensureOptOutMention } from '../sending/compliance/index.ts';
import type { OriginResults } from '../sending/message-reads.ts';
import { SendInputError, type EmailItem, type SmsItem } from '../sending/requests.ts';
import type { SendingModule } from '../sending/sending-module.ts';
import { parseTemplate, TemplateError } from '../sending/template.ts';
import type { Db } from '../store/db.ts';
import { campaignOrigin, testOrigin, type Campaign, type CampaignInput, type CampaignStatus } from './campaign.ts';
import {
  addTestSend,
  deleteCampaign,
  forgetUnstartedChunks,
  getCampaign,
  insertCampaign,
  listCampaigns,
  recipientCounts,
  recipientPage,
  transition,
  updateCampaign,
} from './campaign-store.ts';
import { enqueuePlan, enqueueStart, PLAN_JOB, runPlan, runStart, START_JOB, SWEEP_JOB, type Audiences, type CampaignJob, type PlannerDeps } from './planner.ts';
import { campaignRoutes } from './routes/campaigns.ts';

export interface CampaignsModuleOptions {
  db: Db;
  queue: JobQueue;
  sending: Pick<SendingModule, 'send' | 'settings' | 'getMessages' | 'originResults'>;
  audiences: Audiences;
  log: Logger;
  clock?: () => Date;
}

export interface CampaignResults {
  status: CampaignStatus;
  targeted: number | null;
  /** Handed to the sending core (a message exists). */
  planned: number;
  /** Recipients who got no message, by why (contact deleted since the start, text not renderable for them). */
  skipped: Record<string, number>;
  /** Still waiting to leave: their time (staggering, quiet hours) has not come. */
  scheduled: number;
  submitted: number;
  delivered: number;
  failed: number;
  expired: number;
  /** Removed by compliance, by reason: opted_out, no_consent, invalid_number, invalid_email. */
  blocked: number;
  blockedBy: Record<string, number>;
  stopReplies: number;
  clicks: number;
  /** Recipients who clicked at least once. */
  clickers: number;
  testSends: number;
}

export interface RecipientDetail {
  position: number;
  contactId: string;
  messageId: string | null;
  skipped: string | null;
  status: string | null;
  to: string | null;
  blockReason: string | null;
  error: string | null;
}

export interface CampaignsModule {
  create(tenantId: string, input: CampaignInput): Promise<Campaign>;
  update(tenantId: string, id: string, input: CampaignInput): Promise<Campaign>;
  get(tenantId: string, id: string): Promise<Campaign>;
  list(tenantId: string, page: { beforeSeq?: number | undefined; limit: number }): Promise<Campaign[]>;
  delete(tenantId: string, id: string): Promise<void>;
  /** BAT: the campaign's message to a few addresses now (transactional: no consent needed; the STOP mention shown as recipients will see it). */
  testSend(tenantId: string, id: string, input: { to: string[]; contactId?: string | undefined }): Promise<{ messageIds: string[] }>;
  schedule(tenantId: string, id: string, startAt?: Date): Promise<Campaign>;
  pause(tenantId: string, id: string): Promise<Campaign>;
  resume(tenantId: string, id: string): Promise<Campaign>;
  cancel(tenantId: string, id: string): Promise<Campaign>;
  results(tenantId: string, id: string): Promise<CampaignResults>;
  recipients(tenantId: string, id: string, page: { afterPosition?: number | undefined; limit: number }): Promise<RecipientDetail[]>;
  /** Runs the sweep once (also scheduled every 30 s by startWorkers). */
  sweep(): Promise<void>;
  useClock(clock: () => Date): void;
  readonly routes: RouteModule[];
  startWorkers(): Promise<void>;
}

/** Template syntax and tracked links checked when the campaign is written, not at its start. */
function checkTemplates(input: CampaignInput): void {
  const issues: { path: string; message: string }[] = [];
  const fields: [string, string | undefined][] = [
    ['message.text', input.message.text],
    ['message.subject', input.message.subject],
    ['message.html', input.message.html],
  ];
  for (const [path, source] of fields) {
    if (source === undefined) continue;
    try {
      parseTemplate(source);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      issues.push(...error.issues.map((issue) => ({ path: `body.${path}`, message: issue.message })));
    }
  }
  if (input.startAt !== undefined && new Date(input.startAt).getTime() - Date.now() > 366 * 24 * 3_600_000) issues.push({ path: 'body.startAt', message: `${input.startAt} is more than a year ahead` });
  if (issues.length > 0) throw new InvalidInputError(`The campaign has ${issues.length} invalid field(s).`, issues);
}

export function createCampaignsModule(options: CampaignsModuleOptions): CampaignsModule {
  const { db, queue, sending } = options;
  let clock = options.clock ?? (() => new Date());
  const log = options.log;
  const deps: PlannerDeps = { db, queue, sending, audiences: options.audiences, log, clock: () => clock() };

  const found = async (tenantId: string, id: string): Promise<Campaign> => {
    const campaign = await getCampaign(db, tenantId, id);
    if (!campaign) throw notFound('campaign', id);
    return campaign;
  };
  const refused = (campaign: Campaign, action: string, allowed: string) =>
    new ConflictError(`Campaign "${campaign.id}" is ${campaign.status}: it can be ${action} only when ${allowed}.`);

  const module: CampaignsModule = {
    async create(tenantId, input) {
      checkTemplates(input);
      return insertCampaign(db, tenantId, input);
    },
    async update(tenantId, id, input) {
      checkTemplates(input);
      const updated = await updateCampaign(db, tenantId, id, input);
      if (updated) {
        // A scheduled campaign's start job is replaced by one for the new start time (new schedule version).
        if (updated.status === 'scheduled') await enqueueStart(deps, updated);
        return updated;
      }
      throw refused(await found(tenantId, id), 'changed', 'draft or scheduled');
    },
    get: found,
    list: (tenantId, page) => listCampaigns(db, tenantId, page),
    async delete(tenantId, id) {
      if (await deleteCampaign(db, tenantId, id)) return;
      throw refused(await found(tenantId, id), 'deleted', 'not running or paused (cancel it first)');
    },
    async testSend(tenantId, id, input) {
      const campaign = await found(tenantId, id);
      const settings = await sending.settings.get(tenantId);
      // Sent as transactional (a test recipient gave no marketing consent), with the mention a marketing SMS will carry.
      const text = campaign.channel === 'sms' && campaign.category === 'marketing' ? ensureOptOutMention(campaign.message.text, settings.optOutMention).text : campaign.message.text;
      const contact = input.contactId === undefined ? {} : { contactId: input.contactId };
      const message = campaign.message;
      const items = input.to.map((to): SmsItem | EmailItem =>
        campaign.channel === 'sms'
          ? { to, ...contact, category: 'transactional', text, ...(typeof message.from === 'string' ? { from: message.from } : {}) }
          : {
              to,
              ...contact,
              category: 'transactional',
              subject: `[TEST] ${message.subject!}`,
              text,
              ...(message.html === undefined ? {} : { html: message.html }),
              ...(message.from !== undefined && typeof message.from !== 'string' ? { from: message.from } : {}),
            },
      );
      let messageIds: string[];
      try {
        const result = await sending.send(tenantId, campaign.channel === 'sms' ? { channel: 'sms', items: items as SmsItem[], batch: true } : { channel: 'email', items: items as EmailItem[], batch: true }, { origin: testOrigin(campaign.id) });
        messageIds = result.messages.map((sent) => sent.id);
      } catch (error) {
        if (error instanceof SendInputError) {
          throw new InvalidInputError(`The test send was refused: ${error.message}`, error.issues.map((issue) => ({ path: issue.path.replace(/^messages\[(\d+)\]/, (_all, index: string) => `body.to[${index}]`), message: issue.message })));
        }
        throw error;
      }
      await addTestSend(db, tenantId, id, { at: clock().toISOString(), to: input.to, messageIds });
      return { messageIds };
    },
    async schedule(tenantId, id, startAt) {
      const set = startAt === undefined ? 'schedule_version = schedule_version + 1, start_at = coalesce(start_at, $5)' : 'schedule_version = schedule_version + 1, start_at = $5';
      const campaign = await transition(db, tenantId, id, ['draft'], 'scheduled', set, [startAt ?? clock()]);
      if (!campaign) throw refused(await found(tenantId, id), 'scheduled', 'draft');
      await enqueueStart(deps, campaign);
      return campaign;
    },
    async pause(tenantId, id) {
      const campaign = await transition(db, tenantId, id, ['running'], 'paused');
      if (!campaign) throw refused(await found(tenantId, id), 'paused', 'running');
      return campaign;
    },
    async resume(tenantId, id) {
      // The chunks not started yet are due again from now, at the same pace.
      const campaign = await transition(db, tenantId, id, ['paused'], 'running', 'resumes = resumes + 1, anchor_at = $5, anchor_chunk = planned_chunks', [clock()]);
      if (!campaign) throw refused(await found(tenantId, id), 'resumed', 'paused');
      await forgetUnstartedChunks(db, campaign.id);
      await enqueuePlan(deps, campaign);
      return campaign;
    },
    async cancel(tenantId, id) {
      const campaign = await transition(db, tenantId, id, ['draft', 'scheduled', 'running', 'paused'], 'cancelled', 'completed_at = now()');
      if (!campaign) throw refused(await found(tenantId, id), 'cancelled', 'draft, scheduled, running or paused');
      return campaign;
    },
    async results(tenantId, id) {
      const campaign = await found(tenantId, id);
      const [counts, sent]: [Awaited<ReturnType<typeof recipientCounts>>, OriginResults] = await Promise.all([recipientCounts(db, campaign.id), sending.originResults(tenantId, campaignOrigin(campaign.id))]);
      const by = (...statuses: (keyof OriginResults['byStatus'])[]) => statuses.reduce((sum, status) => sum + (sent.byStatus[status] ?? 0), 0);
      return {
        status: campaign.status,
        targeted: campaign.targeted,
        planned: counts.planned,
        skipped: counts.skipped,
        scheduled: by('accepted', 'scheduled'),
        submitted: by('submitted'),
        delivered: by('delivered'),
        failed: by('undelivered', 'rejected', 'failed'),
        expired: by('expired'),
        blocked: by('blocked'),
        blockedBy: sent.blockedBy,
        stopReplies: sent.stopReplies,
        clicks: sent.clicks,
        clickers: sent.clickers,
        testSends: campaign.testSends.length,
      };
    },
    async recipients(tenantId, id, page) {
      const campaign = await found(tenantId, id);
      const rows = await recipientPage(db, tenantId, campaign.id, page);
      const messages = new Map((await sending.getMessages(tenantId, rows.flatMap((row) => (row.messageId ? [row.messageId] : [])))).map((message) => [message.id, message]));
      return rows.map((row) => {
        const message = row.messageId ? messages.get(row.messageId) : undefined;
        return {
          ...row,
          status: message?.status ?? null,
          to: message?.to || null,
          blockReason: message?.blockReason ?? null,
          error: message?.error ?? null,
        };
      });
    },
    async sweep() {
      // Every campaign that should be moving gets its job again; a pending or delayed one absorbs the add.
      const rows = await db.query<{ tenant_id: string; id: string }>(`SELECT tenant_id, id FROM campaigns WHERE status IN ('scheduled', 'running') ORDER BY seq LIMIT 1000`);
      for (const row of rows) {
        const campaign = await getCampaign(db, row.tenant_id, row.id);
        if (campaign?.status === 'scheduled') await enqueueStart(deps, campaign);
        else if (campaign?.status === 'running') await enqueuePlan(deps, campaign);
      }
    },
    useClock(next) {
      clock = next;
    },
    routes: [],
    async startWorkers() {
      queue.process<CampaignJob>(START_JOB, (job) => runStart(deps, job.data), { concurrency: 1 });
      queue.process<CampaignJob>(PLAN_JOB, (job) => runPlan(deps, job.data), { concurrency: 2 });
      queue.process(SWEEP_JOB, () => module.sweep(), { concurrency: 1 });
      await queue.schedule('campaigns.sweep', SWEEP_JOB, 30_000);
    },
  };
  (module.routes as RouteModule[]).push({ scope: 'v1', register: async (app) => void (await app.register(campaignRoutes, { campaigns: module })) });
  return module;
}
