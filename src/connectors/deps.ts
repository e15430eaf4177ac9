import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.ts';
import type { ScenarioLibrary } from '../automation/templates/instantiate.ts';
import type { ContactService } from '../contacts/contacts.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import type { Installation, InstallationContext, NetworkPolicy } from './connector.ts';
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
    async saveCredentials(next) {
      await updateInstallation(deps.db, installation.tenantId, installation.id, { credentialsSealed: deps.vault.seal(JSON.stringify(next), vaultContext(installation, CREDENTIALS_PURPOSE)) });
    },
    auth: undefined,
    seal: (plaintext, purpose) => deps.vault.seal(plaintext, vaultContext(installation, purpose)),
    open: (sealed, purpose) => deps.vault.open(sealed, vaultContext(installation, purpose)),
    publicUrl: (path) => `${base}/connectors/${installation.connector}/${installation.id}/${path.replace(/^\/+/, '')}`,
    network: deps.network,
    log: deps.log.child({ connector: installation.connector, installationId: installation.id, tenantId: installation.tenantId }),
  };
}
