/**
 * OAuth tokens of installations: read sealed from the installation row, refreshed through @fastify/oauth2
 * (`getNewAccessTokenUsingRefreshToken`), saved sealed.
 *
 * Single-flight across processes. A refresh token may rotate (each refresh answers a new one and spends the old):
 * two workers refreshing at once would leave one of them with a spent token and the installation with a grant the
 * provider considers replayed. So a refresh first takes a lease on the installation row (one short UPDATE that
 * succeeds only for the credentials version it read and only when no unexpired lease exists), then calls the
 * provider with no database connection held, then saves the new tokens only over that version (compare-and-swap)
 * and releases the lease. The others wait for the new version and use it. A lease outlives the token call's timeout,
 * so a process that dies mid-refresh blocks the others for at most a minute.
 *
 * `invalid_grant` (revoked, expired, password changed) puts the installation in status `reauthorize`, publishes
 * `connector.reauthorization_required` once, and throws ReauthorizationRequiredError; nothing calls the system until
 * an admin reconnects (the inbox keeps entries pending, schedules skip).
 */
import type { OAuth2Namespace } from '@fastify/oauth2';
import type { Token } from '@fastify/oauth2';
import { randomBase62 } from '../../ids.ts';
import type { AuthorizedClient, Connector, JsonObject, OAuthTokens } from '../connector.ts';
import { CREDENTIALS_PURPOSE, vaultContext, type ConnectorDeps, type OAuthRuntime } from '../deps.ts';
import { ExternalSystemError } from '../external-error.ts';
import type { StoredInstallation } from '../installation-store.ts';
import { resolveClient, type OAuthProviders } from './clients.ts';
import { ReauthorizationRequiredError } from './errors.ts';
import { OAuthTokensSchema } from './schema.ts';

/** A token expiring within this long is refreshed before use. */
export const REFRESH_MARGIN_MS = 60_000;
/** Longer than the token call's timeout (clients.ts): a live holder never loses its lease. */
export const REFRESH_LEASE_MS = 60_000;
/** How long a caller waits for another process's refresh before giving up (transient: tried again later). */
const REFRESH_WAIT_MS = 45_000;

const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'id_token', 'expires_at', 'expires_in', 'token_type', 'scope']);

/** The token endpoint's answer (as simple-oauth2 parsed it) → the hub's tokens; a missing refresh token keeps `previous`'s. */
export function tokensFrom(token: Token | Record<string, unknown>, previous?: OAuthTokens): OAuthTokens {
  const raw = token as Record<string, unknown>;
  if (typeof raw.access_token !== 'string' || raw.access_token.length === 0) {
    throw new ExternalSystemError('invalid-response', 'The provider\'s token answer has no access_token.');
  }
  const expiresAt = raw.expires_at instanceof Date ? raw.expires_at : typeof raw.expires_at === 'string' ? new Date(raw.expires_at) : undefined;
  const extra: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!SECRET_FIELDS.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) extra[key] = value;
  }
  return {
    accessToken: raw.access_token,
    // Google and Salesforce answer a refresh without a new refresh token: the old one stays valid. (simple-oauth2 5.1
    // means to copy it over but reads `this.refresh_token`, which is undefined: the hub keeps it itself.)
    refreshToken: typeof raw.refresh_token === 'string' && raw.refresh_token.length > 0 ? raw.refresh_token : (previous?.refreshToken ?? null),
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt.toISOString() : null,
    tokenType: typeof raw.token_type === 'string' ? raw.token_type : 'Bearer',
    scope: typeof raw.scope === 'string' ? raw.scope : (previous?.scope ?? null),
    extra: { ...previous?.extra, ...extra },
    // A refresh answers from the server the grant was made at: it stays the grant's server.
    ...(previous?.authorizationServer ? { authorizationServer: previous.authorizationServer } : {}),
  };
}

/** What simple-oauth2's HTTP client threw, read for the OAuth error code (RFC 6749 §5.2) and status. */
function providerFailure(error: unknown): { status: number | undefined; code: string | undefined; description: string | undefined } {
  const boom = error as { output?: { statusCode?: number }; data?: { payload?: unknown; res?: { statusCode?: number } }; isBoom?: boolean };
  let payload = boom.data?.payload;
  if (Buffer.isBuffer(payload)) {
    try {
      payload = JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      payload = undefined;
    }
  }
  const body = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  const status = boom.data?.res?.statusCode ?? (boom.isBoom ? boom.output?.statusCode : undefined);
  return {
    status,
    code: typeof body.error === 'string' ? body.error : undefined,
    description: typeof body.error_description === 'string' ? body.error_description : undefined,
  };
}

/** A failed token call as an ExternalSystemError (invalid_grant is handled by the caller). */
export function tokenCallError(error: unknown, what: string): ExternalSystemError {
  const { status, code, description } = providerFailure(error);
  const said = code ? ` The provider said: ${code}${description ? ` (${description})` : ''}.` : '';
  if (status === undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return new ExternalSystemError(/timeout/i.test(message) ? 'timeout' : 'unreachable', `The OAuth provider could not be reached while ${what}: ${message}.`);
  }
  if (status >= 500 || status === 429) return new ExternalSystemError('server', `The OAuth provider failed while ${what} (HTTP ${status}).${said}`, { status, ...(code ? { code } : {}) });
  if (code === 'invalid_client' || code === 'unauthorized_client' || status === 401) {
    return new ExternalSystemError('auth', `The OAuth provider refused the hub's OAuth client while ${what} (HTTP ${status}).${said} Check the client id and secret (HUB_OAUTH_<CONNECTOR>_CLIENT_ID/SECRET or PUT /v1/connectors/{id}/oauth-client).`, { status, ...(code ? { code } : {}) });
  }
  return new ExternalSystemError('refused', `The OAuth provider refused ${what} (HTTP ${status}).${said}`, { status, ...(code ? { code } : {}) });
}

export const isInvalidGrant = (error: unknown): boolean => providerFailure(error).code === 'invalid_grant';

type CredentialsRow = { credentials_sealed: string | null; credentials_version: number; status: string; refresh_lease_until: Date | null };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TokenManager implements OAuthRuntime {
  readonly #deps: () => ConnectorDeps;
  readonly providers: OAuthProviders;
  /** This process's name as a lease holder. */
  readonly #owner = `refresh-${randomBase62(10)}`;
  /** In this process, one refresh per installation at a time; the others join it (the lease does it across processes). */
  readonly #inFlight = new Map<string, Promise<{ tokens: OAuthTokens; version: number }>>();

  constructor(deps: () => ConnectorDeps, providers: OAuthProviders) {
    this.#deps = deps;
    this.providers = providers;
  }

  #open(installation: Pick<StoredInstallation, 'tenantId' | 'id'>, sealed: string): OAuthTokens {
    return OAuthTokensSchema.parse(JSON.parse(this.#deps().vault.open(sealed, vaultContext(installation, CREDENTIALS_PURPOSE))));
  }

  async #read(installation: StoredInstallation): Promise<CredentialsRow> {
    const [row] = await this.#deps().db.query<CredentialsRow>(
      'SELECT credentials_sealed, credentials_version, status, refresh_lease_until FROM connector_installations WHERE tenant_id = $1 AND id = $2',
      [installation.tenantId, installation.id],
    );
    if (!row || row.credentials_sealed === null) throw new ExternalSystemError('auth', `Installation ${installation.id} has no OAuth tokens; connect it again.`);
    return row;
  }

  #refusedWhileReauthorizing(installation: StoredInstallation): ReauthorizationRequiredError {
    return new ReauthorizationRequiredError(installation.id, `The ${installation.connector} installation ${installation.id} (${installation.account}) needs to be reconnected by an admin: its authorization was revoked or expired.`);
  }

  /** The current tokens, refreshed first when they expire within the margin. */
  async #valid(installation: StoredInstallation): Promise<OAuthTokens> {
    const row = await this.#read(installation);
    if (row.status === 'reauthorize') throw this.#refusedWhileReauthorizing(installation);
    const tokens = this.#open(installation, row.credentials_sealed!);
    const expiresAt = tokens.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(tokens.expiresAt);
    if (expiresAt - this.#deps().clock().getTime() > REFRESH_MARGIN_MS) return tokens;
    return (await this.refresh(installation, row.credentials_version)).tokens;
  }

  /**
   * Refreshes the tokens read at `seenVersion`, unless another caller (here or in another process) already did: then
   * its tokens are answered. Throws ReauthorizationRequiredError on invalid_grant.
   */
  refresh(installation: StoredInstallation, seenVersion: number): Promise<{ tokens: OAuthTokens; version: number }> {
    const key = `${installation.id}@${seenVersion}`;
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = this.#refreshAcrossProcesses(installation, seenVersion).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, flight);
    }
    return flight;
  }

  async #refreshAcrossProcesses(installation: StoredInstallation, seenVersion: number): Promise<{ tokens: OAuthTokens; version: number }> {
    const deps = this.#deps();
    const deadline = Date.now() + REFRESH_WAIT_MS;
    for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
      const now = deps.clock();
      const [leased] = await deps.db.query<{ credentials_sealed: string }>(
        `UPDATE connector_installations SET refresh_lease_owner = $4, refresh_lease_until = $5
         WHERE tenant_id = $1 AND id = $2 AND credentials_version = $3 AND status <> 'reauthorize' AND status <> 'uninstalled'
           AND (refresh_lease_until IS NULL OR refresh_lease_until <= $6)
         RETURNING credentials_sealed`,
        [installation.tenantId, installation.id, seenVersion, this.#owner, new Date(now.getTime() + REFRESH_LEASE_MS), now],
      );
      if (leased) return this.#refreshHoldingLease(installation, seenVersion, this.#open(installation, leased.credentials_sealed));
      const row = await this.#read(installation);
      if (row.credentials_version !== seenVersion) {
        if (row.status === 'reauthorize') throw this.#refusedWhileReauthorizing(installation);
        // Another caller refreshed (or an admin reconnected): its tokens are the ones to use.
        return { tokens: this.#open(installation, row.credentials_sealed!), version: row.credentials_version };
      }
      if (row.status === 'reauthorize') throw this.#refusedWhileReauthorizing(installation);
      if (row.status === 'uninstalled') throw new ExternalSystemError('auth', `Installation ${installation.id} is uninstalled.`);
      if (Date.now() > deadline) throw new ExternalSystemError('timeout', `Another process has been refreshing the OAuth token of installation ${installation.id} for too long; tried again later.`);
      await sleep(wait);
    }
  }

  async #refreshHoldingLease(installation: StoredInstallation, seenVersion: number, tokens: OAuthTokens): Promise<{ tokens: OAuthTokens; version: number }> {
    const deps = this.#deps();
    const release = () =>
      deps.db.query('UPDATE connector_installations SET refresh_lease_owner = NULL, refresh_lease_until = NULL WHERE tenant_id = $1 AND id = $2 AND refresh_lease_owner = $3', [
        installation.tenantId,
        installation.id,
        this.#owner,
      ]);
    let answer: Token;
    try {
      if (tokens.refreshToken === null) {
        await this.#markReauthorize(installation, 'the provider gave no refresh token, so the access token cannot be renewed');
        throw this.#refusedWhileReauthorizing(installation);
      }
      const provider = await this.#provider(installation, tokens.authorizationServer);
      // No database connection is held here: the lease row was updated and its statement has ended.
      answer = (await provider.getNewAccessTokenUsingRefreshToken(toProviderToken(tokens), {})).token;
    } catch (error) {
      if (error instanceof ReauthorizationRequiredError) throw error;
      if (isInvalidGrant(error)) {
        const { description } = providerFailure(error);
        await this.#markReauthorize(installation, `the provider answered invalid_grant${description ? ` (${description})` : ''}`);
        throw this.#refusedWhileReauthorizing(installation);
      }
      await release();
      throw error instanceof ExternalSystemError ? error : tokenCallError(error, `refreshing the access token of installation ${installation.id}`);
    }
    const next = tokensFrom(answer, tokens);
    const sealed = deps.vault.seal(JSON.stringify(next), vaultContext(installation, CREDENTIALS_PURPOSE));
    const [saved] = await deps.db.query<{ credentials_version: number }>(
      `UPDATE connector_installations SET credentials_sealed = $4, credentials_version = credentials_version + 1, refresh_lease_owner = NULL, refresh_lease_until = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND credentials_version = $3 AND refresh_lease_owner = $5 RETURNING credentials_version`,
      [installation.tenantId, installation.id, seenVersion, sealed, this.#owner],
    );
    if (!saved) {
      // The lease was lost (this process stalled past it) or an admin reconnected meanwhile: the stored tokens win.
      deps.log.warn({ installationId: installation.id }, 'a refreshed OAuth token was not saved: the installation changed meanwhile');
      const row = await this.#read(installation);
      return { tokens: this.#open(installation, row.credentials_sealed!), version: row.credentials_version };
    }
    return { tokens: next, version: saved.credentials_version };
  }

  /** The plugin registration refreshes and revocations of this installation go through (at the grant's own server, if any). */
  async #provider(installation: StoredInstallation, server: string | undefined): Promise<OAuth2Namespace> {
    const deps = this.#deps();
    const connector = deps.registry.get(installation.connector);
    if (!connector) throw new Error(`no connector "${installation.connector}" in this hub version`);
    const client = await resolveClient(deps, installation.tenantId, connector.manifest.id);
    if (!client) throw missingClient(connector);
    return this.providers.get(connector, client, server);
  }

  async #markReauthorize(installation: StoredInstallation, reason: string): Promise<void> {
    const deps = this.#deps();
    const [marked] = await deps.db.query<{ credentials_version: number }>(
      `UPDATE connector_installations SET status = 'reauthorize', last_error = $3, refresh_lease_owner = NULL, refresh_lease_until = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status NOT IN ('reauthorize', 'uninstalled') RETURNING credentials_version`,
      [installation.tenantId, installation.id, `Reconnect this installation: ${reason}.`.slice(0, 2000)],
    );
    if (!marked) return;
    deps.log.warn({ connector: installation.connector, installationId: installation.id, tenantId: installation.tenantId, reason }, 'OAuth grant lost: the installation needs to be reconnected');
    await deps.bus.publish({
      tenantId: installation.tenantId,
      source: installation.connector,
      type: REAUTHORIZATION_EVENT,
      // Once per lost grant: the credentials version names the grant that was lost.
      dedupeKey: `${installation.id}/reauthorization_required:${marked.credentials_version}`,
      data: { connector: installation.connector, installationId: installation.id, account: installation.account, reason },
    });
  }

  client(installation: StoredInstallation): AuthorizedClient {
    let extra: JsonObject = {};
    const accessToken = async () => {
      const tokens = await this.#valid(installation);
      extra = tokens.extra;
      return tokens.accessToken;
    };
    return {
      accessToken,
      tokenInfo: () => extra,
      withToken: async (call, options = {}) => {
        const row = await this.#read(installation);
        if (row.status === 'reauthorize') throw this.#refusedWhileReauthorizing(installation);
        let tokens = this.#open(installation, row.credentials_sealed!);
        let version = row.credentials_version;
        const expiresAt = tokens.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(tokens.expiresAt);
        if (expiresAt - this.#deps().clock().getTime() <= REFRESH_MARGIN_MS) ({ tokens, version } = await this.refresh(installation, version));
        extra = tokens.extra;
        try {
          return await call(tokens.accessToken);
        } catch (error) {
          const unauthorized = options.isUnauthorized?.(error) ?? (error instanceof ExternalSystemError && error.kind === 'auth' && error.status === 401);
          if (!unauthorized) throw error;
          // The token was refused before its time (revoked session, clock skew): one refresh, one more try.
          ({ tokens } = await this.refresh(installation, version));
          extra = tokens.extra;
          return call(tokens.accessToken);
        }
      },
    };
  }

  previousRefreshToken(installation: StoredInstallation): string | null {
    if (installation.credentialsSealed === null) return null;
    try {
      return this.#open(installation, installation.credentialsSealed).refreshToken;
    } catch {
      return null;
    }
  }

  async revoke(installation: StoredInstallation): Promise<string[]> {
    const deps = this.#deps();
    const connector = deps.registry.get(installation.connector);
    if (!connector?.manifest.oauth?.revokeUrl && !deps.oauthEndpoints[installation.connector]?.revokeUrl) return [];
    if (installation.credentialsSealed === null) return [];
    const tokens = this.#open(installation, installation.credentialsSealed);
    try {
      const provider = await this.#provider(installation, tokens.authorizationServer);
      // Revoking the refresh token ends the whole grant (RFC 7009 §2.1; Google and Salesforce both do).
      await provider.revokeToken(toProviderToken(tokens), tokens.refreshToken === null ? 'access_token' : 'refresh_token', undefined);
      return [];
    } catch (error) {
      const failure = providerFailure(error);
      // A 2xx without a JSON body (Google answers an empty 200) is a success simple-oauth2's strict JSON reading refuses.
      if (failure.status !== undefined && failure.status < 300) return [];
      // Already revoked or expired: nothing is left to revoke.
      if (failure.code === 'invalid_token' || failure.code === 'invalid_grant') return [];
      return [`the authorization at ${connector?.manifest.name ?? installation.connector} could not be revoked: ${tokenCallError(error, 'revoking the grant').message} Revoke it from the account's security settings.`];
    }
  }
}

export const REAUTHORIZATION_EVENT = 'connector.reauthorization_required';

export function missingClient(connector: Connector): ExternalSystemError {
  return new ExternalSystemError(
    'auth',
    `No OAuth client is configured for ${connector.manifest.name}: set HUB_OAUTH_${connector.manifest.id.toUpperCase().replace(/-/g, '_')}_CLIENT_ID and _CLIENT_SECRET, or PUT /v1/connectors/${connector.manifest.id}/oauth-client (see ${connector.manifest.oauth?.clientSetupDocs ?? connector.manifest.docs}).`,
  );
}

/** The shape simple-oauth2 refreshes and revokes from. */
function toProviderToken(tokens: OAuthTokens): Token {
  return {
    access_token: tokens.accessToken,
    ...(tokens.refreshToken === null ? {} : { refresh_token: tokens.refreshToken }),
    token_type: tokens.tokenType,
    ...(tokens.expiresAt === null ? {} : { expires_at: new Date(tokens.expiresAt) }),
  } as unknown as Token;
}
