/** /v1/connectors/{connectorId}/installations/{installationId}/actions/{actionId}: run a connector action by hand. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { ProblemSchema } from '../../gateway/problem.ts';
import type { ConnectorDeps } from '../deps.ts';
import { runAction } from '../lifecycle.ts';
import { connectorLookup, InstallationParams } from './lookup.ts';

export const actionRoutes: FastifyPluginAsyncZod<{ deps: ConnectorDeps }> = async (app, { deps }) => {
  const { connectorOr404, installationOr404 } = connectorLookup(deps);

  app.post(
    '/connectors/:connectorId/installations/:installationId/actions/:actionId',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Run one of the connector\'s actions in the external system',
        params: InstallationParams.extend({ actionId: z.string().min(1).max(60) }),
        body: z.record(z.string(), z.unknown()).optional(),
        response: { 200: z.object({ result: z.unknown() }), 400: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema, 502: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = connectorOr404(request.params.connectorId);
      await installationOr404(tenantId, connector, request.params.installationId);
      return { result: await runAction(deps, tenantId, request.params.installationId, request.params.actionId, request.body) };
    },
  );
};
