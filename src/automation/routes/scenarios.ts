/**
 * /v1/scenarios: create, validate, list, read (with its versions and run counts), change and delete.
 * Bodies and definitions are checked by scenario-checks.ts (errors name the step and the field, with
 * paths under body.definition); saving is scenario-service.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../../gateway/problem.ts';
import type { Db } from '../../store/db.ts';
import { StepInUseError, type AutomationEngine } from '../engine.ts';
import { runCounts } from '../run-store.ts';
import { CreateBodySchema, passThrough, scenarioOr404, UpdateBodySchema, ValidationAnswerSchema, type ScenarioChecks } from '../scenario-checks.ts';
import { changeScenario, deleteStoppedScenario, saveNewScenario } from '../scenario-service.ts';
import { definitionOf, listScenarios, ScenarioStatus, versionsOf } from '../scenario-store.ts';
import { RunCountsSchema, ScenarioViewSchema, scenarioView } from '../views.ts';
import { IdParams } from './params.ts';

export interface ScenarioRouteDeps {
  db: Db;
  engine: AutomationEngine;
  checks: ScenarioChecks;
}

export const scenarioRoutes: FastifyPluginAsyncZod<ScenarioRouteDeps> = async (app, { db, engine, checks }) => {
  app.post(
    '/scenarios',
    {
      validatorCompiler: passThrough,
      schema: {
        tags: ['automation'],
        summary: 'Create a scenario',
        description:
          'Saved as a draft (version 1) unless activate is true. The definition is validated; each error names the step and the field.',
        body: CreateBodySchema,
        response: { 201: ScenarioViewSchema, 400: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const scenario = await saveNewScenario({ db, engine }, tenantId, await checks.create(tenantId, request.body));
      return reply.code(201).send(scenarioView(scenario));
    },
  );

  app.post(
    '/scenarios/validate',
    {
      validatorCompiler: passThrough,
      schema: {
        tags: ['automation'],
        summary: 'Check a scenario body as POST /v1/scenarios would, without saving it',
        description: 'Takes the body of POST /v1/scenarios (name optional). errors are exactly those save would answer, with the same paths (body.definition.steps[1].timeout).',
        body: CreateBodySchema.partial({ name: true }),
        response: { 200: ValidationAnswerSchema, 400: ProblemSchema },
      },
    },
    async (request) => checks.validate(tenantOf(request), request.body),
  );

  app.get(
    '/scenarios',
    {
      schema: {
        tags: ['automation'],
        summary: 'List scenarios, newest first',
        querystring: PageQuerySchema.extend({ status: ScenarioStatus.optional() }),
        response: { 200: z.object({ items: z.array(ScenarioViewSchema), nextCursor: z.string().nullable() }), 400: ProblemSchema },
      },
    },
    async (request) => {
      const rows = await listScenarios(db, tenantOf(request), { status: request.query.status, beforeSeq: decodeCursor(request.query.cursor), limit: request.query.limit + 1 });
      const page = rows.slice(0, request.query.limit);
      return { items: page.map(scenarioView), nextCursor: rows.length > request.query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/scenarios/:id',
    {
      schema: {
        tags: ['automation'],
        summary: 'One scenario: its latest definition, its versions and how many runs are in each status',
        params: IdParams,
        querystring: z.object({ version: z.coerce.number().int().min(1).optional().describe('Show this version\'s definition instead of the latest.') }),
        response: {
          200: ScenarioViewSchema.extend({ versions: z.array(z.object({ version: z.number().int(), createdAt: z.string() })), runs: RunCountsSchema }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const scenario = await scenarioOr404(db, tenantId, request.params.id);
      const view = scenarioView(scenario);
      if (request.query.version !== undefined) {
        const definition = await definitionOf(db, scenario.id, request.query.version);
        if (!definition) throw new HttpProblem(404, 'not-found', `Scenario ${scenario.id} has no version ${request.query.version} (latest: ${scenario.latestVersion}).`);
        Object.assign(view, { version: request.query.version, definition });
      }
      const versions = await versionsOf(db, tenantId, scenario.id);
      return { ...view, versions: versions.map((version) => ({ version: version.version, createdAt: version.createdAt.toISOString() })), runs: await runCounts(db, tenantId, scenario.id) };
    },
  );

  app.put(
    '/scenarios/:id',
    {
      validatorCompiler: passThrough,
      schema: {
        tags: ['automation'],
        summary: 'Change a scenario\'s name, description or definition',
        description:
          'A changed definition is a new version; on an active scenario new runs start on it, running contacts finish on the version they started. ' +
          'Removing a step that contacts are on is refused (409) with how many and where.',
        params: IdParams,
        body: UpdateBodySchema,
        response: { 200: ScenarioViewSchema, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const params = IdParams.parse(request.params);
      const body = await checks.update(tenantId, request.body);
      try {
        const updated = await changeScenario({ db, engine }, tenantId, params.id, body);
        if (!updated) throw notFound('scenario', params.id);
        return scenarioView(updated);
      } catch (error) {
        if (error instanceof StepInUseError) {
          throw new HttpProblem(409, 'conflict', `The new definition removes steps that contacts are on: ${error.message}`, {
            errors: error.steps.map((step) => ({ path: 'body.definition.steps', message: `step "${step.stepId}" is missing but ${step.count} contact(s) are on it (version ${step.version})` })),
          });
        }
        throw error;
      }
    },
  );

  app.delete(
    '/scenarios/:id',
    {
      schema: {
        tags: ['automation'],
        summary: 'Delete a draft or archived scenario with its runs and their history',
        params: IdParams,
        response: { 204: z.null(), 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      await deleteStoppedScenario(db, tenantOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
