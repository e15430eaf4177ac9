/**
 * The connector contract: what a folder under connectors/ provides, and what the hub gives it.
 *
 * Lifecycle (the hub drives it; docs/connectors/contract.md tells the whole story):
 *   accountOf   which external account an install input designates (one installation per tenant and account)
 *   prepare     check what the admin gave against the external system; nothing is stored yet
 *   oauth       OAuth connectors instead of accountOf/prepare: `oauth.accountOf` runs after the hub exchanged the
 *               authorization code (src/connectors/oauth/), with the installation's authorized client
 *   reconcile   make the external system match the installation (register webhooks…): check, then
 *               create what is missing; idempotent; run at install, at every start and hourly
 *   uninstall   remove what reconcile created; never called on shutdown
 *   routes      public routes under /connectors/<id>/… that receive the external system's calls,
 *               verify them and hand them to the inbox (`runtime.receive`)
 *   fetch       optional: before handle, OUTSIDE any database transaction, read what a body-less notification
 *               announces (Google's "something changed") with the installation's authorized client
 *   handle      one stored inbound request (+ what fetch read) → events to publish (+ timers), with per-resource
 *               memory, inside the inbox transaction: pure decisions, no I/O
 *   actions     what the hub can do in the external system, each declared once with `defineAction` (action.ts):
 *               the API runs them, and scenarios as `<connector>.<action>` steps (src/connectors/scenario-actions.ts)
 *   schedules   optional: recurring work per installation (a backstop poll, renewing watch channels), run on
 *               exactly one worker at a time across processes, surviving restarts, stopped at uninstall (schedules.ts)
 *   subscription optional: bus events it acts on (the hub's sends and opt-outs written into the system), delivered
 *               to each live installation of the event's tenant as durable, retried bus deliveries (subscriptions.ts)
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { EventSubject, TriggerEvent } from '../bus/trigger-event.ts';
import type { ContactInput } from '../contacts/schemas.ts';
import type { NetworkPolicy } from '../net/outbound-guard.ts';
import type { JsonValue } from '../queue/job-queue.ts';
import { contributeEventTypes } from '../bus/catalog/index.ts';
import { actionManifest, type ConnectorAction } from './action.ts';
import type { ConnectorManifest, ManifestDeclaration } from './manifest.ts';
import type { ResourceMemory } from './memory.ts';

export type JsonObject = { [key: string]: JsonValue };

/**
 * installing: reconcile has not succeeded yet · active · error: the last reconcile failed (it resumes) ·
 * reauthorize: the OAuth grant was revoked or expired (`invalid_grant`); nothing calls the system until an admin
 * reconnects (cursors, memory and scenarios are kept) · uninstalled.
 */
export type InstallationStatus = 'installing' | 'active' | 'error' | 'reauthorize' | 'uninstalled';

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

/**
 * OAuth tokens as the hub keeps them (sealed as the installation's credentials). Connectors never
 * refresh them themselves: they call `ctx.auth`.
 */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  /** ISO time the access token expires; null when the provider did not say. */
  expiresAt: string | null;
  tokenType: string;
  scope: string | null;
  /** The token response's other non-secret fields (Salesforce: `instance_url`, `id`). */
  extra: JsonObject;
  /**
   * The authorization server the grant was made at, when the install chose one (`oauth.authorizationServer`: a
   * Salesforce sandbox or My Domain): refreshes and the revocation go there. Absent: the manifest's endpoints.
   */
  authorizationServer?: string;
}

/**
 * The installation's authorized client (OAuth connectors): what fetch steps, schedules, reconcile and
 * actions call the system with. Tokens are refreshed before they expire and once on a 401, single-flight
 * per installation across processes; a refresh answered `invalid_grant` puts the installation in status
 * `reauthorize` and throws `ReauthorizationRequiredError` (src/connectors/oauth/tokens.ts).
 */
export interface AuthorizedClient {
  /** A valid access token (refreshed first when it expires within a minute). */
  accessToken(): Promise<string>;
  /**
   * Runs `call` with a valid token; when it fails with a 401 (an `ExternalSystemError` of kind `auth` with status 401,
   * or what `isUnauthorized` says of a library's error), refreshes the token once and runs it again.
   */
  withToken<T>(call: (accessToken: string) => Promise<T>, options?: { isUnauthorized?: (error: unknown) => boolean }): Promise<T>;
  /** The token response's non-secret fields (Salesforce `instance_url`). */
  tokenInfo(): JsonObject;
}

export interface InstallationContext<Settings = unknown, Credentials = unknown> {
  installation: Installation;
  settings: Settings;
  credentials: Credentials;
  /** Replaces the installation's credentials, sealed (a rotated key). OAuth tokens are saved by the hub, not here. */
  saveCredentials(next: Credentials): Promise<void>;
  /** OAuth connectors: the installation's authorized client. Undefined for other auth kinds. */
  auth: AuthorizedClient | undefined;
  /** The installation's state as last saved. */
  state(): JsonObject;
  /** Replaces the state and stores it at once: progress survives a crash half-way through a reconcile. */
  saveState(next: JsonObject): Promise<void>;
  /**
   * Changes the state as stored now, under the installation row's lock: `change` gets the current state (another
   * process may have moved it since `state()` was read: a fetch step storing a sync cursor, a schedule on another
   * worker) and returns the next one, or undefined to leave it. Pure and quick: no I/O inside. Resolves with the
   * state as stored, which `state()` returns from then on.
   */
  updateState(change: (current: JsonObject) => JsonObject | undefined): Promise<JsonObject>;
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
  /** What the connector's `fetch` step read for this entry (stored on the entry: a retry does not read again). */
  fetched?: JsonValue;
}

/**
 * What a fetch step read. `data` is stored on the inbox entry, then handed to `handle` as `delivery.fetched`.
 * `state` is a JSON merge patch (RFC 7396: objects merge, null removes) of the installation's state, applied in
 * the same transaction that stores `data`: a sync token moves only past what is kept.
 */
export interface Fetched {
  data: JsonValue;
  state?: JsonObject;
}

/** What a fetch step runs with: the installation's context (its authorized client in `auth`), outside any transaction. */
export type FetchContext<Settings = unknown, Credentials = unknown> = InstallationContext<Settings, Credentials>;

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

/** What the hub gives a connector's public routes; scoped to that connector's installations. */
export interface ConnectorRuntime {
  /**
   * The installation a public route names, with any status, if it belongs to this connector (another connector's
   * installation id answers undefined); cached for a few seconds (`fresh` skips the cache).
   */
  findInstallation(id: string, options?: { fresh?: boolean }): Promise<Installation | undefined>;
  open(installation: Installation, sealed: string, purpose: string): string;
  credentials(installation: Installation): unknown;
  /** Stores a verified request and queues its processing; `duplicate` when its key was stored before. */
  receive(installation: Installation, request: { kind: string; dedupeKey: string; headers: Record<string, string>; body: string }): Promise<{ id: string; duplicate: boolean }>;
  log: Logger;
  /** Where external systems reach the hub (HUB_PUBLIC_URL, no trailing slash): for documents a route serves. */
  publicUrl: string;
}

/** What an action runs with: the installation, and who asks. */
export type ActionContext<Settings = unknown, Credentials = unknown> = InstallationContext<Settings, Credentials> & {
  /**
   * Set when a scenario step runs the action (`scn:<run>:<step>:<rotation>`, the same on every retry
   * of that step): send it to the external system when its API dedupes on a key. Unset for API calls.
   */
  idempotencyKey?: string | undefined;
};

/** What a schedule runs with: the installation's context, and the inbox (the same as a public route's `receive`). */
export type ScheduleContext<Settings = unknown, Credentials = unknown> = InstallationContext<Settings, Credentials> & {
  receive(request: { kind: string; dedupeKey: string; headers: Record<string, string>; body: string }): Promise<{ id: string; duplicate: boolean }>;
  /** When this run was due (the schedule's slot), and now. */
  dueAt: Date;
  now: Date;
};
/** The backstop poll is a schedule like any other. */
export type PollContext<Settings = unknown, Credentials = unknown> = ScheduleContext<Settings, Credentials>;

/**
 * Recurring work of an installation (src/connectors/schedules.ts): a backstop poll, renewing watch channels
 * before they expire. One row per installation and schedule in `connector_schedules`: due rows are claimed with a
 * lease, so each run happens on exactly one worker at a time across processes; a run that dies with its process is
 * taken over when the lease expires; rows are created at install (and at every start), deleted at uninstall.
 * Runs are skipped while the installation is in `reauthorize` (they resume after reconnecting).
 */
export interface ConnectorSchedule<Settings = unknown, Credentials = unknown> {
  /** Unique within the connector: `poll`, `renew-channels`. */
  id: string;
  /** How often, from the installation's settings; null: not for this installation. At least a minute apart. */
  everyMs(settings: Settings): number | null;
  /** One run; what it returns is logged. Throws (ExternalSystemError) to be tried again at the next slot. */
  run(ctx: ScheduleContext<Settings, Credentials>): Promise<JsonValue | void>;
}

/** A message the hub sent, as a connector subscribed to its events reads it (`SubscriptionContext.hub.message`). */
export interface HubMessage {
  id: string;
  channel: 'sms' | 'email';
  /** E.164 phone or email address. */
  to: string;
  /** The text as sent (rendered, with the opt-out mention). */
  text: string;
  contactId: string | null;
  status: string;
  createdAt: Date;
  submittedAt: Date | null;
  /** When it reached its final status (delivered, undelivered, expired…), null before. */
  completedAt: Date | null;
  /** Why it failed, for a failed message (the receipt's error, a block reason). */
  error: string | null;
  /**
   * The event that made the hub send it, when a scenario's run sent it: that run's trigger (its source, type and data,
   * e.g. a Salesforce `task.assigned`). Null for messages sent through the API or a campaign.
   */
  cause: { eventId: string | null; source: string; type: string; data: Record<string, unknown> } | null;
}

/** A contact of the hub, as a subscription reads it. */
export interface HubContact {
  id: string;
  phone: string | null;
  email: string | null;
  /** Ids of the contact in external systems, by system (`salesforce`: the Contact or Lead id it came from). */
  externalIds: Record<string, string>;
}

/** An active opt-out of the hub's list: since when, and who recorded it (`sms-keyword:STOP`, `unsubscribe-link`, `salesforce:…`). */
export interface HubOptOut {
  source: string;
  at: Date;
}

/** What a connector's subscription reads and changes in the hub, for the installation's tenant (filled at composition). */
export interface ConnectorHub {
  message(messageId: string): Promise<HubMessage | undefined>;
  contact(contactId: string): Promise<HubContact | undefined>;
  optOuts: {
    find(channel: 'sms' | 'email', address: string): Promise<HubOptOut | undefined>;
    /** Records an opt-out (publishes `contact.unsubscribed` with `via` = source the first time); `created` false when it was there. */
    optOut(channel: 'sms' | 'email', address: string, record: { source: string; reason?: string }): Promise<{ created: boolean }>;
    /** Lifts the active opt-out (the row is kept as proof); false when there was none. */
    optIn(channel: 'sms' | 'email', address: string, record: { source: string }): Promise<boolean>;
  };
}

/** The same, for any tenant: what the composition root gives the connectors part. */
export type ConnectorHubPorts = {
  message(tenantId: string, messageId: string): Promise<HubMessage | undefined>;
  contact(tenantId: string, contactId: string): Promise<HubContact | undefined>;
  optOuts: { [K in keyof ConnectorHub['optOuts']]: (tenantId: string, ...args: Parameters<ConnectorHub['optOuts'][K]>) => ReturnType<ConnectorHub['optOuts'][K]> };
};

/** What a subscription's handler runs with: the installation's context, its memory (no transaction held) and the hub. */
export type SubscriptionContext<Settings = unknown, Credentials = unknown> = InstallationContext<Settings, Credentials> & {
  /** The installation's resource memory, each call its own statement: no lock is held across the handler's calls. */
  memory: ResourceMemory;
  hub: ConnectorHub;
  /** Which try of this delivery this is (1-based). */
  attempt: number;
};

/** What handling one event came to: done (with a note for the logs), or try again later (something it needs is not there yet). */
export type SubscriptionOutcome = { status: 'done'; note?: string } | { status: 'retry'; note: string };

/**
 * Bus events a connector acts on (src/connectors/subscriptions.ts): every event of these types is delivered to each
 * live installation of the connector in the event's tenant, as a bus delivery (`connector:<installation id>`):
 * durable, retried with backoff, every attempt in the event's delivery log, like webhooks and scenarios.
 */
export interface ConnectorSubscription<Settings = unknown, Credentials = unknown> {
  /** Catalog event types (the hub's `message.delivered`, `contact.unsubscribed`, or the connector's own). */
  events: readonly string[];
  /**
   * One event for one installation. Runs at least once: check memory before acting. Throw an ExternalSystemError:
   * transient kinds (and a grant needing reauthorization) are tried again with the bus's backoff, the others end the
   * delivery failed with their message.
   */
  handle(event: TriggerEvent, ctx: SubscriptionContext<Settings, Credentials>): Promise<SubscriptionOutcome>;
}

/** What an OAuth connector's install step runs with: the install input and the client just authorized. */
export interface AuthorizedInstallContext {
  tenantId: string;
  /** The tokens of the code exchange (read `auth` to call the system; `tokens.extra` has e.g. Salesforce's instance_url). */
  tokens: OAuthTokens;
  auth: AuthorizedClient;
  network: NetworkPolicy;
  log: Logger;
  /** The installation this flow reconnects (an admin's "reconnect"), or the same account installed before. */
  existing: { settings: JsonObject } | undefined;
}

/** OAuth connectors' install step (the hub ran the authorization flow and exchanged the code). */
export interface OAuthHooks<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType> {
  /**
   * Which external account the tokens belong to (the Google account's email, the Salesforce org id), and the
   * installation's first settings: the system is called with `ctx.auth`. A refusal (ExternalSystemError) ends the
   * flow with a page saying why, nothing stored. Reconnecting an installation with another account is refused.
   */
  accountOf(input: z.output<I>, ctx: AuthorizedInstallContext): Promise<{ account: string; settings: z.output<S> }>;
  /**
   * Providers with an authorization server per account (Salesforce: production login.salesforce.com, sandbox
   * test.salesforce.com, or the org's My Domain): the origin the install input chooses, and the input field it came
   * from (named by a refusal). Undefined: the manifest's endpoints. The hub checks it (https, a public host: the SSRF
   * guard), runs the flow there, keeps it with the tokens and refreshes there (src/connectors/oauth/authorization-server.ts).
   */
  authorizationServer?(input: z.output<I>): { url: string; field: string } | undefined;
}

/** An action as the hub runs it: `Connector.actions` by id, built from the connector's declarations. */
interface RunnableAction<Settings = unknown, Credentials = unknown> {
  run(input: unknown, ctx: ActionContext<Settings, Credentials>): Promise<JsonValue>;
}

export interface Connector<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> {
  manifest: ConnectorManifest<I, S, C>;
  /** Credential connectors (api-key, basic, none): the external account the install input designates, normalized (the store's URL); no I/O. */
  accountOf?(input: z.output<I>): string;
  /** Credential connectors: check the credentials against the system, nothing stored yet. */
  prepare?(input: z.output<I>, ctx: PrepareContext): Promise<Prepared<z.output<S>, z.output<C>>>;
  /** OAuth connectors (`auth: 'oauth2'`): the account, learnt after the token exchange. */
  oauth?: OAuthHooks<I, S>;
  reconcile(ctx: InstallationContext<z.output<S>, z.output<C>>): Promise<ReconcileReport>;
  uninstall(ctx: InstallationContext<z.output<S>, z.output<C>>): Promise<ReconcileReport>;
  remoteResources(state: JsonObject): RemoteResource[];
  routes(app: FastifyInstance, runtime: ConnectorRuntime): Promise<void>;
  /**
   * Optional fetch step of an inbox entry, before `handle` and outside the database transaction (a slow API never
   * holds a connection): read what the notification announces with `ctx.auth`. Undefined: nothing to read (handle
   * gets no `fetched`). Runs again on a retry only if its result was not stored. Throw ExternalSystemError: transient
   * kinds are retried with the entry's backoff.
   */
  fetch?(delivery: InboundDelivery, ctx: FetchContext<z.output<S>, z.output<C>>): Promise<Fetched | undefined>;
  /** Pure decisions inside the inbox transaction: the stored request, what fetch read (`delivery.fetched`) and memory → Outcome. */
  handle(delivery: InboundDelivery, ctx: HandlerContext<z.output<S>>): Promise<Outcome>;
  actions: Record<string, RunnableAction<z.output<S>, z.output<C>>>;
  /** Recurring work per installation (schedules.ts). */
  schedules?: readonly ConnectorSchedule<z.output<S>, z.output<C>>[];
  /** Bus events it acts on (subscriptions.ts); their types are listed as `manifest.consumes`. */
  subscription?: ConnectorSubscription<z.output<S>, z.output<C>>;
  /** Code the shop runs (a WordPress plugin, a PrestaShop module), served zipped at GET /v1/connectors/{id}/plugin.zip. */
  plugin?: ShopPlugin;
}

/** A plugin folder of plugins/, zipped as the shop's admin uploads it (src/connectors/plugin-zip.ts). */
export interface ShopPlugin {
  /** The folder's absolute path. */
  directory: string;
  /** The one folder at the zip's top: the name the shop installs the plugin under. */
  top: string;
  /** The download's file name. */
  fileName: string;
  /** Paths inside `directory` not shipped (the plugin's own tests). */
  exclude?: readonly string[];
}

/** What a connector's index.ts declares: its manifest without actions, and its actions, each declared once (`defineAction`). */
export type ConnectorDeclaration<I extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> = Omit<Connector<I, S, C>, 'manifest' | 'actions'> & {
  manifest: ManifestDeclaration<I, S, C>;
  actions: readonly ConnectorAction<z.ZodType, z.output<S>, z.output<C>>[];
};

/** The connector as the hub uses it: the manifest's action list and the runnable table, both from the declarations. */
export function defineConnector<I extends z.ZodType, S extends z.ZodType, C extends z.ZodType>(declaration: ConnectorDeclaration<I, S, C>): Connector<I, S, C> {
  const { id } = declaration.manifest;
  if (declaration.manifest.auth === 'oauth2') {
    if (!declaration.oauth) throw new Error(`Connector ${id}: an oauth2 connector declares oauth.accountOf (the account after the token exchange)`);
  } else if (!declaration.accountOf || !declaration.prepare) {
    throw new Error(`Connector ${id}: a ${declaration.manifest.auth} connector declares accountOf and prepare`);
  }
  const scheduleIds = new Set<string>();
  for (const schedule of declaration.schedules ?? []) {
    if (scheduleIds.has(schedule.id)) throw new Error(`Connector ${id}: schedule "${schedule.id}" is declared twice`);
    scheduleIds.add(schedule.id);
  }
  // Its event types join the catalog now: its events test, the API and scenarios all see them.
  contributeEventTypes(id, declaration.manifest.eventTypes ?? []);
  const runnable: Record<string, RunnableAction<z.output<S>, z.output<C>>> = {};
  for (const action of declaration.actions) {
    if (runnable[action.id]) throw new Error(`Connector ${declaration.manifest.id}: action "${action.id}" is declared twice`);
    runnable[action.id] = { run: (input, ctx) => action.run(input, ctx) };
  }
  const consumes = declaration.subscription?.events ?? [];
  return { ...declaration, manifest: { ...declaration.manifest, actions: declaration.actions.map(actionManifest), ...(consumes.length > 0 ? { consumes } : {}) }, actions: runnable };
}
