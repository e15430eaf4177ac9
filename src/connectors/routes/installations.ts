/** /v1/connectors/{connectorId}/installations: install, list, read (with its last received requests), change, reconcile, uninstall. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { HttpProblem, ProblemSchema } from '../../gateway/problem.ts';
import type { Connector } from '../connector.ts';
import type { ConnectorDeps } from '../deps.ts';
import { ExternalSystemError, externalRefusal } from '../external-error.ts';
import { recentInbox, type InboxEntry } from '../inbox.ts';
import { patchInstallation } from '../installation-patch.ts';
import { listInstallations, type StoredInstallation } from '../installation-store.ts';
import { install, reconcile, uninstall } from '../lifecycle.ts';
import { startAuthorization } from '../oauth/authorize.ts';
import { publicUrlWarning } from '../public-url-check.ts';
import { authorizationAnswer, AuthorizationAnswerSchema, starterOf } from './oauth.ts';
import { ConnectorParams, connectorLookup, InstallationParams } from './lookup.ts';

const RemoteResourceSchema = z.object({ kind: z.string(), name: z.string(), externalId: z.string().nullable(), status: z.string() });

const InstallationViewSchema = z
  .object({
    id: z.string(),
    connector: z.string(),
    account: z.string().describe('The external account, e.g. the store URL.'),
    status: z
      .enum(['installing', 'active', 'error', 'reauthorize', 'uninstalled'])
      .describe('error: the last reconcile failed; it is retried at start-up and hourly. reauthorize: the OAuth grant was revoked; reconnect (POST …/reconnect).'),
    settings: z.record(z.string(), z.unknown()),
    rules: z.record(z.string(), z.unknown()).describe('The ready rules (docs/connectors/contract.md).'),
    remote: z.array(RemoteResourceSchema).describe('What the hub holds at the external system (webhooks…).'),
    lastError: z.string().nullable(),
    lastReconciledAt: z.string().nullable(),
    installedAt: z.string().nullable(),
    uninstalledAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ConnectorInstallation' });

const DeliverySchema = z.object({
  id: z.string(),
  kind: z.string(),
  receivedAt: z.string(),
  status: z.enum(['pending', 'processed', 'ignored', 'failed']),
  note: z.string().nullable(),
  events: z.array(z.object({ id: z.string(), type: z.string(), duplicate: z.boolean() })),
  processedAt: z.string().nullable(),
});

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

function view(connector: Connector, installation: StoredInstallation): z.infer<typeof InstallationViewSchema> {
  return {
    id: installation.id,
    connector: installation.connector,
    account: installation.account,
    status: installation.status,
    settings: installation.settings,
    rules: installation.rules,
    remote: connector.remoteResources(installation.state),
    lastError: installation.lastError,
    lastReconciledAt: iso(installation.lastReconciledAt),
    installedAt: iso(installation.installedAt),
    uninstalledAt: iso(installation.uninstalledAt),
    createdAt: installation.createdAt.toISOString(),
    updatedAt: installation.updatedAt.toISOString(),
  };
}

const deliveryView = (entry: InboxEntry) => ({ ...entry, receivedAt: entry.receivedAt.toISOString(), processedAt: iso(entry.processedAt) });

/** The library's templates that the connector's events feed, with where to instantiate each. */
function suggestions(deps: ConnectorDeps, connector: Connector) {
  return (deps.suggestTemplates?.(connector.manifest.emits) ?? []).map((template) => ({ ...template, instantiate: `POST /v1/scenario-templates/${template.id}/instantiate` }));
}

const InstallAnswerSchema = z.object({
  installation: InstallationViewSchema,
  changes: z.array(z.string()),
  shownOnce: z.record(z.string(), z.string()),
  warnings: z.array(z.string()).describe('What may keep the installation from working though it was installed (e.g. HUB_PUBLIC_URL on localhost).'),
  suggestedTemplates: z
    .array(z.object({ id: z.string(), name: z.string(), description: z.string(), instantiate: z.string() }))
    .describe('Scenario templates this connector\'s events can feed (order status SMS, abandoned cart…): POST the instantiate path, then activate the scenario.'),
});

export const installationRoutes: FastifyPluginAsyncZod<{ deps: ConnectorDeps }> = async (app, { deps }) => {
  const { connectorOr404, installationOr404 } = connectorLookup(deps);

  app.post(
    '/connectors/:connectorId/installations',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Install a connector for an external account',
        description:
          'Checks the credentials against the external system, stores them sealed and registers what the connector needs there (webhooks). ' +
          'The body is the connector\'s install input (GET /v1/connectors/{id} gives its JSON Schema) plus optional "rules" (the merchant\'s alerts, for shops). ' +
          'Customers are texted by scenarios: `suggestedTemplates` lists the library\'s templates this connector\'s events feed. ' +
          'Installing an account again updates its credentials and resumes an interrupted install. `shownOnce` holds secrets shown only in this answer. ' +
          'OAuth connectors (auth "oauth2") answer 202 with the authorization URL instead: the install completes when the admin has consented at the provider.',
        params: ConnectorParams,
        body: z.record(z.string(), z.unknown()),
        response: {
          200: InstallAnswerSchema,
          201: InstallAnswerSchema,
          202: AuthorizationAnswerSchema.describe('OAuth connectors: nothing is installed yet; the admin opens authorizationUrl, consents, and the hub installs.'),
          400: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
          502: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const connector = connectorOr404(request.params.connectorId);
      if (connector.manifest.auth === 'oauth2') {
        const start = await startAuthorization(deps, connector, { tenantId: tenantOf(request), startedBy: starterOf(request), body: request.body });
        return reply.code(202).send(authorizationAnswer(start, deps.oauth.providers, connector));
      }
      const result = await install(deps, connector, tenantOf(request), request.body);
      const warnings = [publicUrlWarning(deps.publicUrl)].filter((warning) => warning !== undefined);
      for (const warning of warnings) request.log.warn({ connector: connector.manifest.id, installationId: result.installation.id }, warning);
      return reply
        .code(result.created ? 201 : 200)
        .send({ installation: view(connector, result.installation), changes: result.changes, shownOnce: result.shownOnce, warnings, suggestedTemplates: suggestions(deps, connector) });
    },
  );

  app.get(
    '/connectors/:connectorId/installations',
    {
      schema: {
        tags: ['connectors'],
        summary: 'List the tenant\'s installations of a connector, newest first',
        params: ConnectorParams,
        querystring: z.object({ includeUninstalled: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.object({ items: z.array(InstallationViewSchema) }), 404: ProblemSchema },
      },
    },
    async (request) => {
      const connector = connectorOr404(request.params.connectorId);
      const rows = await listInstallations(deps.db, tenantOf(request), connector.manifest.id, { includeUninstalled: request.query.includeUninstalled === 'true' });
      return { items: rows.map((row) => view(connector, row)) };
    },
  );

  app.get(
    '/connectors/:connectorId/installations/:installationId',
    {
      schema: {
        tags: ['connectors'],
        summary: 'An installation\'s status, with its last received requests and the events they became',
        params: InstallationParams,
        response: { 200: InstallationViewSchema.extend({ lastDeliveries: z.array(DeliverySchema) }), 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = connectorOr404(request.params.connectorId);
      const installation = await installationOr404(tenantId, connector, request.params.installationId);
      const deliveries = await recentInbox(deps, tenantId, installation.id);
      return { ...view(connector, installation), lastDeliveries: deliveries.map(deliveryView) };
    },
  );

  app.patch(
    '/connectors/:connectorId/installations/:installationId',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Change settings or ready rules (JSON merge patch: null removes a key)',
        params: InstallationParams,
        description: 'The rules are the merchant\'s alerts; the order status SMS and the cart reminder are scenarios of the library (GET /v1/scenario-templates).',
        body: z.object({ settings: z.record(z.string(), z.unknown()).optional(), rules: z.record(z.string(), z.unknown()).optional() }).strict(),
        response: { 200: InstallationViewSchema, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = connectorOr404(request.params.connectorId);
      const installation = await installationOr404(tenantId, connector, request.params.installationId);
      return view(connector, await patchInstallation(deps, tenantId, connector, installation, request.body));
    },
  );

  app.post(
    '/connectors/:connectorId/installations/:installationId/reconcile',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Check the registrations at the external system now and repair what is missing or disabled',
        params: InstallationParams,
        response: { 200: z.object({ installation: InstallationViewSchema, changes: z.array(z.string()) }), 404: ProblemSchema, 422: ProblemSchema, 502: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = connectorOr404(request.params.connectorId);
      const installation = await installationOr404(tenantId, connector, request.params.installationId);
      if (installation.status === 'uninstalled') throw new HttpProblem(409, 'conflict', `Installation ${installation.id} is uninstalled; install it again.`);
      if (installation.status === 'reauthorize') {
        throw new HttpProblem(409, 'conflict', `Installation ${installation.id} lost its authorization; reconnect it (POST /v1/connectors/${connector.manifest.id}/installations/${installation.id}/reconnect), which reconciles.`);
      }
      try {
        const result = (await reconcile(deps, tenantId, installation.id))!;
        return { installation: view(connector, result.installation), changes: result.changes };
      } catch (error) {
        if (error instanceof ExternalSystemError) throw externalRefusal(error, `The installation is now in status "error"; it is retried hourly.`);
        throw error;
      }
    },
  );

  app.delete(
    '/connectors/:connectorId/installations/:installationId',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Uninstall: remove the registrations at the external system, keep the installation\'s history',
        params: InstallationParams,
        response: { 200: z.object({ installation: InstallationViewSchema, changes: z.array(z.string()), problems: z.array(z.string()) }), 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = connectorOr404(request.params.connectorId);
      await installationOr404(tenantId, connector, request.params.installationId);
      const result = (await uninstall(deps, tenantId, request.params.installationId))!;
      return { installation: view(connector, result.installation), changes: result.changes, problems: result.problems };
    },
  );
};
