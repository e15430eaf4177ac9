/**
 * The SMPP part as the hub uses it (src/hub.ts): account routes for the gateway, the bus subscriber that
 * turns message outcomes and MO into deliver_sm, the forwarder to the sending core (worker role) and
 * the listeners (gateway role).
 *
 *   submit_sm ─▶ inbox (committed) ─▶ submit_sm_resp
 *                  └─▶ forwarder ─▶ SmppSendingPort.acceptFromSmpp ─▶ sending core ─▶ provider
 *   bus: message.delivered / message.failed / sms.received ─▶ SmppEventSource ─▶ outbox ─▶ deliver_sm
 */
import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.ts';
import type { RouteModule } from '../../gateway/app.ts';
import type { Db } from '../../store/db.ts';
import type { SendingModule } from '../../sending/sending-module.ts';
import { smppAccountRoutes } from '../accounts/routes.ts';
import { Authenticator } from './authenticate.ts';
import { SmppClusterState, type ClusterStateOptions } from './cluster-state.ts';
import { ThrottleTable, type ConnectionDeps } from './esme-connection.ts';
import { SmppEventSource } from './event-source.ts';
import { Forwarder, type ForwarderOptions } from './forwarder.ts';
import { SubmitInbox } from './inbox.ts';
import { OutboxPump, type OutboxPumpOptions } from './outbox.ts';
import { sendingPortOf, type SmppSendingPort } from './sending-port.ts';
import { SmppServer } from './smpp-server.ts';
import { SessionRegistry } from './session-registry.ts';

export interface SmppConfig {
  host: string;
  /** undefined: no listener (HUB_SMPP_PORT=off). 0: a free port (tests). */
  port: number | undefined;
  tls: { port: number; certFile: string; keyFile: string } | undefined;
}

export interface SmppModuleOptions {
  db: Db;
  sending: Pick<SendingModule, 'send' | 'addReferences'>;
  bus: Pick<EventBus, 'addSource'>;
  log: Logger;
  config: SmppConfig;
  /** Embedded store: where the submit journal lives (the data folder's `smpp-journal`). */
  journalDir?: string;
  /** Tests: another port to the sending core, faster polls, shorter timeouts. */
  port?: SmppSendingPort;
  forwarder?: ForwarderOptions;
  outbox?: OutboxPumpOptions;
  connection?: Pick<ConnectionDeps, 'session' | 'bindTimeoutMs' | 'enquireLinkIntervalMs' | 'deliverTimeoutMs'>;
  cluster?: ClusterStateOptions;
}

export interface SmppModule {
  readonly routes: RouteModule[];
  readonly server: SmppServer;
  readonly forwarder: Forwarder;
  readonly outbox: OutboxPump;
  readonly inbox: SubmitInbox;
  /** Workers: the forwarder (worker role). Listen: the SMPP ports (gateway role) and the outbox pump. */
  start(roles: { workers: boolean; listen: boolean }): Promise<{ port: number | undefined; tlsPort: number | undefined }>;
  stop(): Promise<void>;
}

export function createSmppModule(options: SmppModuleOptions): SmppModule {
  const { db, log } = options;
  const registry = new SessionRegistry();
  const embedded = 'kind' in db && (db as { kind: unknown }).kind === 'embedded';
  // PostgreSQL: a few inbox commits overlap on pooled connections. PGlite: the journal (submit-journal.ts).
  const inbox = new SubmitInbox(db, { log, concurrency: embedded ? 1 : 3, ...(options.journalDir !== undefined ? { journalDir: options.journalDir } : {}) });
  const outbox = new OutboxPump(db, registry, log, options.outbox);
  // PGlite runs one query at a time for the whole process: during a submit_sm burst the pipeline gets
  // one batch every 5 s (40 messages/s) so submit_sm_resp stays fast; PostgreSQL has room for one a second.
  const forwarder = new Forwarder(db, options.port ?? sendingPortOf(options.sending), log, (accountId) => outbox.poke(accountId), {
    busyIntervalMs: embedded ? 5_000 : 1_000,
    ...options.forwarder,
  });
  inbox.onStored(() => forwarder.noteStored());
  options.bus.addSource(new SmppEventSource(db, (accountId) => outbox.poke(accountId)));
  const cluster = new SmppClusterState(db, registry, log, options.cluster);
  const server = new SmppServer({
    db,
    authenticator: new Authenticator(db, cluster),
    registry,
    inbox,
    throttles: new ThrottleTable(),
    cluster,
    log,
    systemId: 'hub',
    ...options.connection,
  });
  let started: { workers: boolean; listen: boolean } | undefined;

  return {
    routes: [
      {
        scope: 'v1',
        register: async (app) =>
          void (await app.register(smppAccountRoutes, { db, onAccountRevoked: (accountId) => registry.closeAccount(accountId, 'account disabled or deleted') })),
      },
    ],
    server,
    forwarder,
    outbox,
    inbox,
    async start(roles) {
      started = roles;
      if (roles.workers) forwarder.start();
      if (roles.listen && options.config.port !== undefined) {
        await inbox.open();
        outbox.start();
        await cluster.start({ exclusive: embedded });
        await server.listen({ host: options.config.host, port: options.config.port, ...(options.config.tls ? { tls: options.config.tls } : {}) });
      }
      return { port: server.port, tlsPort: server.tlsPort };
    },
    async stop() {
      if (!started) return;
      await server.close();
      await cluster.stop();
      await inbox.close();
      await outbox.stop();
      await forwarder.stop();
    },
  };
}
