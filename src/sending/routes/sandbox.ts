/** /v1/sandbox: rehearse what real providers would do, here an incoming reply. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '../../gateway/problem.ts';
import { tenantOf } from '../../gateway/auth.ts';
import type { SendingDeps } from '../deps.ts';
import { simulateSandboxReply } from '../sandbox-reply.ts';

export const sandboxRoutes: FastifyPluginAsyncZod<{ deps: SendingDeps }> = async (app, { deps }) => {
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
    async (request) => simulateSandboxReply(deps, tenantOf(request), request.body),
  );
};
