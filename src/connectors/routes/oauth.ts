/**
 * /v1 routes of OAuth connectors: start the authorization flow (a console button: GET …/installations/authorize
 * redirects), reconnect an installation, and the tenant's own OAuth client. The install itself
 * (POST …/installations) is in installations.ts and answers an authorization URL for these connectors.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireRole } from '../../gateway/access.ts';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { HttpProblem, ProblemSchema } from '../../gateway/problem.ts';
import type { Connector } from '../connector.ts';
import type { ConnectorDeps } from '../deps.ts';
import { startAuthorization, type AuthorizationStart } from '../oauth/authorize.ts';
import { deleteTenantClient, OAuthClientInputSchema, oauthClientVariables, resolveClient, saveTenantClient, type OAuthProviders } from '../oauth/clients.ts';
import { ConnectorParams, connectorLookup, InstallationParams } from './lookup.ts';

export const AuthorizationAnswerSchema = z
  .object({
    authorizationUrl: z.string().describe('Open it in the admin\'s browser (once, within expiresAt): it leads to the provider\'s consent page, then back to the hub, which installs.'),
    expiresAt: z.string(),
    flowId: z.string(),
    callbackUrl: z.string().describe('The redirect URI the OAuth client must allow at the provider.'),
  })
  .meta({ id: 'ConnectorAuthorization' });

export const authorizationAnswer = (start: AuthorizationStart, providers: OAuthProviders, connector: Connector) => ({
  authorizationUrl: start.authorizationUrl,
  expiresAt: start.expiresAt.toISOString(),
  flowId: start.flowId,
  callbackUrl: providers.callbackUrl(connector.manifest.id),
});

/** Who started a flow: `key:<api key id>` or `session:<console session id>`; checked again when the browser comes back. */
export const starterOf = (request: FastifyRequest): string => {
  const principal = request.principal;
  if (!principal) throw new HttpProblem(401, 'unauthorized', 'Send your API key as "Authorization: Bearer <key>".');
  return principal.kind === 'api-key' ? `key:${principal.apiKeyId}` : `session:${principal.sessionId}`;
};

const OAuthClientView = z.object({
  connector: z.string(),
  configured: z.boolean(),
  source: z.enum(['tenant', 'environment']).nullable().describe('tenant: set with PUT; environment: the hub\'s HUB_OAUTH_<CONNECTOR>_CLIENT_ID/SECRET.'),
  clientId: z.string().nullable(),
  callbackUrl: z.string().describe('The redirect URI to allow in the OAuth client at the provider.'),
  environmentVariables: z.object({ id: z.string(), secret: z.string() }),
  setupDocs: z.string(),
});

export const oauthRoutes: FastifyPluginAsyncZod<{ deps: ConnectorDeps; providers: OAuthProviders }> = async (app, { deps, providers }) => {
  const { connectorOr404, installationOr404 } = connectorLookup(deps);
  const oauthConnectorOr404 = (id: string): Connector => {
    const connector = connectorOr404(id);
    if (connector.manifest.auth !== 'oauth2') throw new HttpProblem(404, 'not-found', `${connector.manifest.name} does not sign in with OAuth (its auth is ${connector.manifest.auth}).`);
    return connector;
  };

  app.get(
    '/connectors/:connectorId/installations/authorize',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Start installing an OAuth connector from a browser: 302 to the authorization URL',
        description: 'The query parameters are the install input (GET /v1/connectors/{id} gives its JSON Schema). The same as POST …/installations, answered with a redirect (a console\'s "Connect" button).',
        params: ConnectorParams,
        querystring: z.record(z.string(), z.string()),
        response: { 302: z.null().describe('Location: the authorization URL'), 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      // A GET, so the gateway's role table lets read-only access through; but it starts an install: admins only.
      requireRole(request.principal!.role, 'admin', 'Installing a connector');
      const connector = oauthConnectorOr404(request.params.connectorId);
      const start = await startAuthorization(deps, connector, { tenantId: tenantOf(request), startedBy: starterOf(request), body: request.query });
      return reply.header('cache-control', 'no-store').redirect(start.authorizationUrl, 302);
    },
  );

  app.post(
    '/connectors/:connectorId/installations/:installationId/reconnect',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Reconnect an OAuth installation (after status reauthorize): answers the authorization URL',
        description:
          'The same flow as an install, for this installation: the account signed in with must be the installation\'s. Its id, cursors, memory and the scenarios using it are kept. ' +
          'The body, optional, is the connector\'s install input when it has required fields.',
        params: InstallationParams,
        body: z.record(z.string(), z.unknown()).optional(),
        response: { 202: AuthorizationAnswerSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const connector = oauthConnectorOr404(request.params.connectorId);
      const installation = await installationOr404(tenantId, connector, request.params.installationId);
      if (installation.status === 'uninstalled') throw new HttpProblem(409, 'conflict', `Installation ${installation.id} is uninstalled; install the account again (POST …/installations).`);
      const start = await startAuthorization(deps, connector, { tenantId, startedBy: starterOf(request), body: request.body, installation });
      return reply.code(202).send(authorizationAnswer(start, providers, connector));
    },
  );

  const clientView = async (tenantId: string, connector: Connector): Promise<z.infer<typeof OAuthClientView>> => {
    const client = await resolveClient(deps, tenantId, connector.manifest.id);
    return {
      connector: connector.manifest.id,
      configured: client !== undefined,
      source: client?.source ?? null,
      clientId: client?.clientId ?? null,
      callbackUrl: providers.callbackUrl(connector.manifest.id),
      environmentVariables: oauthClientVariables(connector.manifest.id),
      setupDocs: connector.manifest.oauth!.clientSetupDocs,
    };
  };

  app.get(
    '/connectors/:connectorId/oauth-client',
    {
      schema: {
        tags: ['connectors'],
        summary: 'The OAuth client installs of this connector use (the secret is never shown)',
        params: ConnectorParams,
        response: { 200: OAuthClientView, 404: ProblemSchema },
      },
    },
    async (request) => clientView(tenantOf(request), oauthConnectorOr404(request.params.connectorId)),
  );

  app.put(
    '/connectors/:connectorId/oauth-client',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Use the tenant\'s own OAuth client for this connector (a self-hosted app); the secret is stored sealed',
        params: ConnectorParams,
        body: OAuthClientInputSchema,
        response: { 200: OAuthClientView, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = oauthConnectorOr404(request.params.connectorId);
      await saveTenantClient(deps, tenantId, connector.manifest.id, request.body);
      return clientView(tenantId, connector);
    },
  );

  app.delete(
    '/connectors/:connectorId/oauth-client',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Forget the tenant\'s own OAuth client (the hub\'s environment client applies again, if any)',
        params: ConnectorParams,
        response: { 200: OAuthClientView, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const connector = oauthConnectorOr404(request.params.connectorId);
      await deleteTenantClient(deps, tenantId, connector.manifest.id);
      return clientView(tenantId, connector);
    },
  );
};
