/**
 * Every connector's actions, offered to scenarios: at composition each action of each manifest is
 * registered in the automation's ConnectorActionRegistry as `<connector>.<action>`, with the
 * manifest's input schema. Nothing per connector: a new connector's actions are scenario actions as
 * soon as it is in `connectors: [...]`.
 *
 * A step runs the action through `runAction`, the path of POST /v1/connectors/{id}/installations/{ins}/actions/{action}
 * (input parsed by the manifest's schema, credentials unsealed, ExternalSystemErrors mapped), with the
 * step's idempotency key in the action's context. Which installation acts:
 *   1. the one the step names (`action.installation`, an id or a template);
 *   2. else the one the run's event came from, when it came from this connector
 *      (`event.data.shop.installationId`, which commerce events carry: docs/connectors/contract.md);
 *   3. else the tenant's only live installation of the connector;
 *   otherwise the step fails, saying why (not installed, uninstalled, several and none named).
 * Failures that acting again cannot help (not installed, 4xx: refused, not found, wrong key) fail the
 * step at once; 5xx (the system down, a timeout) are thrown as they are, and the step's job retries.
 */
import type { ConnectorActionContext, ConnectorActionRegistry } from '../automation/connector-actions.ts';
import { StepFailure } from '../automation/interpreter.ts';
import { isRefusal } from '../errors.ts';
import type { Connector } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { getInstallation, listInstallations, type StoredInstallation } from './installation-store.ts';
import { runAction } from './lifecycle.ts';

/** The installation a commerce event names (`data.shop.installationId`), if any. */
function eventInstallation(data: Record<string, unknown>): string | undefined {
  const shop = data.shop;
  const id = typeof shop === 'object' && shop !== null ? (shop as Record<string, unknown>).installationId : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

const describe = (installation: StoredInstallation) => `${installation.id} (${installation.account})`;

/** Which installation of the connector a step acts through (rules in the header). */
export async function installationFor(deps: Pick<ConnectorDeps, 'db'>, connector: Connector, context: Pick<ConnectorActionContext, 'tenantId' | 'installationId' | 'trigger'>): Promise<StoredInstallation> {
  const { id, name } = connector.manifest;
  if (context.installationId !== undefined) {
    const named = await getInstallation(deps.db, context.tenantId, context.installationId);
    if (!named || named.connector !== id) throw new StepFailure(`the step names the ${name} installation "${context.installationId}", and this tenant has none with that id (GET /v1/connectors/${id}/installations lists them)`);
    if (named.status === 'uninstalled') throw new StepFailure(`the ${name} installation ${describe(named)} the step names is uninstalled; install it again or change the step's installation`);
    return named;
  }
  const live = await listInstallations(deps.db, context.tenantId, id, { includeUninstalled: false });
  const fromEvent = context.trigger?.source === id ? eventInstallation(context.trigger.data) : undefined;
  if (fromEvent !== undefined) {
    const match = live.find((installation) => installation.id === fromEvent);
    if (match) return match;
    throw new StepFailure(`the run's event came from the ${name} installation ${fromEvent}, which is no longer installed; install it again, or name another installation in the step`);
  }
  if (live.length === 0) throw new StepFailure(`${name} is not installed in this tenant: install it (POST /v1/connectors/${id}/installations) before a scenario uses its actions`);
  if (live.length === 1) return live[0]!;
  throw new StepFailure(
    `${name} is installed ${live.length} times in this tenant (${live.map(describe).join(', ')}) and the step does not say which: ` +
      `set the action's "installation" to one of these ids, or to "{{ event.data.shop.installationId }}"`,
  );
}

function scenarioAction(deps: ConnectorDeps, connector: Connector, action: Connector['manifest']['actions'][number]) {
  const { id, name } = connector.manifest;
  return {
    connector: id,
    action: action.id,
    title: `${name}: ${action.title}`,
    input: action.input,
    async run(context: ConnectorActionContext, input: Record<string, unknown>) {
      const installation = await installationFor(deps, connector, context);
      try {
        const output = await runAction(deps, context.tenantId, installation.id, action.id, input, { idempotencyKey: context.idempotencyKey });
        return { output, installationId: installation.id };
      } catch (error) {
        // Not found, invalid input, refused: the same call would be refused again. A system that is down is retried.
        if (isRefusal(error)) {
          const fields = (error.issues ?? []).map((field) => `${field.path.replace(/^body/, 'action.input')}: ${field.message}`);
          throw new StepFailure(`${name} ${describe(installation)}: ${error.message}${fields.length > 0 ? ` ${fields.join('; ')}` : ''}`);
        }
        throw error;
      }
    },
  };
}

/** Registers every action of every connector of the hub as a scenario action. */
export function registerScenarioActions(target: Pick<ConnectorActionRegistry, 'register'>, deps: ConnectorDeps): void {
  for (const connector of deps.registry.all()) {
    for (const action of connector.manifest.actions) target.register(scenarioAction(deps, connector, action));
  }
}
