/** /v1/campaigns: create, change, test-send (BAT), schedule, pause, resume, cancel, results and per-recipient detail. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../../gateway/pagination.ts';
import { ProblemSchema } from '../../gateway/problem.ts';
import { AudienceSchema, CampaignInputSchema, CampaignMessageSchema, CampaignStaggerSchema, CampaignStatus, type Campaign } from '../campaign.ts';
import type { CampaignsModule } from '../campaigns-module.ts';

const CampaignViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(['sms', 'email']),
    category: z.enum(['marketing', 'transactional']),
    audience: AudienceSchema,
    message: CampaignMessageSchema,
    startAt: z.string().nullable(),
    stagger: CampaignStaggerSchema.nullable(),
    status: CampaignStatus,
    targeted: z.number().int().nullable().describe('Recipients when it started (the audience is evaluated then).'),
    error: z.string().nullable(),
    testSends: z.array(z.object({ at: z.string(), to: z.array(z.string()), messageIds: z.array(z.string()) })),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'Campaign' });

const view = (campaign: Campaign): z.infer<typeof CampaignViewSchema> => ({
  id: campaign.id,
  name: campaign.name,
  channel: campaign.channel,
  category: campaign.category,
  audience: campaign.audience,
  message: campaign.message,
  startAt: campaign.startAt?.toISOString() ?? null,
  stagger: campaign.stagger,
  status: campaign.status,
  targeted: campaign.targeted,
  error: campaign.error,
  testSends: campaign.testSends,
  createdAt: campaign.createdAt.toISOString(),
  updatedAt: campaign.updatedAt.toISOString(),
  startedAt: campaign.startedAt?.toISOString() ?? null,
  completedAt: campaign.completedAt?.toISOString() ?? null,
});

const ResultsSchema = z
  .object({
    status: CampaignStatus,
    targeted: z.number().int().nullable(),
    planned: z.number().int().describe('Recipients handed to the sending core (each has a message).'),
    skipped: z.record(z.string(), z.number().int()).describe('Recipients who got no message, by reason: contact_deleted, unrenderable.'),
    scheduled: z.number().int().describe('Waiting for their time (staggering, quiet hours).'),
    submitted: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    expired: z.number().int(),
    blocked: z.number().int(),
    blockedBy: z.record(z.string(), z.number().int()).describe('Removed by compliance: opted_out, no_consent, invalid_number, invalid_email.'),
    stopReplies: z.number().int(),
    clicks: z.number().int(),
    clickers: z.number().int(),
    testSends: z.number().int(),
  })
  .meta({ id: 'CampaignResults' });

const RecipientSchema = z.object({
  position: z.number().int(),
  contactId: z.string(),
  messageId: z.string().nullable(),
  skipped: z.string().nullable(),
  status: z.string().nullable(),
  to: z.string().nullable(),
  blockReason: z.string().nullable(),
  error: z.string().nullable(),
});

const IdParams = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };
const tags = ['campaigns'];

export const campaignRoutes: FastifyPluginAsyncZod<{ campaigns: CampaignsModule }> = async (app, { campaigns }) => {
  app.post(
    '/campaigns',
    { schema: { tags, summary: 'Create a campaign (a draft)', body: CampaignInputSchema, response: { 201: CampaignViewSchema, 400: ProblemSchema } } },
    async (request, reply) => reply.code(201).send(view(await campaigns.create(tenantOf(request), request.body))),
  );

  app.get(
    '/campaigns',
    { schema: { tags, summary: 'List campaigns, newest first', querystring: PageQuerySchema, response: { 200: z.object({ items: z.array(CampaignViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema } } },
    async (request) => {
      const rows = await campaigns.list(tenantOf(request), { beforeSeq: decodeCursor(request.query.cursor), limit: request.query.limit + 1 });
      const page = rows.slice(0, request.query.limit);
      return { items: page.map(view), nextCursor: rows.length > request.query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get('/campaigns/:id', { schema: { tags, summary: 'One campaign', params: IdParams, response: { 200: CampaignViewSchema, 404: ProblemSchema } } }, async (request) =>
    view(await campaigns.get(tenantOf(request), request.params.id)),
  );

  app.put(
    '/campaigns/:id',
    { schema: { tags, summary: 'Replace a campaign that has not started (draft or scheduled)', params: IdParams, body: CampaignInputSchema, response: { 200: CampaignViewSchema, ...errors } } },
    async (request) => view(await campaigns.update(tenantOf(request), request.params.id, request.body)),
  );

  app.delete('/campaigns/:id', { schema: { tags, summary: 'Delete a campaign that is not running', params: IdParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
    await campaigns.delete(tenantOf(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.post(
    '/campaigns/:id/test-send',
    {
      schema: {
        tags,
        summary: 'Send the message now to a few test addresses (BAT)',
        description: 'Sent as transactional (test recipients need no consent); a marketing SMS carries the STOP mention recipients will see. Not counted in the results. Give contactId to render the text as that contact.',
        params: IdParams,
        body: z.object({ to: z.array(z.string().trim().min(1).max(254)).min(1).max(10), contactId: z.string().min(1).max(64).optional() }).strict(),
        response: { 201: z.object({ messageIds: z.array(z.string()) }), ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await campaigns.testSend(tenantOf(request), request.params.id, request.body)),
  );

  app.post(
    '/campaigns/:id/schedule',
    {
      schema: {
        tags,
        summary: 'Schedule a draft: it starts at startAt (the body\'s, else the campaign\'s, else now)',
        params: IdParams,
        body: z.object({ startAt: z.iso.datetime({ offset: true }).optional() }).strict().default({}),
        response: { 200: CampaignViewSchema, ...errors },
      },
    },
    async (request) => view(await campaigns.schedule(tenantOf(request), request.params.id, request.body.startAt === undefined ? undefined : new Date(request.body.startAt))),
  );

  for (const [action, summary] of [
    ['pause', 'Pause a running campaign: nothing more is handed over (what is due within the next minute still leaves)'],
    ['resume', 'Resume a paused campaign: the rest leaves from now, at the same pace'],
    ['cancel', 'Cancel: the recipients not handed over yet get nothing'],
  ] as const) {
    app.post(`/campaigns/:id/${action}`, { schema: { tags, summary, params: IdParams, response: { 200: CampaignViewSchema, ...errors } } }, async (request) =>
      view(await campaigns[action](tenantOf(request), request.params.id)),
    );
  }

  app.get('/campaigns/:id/results', { schema: { tags, summary: 'Live results', params: IdParams, response: { 200: ResultsSchema, 404: ProblemSchema } } }, async (request) =>
    campaigns.results(tenantOf(request), request.params.id),
  );

  app.get(
    '/campaigns/:id/recipients',
    {
      schema: {
        tags,
        summary: 'Per-recipient detail, in audience order',
        params: IdParams,
        querystring: PageQuerySchema,
        response: { 200: z.object({ items: z.array(RecipientSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor);
      const rows = await campaigns.recipients(tenantOf(request), request.params.id, { afterPosition: after, limit: request.query.limit + 1 });
      const page = rows.slice(0, request.query.limit);
      return { items: page, nextCursor: rows.length > request.query.limit ? encodeCursor(page.at(-1)!.position) : null };
    },
  );
};
