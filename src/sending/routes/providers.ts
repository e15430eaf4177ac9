/** /v1/sending/provider-kinds and /v1/sending/providers/{channel}: which provider sends each channel, and how. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { HttpProblem, ProblemSchema } from '../../gateway/problem.ts';
import type { SendingDeps } from '../deps.ts';
import { MessageChannel } from '../message.ts';
import { ProviderConfigError, ProviderPutSchema, type StoredProvider } from '../provider-registry.ts';
import { iso } from './message-view.ts';

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
export const providerRoutes: FastifyPluginAsyncZod<{ deps: SendingDeps }> = async (app, { deps }) => {
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
};
