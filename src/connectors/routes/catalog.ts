/** /v1/connectors and /v1/connectors/{connectorId}: the connectors this hub ships, with their manifests. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '../../gateway/problem.ts';
import type { ConnectorDeps } from '../deps.ts';
import { connectorInfo, ConnectorInfoSchema } from '../manifest.ts';
import { ConnectorParams, connectorLookup } from './lookup.ts';

export const catalogRoutes: FastifyPluginAsyncZod<{ deps: ConnectorDeps }> = async (app, { deps }) => {
  const { connectorOr404 } = connectorLookup(deps);

  app.get(
    '/connectors',
    { schema: { tags: ['connectors'], summary: 'List the connectors this hub offers', response: { 200: z.object({ items: z.array(ConnectorInfoSchema) }) } } },
    async () => ({ items: deps.registry.list() }),
  );

  app.get(
    '/connectors/:connectorId',
    { schema: { tags: ['connectors'], summary: 'Describe a connector', params: ConnectorParams, response: { 200: ConnectorInfoSchema, 404: ProblemSchema } } },
    async (request) => connectorInfo(connectorOr404(request.params.connectorId).manifest),
  );
};
