/**
 * Which OAuth client (id, secret) a tenant's install of a connector uses, and the @fastify/oauth2 instance
 * that speaks for it.
 *
 * The client comes from the tenant's own setting (`connector_oauth_clients`, PUT /v1/connectors/{id}/oauth-client:
 * a self-hosted app) or else from HUB_OAUTH_<CONNECTOR>_CLIENT_ID / _CLIENT_SECRET. @fastify/oauth2 binds one client
 * to one registration, so each (connector, client) gets its own small Fastify instance with the plugin registered,
 * kept for the process; the routes of the hub's gateway call its decorations with their own request and reply
 * (its cookies: state and PKCE verifier).
 */
import { createHash } from 'node:crypto';
import fastifyOauth2, { type FastifyCheckStateFunction, type FastifyGenerateStateFunction, type OAuth2Namespace } from '@fastify/oauth2';
import Fastify, { type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Connector } from '../connector.ts';
import type { OAuthManifest } from '../manifest.ts';
import type { ConnectorDeps } from '../deps.ts';
import { guardedAgent } from '../../net/guarded-connection.ts';
import { onServer } from './authorization-server.ts';

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  /** Where it came from, for the admin reading GET …/oauth-client. */
  source: 'tenant' | 'environment';
}

/** The env variables of a connector's client: `google-calendar` → HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID / _CLIENT_SECRET. */
export function oauthClientVariables(connectorId: string): { id: string; secret: string } {
  const name = connectorId.toUpperCase().replace(/-/g, '_');
  return { id: `HUB_OAUTH_${name}_CLIENT_ID`, secret: `HUB_OAUTH_${name}_CLIENT_SECRET` };
}

const clientSecretContext = (tenantId: string, connectorId: string) => `tenant:${tenantId}/connector-oauth-client:${connectorId}`;

export const OAuthClientInputSchema = z
  .object({
    clientId: z.string().trim().min(1).max(500).regex(/^[\x20-\x7E]+$/, 'printable ASCII').describe('The OAuth client id the provider gave.'),
    clientSecret: z.string().min(1).max(500).regex(/^[\x20-\x7E]+$/, 'printable ASCII').describe('Its secret: stored sealed, never shown again.'),
  })
  .strict();

export async function saveTenantClient(deps: Pick<ConnectorDeps, 'db' | 'vault'>, tenantId: string, connectorId: string, input: z.output<typeof OAuthClientInputSchema>): Promise<void> {
  await deps.db.query(
    `INSERT INTO connector_oauth_clients (tenant_id, connector, client_id, client_secret_sealed) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, connector) DO UPDATE SET client_id = EXCLUDED.client_id, client_secret_sealed = EXCLUDED.client_secret_sealed, updated_at = now()`,
    [tenantId, connectorId, input.clientId, deps.vault.seal(input.clientSecret, clientSecretContext(tenantId, connectorId))],
  );
}

export async function deleteTenantClient(deps: Pick<ConnectorDeps, 'db'>, tenantId: string, connectorId: string): Promise<boolean> {
  return (await deps.db.query('DELETE FROM connector_oauth_clients WHERE tenant_id = $1 AND connector = $2 RETURNING connector', [tenantId, connectorId])).length > 0;
}

/** The client a tenant's flows and refreshes use: its own, else the environment's; undefined when neither is set. */
export async function resolveClient(deps: Pick<ConnectorDeps, 'db' | 'vault' | 'oauthClients'>, tenantId: string, connectorId: string): Promise<OAuthClientConfig | undefined> {
  const [row] = await deps.db.query<{ client_id: string; client_secret_sealed: string }>(
    'SELECT client_id, client_secret_sealed FROM connector_oauth_clients WHERE tenant_id = $1 AND connector = $2',
    [tenantId, connectorId],
  );
  if (row) return { clientId: row.client_id, clientSecret: deps.vault.open(row.client_secret_sealed, clientSecretContext(tenantId, connectorId)), source: 'tenant' };
  const fromEnv = deps.oauthClients[connectorId];
  return fromEnv && { ...fromEnv, source: 'environment' };
}

/** What the flow's routes put on the request for the plugin's state functions (one registration serves every flow). */
export interface OAuthRequestState {
  /** The signed state of the flow being started (generateStateFunction answers it). */
  state?: string;
  /** Set by the callback once the flow was consumed (checkStateFunction reads it). */
  checked?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    hubOAuth?: OAuthRequestState;
  }
}

export const STATE_COOKIE = 'hub-oauth-state';
export const VERIFIER_COOKIE = 'hub-oauth-verifier';
/** The token endpoint may be slow; no database connection waits on it (tokens.ts), but a call must end. */
const TOKEN_CALL_TIMEOUT_MS = 20_000;

function split(url: string): { host: string; path: string } {
  const parsed = new URL(url);
  return { host: `${parsed.protocol}//${parsed.host}`, path: `${parsed.pathname}${parsed.search}` };
}

/**
 * The endpoints in force: the manifest's, or the overrides tests give (`oauthEndpoints`), moved to the installation's
 * own authorization server when its install chose one (authorization-server.ts).
 */
export function endpointsOf(deps: Pick<ConnectorDeps, 'oauthEndpoints'>, connector: Connector, server?: string): OAuthManifest {
  const manifest = connector.manifest.oauth;
  if (!manifest) throw new Error(`Connector ${connector.manifest.id} does not sign in with OAuth`);
  const endpoints = { ...manifest, ...deps.oauthEndpoints[connector.manifest.id] };
  if (server === undefined) return endpoints;
  return {
    ...endpoints,
    authorizeUrl: onServer(endpoints.authorizeUrl, server),
    tokenUrl: onServer(endpoints.tokenUrl, server),
    ...(endpoints.revokeUrl ? { revokeUrl: onServer(endpoints.revokeUrl, server) } : {}),
  };
}

/** simple-oauth2's HTTP client (wreck) connects through these: a tenant-chosen server is reached through the SSRF guard. */
const guardedAgents = () => ({ http: guardedAgent('http:'), https: guardedAgent('https:'), httpsAllowUnauthorized: guardedAgent('https:') });

/** One @fastify/oauth2 registration per (connector, client, endpoints), kept for the process. */
export class OAuthProviders {
  readonly #instances = new Map<string, Promise<OAuth2Namespace>>();
  readonly #deps: Pick<ConnectorDeps, 'publicUrl' | 'oauthEndpoints' | 'network'>;

  constructor(deps: Pick<ConnectorDeps, 'publicUrl' | 'oauthEndpoints' | 'network'>) {
    this.#deps = deps;
  }

  /** The redirect URI registered at the provider: one per connector and hub. */
  callbackUrl(connectorId: string): string {
    return `${this.#deps.publicUrl.replace(/\/+$/, '')}/connectors/${connectorId}/oauth/callback`;
  }

  /** Where the flow's cookies live: only the connector's OAuth routes ever receive them. */
  cookiePath(connectorId: string): string {
    return `/connectors/${connectorId}/oauth`;
  }

  /** The registration for a connector's client, at `server` when the installation's install chose its own (a Salesforce sandbox). */
  get(connector: Connector, client: OAuthClientConfig, server?: string): Promise<OAuth2Namespace> {
    const endpoints = endpointsOf(this.#deps, connector, server);
    const guarded = server !== undefined && !this.#deps.network.allowPrivateTargets;
    const key = createHash('sha256').update(JSON.stringify([connector.manifest.id, client.clientId, client.clientSecret, endpoints, guarded])).digest('hex');
    let instance = this.#instances.get(key);
    if (!instance) {
      instance = this.#register(connector, client, endpoints, guarded);
      instance.catch(() => this.#instances.delete(key));
      if (this.#instances.size > 1000) this.#instances.clear();
      this.#instances.set(key, instance);
    }
    return instance;
  }

  async #register(connector: Connector, client: OAuthClientConfig, endpoints: OAuthManifest, guarded: boolean): Promise<OAuth2Namespace> {
    const authorize = split(endpoints.authorizeUrl);
    const token = split(endpoints.tokenUrl);
    const id = connector.manifest.id;
    const app = Fastify({ logger: false });
    await app.register(fastifyOauth2, {
      name: 'provider',
      credentials: {
        client: { id: client.clientId, secret: client.clientSecret },
        auth: {
          authorizeHost: authorize.host,
          authorizePath: authorize.path,
          tokenHost: token.host,
          tokenPath: token.path,
          // A full URL: a provider may revoke on another host than its token endpoint.
          revokePath: endpoints.revokeUrl ?? endpoints.tokenUrl,
        },
        // Salesforce refuses HTTP Basic client authentication (the reference notes): the manifest says 'body'.
        options: { authorizationMethod: endpoints.clientAuth ?? 'header' },
        http: { timeout: TOKEN_CALL_TIMEOUT_MS, headers: { 'user-agent': 'connector-hub' }, ...(guarded ? { agents: guardedAgents() } : {}) },
      },
      scope: [...endpoints.scopes],
      callbackUri: this.callbackUrl(id),
      callbackUriParams: { ...endpoints.authorizeParams },
      pkce: 'S256',
      redirectStateCookieName: STATE_COOKIE,
      verifierCookieName: VERIFIER_COOKIE,
      cookie: { path: this.cookiePath(id), secure: this.#deps.publicUrl.startsWith('https://'), sameSite: 'lax', httpOnly: true, maxAge: 600 },
      // The state is the flow's signed id (flows.ts); the check is the plugin's (the browser's cookie equals the
      // state it comes back with), after the callback route has consumed the flow once.
      // One-argument functions: the plugin then awaits their answer (it tells the forms apart by their arity).
      generateStateFunction: ((request: FastifyRequest) => {
        const state = request.hubOAuth?.state;
        if (!state) throw new Error('no OAuth flow on this request');
        return state;
      }) as FastifyGenerateStateFunction,
      checkStateFunction: ((request: FastifyRequest) => {
        const cookie = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[STATE_COOKIE];
        const { state } = request.query as { state?: string };
        return request.hubOAuth?.checked === true && cookie !== undefined && cookie === state;
      }) as FastifyCheckStateFunction,
    });
    await app.ready();
    return (app as unknown as { provider: OAuth2Namespace }).provider;
  }
}
