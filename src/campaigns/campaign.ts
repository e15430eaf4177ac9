/**
 * A campaign: one message (SMS or email) to a list or a segment, at a chosen time, optionally
 * staggered ("envoi échelonné"), with test sends first. The shapes here are the API's and the store's.
 */
import { z } from 'zod';
import { EmailSchema } from '../contacts/schemas.ts';
import { EmailSenderSchema, SmsSenderSchema } from '../sending/settings.ts';
import { MessageCategory } from '../sending/message.ts';

export const CampaignStatus = z.enum(['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed']);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const AudienceSchema = z
  .union([
    z.object({ listId: z.string().min(1).max(64) }).strict(),
    z.object({ segmentId: z.string().min(1).max(64) }).strict(),
  ])
  .describe('Who receives it: the members of a list ({ "listId" }) or of a segment ({ "segmentId" }), as they are when the campaign starts.');
export type Audience = z.infer<typeof AudienceSchema>;

/**
 * "N per interval" (perBatch every everyMinutes) or a window (overMinutes: the audience spread evenly,
 * minute by minute). Absent: everything leaves at the start, at the provider's pace.
 */
export const CampaignStaggerSchema = z
  .union([
    z
      .object({
        perBatch: z.number().int().min(1).max(100_000).describe('Recipients per interval.'),
        everyMinutes: z.number().positive().max(24 * 60).describe('Minutes between two batches.'),
      })
      .strict(),
    z.object({ overMinutes: z.number().int().min(1).max(7 * 24 * 60).describe('Spread the whole audience over this many minutes.') }).strict(),
  ])
  .describe('Staggering ("envoi échelonné"): { perBatch, everyMinutes } or { overMinutes }.');
export type CampaignStagger = z.infer<typeof CampaignStaggerSchema>;

export const CampaignMessageSchema = z
  .object({
    text: z.string().min(1).max(5_000).describe('The SMS text or the email\'s plain-text body, a template: {{ contact.firstName | default: "client" }}, {{ link "https://…" }} for a tracked link.'),
    subject: z.string().min(1).max(998).optional().describe('Email: the subject (a template).'),
    html: z.string().max(1_000_000).optional().describe('Email: the HTML body (a template).'),
    from: z.union([SmsSenderSchema, EmailSenderSchema]).optional().describe('SMS: a sender id; email: { email, name }. Default: the tenant\'s.'),
    replyTo: EmailSchema.optional(),
  })
  .strict();
export type CampaignMessage = z.infer<typeof CampaignMessageSchema>;

export const CampaignInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    channel: z.enum(['sms', 'email']),
    audience: AudienceSchema,
    message: CampaignMessageSchema,
    category: MessageCategory.default('marketing').describe('"marketing" (default: consent, opt-outs, STOP mention and quiet hours apply) or "transactional".'),
    startAt: z.iso.datetime({ offset: true }).optional().describe('When to start; absent: when scheduled.'),
    stagger: CampaignStaggerSchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.channel === 'email' && input.message.subject === undefined) ctx.addIssue({ code: 'custom', path: ['message', 'subject'], message: 'an email campaign needs a subject' });
    if (input.channel === 'sms' && (input.message.subject !== undefined || input.message.html !== undefined || input.message.replyTo !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: 'subject, html and replyTo are for email campaigns' });
    }
    if (input.message.from !== undefined && (typeof input.message.from === 'string') !== (input.channel === 'sms')) {
      ctx.addIssue({ code: 'custom', path: ['message', 'from'], message: input.channel === 'sms' ? 'an SMS sender is a string ("MaBoutique")' : 'an email sender is { "email": "…", "name": "…" }' });
    }
  });
// No `.meta({ id })` here: `category` has a default, so the schema's input and output JSON Schemas differ and a
// named component makes GET /docs/json fail ("Collision detected for schema … input and output").
export type CampaignInput = z.infer<typeof CampaignInputSchema>;

export interface TestSend {
  at: string;
  to: string[];
  messageIds: string[];
}

export interface Campaign {
  id: string;
  seq: number;
  tenantId: string;
  name: string;
  channel: 'sms' | 'email';
  category: 'marketing' | 'transactional';
  audience: Audience;
  message: CampaignMessage;
  startAt: Date | null;
  stagger: CampaignStagger | null;
  status: CampaignStatus;
  scheduleVersion: number;
  resumes: number;
  targeted: number | null;
  perBatch: number | null;
  everyMs: number | null;
  anchorAt: Date | null;
  anchorChunk: number;
  plannedChunks: number;
  error: string | null;
  testSends: TestSend[];
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** The origin the sending core stores on the campaign's messages (and counts results by). */
export const campaignOrigin = (id: string) => `campaign:${id}`;
/** Test sends are the campaign's too, but counted apart. */
export const testOrigin = (id: string) => `campaign-test:${id}`;

/** Recipients per sending request: the sending core's batch maximum. */
export const PART_SIZE = 1_000;

/**
 * How the audience is cut at the start: `perBatch` recipients every `everyMs`. Without staggering
 * every chunk is due at once (chunks of PART_SIZE, `everyMs` 0); a window becomes one batch a minute.
 */
export function pacing(stagger: CampaignStagger | null, targeted: number): { perBatch: number; everyMs: number } {
  if (stagger === null) return { perBatch: PART_SIZE, everyMs: 0 };
  if ('perBatch' in stagger) return { perBatch: stagger.perBatch, everyMs: Math.round(stagger.everyMinutes * 60_000) };
  return { perBatch: Math.max(1, Math.ceil(targeted / stagger.overMinutes)), everyMs: 60_000 };
}

/** When chunk `chunk` is due: the anchor plus one interval per chunk since the anchor's. */
export function chunkDueAt(campaign: Pick<Campaign, 'anchorAt' | 'anchorChunk' | 'everyMs'>, chunk: number): Date {
  return new Date(campaign.anchorAt!.getTime() + (chunk - campaign.anchorChunk) * (campaign.everyMs ?? 0));
}
