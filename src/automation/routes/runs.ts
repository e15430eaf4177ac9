/** A scenario's runs (/v1/scenarios/{id}/runs) and every scenario's (/v1/scenario-runs: per contact, with history; cancel). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../../gateway/pagination.ts';
import { notFound, ProblemSchema } from '../../gateway/problem.ts';
import type { Db } from '../../store/db.ts';
import type { AutomationEngine } from '../engine.ts';
import { getRun, listRuns, stepRecords } from '../run-store.ts';
import { RunStatus } from '../run.ts';
import { scenarioOr404 } from '../scenario-checks.ts';
import { RunViewSchema, runView } from '../views.ts';
import { IdParams } from './params.ts';

export interface RunRouteDeps {
  db: Db;
  engine: AutomationEngine;
}

export const runRoutes: FastifyPluginAsyncZod<RunRouteDeps> = async (app, { db, engine }) => {
  const RunsQuery = PageQuerySchema.extend({ status: RunStatus.optional(), step: z.string().max(64).optional(), contactId: z.string().max(64).optional() });
  const RunPageSchema = z.object({ items: z.array(RunViewSchema), nextCursor: z.string().nullable() });

  app.get(
    '/scenarios/:id/runs',
    {
      schema: {
        tags: ['automation'],
        summary: 'The scenario\'s runs, newest first (history: with each run\'s steps)',
        params: IdParams,
        querystring: RunsQuery.extend({ history: z.enum(['true', 'false']).default('false') }),
        response: { 200: RunPageSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const scenario = await scenarioOr404(db, tenantId, request.params.id);
      const query = request.query;
      const rows = await listRuns(db, tenantId, { scenarioId: scenario.id, contactId: query.contactId, status: query.status, stepId: query.step, beforeSeq: decodeCursor(query.cursor), limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const history = query.history === 'true' ? await stepRecords(db, tenantId, page.map((run) => run.id)) : undefined;
      return { items: page.map((run) => runView(run, history)), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/scenario-runs',
    {
      schema: {
        tags: ['automation'],
        summary: 'Runs of every scenario, e.g. one contact\'s, with their history (which step, when, why)',
        querystring: RunsQuery.extend({ scenarioId: z.string().max(64).optional() }),
        response: { 200: RunPageSchema, 400: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const query = request.query;
      const rows = await listRuns(db, tenantId, { scenarioId: query.scenarioId, contactId: query.contactId, status: query.status, stepId: query.step, beforeSeq: decodeCursor(query.cursor), limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const history = await stepRecords(db, tenantId, page.map((run) => run.id));
      return { items: page.map((run) => runView(run, history)), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
    },
  );

  app.get(
    '/scenario-runs/:id',
    { schema: { tags: ['automation'], summary: 'One run with its history', params: IdParams, response: { 200: RunViewSchema, 404: ProblemSchema } } },
    async (request) => {
      const tenantId = tenantOf(request);
      const run = await getRun(db, request.params.id, tenantId);
      if (!run) throw notFound('scenario run', request.params.id);
      return runView(run, await stepRecords(db, tenantId, [run.id]));
    },
  );

  app.post(
    '/scenario-runs/:id/cancel',
    { schema: { tags: ['automation'], summary: 'Cancel a run (its pending wait is dropped)', params: IdParams, response: { 200: RunViewSchema, 404: ProblemSchema } } },
    async (request) => {
      const tenantId = tenantOf(request);
      const run = await engine.cancelRun(tenantId, request.params.id);
      if (!run) throw notFound('scenario run', request.params.id);
      return runView(run, await stepRecords(db, tenantId, [run.id]));
    },
  );
};
