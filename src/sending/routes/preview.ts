/** /v1/messages/preview: an SMS rendered and counted, nothing stored or sent. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { tenantOf } from '../../gateway/auth.ts';
import { ProblemSchema } from '../../gateway/problem.ts';
import { PreviewBodySchema, PreviewSchema } from '../preview.ts';
import type { SendingModule } from '../sending-module.ts';
import { badInput } from './bad-input.ts';

export const previewRoutes: FastifyPluginAsyncZod<{ module: SendingModule }> = async (app, { module }) => {
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
};
