/**
 * The connectors part as the hub uses it:
 *
 *   const connectors = createConnectorsModule({ db, queue, bus, contacts, vault, log, publicUrl, allowPrivateTargets,
 *     connectors: [woocommerce], scenarioActions: automation.connectorActions,     // actions → scenario actions
 *     hub: { message, contact, optOuts },                                          // what subscriptions read and do
 *     scenarioLibrary: automation.library });                                     // suggestions; ready rules → scenarios
 *   routes.push(...connectors.routes);        // /v1/connectors… and /connectors/<id>/… (public, signed)
 *   await connectors.start({ workers: true }); // inbox workers, timers, reconcile at start and hourly
 *
 * Nothing here tears anything down at the external systems on shutdown (n8n#1122): a stopping hub
 * leaves webhooks registered, and the next start reconciles them.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConnectorActionRegistry } from '../automation/connector-actions.ts';
import type { ScenarioLibrary } from '../automation/templates/instantiate.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { ContactService } from '../contacts/contacts.ts';
import type { RouteModule } from '../gateway/app.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import type { Connector, ConnectorHubPorts, ConnectorRuntime, Installation } from './connector.ts';
import { openCredentials, vaultContext, type ConnectorDeps } from './deps.ts';
import { ExternalSystemError } from './external-error.ts';
import { receive, startInboxWorkers, sweepInbox } from './inbox.ts';
import { getInstallationById, liveInstallations, type StoredInstallation } from './installation-store.ts';
import { reconcile } from './lifecycle.ts';
import { ConnectorRegistry } from './registry.ts';
import { connectorRoutes } from './routes/index.ts';
import { startSchedules, syncAllSchedules } from './schedules.ts';
import { ConnectorSubscriptions } from './subscriptions.ts';
import { OAuthProviders } from './oauth/clients.ts';
import './oauth/event-types.ts';
import { purgeFlows } from './oauth/flows.ts';
import { oauthPublicRoutes } from './oauth/public-routes.ts';
import { TokenManager } from './oauth/tokens.ts';
import { registerScenarioActions } from './scenario-actions.ts';
import { MOVE_RULES_JOB, moveRulesToScenarios } from './rules/move-rules.ts';

const RECONCILE_ALL_JOB = 'connectors.reconcile-all';
const RECONCILE_JOB = 'connectors.reconcile';
const SWEEP_JOB = 'connectors.sweep';
const RECONCILE_EVERY_MS = 3_600_000;
/** Public routes look installations up on every request; this long a cached one is trusted. */
const INSTALLATION_CACHE_MS = 5_000;

export interface ConnectorsModuleOptions {
  db: Db;
  queue: JobQueue;
  bus: Pick<EventBus, 'publish' | 'addSource'>;
  contacts: Pick<ContactService, 'upsertContact'>;
  /**
   * What connectors' subscriptions read and change in the hub (messages and their causes, contacts, the opt-out list),
   * filled at composition from the parts that own them. Without it, no connector subscription is delivered.
   */
  hub?: ConnectorHubPorts;
  vault: Vault;
  log: Logger;
  publicUrl: string;
  /** HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: the operator lets tenants point the hub at private addresses. */
  allowPrivateTargets: boolean;
  connectors: Connector[];
  /** The automation's registry: every connector's actions become scenario actions (`<connector>.<action>`). */
  scenarioActions?: Pick<ConnectorActionRegistry, 'register'>;
  /** The automation's scenario library: templates suggested at install; the ready rules (given at install, or stored before) made scenarios. */
  scenarioLibrary?: ScenarioLibrary;
  clock?: () => Date;
  /** HUB_OAUTH_<CONNECTOR>_CLIENT_ID/SECRET, by connector id (src/config.ts). */
  oauthClients?: Record<string, { clientId: string; clientSecret: string }>;
  /** Tests only: OAuth endpoints of a connector replaced by a local authorization server's. */
  oauthEndpoints?: ConnectorDeps['oauthEndpoints'];
  /** Signs OAuth states; every process of the hub must have the same (derived from HUB_SECRET_KEY). Default: random (one process). */
  oauthStateKey?: Buffer;
  /** Whether the API key that started an OAuth flow is still valid (tenancy's, given at composition). Default: yes. */
  principalActive?: (tenantId: string, startedBy: string) => Promise<boolean>;
  /** Tests only: how often this process looks for due schedules (default SCHEDULE_TICK_MS). */
  scheduleTickMs?: number;
}

/** What the connectors part needs besides the OAuth machinery, which `connectorDeps` adds (tests build deps with it). */
export type BaseConnectorDeps = Omit<ConnectorDeps, 'oauth' | 'oauthClients' | 'oauthEndpoints' | 'oauthStateKey' | 'principalActive'> &
  Partial<Pick<ConnectorDeps, 'oauthClients' | 'oauthEndpoints' | 'oauthStateKey' | 'principalActive'>>;

export function connectorDeps(base: BaseConnectorDeps): ConnectorDeps {
  const deps: ConnectorDeps = {
    ...base,
    oauthClients: base.oauthClients ?? {},
    oauthEndpoints: base.oauthEndpoints ?? {},
    oauthStateKey: base.oauthStateKey ?? randomBytes(32),
    principalActive: base.principalActive ?? (() => Promise.resolve(true)),
    // Set just below: the token manager reads the other deps.
    oauth: undefined as unknown as ConnectorDeps['oauth'],
  };
  deps.oauth = new TokenManager(() => deps, new OAuthProviders(deps));
  return deps;
}

export interface ConnectorsModule {
  readonly registry: ConnectorRegistry;
  readonly routes: RouteModule[];
  /** What connector routes get from the hub, unscoped (tests use it to play requests); each connector's routes get theirs, scoped to its installations. */
  readonly runtime: ConnectorRuntime;
  readonly deps: ConnectorDeps;
  /** Workers (worker role): inbox, timers, reconcile of every installation now and hourly, the inbox sweeper. */
  start(options: { workers: boolean }): Promise<void>;
  /** Enqueues a reconcile of every live installation (what start does). */
  reconcileAll(): Promise<number>;
  /** Stops this process's schedule ticks (a run in progress finishes). Never touches the external systems. */
  stop(): Promise<void>;
}

export function createConnectorsModule(options: ConnectorsModuleOptions): ConnectorsModule {
  const registry = new ConnectorRegistry();
  for (const connector of options.connectors) registry.register(connector);
  const log = options.log;
  const deps = connectorDeps({
    db: options.db,
    queue: options.queue,
    bus: options.bus,
    contacts: options.contacts,
    vault: options.vault,
    registry,
    log,
    publicUrl: options.publicUrl,
    network: { allowPrivateTargets: options.allowPrivateTargets },
    clock: options.clock ?? (() => new Date()),
    ...(options.oauthClients ? { oauthClients: options.oauthClients } : {}),
    ...(options.oauthEndpoints ? { oauthEndpoints: options.oauthEndpoints } : {}),
    ...(options.oauthStateKey ? { oauthStateKey: options.oauthStateKey } : {}),
    ...(options.principalActive ? { principalActive: options.principalActive } : {}),
    ...(options.scenarioLibrary ? { suggestTemplates: options.scenarioLibrary.fitting, scenarioLibrary: options.scenarioLibrary } : {}),
  });

  for (const id of Object.keys(deps.oauthClients)) {
    if (registry.get(id)?.manifest.auth !== 'oauth2') log.warn(`An OAuth client is configured for "${id}", which is no OAuth connector of this hub (${registry.all().filter((one) => one.manifest.auth === 'oauth2').map((one) => one.manifest.id).join(', ') || 'none'}); it is not used.`);
  }
  if (options.scenarioActions) registerScenarioActions(options.scenarioActions, deps);
  // Connectors' subscriptions: a subscriber source of the bus like webhooks (kind `connector`, one target per installation).
  if (options.hub) options.bus.addSource(new ConnectorSubscriptions(deps, options.hub));

  const cache = new Map<string, { until: number; installation: StoredInstallation | undefined }>();
  const findInstallation = async (id: string, findOptions: { fresh?: boolean } = {}) => {
    const hit = cache.get(id);
    if (!findOptions.fresh && hit && hit.until > Date.now()) return hit.installation;
    const installation = await getInstallationById(deps.db, id);
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { until: Date.now() + INSTALLATION_CACHE_MS, installation });
    return installation;
  };
  /** A connector's routes see only its own installations: another connector's id is "not found" to them. */
  const runtimeFor = (connectorId: string | undefined): ConnectorRuntime => {
    const mine = (installation: Installation) => connectorId === undefined || installation.connector === connectorId;
    return {
      async findInstallation(id, findOptions) {
        const installation = await findInstallation(id, findOptions);
        return installation && mine(installation) ? installation : undefined;
      },
      open: (installation: Installation, sealed: string, purpose: string) => deps.vault.open(sealed, vaultContext(installation, purpose)),
      credentials: (installation: Installation) => openCredentials(deps, installation as StoredInstallation),
      receive: (installation, request) => {
        if (!mine(installation)) throw new Error(`connector ${connectorId} cannot store requests for an installation of ${installation.connector}`);
        return receive(deps, installation, request);
      },
      log: connectorId === undefined ? log : log.child({ connector: connectorId }),
      publicUrl: deps.publicUrl.replace(/\/+$/, ''),
    };
  };
  const runtime = runtimeFor(undefined);

  const reconcileAll = async (): Promise<number> => {
    const installations = await liveInstallations(deps.db);
    for (const installation of installations) {
      await deps.queue.add(RECONCILE_JOB, { tenantId: installation.tenantId, installationId: installation.id }, { jobId: `connectors.reconcile.${installation.id}` });
    }
    return installations.length;
  };

  let schedules: { stop(): Promise<void> } | undefined;
  const routes: RouteModule[] = connectorRoutes(deps);
  for (const connector of registry.all()) {
    const scoped = runtimeFor(connector.manifest.id);
    routes.push({ scope: 'public', prefix: `/connectors/${connector.manifest.id}`, register: (app) => connector.routes(app, scoped) });
    if (connector.manifest.auth === 'oauth2') {
      const register = oauthPublicRoutes(deps, deps.oauth.providers, connector);
      routes.push({ scope: 'public', prefix: `/connectors/${connector.manifest.id}`, register: async (app) => void (await app.register(register)) });
    }
  }

  return {
    registry,
    routes,
    runtime,
    deps,
    reconcileAll,
    async stop() {
      await schedules?.stop();
      schedules = undefined;
    },
    async start({ workers }) {
      if (!workers) return;
      startInboxWorkers(deps);
      deps.queue.process<{ tenantId: string; installationId: string }>(
        RECONCILE_JOB,
        async (job) => {
          try {
            await reconcile(deps, job.data.tenantId, job.data.installationId);
          } catch (error) {
            // Recorded on the installation (status error, lastError); the hourly run tries again.
            const level = error instanceof ExternalSystemError ? 'warn' : 'error';
            log[level]({ err: error, installationId: job.data.installationId }, 'connector reconcile failed');
          }
        },
        { concurrency: 2 },
      );
      deps.queue.process(RECONCILE_ALL_JOB, async () => void (await reconcileAll()), { concurrency: 1 });
      deps.queue.process(
        SWEEP_JOB,
        async () => {
          await sweepInbox(deps);
          await purgeFlows(deps);
        },
        { concurrency: 1 },
      );
      const library = options.scenarioLibrary;
      if (library) {
        deps.queue.process(MOVE_RULES_JOB, async () => void (await moveRulesToScenarios({ db: deps.db, library, log: log.child({ part: 'move-rules' }) })), { concurrency: 1 });
        // One job for the whole hub at a time: every worker asks at start, the id dedupes while one runs.
        await deps.queue.add(MOVE_RULES_JOB, {}, { jobId: MOVE_RULES_JOB });
      }
      await deps.queue.schedule('connectors.sweep', SWEEP_JOB, 10_000);
      // Rows for schedules a new version declares, then this process's ticks (each due row runs on one worker).
      await syncAllSchedules(deps);
      schedules = startSchedules(deps, options.scheduleTickMs === undefined ? {} : { tickMs: options.scheduleTickMs });
      await deps.queue.schedule('connectors.reconcile-all', RECONCILE_ALL_JOB, RECONCILE_EVERY_MS);
      // A schedule declared again may not run at once: start-up reconcile is its own job (DESIGN §5).
      await deps.queue.add(RECONCILE_ALL_JOB, {}, { jobId: `connectors.reconcile-all.start.${Date.now()}` });
    },
  };
}
