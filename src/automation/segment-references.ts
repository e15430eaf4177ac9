/**
 * Where scenarios name segments (their trigger and `inSegment` predicates): what save checks (the
 * segments exist), what the simulator asks of a stored contact (is it in them), and what keeps a
 * segment a live scenario depends on from being deleted.
 */
import type { Sql } from '../store/db.ts';
import { predicatesIn, type Predicate } from './predicates.ts';
import { ScenarioDefinitionSchema, type ScenarioDefinition } from './scenario.ts';

/** Each place a definition names a segment, with its path in the definition. */
export function segmentsNamed(definition: ScenarioDefinition): { path: string; segmentId: string }[] {
  const found: { path: string; segmentId: string }[] = [];
  if (definition.trigger.kind === 'segment') found.push({ path: 'trigger.segmentId', segmentId: definition.trigger.segmentId });
  const scan = (predicate: Predicate | undefined, path: string) => {
    if (!predicate) return;
    for (const inner of predicatesIn(predicate)) if (inner.kind === 'inSegment') found.push({ path, segmentId: inner.segmentId });
  };
  scan(definition.trigger.filter, 'trigger.filter');
  definition.steps.forEach((step, index) => {
    if (step.type === 'condition') scan(step.if, `steps[${index}].if`);
    if (step.type === 'waitFor' && step.match.by === 'contact') scan(step.match.where, `steps[${index}].match.where`);
  });
  definition.exitEvents.forEach((exit, index) => {
    if (exit.match.by === 'contact') scan(exit.match.where, `exitEvents[${index}].match.where`);
  });
  return found;
}

/**
 * The live scenarios (active, or paused and able to resume) whose current version names the segment.
 * Runs still on an older version keep their definition, so every version of a live scenario counts.
 */
export async function liveScenariosUsing(db: Sql, tenantId: string, segmentId: string): Promise<{ id: string; name: string }[]> {
  const rows = await db.query<{ id: string; name: string; definition: unknown }>(
    `SELECT s.id, s.name, v.definition FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id
     WHERE s.tenant_id = $1 AND s.status IN ('active', 'paused') AND v.definition::text LIKE '%' || $2 || '%' ORDER BY s.seq, v.version`,
    [tenantId, segmentId],
  );
  const using = new Map<string, string>();
  for (const row of rows) {
    const parsed = ScenarioDefinitionSchema.safeParse(row.definition);
    if (parsed.success && segmentsNamed(parsed.data).some((named) => named.segmentId === segmentId)) using.set(row.id, row.name);
  }
  return [...using].map(([id, name]) => ({ id, name }));
}
