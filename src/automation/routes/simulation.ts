/** Simulation on a virtual clock: /v1/scenarios/{id}/simulate (a stored version) and /v1/scenarios/simulate (an unsaved definition). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { HttpProblem, ProblemSchema } from '../../gateway/problem.ts';
import type { Db } from '../../store/db.ts';
import { RunStatus } from '../run.ts';
import type { ScenarioDefinition } from '../scenario.ts';
import { definitionErrors, scenarioOr404, validationError, type ScenarioChecks } from '../scenario-checks.ts';
import { definitionOf } from '../scenario-store.ts';
import { SimulationInputSchema } from '../simulate.ts';
import { runSimulation, type SimulationServiceDeps } from '../simulation-service.ts';
import { StepRecordViewSchema } from '../views.ts';
import { IdParams } from './params.ts';

const SimulationBody = SimulationInputSchema.extend({
  contactId: z.string().min(1).max(64).optional().describe('Simulate a stored contact (its fields, consent, opt-outs and lists, read only) instead of `contact`.'),
});
const SimulationResultSchema = z
  .object({
    start: z.string(),
    end: z.string(),
    truncated: z.boolean(),
    timeline: z.array(z.record(z.string(), z.unknown())),
    messages: z.array(z.record(z.string(), z.unknown())),
    runs: z.array(z.object({ id: z.string(), status: RunStatus, endReason: z.string().nullable(), steps: z.array(StepRecordViewSchema) })),
  })
  .meta({ id: 'SimulationResult' });

/** An unsaved definition, checked as save checks it (400 naming each step and field under body.definition). */
async function checkedDefinition(checks: ScenarioChecks, tenantId: string, definition: unknown): Promise<ScenarioDefinition> {
  const { definition: valid, issues } = await checks.definitionIssues(tenantId, definition);
  if (!valid) throw validationError(definitionErrors(issues, 'body.definition'), 'The scenario');
  return valid;
}

export interface SimulationRouteDeps extends SimulationServiceDeps {
  db: Db;
  checks: ScenarioChecks;
}

export const simulationRoutes: FastifyPluginAsyncZod<SimulationRouteDeps> = async (app, deps) => {
  app.post(
    '/scenarios/:id/simulate',
    {
      schema: {
        tags: ['automation'],
        summary: 'Simulate the scenario for a contact and future events, on a virtual clock',
        description: 'Answers the timeline of what would happen and be sent, when. Nothing is stored and no message leaves.',
        params: IdParams,
        querystring: z.object({ version: z.coerce.number().int().min(1).optional().describe('Default: the active version, else the latest.') }),
        body: SimulationBody,
        response: { 200: SimulationResultSchema, 400: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const scenario = await scenarioOr404(deps.db, tenantId, request.params.id);
      const version = request.query.version ?? scenario.activeVersion ?? scenario.latestVersion;
      const definition = await definitionOf(deps.db, scenario.id, version);
      if (!definition) throw new HttpProblem(404, 'not-found', `Scenario ${scenario.id} has no version ${version}.`);
      return runSimulation(deps, tenantId, scenario.id, definition, request.body);
    },
  );

  app.post(
    '/scenarios/simulate',
    {
      schema: {
        tags: ['automation'],
        summary: 'Simulate an unsaved scenario definition',
        body: SimulationBody.extend({ definition: z.unknown() }),
        response: { 200: SimulationResultSchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const { definition, ...body } = request.body;
      const tenantId = tenantOf(request);
      return runSimulation(deps, tenantId, 'scn_inline', await checkedDefinition(deps.checks, tenantId, definition), body);
    },
  );
};
