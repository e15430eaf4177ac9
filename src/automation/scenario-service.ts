/** Saving scenarios as the API does: a checked body (scenario-checks.ts) is stored, and activated when asked. */
import { ConflictError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import type { AutomationEngine } from './engine.ts';
import type { ScenarioChecks } from './scenario-checks.ts';
import { scenarioOr404 } from './scenario-checks.ts';
import { createScenario, deleteScenario, type Scenario } from './scenario-store.ts';

type CreateBody = Awaited<ReturnType<ScenarioChecks['create']>>;
type UpdateBody = Awaited<ReturnType<ScenarioChecks['update']>>;

export interface ScenarioServiceDeps {
  db: Db;
  engine: AutomationEngine;
}

/** Stores a checked create body as version 1, and activates it when asked. */
export async function saveNewScenario({ db, engine }: ScenarioServiceDeps, tenantId: string, body: CreateBody): Promise<Scenario> {
  const scenario = await createScenario(db, tenantId, body);
  return body.activate ? (await engine.activate(tenantId, scenario.id))! : scenario;
}

/** Applies a checked update body. Undefined when the scenario went away meanwhile; the engine's StepInUseError passes through. */
export async function changeScenario({ db, engine }: ScenarioServiceDeps, tenantId: string, id: string, { definition, ...body }: UpdateBody): Promise<Scenario | undefined> {
  await scenarioOr404(db, tenantId, id);
  const updated = await engine.update(tenantId, id, { name: body.name, description: body.description, definition });
  return updated?.scenario;
}

/** Deletes a draft or archived scenario with its runs; an active or paused one must be archived first. */
export async function deleteStoppedScenario(db: Db, tenantId: string, id: string): Promise<void> {
  const scenario = await scenarioOr404(db, tenantId, id);
  if (scenario.status === 'active' || scenario.status === 'paused') {
    throw new ConflictError(`Scenario ${scenario.id} is ${scenario.status}: archive it first (POST /v1/scenarios/${scenario.id}/archive), which ends its running contacts.`);
  }
  await deleteScenario(db, tenantId, scenario.id);
}
