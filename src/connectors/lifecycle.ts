/**
 * Install, reconcile and uninstall, the same for every connector.
 *
 * Install: the connector checks what the admin gave against the external system (`prepare`, nothing
 * stored yet: a store that is down gives a clear error and no trace), the hub stores the
 * installation with sealed credentials, then runs `reconcile` to register what the connector needs.
 * If reconcile fails, the outcome depends on what exists at the external system: nothing → the new
 * installation is removed again (nothing half-installed); something → the installation is kept in
 * status `error` with what it created recorded in its state, and the next install call, start-up or
 * hourly reconcile resumes from there (never duplicating: reconcile adopts what it finds).
 */
import type { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import { isUniqueViolation } from '../store/db.ts';
import type { Connector, JsonObject, ReconcileReport } from './connector.ts';
import { CREDENTIALS_PURPOSE, installationContext, openCredentials, vaultContext, type ConnectorDeps } from './deps.ts';
import { ExternalSystemError, externalRefusal } from './external-error.ts';
import {
  deleteInstallation,
  findInstallationByAccount,
  getInstallation,
  insertInstallation,
  updateInstallation,
  type StoredInstallation,
} from './installation-store.ts';
import { dropSchedules, syncSchedules } from './schedules.ts';
import { ReauthorizationRequiredError } from './oauth/errors.ts';
import { moveInstallationRules } from './rules/move-rules.ts';
import { refuseMovedRules, RulesSchema } from './rules/rules.ts';

export interface InstallResult {
  installation: StoredInstallation;
  created: boolean;
  changes: string[];
  shownOnce: Record<string, string>;
}

const formatPath = (root: string, path: readonly PropertyKey[]) => [root, ...path.map(String)].join('.');

function parseOrRefuse<Schema extends z.ZodType>(schema: Schema, value: unknown, root: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({ path: formatPath(root, issue.path), message: issue.message }));
  throw new InvalidInputError(`The ${root} has ${errors.length} invalid field(s); see errors.`, errors);
}

/** One reconcile at a time per installation in this process (the API and the hourly job may overlap). */
const running = new Map<string, Promise<unknown>>();

async function exclusive<T>(installationId: string, work: () => Promise<T>): Promise<T> {
  while (running.has(installationId)) await running.get(installationId)!.catch(() => undefined);
  const promise = work();
  running.set(installationId, promise);
  try {
    return await promise;
  } finally {
    running.delete(installationId);
  }
}

export function contextFor(deps: ConnectorDeps, connector: Connector, installation: StoredInstallation) {
  const settings = connector.manifest.settings.parse(installation.settings);
  const credentials = connector.manifest.credentials.parse(openCredentials(deps, installation));
  return installationContext(deps, installation, settings, credentials);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs the connector's reconcile and records the result on the installation; rethrows the failure. */
async function runReconcile(deps: ConnectorDeps, connector: Connector, installation: StoredInstallation): Promise<ReconcileReport> {
  const context = contextFor(deps, connector, installation);
  try {
    const report = await connector.reconcile(context);
    const now = deps.clock();
    await updateInstallation(deps.db, installation.tenantId, installation.id, {
      status: 'active',
      lastError: null,
      lastReconciledAt: now,
      ...(installation.installedAt === null ? { installedAt: now } : {}),
    });
    if (report.changes.length > 0) context.log.info({ changes: report.changes }, 'connector installation reconciled');
    // Its schedules exist once it is installed (and follow a connector version that declares new ones).
    await syncSchedules(deps, (await getInstallation(deps.db, installation.tenantId, installation.id))!);
    return report;
  } catch (error) {
    // A lost OAuth grant already set status reauthorize (and said why): "error" would hide what the admin must do.
    if (!(error instanceof ReauthorizationRequiredError)) {
      await updateInstallation(deps.db, installation.tenantId, installation.id, { status: 'error', lastError: describe(error).slice(0, 2000) });
    }
    throw error;
  }
}

export async function install(deps: ConnectorDeps, connector: Connector, tenantId: string, body: unknown): Promise<InstallResult> {
  if (!connector.accountOf || !connector.prepare) {
    throw new InvalidInputError(`${connector.manifest.name} signs in with OAuth: its install is the authorization flow (POST /v1/connectors/${connector.manifest.id}/installations answers the authorization URL).`, []);
  }
  const { rules: rulesInput, ...rest } = (typeof body === 'object' && body !== null ? body : {}) as { rules?: unknown };
  const input = parseOrRefuse(connector.manifest.installInput, rest, 'body');
  const rules = parseRules(connector, rulesInput);
  const account = connector.accountOf(input);
  const existing = await findInstallationByAccount(deps.db, tenantId, connector.manifest.id, account);
  let prepared;
  try {
    prepared = await connector.prepare(input, {
      tenantId,
      network: deps.network,
      log: deps.log.child({ connector: connector.manifest.id, tenantId }),
      existing: existing && { settings: existing.settings, credentials: openCredentials(deps, existing) },
    });
  } catch (error) {
    if (error instanceof ExternalSystemError) throw externalRefusal(error, existing && existing.status !== 'uninstalled' ? `Nothing was changed: installation ${existing.id} keeps its previous key.` : 'Nothing was installed.');
    throw error;
  }
  const stored = await storeAndReconcile(deps, connector, tenantId, { existing, account: prepared.account, settings: prepared.settings, credentials: prepared.credentials, rules });
  // The merchant alerts asked for: scenarios of the library from now on (without the library, the move job at start makes them).
  if (rules && deps.scenarioLibrary) {
    const { installation } = stored;
    await moveInstallationRules({ db: deps.db, library: deps.scenarioLibrary, log: deps.log }, { id: installation.id, tenant_id: tenantId, account: installation.account, status: installation.status, rules });
    return { ...stored, installation: (await getInstallation(deps.db, tenantId, installation.id)) ?? installation, shownOnce: prepared.shownOnce ?? {} };
  }
  return { ...stored, shownOnce: prepared.shownOnce ?? {} };
}

/** The ready rules of an install body: only for connectors that take them (the shops'). */
export function parseRules(connector: Connector, rulesInput: unknown): JsonObject | undefined {
  if (rulesInput === undefined) return undefined;
  if (!connector.manifest.readyRules) {
    throw new InvalidInputError(`${connector.manifest.name} has no ready rules; use a scenario (template) instead.`, [{ path: 'body.rules', message: 'not accepted by this connector' }]);
  }
  refuseMovedRules(rulesInput, 'body.rules');
  return parseOrRefuse(RulesSchema, rulesInput, 'body.rules') as JsonObject;
}

/**
 * Stores an installation whose credentials were checked (a new row, or the same account's row updated and
 * revived), then reconciles it. What the credential install and the OAuth callback share.
 */
export async function storeAndReconcile(
  deps: ConnectorDeps,
  connector: Connector,
  tenantId: string,
  values: { existing: StoredInstallation | undefined; account: string; settings: unknown; credentials: unknown; rules?: JsonObject | undefined; status?: 'installing' },
): Promise<Omit<InstallResult, 'shownOnce'>> {
  const { existing, account, rules } = values;
  const id = existing?.id ?? newId('ins');
  const sealed = deps.vault.seal(JSON.stringify(values.credentials), vaultContext({ tenantId, id }, CREDENTIALS_PURPOSE));
  const settings = connector.manifest.settings.parse(values.settings) as JsonObject;
  if (existing) {
    await updateInstallation(deps.db, tenantId, id, {
      settings,
      credentialsSealed: sealed,
      ...(rules ? { rules } : {}),
      // Reconnecting (reauthorize) or reviving (uninstalled): the row, its cursors and memory are kept.
      ...(existing.status === 'uninstalled' || existing.status === 'reauthorize' ? { status: 'installing', uninstalledAt: null } : {}),
    });
  } else {
    try {
      await insertInstallation(deps.db, { id, tenantId, connector: connector.manifest.id, account, settings, rules: rules ?? {}, credentialsSealed: sealed });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`${account} is being installed by another request; wait for it and list the installations.`);
      throw error;
    }
  }
  const installation = (await getInstallation(deps.db, tenantId, id))!;
  try {
    const report = await exclusive(id, () => runReconcile(deps, connector, installation));
    return { installation: (await getInstallation(deps.db, tenantId, id))!, created: !existing, changes: report.changes };
  } catch (error) {
    const after = (await getInstallation(deps.db, tenantId, id))!;
    // A resource still without its external id was being created when the call failed: after a
    // timeout or a 5xx it may exist at the external system all the same; after a refusal it does not.
    const maybeCreated = error instanceof ExternalSystemError && error.transient;
    const remote = connector.remoteResources(after.state).filter((resource) => resource.externalId !== null || maybeCreated);
    let suffix: string;
    if (remote.length === 0 && !existing) {
      await deleteInstallation(deps.db, tenantId, id);
      suffix = 'Nothing was installed.';
    } else if (remote.length === 0 && existing?.status === 'uninstalled') {
      await updateInstallation(deps.db, tenantId, id, { status: 'uninstalled', uninstalledAt: existing.uninstalledAt ?? deps.clock() });
      suffix = 'Nothing was installed; the installation stays uninstalled.';
    } else if (!existing) {
      suffix = `The installation ${id} is kept in status "error" with what was created (${remote.length} resource(s)); send the same install request again, or it resumes at the next start or hourly reconcile.`;
    } else {
      suffix = `Installation ${id} is now in status "error"; send the install request again once fixed, or it is retried at the next start and hourly.`;
    }
    if (error instanceof ExternalSystemError) throw externalRefusal(error, suffix);
    throw error;
  }
}

/** Reconciles one installation now (the API's POST …/reconcile, the start-up and hourly jobs). */
export async function reconcile(deps: ConnectorDeps, tenantId: string, installationId: string): Promise<{ installation: StoredInstallation; changes: string[] } | undefined> {
  return exclusive(installationId, async () => {
    const installation = await getInstallation(deps.db, tenantId, installationId);
    // Waiting for reauthorization: nothing calls the system until an admin reconnects (which reconciles).
    if (!installation || installation.status === 'uninstalled' || installation.status === 'reauthorize') return undefined;
    const connector = deps.registry.get(installation.connector);
    if (!connector) return undefined;
    const report = await runReconcile(deps, connector, installation);
    return { installation: (await getInstallation(deps.db, tenantId, installationId))!, changes: report.changes };
  });
}

export interface UninstallResult {
  installation: StoredInstallation;
  changes: string[];
  /** What could not be removed at the external system (it was down): left for its own clean-up. */
  problems: string[];
}

/**
 * Removes what the connector registered, then marks the installation uninstalled. The row, its
 * state and its memory stay (a re-install of the same account picks them up). When the external
 * system cannot be reached, the uninstall still happens here and the answer lists what remains there.
 */
export async function uninstall(deps: ConnectorDeps, tenantId: string, installationId: string): Promise<UninstallResult | undefined> {
  return exclusive(installationId, async () => {
    const installation = await getInstallation(deps.db, tenantId, installationId);
    const connector = installation && deps.registry.get(installation.connector);
    if (!installation || !connector) return undefined;
    if (installation.status === 'uninstalled') return { installation, changes: [], problems: [] };
    // An installation waiting for reauthorization cannot call the system: what it registered there is listed as left.
    const report =
      installation.status === 'reauthorize'
        ? { changes: [], problems: connector.remoteResources(installation.state).filter((resource) => resource.externalId !== null).map((resource) => `${resource.kind} ${resource.name} (${resource.externalId}): the authorization was revoked, so it could not be removed`) }
        : await connector.uninstall(contextFor(deps, connector, installation));
    const problems = [...(report.problems ?? [])];
    await dropSchedules(deps, tenantId, installationId);
    // The grant itself, last (the connector's uninstall needed it): revoked where the provider supports it.
    if (connector.manifest.auth === 'oauth2' && installation.status !== 'reauthorize') problems.push(...(await deps.oauth.revoke(installation)));
    await updateInstallation(deps.db, tenantId, installationId, {
      status: 'uninstalled',
      uninstalledAt: deps.clock(),
      lastError: problems.length > 0 ? `left at the external system: ${problems.join('; ')}`.slice(0, 2000) : null,
    });
    return { installation: (await getInstallation(deps.db, tenantId, installationId))!, changes: report.changes, problems };
  });
}

/**
 * Runs an action of the connector for an installation: the API's POST …/actions/{action} and scenario
 * steps (scenario-actions.ts) both come here. Refusals (src/errors.ts): NotFoundError for an unknown installation
 * or action, InvalidInputError, UnprocessableError when the external system refused, ExternalUnavailableError
 * when it is down (worth trying again).
 */
export async function runAction(deps: ConnectorDeps, tenantId: string, installationId: string, actionId: string, body: unknown, options: { idempotencyKey?: string } = {}): Promise<unknown> {
  const installation = await getInstallation(deps.db, tenantId, installationId);
  const connector = installation && deps.registry.get(installation.connector);
  if (!installation || !connector || installation.status === 'uninstalled') throw new NotFoundError(`No installed connector with id "${installationId}" in this tenant.`);
  const manifest = connector.manifest.actions.find((action) => action.id === actionId);
  const action = connector.actions[actionId];
  if (!manifest || !action) {
    throw new NotFoundError(`The ${connector.manifest.name} connector has no action "${actionId}"; it has: ${connector.manifest.actions.map((one) => one.id).join(', ')}.`);
  }
  const input = parseOrRefuse(manifest.input, body ?? {}, 'body');
  try {
    return await action.run(input, { ...contextFor(deps, connector, installation), idempotencyKey: options.idempotencyKey });
  } catch (error) {
    if (error instanceof ExternalSystemError) throw externalRefusal(error);
    throw error;
  }
}
