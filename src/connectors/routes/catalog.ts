/** /v1/connectors and /v1/connectors/{connectorId}: the connectors this hub ships, with their manifests. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpProblem, ProblemSchema } from '../../gateway/problem.ts';
import type { ShopPlugin } from '../connector.ts';
import { zipFolder } from '../plugin-zip.ts';
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
    async (request) => {
      const connector = connectorOr404(request.params.connectorId);
      return connectorInfo(connector.manifest, connector.plugin);
    },
  );

  // Built once per process: the sources do not change while the hub runs.
  const zips = new Map<ShopPlugin, Buffer>();
  app.get(
    '/connectors/:connectorId/plugin.zip',
    {
      schema: {
        tags: ['connectors'],
        summary: "Download the connector's shop plugin (WordPress plugin, PrestaShop module) as a zip to upload in the shop's admin",
        description: 'application/zip. WooCommerce: WordPress → Plugins → Add New → Upload Plugin. PrestaShop: Modules → Module Manager → Upload a module. 404 for connectors without one.',
        params: ConnectorParams,
      },
    },
    async (request, reply) => {
      const { plugin } = connectorOr404(request.params.connectorId);
      if (!plugin) throw new HttpProblem(404, 'not-found', `The ${request.params.connectorId} connector has no plugin to install in the external system.`);
      let zip = zips.get(plugin);
      if (!zip) zips.set(plugin, (zip = zipFolder(plugin.directory, plugin.top, { exclude: plugin.exclude ?? [] })));
      return reply.type('application/zip').header('content-disposition', `attachment; filename="${plugin.fileName}"`).send(zip);
    },
  );
};
