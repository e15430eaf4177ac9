import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { HttpProblem, ProblemSchema } from '../gateway/problem.ts';
import type { ContactsModule } from './contacts-module.ts';
import { asProblem } from './route-errors.ts';
import { ChannelSchema, PastInstantSchema, RecordSourceSchema } from './schemas.ts';
import { optOutView, OptOutViewSchema } from './views.ts';

const OptOutBodySchema = z
  .object({
    channel: ChannelSchema,
    address: z.string().min(1).max(254).describe('Phone (E.164 or national in the tenant\'s region) for sms, email address for email.'),
    source: RecordSourceSchema.default('api').describe('Where the objection was made, e.g. "sms-keyword:STOP", "crm".'),
    reason: z.string().max(1000).optional().describe('Free text kept as proof, e.g. the message received.'),
    at: PastInstantSchema.optional().describe('When the person objected; default now. Not in the future.'),
  })
  .strict();

const OptOutResponseSchema = z.object({ optOut: OptOutViewSchema, created: z.boolean().describe('False when the address was already opted out (nothing changed).') });

export const optOutRoutes: FastifyPluginAsyncZod<{ module: ContactsModule }> = async (app, { module: { optOuts } }) => {
  app.get(
    '/opt-outs',
    {
      schema: {
        tags: ['opt-outs'],
        summary: 'List opt-outs, newest first',
        querystring: PageQuerySchema.extend({
          channel: ChannelSchema.optional(),
          address: z.string().max(254).optional(),
          includeLifted: z
            .enum(['true', 'false'])
            .default('false')
            .transform((value) => value === 'true')
            .describe('Also list opt-outs lifted by an opt-in (kept 3 years).'),
        }),
        response: { 200: z.object({ items: z.array(OptOutViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const query = request.query;
      const found = await asProblem('querystring', () =>
        optOuts.list(tenantOf(request), { channel: query.channel, address: query.address, includeLifted: query.includeLifted, beforeSeq: decodeCursor(query.cursor), limit: query.limit + 1 }),
      );
      const page = found.slice(0, query.limit);
      return { items: page.map(optOutView), nextCursor: found.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.post(
    '/opt-outs',
    {
      schema: {
        tags: ['opt-outs'],
        summary: 'Opt an address out of a channel',
        description:
          'Works for addresses of no known contact. The first time, withdraws the matching contact\'s consent and publishes contact.unsubscribed (201); ' +
          'when the address is already opted out nothing changes (200).',
        body: OptOutBodySchema,
        response: { 200: OptOutResponseSchema, 201: OptOutResponseSchema, 400: ProblemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await asProblem('body', () =>
        optOuts.optOut(tenantOf(request), body.channel, body.address, { source: body.source, reason: body.reason, at: body.at === undefined ? undefined : new Date(body.at) }),
      );
      return reply.code(result.created ? 201 : 200).send({ optOut: optOutView(result.optOut), created: result.created });
    },
  );

  app.delete(
    '/opt-outs/:channel/:address',
    {
      schema: {
        tags: ['opt-outs'],
        summary: 'Lift an opt-out (re-subscription)',
        description: 'The record is kept for 3 years, marked as lifted. Record the new consent with PUT /v1/contacts/{id}/consent/{channel}.',
        params: z.object({ channel: ChannelSchema, address: z.string().min(1).max(254).describe('URL-encoded: %2B33612345678.') }),
        response: { 204: z.null().describe('Lifted.'), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { channel, address } = request.params;
      const lifted = await asProblem('params', () => optOuts.optIn(tenantOf(request), channel, address, { source: 'api' }));
      if (!lifted) throw new HttpProblem(404, 'not-found', `"${address}" is not opted out of ${channel} in this tenant.`);
      return reply.code(204).send(null);
    },
  );
};
