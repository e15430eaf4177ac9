/**
 * Connectors subscribed to bus events (`Connector.subscription`): the hub's own events written into the external
 * system — Salesforce logs every SMS and reply as a Task, updates it with the receipt, and copies opt-outs onto its
 * contacts. A subscriber source of the bus like webhooks, Zapier hooks and scenarios (kind `connector`, target = an
 * installation id): an event of a type a connector consumes gets one delivery per live installation of that connector
 * in the event's tenant, stored with the event's other deliveries, retried with backoff, every attempt in the event's
 * delivery log (GET /v1/events/{id}) and redeliverable. Nothing here knows a particular connector.
 */
import type { DeliveryOutcome, RetryPolicy, SubscriberSource } from '../bus/subscribers.ts';
import type { TriggerEvent } from '../bus/trigger-event.ts';
import type { Connector, ConnectorHub, ConnectorHubPorts } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { ExternalSystemError } from './external-error.ts';
import { getInstallation } from './installation-store.ts';
import { contextFor } from './lifecycle.ts';
import { resourceMemory } from './memory.ts';
import { ReauthorizationRequiredError } from './oauth/errors.ts';

/** Installations deliveries may act through: not while installing (no grant yet) nor once uninstalled. */
const LIVE = ['active', 'error', 'reauthorize'];

/**
 * ~9 hours of tries (10 s doubling, capped at an hour): a Salesforce down for the afternoon, or a grant waiting for
 * the admin to reconnect, still gets its logs; after that the delivery is failed and can be redelivered from the API.
 */
const RETRY: RetryPolicy = { maxAttempts: 14, baseDelayMs: 10_000, maxDelayMs: 3_600_000 };

/** The hub's ports bound to one tenant: what a handler sees. */
export function hubFor(ports: ConnectorHubPorts, tenantId: string): ConnectorHub {
  return {
    message: (messageId) => ports.message(tenantId, messageId),
    contact: (contactId) => ports.contact(tenantId, contactId),
    optOuts: {
      find: (channel, address) => ports.optOuts.find(tenantId, channel, address),
      optOut: (channel, address, record) => ports.optOuts.optOut(tenantId, channel, address, record),
      optIn: (channel, address, record) => ports.optOuts.optIn(tenantId, channel, address, record),
    },
  };
}

export class ConnectorSubscriptions implements SubscriberSource {
  readonly kind = 'connector';
  readonly retry = RETRY;
  readonly #deps: ConnectorDeps;
  readonly #ports: ConnectorHubPorts;
  /** Event type → the connectors consuming it. */
  readonly #consumers = new Map<string, Connector[]>();

  constructor(deps: ConnectorDeps, ports: ConnectorHubPorts) {
    this.#deps = deps;
    this.#ports = ports;
    for (const connector of deps.registry.all()) {
      for (const type of connector.subscription?.events ?? []) this.#consumers.set(type, [...(this.#consumers.get(type) ?? []), connector]);
    }
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    return (await this.targetsForMany([event]))[0]!;
  }

  /** One query per batch, and none when no event of the batch is of a consumed type (most of them). */
  async targetsForMany(events: readonly TriggerEvent[]): Promise<string[][]> {
    const wanted = events.map((event) => this.#consumers.get(event.type)?.map((connector) => connector.manifest.id) ?? []);
    const tenants = [...new Set(events.filter((_, index) => wanted[index]!.length > 0).map((event) => event.tenantId))];
    if (tenants.length === 0) return events.map(() => []);
    const connectors = [...new Set(wanted.flat())];
    const rows = await this.#deps.db.query<{ id: string; tenant_id: string; connector: string }>(
      'SELECT id, tenant_id, connector FROM connector_installations WHERE tenant_id = ANY($1::text[]) AND connector = ANY($2::text[]) AND status = ANY($3::text[]) ORDER BY seq',
      [tenants, connectors, LIVE],
    );
    return events.map((event, index) => rows.filter((row) => row.tenant_id === event.tenantId && wanted[index]!.includes(row.connector)).map((row) => row.id));
  }

  async deliver(installationId: string, event: TriggerEvent, attempt: number): Promise<DeliveryOutcome> {
    const installation = await getInstallation(this.#deps.db, event.tenantId, installationId);
    const connector = installation && this.#deps.registry.get(installation.connector);
    const subscription = connector?.subscription;
    if (!installation || !connector || !subscription || !LIVE.includes(installation.status)) {
      return { kind: 'give-up', error: `the installation ${installationId} is no longer installed (or its connector no longer takes ${event.type})` };
    }
    try {
      const outcome = await subscription.handle(event, {
        ...contextFor(this.#deps, connector, installation),
        memory: resourceMemory(this.#deps.db, installation.tenantId, installation.id),
        hub: hubFor(this.#ports, installation.tenantId),
        attempt,
      });
      if (outcome.status === 'retry') return { kind: 'retry', error: outcome.note };
      if (outcome.note) this.#deps.log.debug({ installationId, eventId: event.id, type: event.type, note: outcome.note }, 'connector subscription');
      return { kind: 'delivered' };
    } catch (error) {
      if (error instanceof ExternalSystemError) {
        // A system down, or a grant waiting for the admin to reconnect (ReauthorizationRequiredError): later.
        const later = error.transient || error instanceof ReauthorizationRequiredError;
        return later ? { kind: 'retry', error: error.message, ...(error.status ? { statusCode: error.status } : {}) } : { kind: 'give-up', error: error.message, ...(error.status ? { statusCode: error.status } : {}) };
      }
      throw error;
    }
  }
}
