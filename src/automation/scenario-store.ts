/**
 * Scenarios in the store: the row holds the name and lifecycle, each saved definition is an
 * immutable version. Saving a changed definition adds a version; runs keep the version they
 * started on. Every query is scoped to the tenant.
 */
import { z } from 'zod';
import { newId } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';
import { eventTypesOf, ScenarioDefinitionSchema, type ScenarioDefinition } from './scenario.ts';

export const ScenarioStatus = z.enum(['draft', 'active', 'paused', 'archived']);
export type ScenarioStatus = z.infer<typeof ScenarioStatus>;

export interface Scenario {
  id: string;
  seq: number;
  tenantId: string;
  name: string;
  description: string | null;
  status: ScenarioStatus;
  latestVersion: number;
  activeVersion: number | null;
  eventTypes: string[];
  definition: ScenarioDefinition;
  createdAt: Date;
  updatedAt: Date;
}

type ScenarioRow = {
  id: string;
  seq: number;
  tenant_id: string;
  name: string;
  description: string | null;
  status: ScenarioStatus;
  latest_version: number;
  active_version: number | null;
  event_types: string[];
  definition: unknown;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `s.id, s.seq, s.tenant_id, s.name, s.description, s.status, s.latest_version, s.active_version, s.event_types, s.created_at, s.updated_at,
  (SELECT v.definition FROM scenario_versions v WHERE v.scenario_id = s.id AND v.version = s.latest_version) AS definition`;

const toScenario = (row: ScenarioRow): Scenario => ({
  id: row.id,
  seq: row.seq,
  tenantId: row.tenant_id,
  name: row.name,
  description: row.description,
  status: row.status,
  latestVersion: row.latest_version,
  activeVersion: row.active_version,
  eventTypes: row.event_types,
  // Stored definitions were valid when saved; parsing fills defaults added since.
  definition: ScenarioDefinitionSchema.parse(row.definition),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Same JSON whatever the key order: a save that changes nothing adds no version. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function createScenario(db: Db, tenantId: string, input: { name: string; description?: string | null | undefined; definition: ScenarioDefinition }): Promise<Scenario> {
  const id = newId('scn');
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO scenarios (id, tenant_id, name, description, status, latest_version, event_types, trigger_kind) VALUES ($1, $2, $3, $4, 'draft', 1, $5, $6)`,
      [id, tenantId, input.name, input.description ?? null, eventTypesOf(input.definition), input.definition.trigger.kind],
    );
    await tx.query('INSERT INTO scenario_versions (scenario_id, version, tenant_id, definition) VALUES ($1, 1, $2, $3)', [id, tenantId, JSON.stringify(input.definition)]);
  });
  return (await getScenario(db, tenantId, id))!;
}

export async function getScenario(db: Sql, tenantId: string, id: string): Promise<Scenario | undefined> {
  const [row] = await db.query<ScenarioRow>(`SELECT ${COLUMNS} FROM scenarios s WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, id]);
  return row && toScenario(row);
}

/** Newest first. */
export async function listScenarios(db: Db, tenantId: string, filter: { status?: ScenarioStatus | undefined; beforeSeq?: number | undefined; limit: number }): Promise<Scenario[]> {
  const rows = await db.query<ScenarioRow>(
    `SELECT ${COLUMNS} FROM scenarios s WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.status = $2) AND ($3::bigint IS NULL OR s.seq < $3) ORDER BY s.seq DESC LIMIT $4`,
    [tenantId, filter.status ?? null, filter.beforeSeq ?? null, filter.limit],
  );
  return rows.map(toScenario);
}

export async function definitionOf(db: Sql, scenarioId: string, version: number): Promise<ScenarioDefinition | undefined> {
  const [row] = await db.query<{ definition: unknown }>('SELECT definition FROM scenario_versions WHERE scenario_id = $1 AND version = $2', [scenarioId, version]);
  return row && ScenarioDefinitionSchema.parse(row.definition);
}

export async function versionsOf(db: Sql, tenantId: string, scenarioId: string): Promise<{ version: number; createdAt: Date }[]> {
  const rows = await db.query<{ version: number; created_at: Date }>('SELECT version, created_at FROM scenario_versions WHERE tenant_id = $1 AND scenario_id = $2 ORDER BY version', [tenantId, scenarioId]);
  return rows.map((row) => ({ version: row.version, createdAt: row.created_at }));
}

/**
 * Saves a new name, description or definition. A changed definition becomes a new version; on an
 * active or paused scenario it is also the version new runs start on (running ones keep theirs).
 */
export async function updateScenario(
  db: Db,
  tenantId: string,
  id: string,
  patch: { name?: string | undefined; description?: string | null | undefined; definition?: ScenarioDefinition | undefined },
): Promise<{ scenario: Scenario; newVersion: boolean } | undefined> {
  const newVersion = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ latest_version: number; status: ScenarioStatus; definition: unknown }>(
      `SELECT s.latest_version, s.status, v.definition FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id AND v.version = s.latest_version
       WHERE s.tenant_id = $1 AND s.id = $2 FOR UPDATE OF s`,
      [tenantId, id],
    );
    if (!row) return undefined;
    let changed = false;
    if (patch.definition !== undefined && canonical(patch.definition) !== canonical(ScenarioDefinitionSchema.parse(row.definition))) {
      changed = true;
      const version = row.latest_version + 1;
      await tx.query('INSERT INTO scenario_versions (scenario_id, version, tenant_id, definition) VALUES ($1, $2, $3, $4)', [id, version, tenantId, JSON.stringify(patch.definition)]);
      const types = new Set(eventTypesOf(patch.definition));
      const [current] = await tx.query<{ event_types: string[] }>('SELECT event_types FROM scenarios WHERE id = $1', [id]);
      for (const type of current!.event_types) types.add(type);
      await tx.query(
        `UPDATE scenarios SET latest_version = $2, event_types = $3, trigger_kind = $4,
           active_version = CASE WHEN status IN ('active', 'paused') THEN $2 ELSE active_version END, updated_at = now() WHERE id = $1`,
        [id, version, [...types], patch.definition.trigger.kind],
      );
    }
    if (patch.name !== undefined || patch.description !== undefined) {
      await tx.query('UPDATE scenarios SET name = coalesce($2, name), description = CASE WHEN $4 THEN $3 ELSE description END, updated_at = now() WHERE id = $1', [
        id,
        patch.name ?? null,
        patch.description ?? null,
        patch.description !== undefined,
      ]);
    }
    return changed;
  });
  if (newVersion === undefined) return undefined;
  return { scenario: (await getScenario(db, tenantId, id))!, newVersion };
}

/** Moves the lifecycle; activation also makes the latest version the one new runs start on. */
export async function setScenarioStatus(db: Db, tenantId: string, id: string, status: ScenarioStatus): Promise<Scenario | undefined> {
  const rows = await db.query(
    `UPDATE scenarios SET status = $3, active_version = CASE WHEN $3 = 'active' THEN latest_version ELSE active_version END, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING id`,
    [tenantId, id, status],
  );
  return rows.length === 1 ? getScenario(db, tenantId, id) : undefined;
}

export async function deleteScenario(db: Db, tenantId: string, id: string): Promise<boolean> {
  return (await db.query('DELETE FROM scenarios WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id])).length === 1;
}

/** Scenarios of the tenant that react to an event type (the bus's question), live ones only. */
export async function scenariosForEvent(db: Sql, tenantId: string, type: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM scenarios WHERE tenant_id = $1 AND status IN ('active', 'paused') AND $2 = ANY(event_types)`, [tenantId, type]);
  return rows.map((row) => row.id);
}

/** The tenant's newest scenario of that name that is not archived (what a part creating scenarios on the tenant's behalf checks first). */
export async function liveScenarioNamed(db: Sql, tenantId: string, name: string): Promise<Scenario | undefined> {
  const [row] = await db.query<ScenarioRow>(`SELECT ${COLUMNS} FROM scenarios s WHERE s.tenant_id = $1 AND s.name = $2 AND s.status <> 'archived' ORDER BY s.seq DESC LIMIT 1`, [tenantId, name]);
  return row && toScenario(row);
}
