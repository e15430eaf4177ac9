/**
 * The automation API: /v1/scenarios (CRUD, validate, runs, simulate) and
 * /v1/scenario-runs (per contact, with history; cancel). Bodies and definitions are checked by
 * scenario-checks.ts (errors name the step and the field, with paths under body.definition); the
 * lifecycle routes are in lifecycle-routes.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ContactsModule } from '../contacts/contacts-module.ts';
import { tenantOf } from '../gateway/auth.ts';
import { decodeCursor, encodeCursor, PageQuerySchema } from '../gateway/pagination.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import type { SendingModule } from '../sending/sending-module.ts';
import type { Db } from '../store/db.ts';
import type { ConnectorActionRegistry } from './connector-actions.ts';
import type { ReadyRuleOverlapCheck } from './ready-rule-overlaps.ts';
import type { Segments } from './segments/segments.ts';
import { StepInUseError, type AutomationEngine } from './engine.ts';
import { scenarioLifecycleRoutes } from './lifecycle-routes.ts';
import { getRun, listRuns, runCounts, stepRecords } from './run-store.ts';
import { RunStatus } from './run.ts';
import type { ScenarioDefinition } from './scenario.ts';
import { CreateBodySchema, definitionErrors, passThrough, scenarioChecks, scenarioOr404 as findScenarioOr404, UpdateBodySchema, validationError, ValidationAnswerSchema } from './scenario-checks.ts';
import { createScenario, definitionOf, deleteScenario, listScenarios, ScenarioStatus, versionsOf } from './scenario-store.ts';
import { simulate, SimulatedContactSchema, SimulationInputSchema } from './simulate.ts';
import { contactSnapshot } from './store-port.ts';
import { RunCountsSchema, RunViewSchema, runView, ScenarioViewSchema, scenarioView, StepRecordViewSchema, stepRecordView } from './views.ts';

export interface AutomationRouteDeps {
  db: Db;
  engine: AutomationEngine;
  sending: Pick<SendingModule, 'settings'>;
  contacts: ContactsModule;
  connectorActions: ConnectorActionRegistry;
  segments: Pick<Segments, 'get'>;
  readyRules: ReadyRuleOverlapCheck;
}

export const automationRoutes: FastifyPluginAsyncZod<AutomationRouteDeps> = async (app, deps) => {
  const { db, engine } = deps;
  const checks = scenarioChecks(deps);
  const checked = async (tenantId: string, definition: unknown): Promise<ScenarioDefinition> => {
    const { definition: valid, issues } = await checks.definitionIssues(tenantId, definition);
    if (!valid) throw validationError(definitionErrors(issues, 'body.definition'), 'The scenario');
    return valid;
  };
  const scenarioOr404 = (tenantId: string, id: string) => findScenarioOr404(db, tenantId, id);
  await app.register(scenarioLifecycleRoutes, { db, engine, checks });

  app.post(
    '/scenarios',
    {
      validatorCompiler: passThrough,
      schema: {
        tags: ['automation'],
        summary: 'Create a scenario',
        description:
          'Saved as a draft (version 1) unless activate is true. The definition is validated; each error names the step and the field. ' +
          'Activating a scenario whose trigger event a connector\'s ready rule already answers with an SMS of the same category is refused (409) unless allowReadyRuleOverlap is true.',
        body: CreateBodySchema,
        response: { 201: ScenarioViewSchema, 400: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const body = await checks.create(tenantId, request.body);
      if (body.activate) await checks.refuseReadyRuleOverlap(tenantId, { after: body, allow: body.allowReadyRuleOverlap, path: 'body.definition.trigger.event' });
      let scenario = await createScenario(db, tenantId, body);
      if (body.activate) scenario = (await engine.activate(tenantId, scenario.id))!;
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

  const IdParams = z.object({ id: z.string().min(1).max(64) });

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
      const scenario = await scenarioOr404(tenantId, request.params.id);
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
      const { definition, ...body } = await checks.update(tenantId, request.body);
      const current = await scenarioOr404(tenantId, params.id);
      if (definition && current.status === 'active') {
        await checks.refuseReadyRuleOverlap(tenantId, { before: current, after: { ...current, definition }, allow: body.allowReadyRuleOverlap, path: 'body.definition.trigger.event' });
      }
      try {
        const updated = await engine.update(tenantId, params.id, { name: body.name, description: body.description, definition });
        if (!updated) throw notFound('scenario', params.id);
        return scenarioView(updated.scenario);
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
      const tenantId = tenantOf(request);
      const scenario = await scenarioOr404(tenantId, request.params.id);
      if (scenario.status === 'active' || scenario.status === 'paused') {
        throw new HttpProblem(409, 'conflict', `Scenario ${scenario.id} is ${scenario.status}: archive it first (POST /v1/scenarios/${scenario.id}/archive), which ends its running contacts.`);
      }
      await deleteScenario(db, tenantId, scenario.id);
      return reply.code(204).send(null);
    },
  );

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
      const scenario = await scenarioOr404(tenantId, request.params.id);
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

  // ---- simulation ----

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

  const runSimulation = async (tenantId: string, scenarioId: string, definition: ScenarioDefinition, body: z.infer<typeof SimulationBody>) => {
    const input = { ...body };
    if (body.contactId !== undefined) {
      const contact = await contactSnapshot(deps.contacts, tenantId, body.contactId);
      if (!contact) throw new HttpProblem(400, 'validation-failed', `No contact with id "${body.contactId}" in this tenant.`, { errors: [{ path: 'body.contactId', message: 'unknown contact' }] });
      const [sms, email, lists] = [
        await deps.contacts.contacts.consentOf(tenantId, contact.id, 'sms'),
        await deps.contacts.contacts.consentOf(tenantId, contact.id, 'email'),
        await deps.contacts.lists.listsOf(tenantId, contact.id),
      ];
      input.contact = SimulatedContactSchema.parse({
        firstName: contact.firstName,
        lastName: contact.lastName,
        email: contact.email,
        phone: contact.phone,
        locale: contact.locale,
        timeZone: contact.timeZone,
        attributes: contact.attributes,
        externalIds: contact.externalIds,
        consent: { sms: sms?.status ?? 'unknown', email: email?.status ?? 'unknown' },
        optedOut: {
          sms: contact.phone !== null && (await deps.contacts.optOuts.isOptedOut(tenantId, 'sms', contact.phone)),
          email: contact.email !== null && (await deps.contacts.optOuts.isOptedOut(tenantId, 'email', contact.email)),
        },
        lists: lists.map((list) => list.id),
      });
    }
    const settings = await deps.sending.settings.get(tenantId);
    try {
      const result = await simulate(definition, input, { tenantId, scenarioId, settings, now: engine.now() });
      return { ...result, runs: result.runs.map((run) => ({ ...run, steps: run.steps.map(stepRecordView) })) };
    } catch (error) {
      if (error instanceof Error && /loops without end/.test(error.message)) throw new HttpProblem(422, 'unprocessable', error.message);
      throw error;
    }
  };

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
      const scenario = await scenarioOr404(tenantId, request.params.id);
      const version = request.query.version ?? scenario.activeVersion ?? scenario.latestVersion;
      const definition = await definitionOf(db, scenario.id, version);
      if (!definition) throw new HttpProblem(404, 'not-found', `Scenario ${scenario.id} has no version ${version}.`);
      return runSimulation(tenantId, scenario.id, definition, request.body);
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
      return runSimulation(tenantId, 'scn_inline', await checked(tenantId, definition), body);
    },
  );
};
