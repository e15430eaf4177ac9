import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { Heartbeat, workersReadiness } from './cluster/heartbeat.ts';
import { agreePublicUrl } from './cluster/public-url.ts';
import { createAutomationModule, type AutomationModule } from './automation/automation-module.ts';
import { createSurveyLinks } from './automation/surveys/survey-links.ts';
import { createCampaignsModule, type CampaignsModule } from './campaigns/campaigns-module.ts';
import { busRouteModules } from './bus/routes.ts';
import { consoleRouteModules } from './console/console-routes.ts';
import { EventBus } from './bus/event-bus.ts';
import { createContactsModule, type ContactsModule } from './contacts/contacts-module.ts';
import { tenantPhoneNormalizer } from './contacts/tenant-region.ts';
import type { Connector } from './connectors/connector.ts';
import { createConnectorsModule, type ConnectorsModule } from './connectors/connectors-module.ts';
import { googleCalendar } from '../connectors/google-calendar/index.ts';
import { appointmentRemindersTemplate } from '../connectors/google-calendar/reminder-template.ts';
import { billingRemindersTemplate } from '../connectors/salesforce/billing-template.ts';
import { prestashop } from '../connectors/prestashop/index.ts';
import { salesforce } from '../connectors/salesforce/index.ts';
import { woocommerce } from '../connectors/woocommerce/index.ts';
import type { HubConfig } from './config.ts';
import { buildGateway, type RouteModule } from './gateway/app.ts';
import { healthListener, type ReadinessCheck } from './gateway/health.ts';
import { createLogger } from './logger.ts';
import type { JobQueue } from './queue/job-queue.ts';
import { openQueue } from './queue/open-queue.ts';
import type { Store } from './store/db.ts';
import { openStore } from './store/open-store.ts';
import { createSendingModule, type SendingModule } from './sending/sending-module.ts';
import { smppProviderFactory } from './sending/providers/smpp/smpp-provider.ts';
import { smtpProviderFactory } from './sending/providers/smtp/smtp-provider.ts';
import { createUnsubscribeTokens } from './sending/unsubscribe/index.ts';
import { createSmppModule, type SmppModule } from './smpp/server/smpp-module.ts';
import { authenticateApiKey, getApiKey } from './tenancy/api-keys.ts';
import { authenticateSession, sessionActive } from './tenancy/sessions.ts';
import { announceSetupLink } from './tenancy/setup-links.ts';
import { bootstrapTenant } from './tenancy/bootstrap.ts';
import { tenancyRouteModules } from './tenancy/routes.ts';
import { createPurchasesModule } from './purchases/purchases-module.ts';
import { loadOrCreateKeyFile } from './vault/key-file.ts';
import { createVault, type Vault } from './vault/vault.ts';
import { createWebhooksModule } from './webhooks/webhooks-module.ts';
import type { WebhookSource } from './webhooks/webhook-source.ts';
import { createZapierModule } from '../connectors/zapier/zapier-module.ts';
import { createCanvasModule } from '../connectors/salesforce/canvas-module.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Hub {
  readonly config: HubConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly bus: EventBus;
  readonly vault: Vault;
  /** Tenant webhooks' subscriber source (tests shorten its backoff and timeout with `tune`). */
  readonly webhooks: WebhookSource;
  /** Zapier REST hooks: webhook_subscriptions of kind `zapier`; a 410 deletes the subscription (Zapier's rule). */
  readonly zapier: WebhookSource;
  /** Contacts, consent, the opt-out list and lists (the sending core checks consent and opt-outs here). */
  readonly contacts: ContactsModule;
  /** The sending core: `send*` for automation and connectors, `registry` for provider kinds (SMPP, SMTP). */
  readonly sending: SendingModule;
  /** The SMPP server (Adobe Campaign and other ESMEs): accounts, listeners on HUB_SMPP_PORT, receipts and MO. */
  readonly smpp: SmppModule;
  /** Scenarios: the bus's `scenario` subscriber source, the run workers, `connectorActions` (filled by the connectors). */
  readonly automation: AutomationModule;
  /** Campaigns: one message to a list or segment, scheduled, staggered, with test sends and live results. */
  readonly campaigns: CampaignsModule;
  /** Connectors (WooCommerce…): installations, their public receivers, inbox workers, reconcile at start, the ready rules. */
  readonly connectors: ConnectorsModule;
  readonly app: FastifyInstance;
  /** Starts the worker loops (worker role) and the HTTP listener (gateway role); resolves with the URL when listening. */
  start(): Promise<{ url: string | undefined }>;
  /** Graceful: stop accepting requests, let in-flight requests and jobs finish, then close the queue and the store. */
  stop(): Promise<void>;
}

/** Wires the hub's parts together. `main.ts` and end-to-end tests both start the hub through here. */
export interface CreateHubOptions {
  logger?: Logger;
  /** Tests only: connectors added to the shipped ones (a fake OAuth connector). */
  extraConnectors?: Connector[];
  /** Tests only: OAuth endpoints of connectors replaced by a local authorization server's. */
  oauthEndpoints?: Record<string, { authorizeUrl?: string; tokenUrl?: string; revokeUrl?: string }>;
  /** Tests only: how often each worker looks for due connector schedules. */
  scheduleTickMs?: number;
}

export async function createHub(config: HubConfig, options: CreateHubOptions = {}): Promise<Hub> {
  const log = options.logger ?? createLogger(config.logLevel);
  const store = await openStore(config.store);
  const queue = await openQueue({ store, redisUrl: config.redisUrl, prefix: config.queuePrefix, logger: log.child({ part: 'queue' }) }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const heartbeat = new Heartbeat(store, config.role, log.child({ part: 'cluster' }));
  try {
    // Several processes share one PostgreSQL and must agree on the public URL; the embedded store has one process.
    if (store.kind === 'postgres') {
      const publicUrl = await agreePublicUrl(store, heartbeat, { url: config.publicUrl, explicit: config.publicUrlExplicit }, log);
      config = { ...config, publicUrl };
    }
    if (config.bootstrapApiKey !== undefined) {
      const created = await bootstrapTenant(store, config.bootstrapApiKey);
      if (created) log.info({ tenantId: created.tenantId }, 'created the default tenant with HUB_BOOTSTRAP_API_KEY');
    }
    // No user yet: the log carries the one-time link that creates the first owner (no command line needed).
    if (config.role !== 'worker') await announceSetupLink(store, config.publicUrl, log);

    // Infrastructure: the store and the queue (opened above), the vault, the bus.
    const secretKey = config.secretKey ?? (await loadOrCreateKeyFile(config.dataDir));
    const vault = createVault(secretKey);
    // The outcomes of sends (message.*) take the bus's bulk lane: a large batch never delays other events.
    const bus = new EventBus(store, queue, log.child({ part: 'bus' }), tenantPhoneNormalizer(store), {
      isBulk: (event) => event.source === 'hub' && event.type.startsWith('message.'),
    });

    // Services: each part built on the infrastructure and on the parts below it.
    const userAgent = `connector-hub/${VERSION}`;
    const allowPrivateTargets = config.webhookAllowPrivateTargets;
    const contacts = createContactsModule(store, bus, { log: log.child({ part: 'contacts' }) });
    const sending = createSendingModule({
      db: store,
      queue,
      publisher: bus,
      vault,
      log: log.child({ part: 'sending' }),
      publicUrl: config.publicUrl,
      network: { allowPrivateTargets },
      contacts,
      unsubscribeTokens: createUnsubscribeTokens(secretKey),
    });
    sending.registry.register(smppProviderFactory);
    sending.registry.register(smtpProviderFactory);
    // The bus offers each event to its subscriber sources in the order they are added.
    const webhooks = createWebhooksModule({ db: store, vault, bus, log: log.child({ part: 'webhooks' }), userAgent, allowPrivateTargets });
    const zapier = createZapierModule({ db: store, vault, bus, contacts, sending, log: log.child({ part: 'zapier' }), userAgent, allowPrivateTargets });
    const smpp = createSmppModule({
      db: store,
      sending,
      bus,
      log: log.child({ part: 'smpp' }),
      config: config.smpp,
      ...('dataDir' in config.store ? { journalDir: join(config.store.dataDir, 'smpp-journal') } : {}),
    });
    const purchases = createPurchasesModule({ db: store, bus, contacts, log: log.child({ part: 'purchases' }) });
    const automation = createAutomationModule({ db: store, queue, bus, sending, contacts, log: log.child({ part: 'automation' }), surveyLinks: createSurveyLinks(secretKey, config.publicUrl) });
    // Connectors' own scenario templates join the library (a calendar's reminders).
    automation.templates.add(appointmentRemindersTemplate);
    automation.templates.add(billingRemindersTemplate);
    const campaigns = createCampaignsModule({
      db: store,
      queue,
      sending,
      // Lists are the contacts part's, segments automation's: campaigns read both through this port.
      audiences: {
        contactIds: (tenantId, audience) => ('listId' in audience ? contacts.lists.memberIds(tenantId, audience.listId) : automation.segments.evaluate(tenantId, audience.segmentId)),
      },
      log: log.child({ part: 'campaigns' }),
    });
    const connectors = createConnectorsModule({
      db: store,
      queue,
      bus,
      contacts: contacts.contacts,
      vault,
      log: log.child({ part: 'connectors' }),
      publicUrl: config.publicUrl,
      allowPrivateTargets,
      connectors: [woocommerce, prestashop, googleCalendar, salesforce, ...(options.extraConnectors ?? [])],
      oauthClients: config.oauthClients,
      ...(options.oauthEndpoints ? { oauthEndpoints: options.oauthEndpoints } : {}),
      ...(options.scheduleTickMs ? { scheduleTickMs: options.scheduleTickMs } : {}),
      // Every process derives the same key from the shared secret key: a flow started on one gateway ends on another.
      oauthStateKey: createHmac('sha256', secretKey).update('connector-oauth-state').digest(),
      // The API key or console session that started an OAuth flow must still be valid when the browser comes back.
      principalActive: async (tenantId, startedBy) => {
        const [kind, id = ''] = startedBy.split(':');
        if (kind === 'key') return (await getApiKey(store, tenantId, id))?.revokedAt === null;
        if (kind === 'session') return sessionActive(store, tenantId, id);
        return false;
      },
      scenarioActions: automation.connectorActions,
      scenarioLibrary: automation.library,
      // What connectors' subscriptions read and change (Salesforce logs SMS as Tasks, syncs opt-outs), from their owners.
      hub: {
        async message(tenantId, messageId) {
          const message = await sending.getMessage(tenantId, messageId);
          if (!message) return undefined;
          const cause = await automation.messageCause(tenantId, message.idempotencyKey);
          return {
            id: message.id,
            channel: message.channel,
            to: message.to,
            text: message.text,
            contactId: message.contactId,
            status: message.status,
            createdAt: message.createdAt,
            submittedAt: message.submittedAt,
            completedAt: message.completedAt,
            error: message.blockReason ?? message.error,
            cause: cause ? { eventId: cause.id, source: cause.source, type: cause.type, data: cause.data } : null,
          };
        },
        async contact(tenantId, contactId) {
          const contact = await contacts.contacts.getContact(tenantId, contactId);
          return contact && { id: contact.id, phone: contact.phone, email: contact.email, externalIds: contact.externalIds };
        },
        optOuts: {
          find: (tenantId, channel, address) => contacts.optOuts.find(tenantId, channel, address),
          optOut: async (tenantId, channel, address, record) => ({ created: (await contacts.optOuts.optOut(tenantId, channel, address, record)).created }),
          optIn: (tenantId, channel, address, record) => contacts.optOuts.optIn(tenantId, channel, address, record),
        },
      },
    });

    // The SMS tab inside Salesforce (a Canvas app): the connector's installations, the sending core's preview and sends.
    const salesforceTab = createCanvasModule({ connectors, sending, secretKey, log: log.child({ part: 'salesforce-canvas' }) });

    // Routes: every part's route modules, registered by the gateway the same way.
    const readiness: ReadinessCheck[] = [
      { name: 'store', check: () => store.ping() },
      { name: 'queue', check: () => queue.ping() },
    ];
    const routes: RouteModule[] = [
      ...tenancyRouteModules(store, { publicUrl: config.publicUrl, signInFailuresPerMinute: config.rateLimits.signInFailures }),
      ...busRouteModules(store, bus),
      ...contacts.routes,
      ...sending.routes,
      ...smpp.routes,
      ...purchases.routes,
      ...automation.routes,
      ...campaigns.routes,
      ...connectors.routes,
      ...webhooks.routes,
      ...zapier.routes,
      ...salesforceTab.routes,
      // The web console: static files calling the /v1 API like any client.
      ...consoleRouteModules(),
    ];
    const app = await buildGateway({
      logger: log,
      authenticateApiKey: (key) => authenticateApiKey(store, key),
      authenticateSession: (token) => authenticateSession(store, token),
      publicUrl: config.publicUrl,
      version: VERSION,
      bodyLimitBytes: config.bodyLimitBytes,
      rateLimits: config.rateLimits,
      trustProxy: config.trustProxy,
      timeouts: config.timeouts,
      readiness: [...readiness, workersReadiness(store)],
      routes,
    });
    const runsWorkers = config.role !== 'gateway';
    const servesHttp = config.role !== 'worker';
    let workerHealth: Server | undefined;
    return {
      config,
      log,
      store,
      queue,
      bus,
      vault,
      app,
      webhooks: webhooks.source,
      zapier: zapier.source,
      contacts,
      sending,
      smpp,
      automation,
      campaigns,
      connectors,
      // Workers: the bus, sending and automation loops (worker role), connectors' inboxes, the SMPP server.
      async start() {
        await heartbeat.start();
        if (runsWorkers) await bus.startWorkers();
        if (runsWorkers) await sending.startWorkers();
        if (runsWorkers) await automation.startWorkers();
        if (runsWorkers) await campaigns.startWorkers();
        await connectors.start({ workers: runsWorkers });
        await smpp.start({ workers: runsWorkers, listen: servesHttp });
        await app.ready();
        if (!servesHttp) {
          workerHealth = healthListener(readiness).listen(config.healthPort, config.host);
          await once(workerHealth, 'listening');
          return { url: undefined };
        }
        const url = await app.listen({ host: config.host, port: config.port });
        return { url };
      },
      async stop() {
        await smpp.stop();
        workerHealth?.close();
        await app.close();
        await connectors.stop();
        await queue.close();
        await sending.close();
        await heartbeat.stop().catch((error: unknown) => log.warn({ err: error }, 'could not remove this process from hub_processes'));
        await store.close();
      },
    };
  } catch (error) {
    await heartbeat.stop().catch(() => {});
    await queue.close().catch(() => {});
    await store.close();
    throw error;
  }
}
