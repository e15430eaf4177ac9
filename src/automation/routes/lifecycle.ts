/**
 * A scenario's lifecycle: /v1/scenarios/{id}/activate, pause, archive, cancel-runs. Activation
 * checks the version it switches on as save does (a draft saved before a check existed, a segment
 * deleted since).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { HttpProblem, ProblemSchema } from '../../gateway/problem.ts';
import type { Db } from '../../store/db.ts';
import type { AutomationEngine } from '../engine.ts';
import { ActivateBodySchema, definitionErrors, scenarioOr404, type ScenarioChecks } from '../scenario-checks.ts';
import { ScenarioViewSchema, scenarioView } from '../views.ts';
import { IdParams } from './params.ts';

export interface LifecycleRouteDeps {
  db: Db;
  engine: AutomationEngine;
  checks: ScenarioChecks;
}

export const scenarioLifecycleRoutes: FastifyPluginAsyncZod<LifecycleRouteDeps> = async (app, { db, engine, checks }) => {
  app.post(
    '/scenarios/:id/activate',
    {
      schema: {
        tags: ['automation'],
        summary: 'Activate (or resume): new runs start on the latest version; held runs go on',
        description:
          'The latest version is checked as save checks it (422 with each error under definition.… if it cannot run).',
        params: IdParams,
        body: ActivateBodySchema,
        response: { 200: ScenarioViewSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const scenario = await scenarioOr404(db, tenantId, request.params.id);
      const { issues } = await checks.definitionIssues(tenantId, scenario.definition);
      if (issues.length > 0) {
        throw new HttpProblem(422, 'unprocessable', `Version ${scenario.latestVersion} of ${scenario.id} cannot run: ${issues[0]!.message}. Fix it with PUT /v1/scenarios/${scenario.id}.`, {
          errors: definitionErrors(issues, 'definition'),
        });
      }
      return scenarioView((await engine.activate(tenantId, scenario.id))!);
    },
  );

  for (const action of ['pause', 'archive'] as const) {
    const summaries = {
      pause: 'Pause: no new runs; running contacts hold where they are until it is activated again (exit events still end them)',
      archive: 'Archive: no new runs, running contacts are cancelled',
    };
    app.post(
      `/scenarios/:id/${action}`,
      { schema: { tags: ['automation'], summary: summaries[action], params: IdParams, response: { 200: ScenarioViewSchema, 404: ProblemSchema, 409: ProblemSchema } } },
      async (request) => {
        const tenantId = tenantOf(request);
        const scenario = await scenarioOr404(db, tenantId, request.params.id);
        if (action === 'pause' && scenario.status !== 'active') throw new HttpProblem(409, 'conflict', `Only an active scenario can be paused; ${scenario.id} is ${scenario.status}.`);
        const next = action === 'pause' ? await engine.pause(tenantId, scenario.id) : await engine.archive(tenantId, scenario.id);
        return scenarioView(next!);
      },
    );
  }

  app.post(
    '/scenarios/:id/cancel-runs',
    {
      schema: {
        tags: ['automation'],
        summary: 'Cancel the scenario\'s running contacts, all of them or those on one step',
        params: IdParams,
        body: z.object({ step: z.string().min(1).max(64).optional() }).strict().default({}),
        response: { 200: z.object({ cancelled: z.number().int() }), 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const scenario = await scenarioOr404(db, tenantId, request.params.id);
      return { cancelled: await engine.cancelRuns(tenantId, scenario.id, request.body?.step) };
    },
  );
};
