/**
 * The sending API: /v1/messages (send, read, list, preview), /v1/sending (settings, providers),
 * /v1/sandbox (simulated replies). The public one-click unsubscribe route lives in ./unsubscribe/.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import { cachedTenantPhoneRegion, normalizeTenantPhone } from '../contacts/tenant-region.ts';
import { randomBase62 } from '../ids.ts';
import type { SendingDeps } from './deps.ts';
import { moSenderPhone } from './inbound.ts';
import { BlockReason, MessageChannel, MessageStatus, ScheduleReason } from './message.ts';
import { referencesOf } from './message-references.ts';
import { historyOf, listMessages, receiptsOf, type StoredMessage } from './message-store.ts';
import { PreviewBodySchema, PreviewSchema } from './preview.ts';
import { ProviderConfigError, ProviderPutSchema, type StoredProvider } from './provider-registry.ts';
import { isSandboxSmsProvider } from './providers/sandbox/sandbox-provider.ts';
import { EmailBatchSchema, EmailItemSchema, parseSendBody, SendInputError, SmsBatchSchema, SmsItemSchema, type SendRequest } from './requests.ts';
import { SendingSettingsSchema, type SendingSettings } from './settings.ts';
import type { SendingModule } from './sending-module.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const MessageSchema = z
  .object({
    id: z.string().describe('10 alphanumerics.'),
    channel: MessageChannel,
    category: z.enum(['marketing', 'transactional']),
    status: MessageStatus,
    blockReason: BlockReason.nullable(),
    contactId: z.string().nullable(),
    to: z.string(),
    from: z.string().describe('SMS sender id ("" = the provider\'s default) or email address.'),
    text: z.string().describe('As sent: rendered, with the opt-out mention or unsubscribe link.'),
    email: z
      .object({ subject: z.string(), html: z.string().nullable(), replyTo: z.string().nullable(), fromName: z.string().nullable(), headers: z.record(z.string(), z.string()) })
      .nullable(),
    encoding: z.enum(['GSM-7', 'UCS-2']).nullable(),
    segments: z.number().int().nullable(),
    scheduledFor: z.string().nullable().describe('When a pending message is due to leave.'),
    scheduleReason: ScheduleReason.nullable(),
    providerKind: z.string().nullable(),
    providerMessageIds: z.array(z.string()),
    attempts: z.number().int(),
    error: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    batchId: z.string().nullable(),
    createdAt: z.string(),
    submittedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Message' });
type MessageView = z.infer<typeof MessageSchema>;

const MessageDetailSchema = MessageSchema.extend({
  references: z
    .array(z.object({ system: z.string(), id: z.string() }))
    .describe('Ids other systems know the message by: { system: "smpp", id } is the message_id the SMPP server answered for each part.'),
  history: z.array(z.object({ status: MessageStatus, at: z.string(), reason: z.string().nullable() })),
  receipts: z.array(z.object({ providerMessageId: z.string(), status: z.string(), at: z.string(), errorCode: z.string().nullable(), raw: z.string(), receivedAt: z.string() })),
}).meta({ id: 'MessageDetail' });

const BatchResultSchema = z.object({ messages: z.array(MessageSchema) }).meta({ id: 'MessageBatch' });

export function toMessageView(message: StoredMessage): MessageView {
  return {
    id: message.id,
    channel: message.channel,
    category: message.category,
    status: message.status,
    blockReason: message.blockReason,
    contactId: message.contactId,
    to: message.to,
    from: message.from,
    text: message.text,
    email: message.email && { subject: message.email.subject, html: message.email.html, replyTo: message.email.replyTo, fromName: message.email.fromName, headers: message.email.headers },
    encoding: message.encoding,
    segments: message.segments,
    scheduledFor: iso(message.scheduledFor),
    scheduleReason: message.scheduleReason,
    providerKind: message.providerKind,
    providerMessageIds: message.providerMessageIds,
    attempts: message.attempts,
    error: message.error,
    idempotencyKey: message.idempotencyKey,
    batchId: message.batchId,
    createdAt: message.createdAt.toISOString(),
    submittedAt: iso(message.submittedAt),
    completedAt: iso(message.completedAt),
    updatedAt: message.updatedAt.toISOString(),
  };
}

/** Response shape of settings: plain (the serializer encodes with the schema, which transforms would break). */
const SettingsViewSchema = z
  .object({
    optOutMention: z.string(),
    quietHours: z.object({
      enabled: z.boolean(),
      days: z.array(z.number().int()),
      window: z.object({ start: z.string(), end: z.string() }),
      holidays: z.object({ blocked: z.boolean(), country: z.string(), state: z.string().optional() }),
    }),
    maxSegments: z.number().int(),
    defaultSender: z.object({ sms: z.string().optional(), email: z.object({ email: z.string(), name: z.string().optional() }).optional() }),
    timeZone: z.string(),
    optOutKeywords: z.array(z.string()),
    receiptTimeoutHours: z.number().int(),
  })
  .meta({ id: 'SendingSettings' });

const ProviderViewSchema = z
  .object({
    channel: MessageChannel,
    kind: z.string(),
    settings: z.unknown(),
    hasSecrets: z.boolean(),
    rateLimit: z.object({ perSecond: z.number(), unit: z.enum(['messages', 'segments']), burst: z.number().int() }).nullable(),
    version: z.number().int(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'SendingProvider' });

const toProviderView = (provider: StoredProvider) => ({ ...provider, updatedAt: iso(provider.updatedAt) });
const toSettingsView = (settings: SendingSettings): z.infer<typeof SettingsViewSchema> => JSON.parse(JSON.stringify(settings));

const IdempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7E]+$/, 'printable ASCII without spaces');

function idempotencyKeyOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, 'validation-failed', 'The Idempotency-Key header is invalid.', { errors: [{ path: 'headers.idempotency-key', message: parsed.error.issues[0]!.message }] });
  return parsed.data;
}

function badInput(error: unknown): never {
  if (error instanceof SendInputError) {
    throw new HttpProblem(400, 'validation-failed', `The request has ${error.issues.length} invalid field(s); nothing was sent. See errors.`, {
      errors: error.issues.map((issue) => ({ path: issue.path === '' ? 'body' : `body.${issue.path}`, message: issue.message })),
    });
  }
  throw error;
}

/**
 * `to=` as stored: an email lower-cased, a phone in E.164 by the rule sending used when it accepted
 * the message (the tenant's region), so "06 12 34 56 78" finds what was sent to it.
 */
async function recipientFilter(deps: SendingDeps, tenantId: string, to: string, channel: MessageChannel | undefined): Promise<string> {
  if (channel === 'email' || (channel === undefined && to.includes('@'))) return to.trim().toLowerCase();
  const phone = await normalizeTenantPhone(deps.db, tenantId, to);
  if (!phone.ok) throw new HttpProblem(400, 'validation-failed', `querystring.to: ${phone.message}`, { errors: [{ path: 'querystring.to', message: phone.message }] });
  return phone.e164;
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

  app.post(
    '/messages/preview',
    {
      schema: {
        tags: ['messages'],
        summary: 'Preview an SMS',
        description: 'Renders the text (with the opt-out mention for marketing), counts segments, lists the characters that force UCS-2 and suggests a GSM-7 rewrite. Nothing is stored or sent.',
        body: PreviewBodySchema,
        response: { 200: PreviewSchema, 400: ProblemSchema },
      },
    },
    async (request) => module.preview(tenantOf(request), request.body).catch(badInput),
  );

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
      const tenantId = tenantOf(request);
      const message = (await module.getMessage(tenantId, request.params.id)) ?? (await module.findByReference(tenantId, { system: 'smpp', id: request.params.id }));
      if (!message) throw notFound('message', request.params.id);
      const [history, receipts, references] = [await historyOf(deps.db, tenantId, message.id), await receiptsOf(deps.db, tenantId, message.id), await referencesOf(deps.db, tenantId, message.id)];
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

  app.get(
    '/sending/settings',
    { schema: { tags: ['sending'], summary: 'The tenant\'s sending settings (defaults filled in)', response: { 200: SettingsViewSchema } } },
    async (request) => toSettingsView(await deps.settings.get(tenantOf(request))),
  );

  app.put(
    '/sending/settings',
    {
      schema: {
        tags: ['sending'],
        summary: 'Replace the tenant\'s sending settings',
        description: 'Fields left out take their defaults: opt-out mention "STOP au 36173" (set your own short code), quiet hours Mon–Sat 08:00–20:00 without French public holidays, 6 segments at most, time zone Europe/Paris, opt-out keywords STOP, STOP SMS, ARRET, DESABONNER, STOPALL, UNSUBSCRIBE, receipt timeout 72 h (an SMS still without a final receipt that long after submission becomes expired; 1 to 720).',
        body: SendingSettingsSchema,
        response: { 200: SettingsViewSchema, 400: ProblemSchema },
      },
    },
    async (request) => toSettingsView(await deps.settings.put(tenantOf(request), request.body)),
  );

  app.get(
    '/sending/provider-kinds',
    {
      schema: {
        tags: ['sending'],
        summary: 'Provider kinds this hub can use',
        response: { 200: z.object({ items: z.array(z.object({ kind: z.string(), title: z.string(), channels: z.array(MessageChannel), hasSecrets: z.boolean() })) }) },
      },
    },
    async () => ({ items: deps.registry.factories().map((factory) => ({ kind: factory.kind, title: factory.title, channels: [...factory.channels], hasSecrets: factory.secrets !== undefined })) }),
  );

  const ChannelParams = z.object({ channel: MessageChannel });

  app.get(
    '/sending/providers/:channel',
    { schema: { tags: ['sending'], summary: 'The provider of a channel (secrets are never returned)', params: ChannelParams, response: { 200: ProviderViewSchema, 400: ProblemSchema } } },
    async (request) => toProviderView(await deps.registry.get(tenantOf(request), request.params.channel)),
  );

  app.put(
    '/sending/providers/:channel',
    {
      schema: {
        tags: ['sending'],
        summary: 'Choose and configure the provider of a channel',
        description: 'kind: a registered provider (GET /v1/sending/provider-kinds); settings: its settings; secrets: sealed with the vault, never returned (left out: kept); rateLimit: a token bucket, e.g. { "perSecond": 50, "unit": "segments" }.',
        params: ChannelParams,
        body: ProviderPutSchema,
        response: { 200: ProviderViewSchema, 400: ProblemSchema },
      },
    },
    async (request) => {
      try {
        return toProviderView(await deps.registry.put(tenantOf(request), request.params.channel, request.body));
      } catch (error) {
        if (error instanceof ProviderConfigError) {
          throw new HttpProblem(400, 'validation-failed', `The provider configuration is invalid: ${error.message}`, { errors: error.issues.map((issue) => ({ path: `body.${issue.path}`, message: issue.message })) });
        }
        throw error;
      }
    },
  );

  app.post(
    '/sandbox/inbound-sms',
    {
      schema: {
        tags: ['sandbox'],
        summary: 'Simulate an incoming SMS (a reply) through the sandbox provider',
        description: 'Rehearses replies such as "STOP": the hub stores it, publishes sms.received, and records an opt-out when the first word is an opt-out keyword. Only when the tenant\'s SMS provider is the sandbox.',
        body: z.object({ from: z.string().min(3).max(32), to: z.string().min(1).max(32).default('36173'), text: z.string().min(1).max(1_600) }).strict(),
        response: {
          200: z.object({ id: z.string(), from: z.string(), optOutKeyword: z.string().nullable(), inReplyToMessageId: z.string().nullable() }),
          400: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const { provider } = await deps.registry.resolve(tenantId, 'sms');
      if (!isSandboxSmsProvider(provider)) {
        throw new HttpProblem(409, 'conflict', `This tenant's SMS provider is "${provider.kind}", not the sandbox: replies come from the real provider.`);
      }
      // A reply comes from a phone: the rule the real inbound path reads senders with (src/sending/inbound.ts).
      if (moSenderPhone(request.body.from, await cachedTenantPhoneRegion(deps.db, tenantId)) === undefined) {
        const message = `"${request.body.from}" is not a phone number (E.164, national in the tenant's region, or international digits)`;
        throw new HttpProblem(400, 'validation-failed', `body.from: ${message}`, { errors: [{ path: 'body.from', message }] });
      }
      const providerMessageId = `sbxmo${randomBase62(12)}`;
      await provider.simulateInbound(tenantId, { from: request.body.from, to: request.body.to, text: request.body.text, at: deps.clock(), providerMessageId });
      const [row] = await deps.db.query<{ id: string; from_address: string; opt_out_keyword: string | null; in_reply_to: string | null }>(
        'SELECT id, from_address, opt_out_keyword, in_reply_to FROM inbound_sms WHERE tenant_id = $1 AND provider_message_id = $2',
        [tenantId, providerMessageId],
      );
      return { id: row!.id, from: row!.from_address, optOutKeyword: row!.opt_out_keyword, inReplyToMessageId: row!.in_reply_to };
    },
  );
};
