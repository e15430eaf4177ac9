/** The JSON shapes of scenarios and runs in the API, and the conversions from the stored types. */
import { z } from 'zod';
import { RunStatus, StepOutcome, StepState, type StepRecord } from './run.ts';
import type { StoredRun } from './run-store.ts';
import { ScenarioStatus, type Scenario } from './scenario-store.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const RunCountsSchema = z.record(RunStatus, z.number().int());

export const ScenarioViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: ScenarioStatus,
    version: z.number().int().describe('The latest version (the definition shown).'),
    activeVersion: z.number().int().nullable().describe('The version new runs start on.'),
    definition: z.unknown().describe('ScenarioDefinition: trigger, entry, exitEvents, steps.'),
    eventTypes: z.array(z.string()).describe('Event types the scenario listens to (all versions).'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Scenario' });

export const scenarioView = (scenario: Scenario): z.infer<typeof ScenarioViewSchema> => ({
  id: scenario.id,
  name: scenario.name,
  description: scenario.description,
  status: scenario.status,
  version: scenario.latestVersion,
  activeVersion: scenario.activeVersion,
  definition: scenario.definition,
  eventTypes: scenario.eventTypes,
  createdAt: scenario.createdAt.toISOString(),
  updatedAt: scenario.updatedAt.toISOString(),
});

export const StepRecordViewSchema = z
  .object({
    step: z.string().describe('The step id; "$entry" and "$end" are the run\'s start and end.'),
    rotation: z.number().int().describe('How many loops (goto) the run had made: each pass of a loop is a new record.'),
    type: z.string(),
    state: StepState,
    outcome: StepOutcome.nullable().describe('Why the run went on: yes/no, sent, elapsed, happened, timedOut, looped…'),
    next: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).describe('The message id, the wait\'s end, the event that arrived, the error…'),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'ScenarioStepRecord' });

export const stepRecordView = (record: StepRecord): z.infer<typeof StepRecordViewSchema> => ({
  step: record.stepId,
  rotation: record.rotation,
  type: record.type,
  state: record.state,
  outcome: record.outcome,
  next: record.next,
  detail: record.detail,
  startedAt: record.startedAt.toISOString(),
  finishedAt: iso(record.finishedAt),
});

export const RunViewSchema = z
  .object({
    id: z.string(),
    scenarioId: z.string(),
    version: z.number().int(),
    contactId: z.string(),
    key: z.string(),
    status: RunStatus,
    step: z.string().nullable().describe('The step the run is at (null once ended).'),
    rotation: z.number().int(),
    wakeAt: z.string().nullable().describe('When a waiting run\'s wait ends (or its waitFor times out).'),
    trigger: z.object({ id: z.string().nullable(), type: z.string(), occurredAt: z.string() }).nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
    history: z.array(StepRecordViewSchema).optional(),
  })
  .meta({ id: 'ScenarioRun' });

export const runView = (run: StoredRun, history?: StepRecord[]): z.infer<typeof RunViewSchema> => ({
  id: run.id,
  scenarioId: run.scenarioId,
  version: run.version,
  contactId: run.contactId,
  key: run.key,
  status: run.status,
  step: run.stepId,
  rotation: run.rotation,
  wakeAt: iso(run.wakeAt),
  trigger: run.trigger && { id: run.trigger.id, type: run.trigger.type, occurredAt: run.trigger.occurredAt },
  startedAt: run.startedAt.toISOString(),
  endedAt: iso(run.endedAt),
  endReason: run.endReason,
  ...(history ? { history: history.filter((record) => record.runId === run.id).map(stepRecordView) } : {}),
});
