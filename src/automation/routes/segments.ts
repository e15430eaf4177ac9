/** /v1/segments: saved filters, their members, a refresh on demand, and a contact's RFM scores. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../../gateway/pagination.ts';
import { notFound, ProblemSchema } from '../../gateway/problem.ts';
import { DurationSchema } from '../duration.ts';
import { CustomerTier, RfmGroup, ValueTier } from '../segments/rfm.ts';
import { putSegmentSettings, segmentSettings, SegmentSettingsSchema } from '../segments/score-settings.ts';
import { SegmentInputSchema } from '../segments/segment.ts';
import { segmentMembers, type Segment } from '../segments/segment-store.ts';
import type { Segments } from '../segments/segments.ts';
import type { Db } from '../../store/db.ts';

const SegmentViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    filter: z.unknown(),
    rfmWindow: z.string(),
    memberCount: z.number().int(),
    refreshedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Segment' });

const segmentView = (segment: Segment): z.infer<typeof SegmentViewSchema> => ({
  id: segment.id,
  name: segment.name,
  description: segment.description,
  filter: segment.filter,
  rfmWindow: segment.rfmWindow,
  memberCount: segment.memberCount,
  refreshedAt: segment.refreshedAt?.toISOString() ?? null,
  createdAt: segment.createdAt.toISOString(),
  updatedAt: segment.updatedAt.toISOString(),
});

const IdParams = z.object({ id: z.string().min(1).max(64) });

export const segmentRoutes: FastifyPluginAsyncZod<{ db: Db; segments: Segments }> = async (app, { db, segments }) => {
  const segmentOr404 = async (tenantId: string, id: string) => {
    const segment = await segments.get(tenantId, id);
    if (!segment) throw notFound('segment', id);
    return segment;
  };

  app.post(
    '/segments',
    {
      schema: {
        tags: ['segments'],
        summary: 'Create a segment',
        description: 'Its members are computed at once (silently: segment.entered events are for later changes), then refreshed every few minutes.',
        body: SegmentInputSchema,
        response: { 201: SegmentViewSchema, 400: ProblemSchema },
      },
    },
    async (request, reply) => reply.code(201).send(segmentView(await segments.create(tenantOf(request), request.body))),
  );

  app.get(
    '/segments',
    {
      schema: { tags: ['segments'], summary: 'List segments, newest first', querystring: PageQuerySchema, response: { 200: z.object({ items: z.array(SegmentViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema } },
    },
    async (request) => {
      const rows = await segments.list(tenantOf(request), { beforeSeq: decodeCursor(request.query.cursor), limit: request.query.limit + 1 });
      const page = rows.slice(0, request.query.limit);
      return { items: page.map(segmentView), nextCursor: rows.length > request.query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get('/segments/:id', { schema: { tags: ['segments'], summary: 'One segment', params: IdParams, response: { 200: SegmentViewSchema, 404: ProblemSchema } } }, async (request) =>
    segmentView(await segmentOr404(tenantOf(request), request.params.id)),
  );

  app.put(
    '/segments/:id',
    { schema: { tags: ['segments'], summary: 'Replace a segment\'s name and filter (members are recomputed, with events for the changes)', params: IdParams, body: SegmentInputSchema, response: { 200: SegmentViewSchema, 400: ProblemSchema, 404: ProblemSchema } } },
    async (request) => {
      const segment = await segments.update(tenantOf(request), request.params.id, request.body);
      if (!segment) throw notFound('segment', request.params.id);
      return segmentView(segment);
    },
  );

  app.delete('/segments/:id', { schema: { tags: ['segments'], summary: 'Delete a segment', description: '409 while a live scenario (active or paused) uses it, naming them.', params: IdParams, response: { 204: z.null(), 404: ProblemSchema, 409: ProblemSchema } } }, async (request, reply) => {
    if (!(await segments.delete(tenantOf(request), request.params.id))) throw notFound('segment', request.params.id);
    return reply.code(204).send(null);
  });

  app.post(
    '/segments/:id/refresh',
    {
      schema: {
        tags: ['segments'],
        summary: 'Recompute the members now',
        params: IdParams,
        response: { 200: z.object({ entered: z.number().int(), exited: z.number().int(), members: z.number().int() }), 404: ProblemSchema },
      },
    },
    async (request) => segments.refresh(await segmentOr404(tenantOf(request), request.params.id)),
  );

  app.get(
    '/segments/:id/members',
    {
      schema: {
        tags: ['segments'],
        summary: 'The members as of the last refresh, latest first',
        params: IdParams,
        querystring: PageQuerySchema,
        response: { 200: z.object({ items: z.array(z.object({ contactId: z.string(), since: z.string() })), nextCursor: z.string().nullable() }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const segment = await segmentOr404(tenantId, request.params.id);
      const rows = await segmentMembers(db, tenantId, segment.id, { beforeSeq: decodeCursor(request.query.cursor), limit: request.query.limit + 1 });
      const page = rows.slice(0, request.query.limit);
      return { items: page.map((row) => ({ contactId: row.contactId, since: row.since.toISOString() })), nextCursor: rows.length > request.query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/segments/settings',
    { schema: { tags: ['segments'], summary: "The tenant's scoring thresholds: the small-tenant rule and the customer tiers", response: { 200: SegmentSettingsSchema } } },
    async (request) => segmentSettings(db, tenantOf(request)),
  );

  app.put(
    '/segments/settings',
    {
      schema: {
        tags: ['segments'],
        summary: "Set the tenant's scoring thresholds",
        description: 'Missing parts take their defaults. Scores and segments use them from their next computation.',
        body: SegmentSettingsSchema,
        response: { 200: SegmentSettingsSchema, 400: ProblemSchema },
      },
    },
    async (request) => putSegmentSettings(db, tenantOf(request), request.body),
  );

  app.get(
    '/segments/rfm/:contactId',
    {
      schema: {
        tags: ['segments'],
        summary: 'A contact\'s RFM scores among the tenant\'s buyers',
        description: 'Recency, frequency and monetary scores (1–5: quintiles among the buyers, or the fixed thresholds for a tenant with few buyers, as `rule` says), the 3-digit code, the named group, the value tier and the customer tier, over the window (default 365 days). null scores: no order in the window.',
        params: z.object({ contactId: z.string().min(1).max(64) }),
        querystring: z.object({ window: DurationSchema.default('365d') }),
        response: {
          200: z.object({
            contactId: z.string(),
            scores: z
              .object({
                recency: z.number().int(),
                frequency: z.number().int(),
                monetary: z.number().int(),
                code: z.string(),
                group: RfmGroup,
                valueTier: ValueTier,
                customerTier: CustomerTier,
                orders: z.number().int(),
                spent: z.number(),
                averageBasket: z.number().nullable(),
                lastPurchaseAt: z.string(),
                rule: z.enum(['quintiles', 'fixed']).describe("quintiles among the tenant's buyers, or its fixed thresholds when it has fewer buyers than smallTenant.minBuyers"),
                buyers: z.number().int().describe('Buyers in the window.'),
              })
              .nullable(),
          }),
          400: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => ({ contactId: request.params.contactId, scores: (await segments.rfmOf(tenantOf(request), request.params.contactId, request.query.window)) ?? null }),
  );
};
