/** /v1/sending/settings: the tenant's opt-out mention, quiet hours, limits and default senders. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { ProblemSchema } from '../../gateway/problem.ts';
import type { SendingDeps } from '../deps.ts';
import { SendingSettingsSchema, type SendingSettings } from '../settings.ts';

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

const toSettingsView = (settings: SendingSettings): z.infer<typeof SettingsViewSchema> => JSON.parse(JSON.stringify(settings));

export const settingsRoutes: FastifyPluginAsyncZod<{ deps: SendingDeps }> = async (app, { deps }) => {
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
};
