import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import type { ContactsModule } from './contacts-module.ts';
import { asProblem } from './route-errors.ts';
import { contactViews, ContactViewSchema, listView, ListViewSchema } from './views.ts';

const IdParams = z.object({ id: z.string().min(1).max(64) });
const MemberParams = IdParams.extend({ contactId: z.string().min(1).max(64) });

const ListBodySchema = z
  .object({
    name: z.string().trim().min(1).max(100).describe('Unique in the tenant, case-insensitively.'),
    description: z.string().max(1000).optional(),
  })
  .strict();

const memberNotFound = (listId: string, contactId: string) =>
  new HttpProblem(404, 'not-found', `No list with id "${listId}" or no contact with id "${contactId}" in this tenant.`);

export const listRoutes: FastifyPluginAsyncZod<{ db: Db; module: ContactsModule }> = async (app, { db, module: { lists } }) => {
  app.post(
    '/lists',
    {
      schema: { tags: ['lists'], summary: 'Create a list', body: ListBodySchema, response: { 201: ListViewSchema, 400: ProblemSchema, 409: ProblemSchema } },
    },
    async (request, reply) => {
      const list = await asProblem('body', () => lists.create(tenantOf(request), request.body));
      return reply.code(201).header('location', `/v1/lists/${list.id}`).send(listView(list));
    },
  );

  app.get(
    '/lists',
    {
      schema: {
        tags: ['lists'],
        summary: 'List the tenant\'s lists, newest first',
        querystring: PageQuerySchema,
        response: { 200: z.object({ items: z.array(ListViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const found = await lists.list(tenantOf(request), { beforeSeq: decodeCursor(request.query.cursor), limit: request.query.limit + 1 });
      const page = found.slice(0, request.query.limit);
      return { items: page.map(listView), nextCursor: found.length > request.query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/lists/:id',
    { schema: { tags: ['lists'], summary: 'One list', params: IdParams, response: { 200: ListViewSchema, 404: ProblemSchema } } },
    async (request) => {
      const list = await lists.get(tenantOf(request), request.params.id);
      if (!list) throw notFound('list', request.params.id);
      return listView(list);
    },
  );

  app.delete(
    '/lists/:id',
    {
      schema: { tags: ['lists'], summary: 'Delete a list (its contacts stay)', params: IdParams, response: { 204: z.null().describe('Deleted.'), 404: ProblemSchema } },
    },
    async (request, reply) => {
      if (!(await lists.delete(tenantOf(request), request.params.id))) throw notFound('list', request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/lists/:id/members/:contactId',
    {
      schema: {
        tags: ['lists'],
        summary: 'Add a contact to a list (idempotent)',
        params: MemberParams,
        response: { 204: z.null().describe('The contact is a member.'), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { id, contactId } = request.params;
      if ((await lists.addMember(tenantOf(request), id, contactId)) === 'not-found') throw memberNotFound(id, contactId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/lists/:id/members/:contactId',
    {
      schema: {
        tags: ['lists'],
        summary: 'Remove a contact from a list (idempotent)',
        params: MemberParams,
        response: { 204: z.null().describe('The contact is not a member.'), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { id, contactId } = request.params;
      if ((await lists.removeMember(tenantOf(request), id, contactId)) === 'not-found') throw memberNotFound(id, contactId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/lists/:id/members',
    {
      schema: {
        tags: ['lists'],
        summary: 'The members of a list, most recently added first',
        params: IdParams,
        querystring: PageQuerySchema,
        response: { 200: z.object({ items: z.array(ContactViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const found = await lists.members(tenantId, request.params.id, { beforeSeq: decodeCursor(request.query.cursor), limit: request.query.limit + 1 });
      if (!found) throw notFound('list', request.params.id);
      const page = found.slice(0, request.query.limit);
      return { items: await contactViews(db, tenantId, page), nextCursor: found.length > request.query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );
};
