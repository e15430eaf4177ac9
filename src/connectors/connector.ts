/**
 * The connector contract: what a folder under connectors/ provides, and what the hub gives it.
 *
 * Lifecycle (the hub drives it; docs/connectors/contract.md tells the whole story):
 *   accountOf   which external account an install input designates (one installation per tenant and account)
 *   prepare     check what the admin gave against the external system; nothing is stored yet
 *   reconcile   make the external system match the installation (register webhooks…): check, then
 *               create what is missing; idempotent; run at install, at every start and hourly
 *   uninstall   remove what reconcile created; never called on shutdown
 *   routes      public routes under /connectors/<id>/… that receive the external system's calls,
 *               verify them and hand them to the inbox (`runtime.receive`)
 *   handle      one stored inbound request → events to publish (+ timers), with per-resource memory
 *   actions     what the hub can do in the external system, each declared once with `defineAction` (action.ts):
 *               the API runs them, and scenarios as `<connector>.<action>` steps (src/connectors/scenario-actions.ts)
 *   poll        optional: read the external system every N minutes (polling.ts) and hand what it finds to the
 *               inbox, for systems whose pushes can be missed (a backstop, deduped like any inbound request)
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { EventSubject } from '../bus/trigger-event.ts';
import type { ContactInput } from '../contacts/schemas.ts';
import type { NetworkPolicy } from '../net/outbound-guard.ts';
import type { JsonValue } from '../queue/job-queue.ts';
import { actionManifest, type ConnectorAction } from './action.ts';
import type { ConnectorManifest, ManifestDeclaration } from './manifest.ts';
import type { ResourceMemory } from './memory.ts';

export type JsonObject = { [key: string]: JsonValue };

/** installing: reconcile has not succeeded yet · active · error: the last reconcile failed (it resumes) · uninstalled. */
export type InstallationStatus = 'installing' | 'active' | 'error' | 'uninstalled';

export interface Installation {
  id: string;
  tenantId: string;
  connector: string;
  /** The external account's identity, e.g. the store's URL. One installation per tenant and account. */
  account: string;
  status: InstallationStatus;
  settings: JsonObject;
  rules: JsonObject;
  state: JsonObject;
  lastError: string | null;
  lastReconciledAt: Date | null;
  installedAt: Date | null;
  uninstalledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Outbound connections to a tenant-given host go through the guard of src/net with this policy. */
export type { NetworkPolicy };

export interface PrepareContext {
  tenantId: string;
  network: NetworkPolicy;
  log: Logger;
  /** Settings and credentials of the installation this install will update (same account installed before). */
  existing: { settings: JsonObject; credentials: unknown } | undefined;
}

export interface Prepared<Settings, Credentials> {
  account: string;
  settings: Settings;
  credentials: Credentials;
  /** Shown once in the install answer (a secret to paste into a plugin); keep it in `credentials` too. */
  shownOnce?: Record<string, string>;
}

export interface InstallationContext<Settings = unknown, Credentials = unknown> {
  installation: Installation;
  settings: Settings;
  credentials: Credentials;
  /** The installation's state as last saved. */
  state(): JsonObject;
  /** Replaces the state and stores it at once: progress survives a crash half-way through a reconcile. */
  saveState(next: JsonObject): Promise<void>;
  /** Vault envelope bound to this tenant, installation and purpose. */
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  /** Absolute URL of one of this installation's public routes: `<publicUrl>/connectors/<id>/<installation>/<path>`. */
  publicUrl(path: string): string;
  network: NetworkPolicy;
  log: Logger;
}

/** Something the hub holds at the external system (shown in the installation's status). */
export interface RemoteResource {
  kind: string;
  /** What it is for, e.g. the webhook topic. */
  name: string;
  /** Its id at the external system; null while being created. */
  externalId: string | null;
  status: string;
}

export interface ReconcileReport {
  /** One line per change made ("created webhook order.created (#12)"); empty when all was in place. */
  changes: string[];
  /** Uninstall only: what could not be removed at the external system (it was down). */
  problems?: string[];
}

export interface InboundDelivery {
  id: string;
  /** Connector-defined: 'webhook', 'cart'… and 'timer' for the connector's own timers. */
  kind: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: Date;
}

/** The kind of inbox entries a timer produces when it fires; body `{"key","rev"}`. */
export const TIMER_KIND = 'timer';

export interface TimerRef {
  /** What the timer is about, e.g. `cart:abc`; one live timer per key and revision. */
  key: string;
  rev: string;
}

export interface TimerOps {
  set?: (TimerRef & { delayMs: number })[];
  cancel?: TimerRef[];
}

/**
 * An event to publish. `key` is the dedupe key within the installation (the hub prefixes the
 * installation id). `contact` is upserted first and becomes the event's subject.
 */
export interface EventDraft {
  type: string;
  key: string;
  occurredAt?: string;
  data: JsonObject;
  contact?: ContactInput;
  subject?: EventSubject;
}

export interface Outcome {
  status: 'processed' | 'ignored';
  /** Why, for people reading the installation's last deliveries ("older than the known state"). */
  note?: string;
  events: EventDraft[];
  timers?: TimerOps;
}

export interface HandlerContext<Settings = unknown> {
  installation: Installation;
  settings: Settings;
  /** Read and write within the handler's transaction (rows are locked until it commits). */
  memory: ResourceMemory;
  now: Date;
  log: Logger;
}

/** What the hub gives a connector's public routes. */
export interface ConnectorRuntime {
  /** The installation a public route names, with any status; cached for a few seconds (`fresh` skips the cache). */
  findInstallation(id: string, options?: { fresh?: boolean }): Promise<Installation | undefined>;
  open(installation: Installation, sealed: string, purpose: string): string;
  credentials(installation: Installation): unknown;
  /** Stores a verified request and queues its processing; `duplicate` when its key was stored before. */
  receive(installation: Installation, request: { kind: string; dedupeKey: string; headers: Record<string, string>; body: string }): Promise<{ id: string; duplicate: boolean }>;
  log: Logger;
}

/** What an action runs with: the installation, and who asks. */
export type ActionContext<Settings = unknown, Credentials = unknown> = InstallationContext<Settings, Credentials> & {
  /**
   * Set when a scenario step runs the action (`scn:<run>:<step>:<rotation>`, the same on every retry
   * of that step): send it to the external system when its API dedupes on a key. Unset for API calls.
   */
  idempotencyKey?: string | undefined;
};

/** What a poll runs with: the installation's context, and the inbox (the same as a public route's `receive`). */
export type PollContext<Settings = unknown, Credentials = unknown> = InstallationContext<Settings, Credentials> & {
  receive(request: { kind: string; dedupeKey: string; headers: Record<string, string>; body: string }): Promise<{ id: string; duplicate: boolean }>;
};

export interface ConnectorPoll<Settings = unknown, Credentials = unknown> {
  /** How often, from the installation's settings. */
  everyMs(settings: Settings): number;
  /** One pass; what it says is logged. Throws like reconcile (ExternalSystemError): the next pass tries again. */
  run(ctx: PollContext<Settings, Credentials>): Promise<{ received: number; duplicates: number }>;
}

/** An action as the hub runs it: `Connector.actions` by id, built from the connector's declarations. */
interface RunnableAction<Settings = unknown, Credentials = unknown> {
  run(input: unknown, ctx: ActionContext<Settings, Credentials>): Promise<JsonValue>;
}

export interface Connector<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> {
  manifest: ConnectorManifest<I, S, C>;
  /** The external account the install input designates, normalized (the store's URL); no I/O. */
  accountOf(input: z.output<I>): string;
  prepare(input: z.output<I>, ctx: PrepareContext): Promise<Prepared<z.output<S>, z.output<C>>>;
  reconcile(ctx: InstallationContext<z.output<S>, z.output<C>>): Promise<ReconcileReport>;
  uninstall(ctx: InstallationContext<z.output<S>, z.output<C>>): Promise<ReconcileReport>;
  remoteResources(state: JsonObject): RemoteResource[];
  routes(app: FastifyInstance, runtime: ConnectorRuntime): Promise<void>;
  handle(delivery: InboundDelivery, ctx: HandlerContext<z.output<S>>): Promise<Outcome>;
  actions: Record<string, RunnableAction<z.output<S>, z.output<C>>>;
  poll?: ConnectorPoll<z.output<S>, z.output<C>>;
}

/** What a connector's index.ts declares: its manifest without actions, and its actions, each declared once (`defineAction`). */
export type ConnectorDeclaration<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> = Omit<Connector<I, S, C>, 'manifest' | 'actions'> & {
  manifest: ManifestDeclaration<I, S, C>;
  actions: readonly ConnectorAction<z.ZodType, z.output<S>, z.output<C>>[];
};

/** The connector as the hub uses it: the manifest's action list and the runnable table, both from the declarations. */
export function defineConnector<I extends z.ZodType, S extends z.ZodType, C extends z.ZodType>(declaration: ConnectorDeclaration<I, S, C>): Connector<I, S, C> {
  const runnable: Record<string, RunnableAction<z.output<S>, z.output<C>>> = {};
  for (const action of declaration.actions) {
    if (runnable[action.id]) throw new Error(`Connector ${declaration.manifest.id}: action "${action.id}" is declared twice`);
    runnable[action.id] = { run: (input, ctx) => action.run(input, ctx) };
  }
  return { ...declaration, manifest: { ...declaration.manifest, actions: declaration.actions.map(actionManifest) }, actions: runnable };
}
