import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.ts';
import type { ScenarioLibrary } from '../automation/templates/instantiate.ts';
import type { ContactService } from '../contacts/contacts.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import type { AuthorizedClient, Installation, InstallationContext, JsonObject, NetworkPolicy } from './connector.ts';
import type { OAuthManifest } from './manifest.ts';
import type { OAuthProviders } from './oauth/clients.ts';
import { updateInstallation, type StoredInstallation } from './installation-store.ts';
import type { ConnectorRegistry } from './registry.ts';

/** What the connectors part uses of the rest of the hub. */
export interface ConnectorDeps {
  db: Db;
  queue: JobQueue;
  bus: Pick<EventBus, 'publish'>;
  contacts: Pick<ContactService, 'upsertContact'>;
  vault: Vault;
  registry: ConnectorRegistry;
  log: Logger;
  /** Base URL the external systems reach the hub at (HUB_PUBLIC_URL). */
  publicUrl: string;
  network: NetworkPolicy;
  clock: () => Date;
  /** The scenario templates an installation's events can feed, suggested in the install answer. */
  suggestTemplates?: ScenarioLibrary['fitting'];
  /** The scenario library: the merchant alerts asked for at install become its scenarios (rules/move-rules.ts). */
  scenarioLibrary?: ScenarioLibrary;
  /** OAuth clients from the environment, by connector id (HUB_OAUTH_<CONNECTOR>_CLIENT_ID/SECRET). */
  oauthClients: Record<string, { clientId: string; clientSecret: string }>;
  /** Tests only: a connector's OAuth endpoints replaced (a local authorization server). */
  oauthEndpoints: Record<string, Partial<Pick<OAuthManifest, 'authorizeUrl' | 'tokenUrl' | 'revokeUrl'>>>;
  /** The key signing OAuth `state` values (derived from the hub's secret key: every process shares it). */
  oauthStateKey: Buffer;
  /** Whether who started an OAuth flow (an API key id) may still act for the tenant when the browser comes back. */
  principalActive: (tenantId: string, startedBy: string) => Promise<boolean>;
  /** This process's OAuth machinery (src/connectors/oauth): the plugin instances and the token manager. */
  oauth: OAuthRuntime;
}

export interface OAuthRuntime {
  /** The @fastify/oauth2 registrations, per connector and client. */
  readonly providers: OAuthProviders;
  /** The installation's authorized client (refresh single-flight across processes, invalid_grant → reauthorize). */
  client(installation: StoredInstallation): AuthorizedClient;
  /** The refresh token stored for the installation (kept when a reconnect's answer has none). */
  previousRefreshToken(installation: StoredInstallation): string | null;
  /** Revokes the installation's grant at the provider (uninstall); what could not be done, for `problems`. */
  revoke(installation: StoredInstallation): Promise<string[]>;
}

/** Vault context of an installation's secrets: a sealed value copied to another installation or tenant does not open. */
export const vaultContext = (installation: Pick<Installation, 'tenantId' | 'id'>, purpose: string) => `tenant:${installation.tenantId}/connector-installation:${installation.id}/${purpose}`;

export const CREDENTIALS_PURPOSE = 'credentials';

export function openCredentials(deps: Pick<ConnectorDeps, 'vault'>, installation: StoredInstallation): unknown {
  if (installation.credentialsSealed === null) return undefined;
  return JSON.parse(deps.vault.open(installation.credentialsSealed, vaultContext(installation, CREDENTIALS_PURPOSE))) as unknown;
}

/** The context a connector's reconcile, uninstall and actions run with (settings and credentials already parsed). */
export function installationContext(deps: ConnectorDeps, installation: StoredInstallation, settings: unknown, credentials: unknown): InstallationContext {
  let state = installation.state;
  const base = deps.publicUrl.replace(/\/+$/, '');
  return {
    installation,
    settings,
    credentials,
    state: () => state,
    async saveState(next) {
      state = next;
      await updateInstallation(deps.db, installation.tenantId, installation.id, { state: next });
    },
    async updateState(change) {
      state = await deps.db.transaction(async (tx) => {
        const [row] = await tx.query<{ state: JsonObject }>('SELECT state FROM connector_installations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [installation.tenantId, installation.id]);
        const current = row?.state ?? {};
        const next = change(current);
        if (next === undefined) return current;
        await tx.query('UPDATE connector_installations SET state = $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2', [installation.tenantId, installation.id, JSON.stringify(next)]);
        return next;
      });
      return state;
    },
    async saveCredentials(next) {
      await updateInstallation(deps.db, installation.tenantId, installation.id, { credentialsSealed: deps.vault.seal(JSON.stringify(next), vaultContext(installation, CREDENTIALS_PURPOSE)) });
    },
    auth: deps.registry.get(installation.connector)?.manifest.auth === 'oauth2' ? deps.oauth.client(installation) : undefined,
    seal: (plaintext, purpose) => deps.vault.seal(plaintext, vaultContext(installation, purpose)),
    open: (sealed, purpose) => deps.vault.open(sealed, vaultContext(installation, purpose)),
    publicUrl: (path) => `${base}/connectors/${installation.connector}/${installation.id}/${path.replace(/^\/+/, '')}`,
    network: deps.network,
    log: deps.log.child({ connector: installation.connector, installationId: installation.id, tenantId: installation.tenantId }),
  };
}
