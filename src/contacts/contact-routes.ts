import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { notFound, ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import type { ContactsModule } from './contacts-module.ts';
import { asProblem } from './route-errors.ts';
import { ChannelSchema, ConsentInputSchema, ContactInputSchema, ContactPatchSchema } from './schemas.ts';
import { consentRecordView, consentView, ConsentRecordViewSchema, ConsentViewSchema, contactView, contactViews, ContactViewSchema, listView, ListViewSchema } from './views.ts';

const IdParams = z.object({ id: z.string().min(1).max(64) });

const ConflictSchema = z
  .object({
    field: z.string().describe('"phone", "email" or "externalIds.<source>".'),
    value: z.string(),
    reason: z.enum(['held-by-other-contact', 'contact-has-other-id']),
    contactId: z.string().describe('The other contact holding the identifier, or the matched contact when it already has another id of that source.'),
    existingValue: z.string().optional(),
  })
  .meta({ id: 'ContactConflict' });

const UpsertResponseSchema = z.object({
  contact: ContactViewSchema,
  created: z.boolean(),
  matchedBy: z.enum(['externalId', 'phone', 'email']).nullable().describe('Which identifier found the existing contact; null when created.'),
  conflicts: z.array(ConflictSchema).describe('Identifiers of the request that belong to other contacts and were not applied: contacts are never merged silently.'),
});

export const contactRoutes: FastifyPluginAsyncZod<{ db: Db; module: ContactsModule }> = async (app, { db, module: { contacts, lists } }) => {
  app.post(
    '/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Create or update a contact (upsert)',
        description:
          'Finds the contact by external id (source + id), then phone, then email, and updates it (201 when created, 200 when updated). ' +
          'An identifier held by another contact is not moved: it is listed in `conflicts` and the request still succeeds on the first match.',
        body: ContactInputSchema,
        response: { 200: UpsertResponseSchema, 201: UpsertResponseSchema, 400: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const result = await asProblem('body', () => contacts.upsertContact(tenantId, request.body, 'api'));
      const body = { contact: await contactView(db, tenantId, result.contact), created: result.created, matchedBy: result.matchedBy ?? null, conflicts: result.conflicts };
      if (result.created) reply.header('location', `/v1/contacts/${result.contact.id}`);
      return reply.code(result.created ? 201 : 200).send(body);
    },
  );

  app.get(
    '/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'List contacts, newest first',
        querystring: PageQuerySchema.extend({
          phone: z.string().max(64).optional().describe('Exact phone (national numbers read in the tenant\'s region).'),
          email: z.string().max(254).optional(),
          list: z.string().max(64).optional().describe('Only members of this list id.'),
          q: z.string().max(100).optional().describe('Part of the first or last name.'),
        }),
        response: { 200: z.object({ items: z.array(ContactViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const query = request.query;
      const found = await asProblem('querystring', () =>
        contacts.listContacts(tenantId, { phone: query.phone, email: query.email, listId: query.list, q: query.q, beforeSeq: decodeCursor(query.cursor), limit: query.limit + 1 }),
      );
      const page = found.slice(0, query.limit);
      return { items: await contactViews(db, tenantId, page), nextCursor: found.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/contacts/:id',
    {
      schema: { tags: ['contacts'], summary: 'One contact with its current consent and opt-out status', params: IdParams, response: { 200: ContactViewSchema, 404: ProblemSchema } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const contact = await contacts.getContact(tenantId, request.params.id);
      if (!contact) throw notFound('contact', request.params.id);
      return contactView(db, tenantId, contact);
    },
  );

  app.patch(
    '/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Change a contact',
        description: 'Absent fields stay; null clears a field or unlinks an external id; attributes are merged key by key (null removes a key). 409 when another contact holds the new phone, email or external id.',
        params: IdParams,
        body: ContactPatchSchema,
        response: { 200: ContactViewSchema, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const contact = await asProblem('body', () => contacts.updateContact(tenantId, request.params.id, request.body));
      if (!contact) throw notFound('contact', request.params.id);
      return contactView(db, tenantId, contact);
    },
  );

  app.delete(
    '/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Erase a contact (RGPD)',
        description: 'Deletes the contact\'s personal data: fields, external ids, consent history, list memberships. Opt-outs are kept: they are by address, and objections must stay enforced.',
        params: IdParams,
        response: { 204: z.null().describe('Erased.'), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      if (!(await contacts.eraseContact(tenantOf(request), request.params.id))) throw notFound('contact', request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/contacts/:id/consent/:channel',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Record consent given or withdrawn on a channel',
        description:
          'Appends to the consent history. The answer is the current status, the newest by `at`: recording an older date keeps the newer status. ' +
          'Granting consent does not lift an opt-out (`optedOut` tells); re-subscribe with DELETE /v1/opt-outs/{channel}/{address}.',
        params: IdParams.extend({ channel: ChannelSchema }),
        body: ConsentInputSchema,
        response: { 200: z.object({ channel: ChannelSchema, current: ConsentViewSchema, optedOut: z.boolean() }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const { id, channel } = request.params;
      const current = await asProblem('body', () => contacts.setConsent(tenantId, id, channel, request.body, 'api'));
      const contact = current && (await contacts.getContact(tenantId, id));
      if (!current || !contact) throw notFound('contact', id);
      return { channel, current: consentView(current), optedOut: (await contactView(db, tenantId, contact)).optedOut[channel] };
    },
  );

  app.get(
    '/contacts/:id/consent',
    {
      schema: {
        tags: ['contacts'],
        summary: 'The consent history of a contact, newest first',
        params: IdParams,
        querystring: z.object({ channel: ChannelSchema.optional() }),
        response: { 200: z.object({ items: z.array(ConsentRecordViewSchema) }), 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (!(await contacts.getContact(tenantId, request.params.id))) throw notFound('contact', request.params.id);
      return { items: (await contacts.consentHistory(tenantId, request.params.id, request.query.channel)).map(consentRecordView) };
    },
  );

  app.get(
    '/contacts/:id/lists',
    {
      schema: { tags: ['contacts'], summary: 'The lists a contact belongs to', params: IdParams, response: { 200: z.object({ items: z.array(ListViewSchema) }), 404: ProblemSchema } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (!(await contacts.getContact(tenantId, request.params.id))) throw notFound('contact', request.params.id);
      return { items: (await lists.listsOf(tenantId, request.params.id)).map(listView) };
    },
  );
};
