/** /v1/messages: send SMS and email (one or a batch, idempotent), read one message with its history, list them. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../../gateway/problem.ts';
import type { SendingDeps } from '../deps.ts';
import { MessageChannel, MessageStatus } from '../message.ts';
import { listMessages } from '../message-store.ts';
import { messageDetail, recipientFilter } from '../message-queries.ts';
import { EmailBatchSchema, EmailItemSchema, parseSendBody, SmsBatchSchema, SmsItemSchema, type SendRequest } from '../requests.ts';
import type { SendingModule } from '../sending-module.ts';
import { badInput } from './bad-input.ts';
import { MessageSchema, toMessageView } from './message-view.ts';

const MessageDetailSchema = MessageSchema.extend({
  references: z
    .array(z.object({ system: z.string(), id: z.string() }))
    .describe('Ids other systems know the message by: { system: "smpp", id } is the message_id the SMPP server answered for each part.'),
  history: z.array(z.object({ status: MessageStatus, at: z.string(), reason: z.string().nullable() })),
  receipts: z.array(z.object({ providerMessageId: z.string(), status: z.string(), at: z.string(), errorCode: z.string().nullable(), raw: z.string(), receivedAt: z.string() })),
}).meta({ id: 'MessageDetail' });

const BatchResultSchema = z.object({ messages: z.array(MessageSchema) }).meta({ id: 'MessageBatch' });

const IdempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7E]+$/, 'printable ASCII without spaces');

function idempotencyKeyOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, 'validation-failed', 'The Idempotency-Key header is invalid.', { errors: [{ path: 'headers.idempotency-key', message: parsed.error.issues[0]!.message }] });
  return parsed.data;
}

const sendDescription = (channel: string) =>
  `One ${channel} message, or a batch of up to 1000 as { "messages": [...], "stagger": { "overMinutes": 30 } }. A batch is all or nothing: ` +
  'one invalid item refuses the request with per-item errors (body.messages[3].text) and nothing is queued. With the same Idempotency-Key ' +
  '(per tenant), the same request answers the same messages (200, Idempotent-Replayed: true) and never sends twice.';

/** Validation happens in the handler (single or batch, with per-item paths); the schema is for the OpenAPI document. */
const passThrough = () => (data: unknown) => ({ value: data });

export const messageRoutes: FastifyPluginAsyncZod<{ deps: SendingDeps; module: SendingModule }> = async (app, { deps, module }) => {
  for (const channel of ['sms', 'email'] as const) {
    const single = channel === 'sms' ? SmsItemSchema : EmailItemSchema;
    const batch = channel === 'sms' ? SmsBatchSchema : EmailBatchSchema;
    app.post(
      `/messages/${channel}`,
      {
        validatorCompiler: passThrough,
        schema: {
          tags: ['messages'],
          summary: `Send ${channel === 'sms' ? 'SMS' : 'email'}`,
          description: sendDescription(channel === 'sms' ? 'SMS' : 'email'),
          headers: z.object({ 'idempotency-key': IdempotencyKeySchema.optional() }),
          body: z.union([single, batch]),
          response: { 200: z.union([MessageSchema, BatchResultSchema]), 201: z.union([MessageSchema, BatchResultSchema]), 400: ProblemSchema, 422: ProblemSchema },
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        const key = idempotencyKeyOf(request.headers);
        let parsed: SendRequest;
        try {
          parsed = parseSendBody(channel, request.body);
        } catch (error) {
          badInput(error);
        }
        const result = await module.send(tenantId, parsed, { idempotencyKey: key }).catch(badInput);
        const isBatch = typeof request.body === 'object' && request.body !== null && 'messages' in request.body;
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        const views = result.messages.map(toMessageView);
        return reply.code(result.replayed ? 200 : 201).send(isBatch ? { messages: views } : views[0]!);
      },
    );
  }

  app.get(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'One message with its status history and receipts',
        description:
          'The id is the message\'s, or the message_id the hub\'s SMPP server answered to submit_sm (any part of a long message): ' +
          'the answer is then the hub message it became, whose own id differs (GET /v1/messages?smppMessageId= filters by it too).',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: MessageDetailSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const found = await messageDetail(deps, module, tenantOf(request), request.params.id);
      if (!found) throw notFound('message', request.params.id);
      const { message, history, receipts, references } = found;
      return {
        ...toMessageView(message),
        references,
        history: history.map((change) => ({ ...change, at: change.at.toISOString() })),
        receipts: receipts.map((receipt) => ({ ...receipt, at: receipt.at.toISOString(), receivedAt: receipt.receivedAt.toISOString() })),
      };
    },
  );

  app.get(
    '/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List messages, newest first',
        querystring: PageQuerySchema.extend({
          status: MessageStatus.optional(),
          channel: MessageChannel.optional(),
          contactId: z.string().max(64).optional(),
          to: z
            .string()
            .min(1)
            .max(254)
            .optional()
            .describe('Recipient: an email address, or a phone in any form sending accepts (E.164, or national in the tenant\'s region: "06 12 34 56 78").'),
          smppMessageId: z.string().min(1).max(64).optional().describe('The message_id the hub\'s SMPP server answered to submit_sm (any part of a long message).'),
          batchId: z.string().max(64).optional(),
          since: z.iso.datetime({ offset: true }).optional().describe('Created at or after.'),
          until: z.iso.datetime({ offset: true }).optional().describe('Created before.'),
        }),
        response: { 200: z.object({ items: z.array(MessageSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const query = request.query;
      const tenantId = tenantOf(request);
      const rows = await listMessages(deps.db, tenantId, {
        status: query.status,
        channel: query.channel,
        contactId: query.contactId,
        to: query.to === undefined ? undefined : await recipientFilter(deps, tenantId, query.to, query.channel),
        reference: query.smppMessageId === undefined ? undefined : { system: 'smpp', id: query.smppMessageId },
        batchId: query.batchId,
        since: query.since === undefined ? undefined : new Date(query.since),
        until: query.until === undefined ? undefined : new Date(query.until),
        beforeSeq: decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      return { items: page.map(toMessageView), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );
};
