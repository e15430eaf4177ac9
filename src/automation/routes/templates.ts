/** /v1/scenario-templates: the scenario library (src/automation/templates), listed, read and instantiated into draft scenarios. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { notFound, ProblemSchema } from '../../gateway/problem.ts';
import type { ScenarioChecks } from '../scenario-checks.ts';
import type { ScenarioServiceDeps } from '../scenario-service.ts';
import type { ScenarioTemplates } from '../templates/index.ts';
import { buildFromTemplate, InstantiateBodySchema, instantiateTemplate, templateView } from '../templates/instantiate.ts';
import { ScenarioViewSchema, scenarioView } from '../views.ts';
import { IdParams } from './params.ts';

const TemplateViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    needs: z.object({
      events: z.array(z.string()).describe('Event types the scenario reacts to: your shop, CRM or API must send them.'),
      data: z.array(z.object({ field: z.string(), why: z.string() })).describe('Data it reads.'),
    }),
    parameters: z.record(z.string(), z.unknown()).describe('JSON Schema of the parameters, with their defaults.'),
    defaults: z.record(z.string(), z.unknown()).describe('Each parameter\'s default: texts, delays, coupon codes, category delays.'),
    required: z.array(z.string()).describe('Parameters without a default.'),
  })
  .meta({ id: 'ScenarioTemplate' });

export interface TemplateRouteDeps extends ScenarioServiceDeps {
  checks: ScenarioChecks;
  templates: ScenarioTemplates;
}

export const templateRoutes: FastifyPluginAsyncZod<TemplateRouteDeps> = async (app, deps) => {
  const templateOr404 = (id: string) => {
    const template = deps.templates.get(id);
    if (!template) throw notFound('scenario template', id);
    return template;
  };

  app.get(
    '/scenario-templates',
    {
      schema: {
        tags: ['automation'],
        summary: 'The scenario library: templates to instantiate',
        response: { 200: z.object({ items: z.array(TemplateViewSchema) }) },
      },
    },
    async () => ({ items: deps.templates.list().map(templateView) }),
  );

  app.get(
    '/scenario-templates/:id',
    {
      schema: {
        tags: ['automation'],
        summary: 'One template, with the scenario its defaults build',
        params: IdParams,
        response: {
          200: TemplateViewSchema.extend({ preview: z.record(z.string(), z.unknown()).nullable().describe('The definition built from the defaults; null when a parameter has no default.') }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const template = templateOr404(request.params.id);
      const view = templateView(template);
      const preview = view.required.length === 0 ? (buildFromTemplate(template, {}).definition as Record<string, unknown>) : null;
      return { ...view, preview };
    },
  );

  app.post(
    '/scenario-templates/:id/instantiate',
    {
      schema: {
        tags: ['automation'],
        summary: 'Create a draft scenario from a template and parameters',
        description:
          'Parameters left out take their defaults. The built scenario is checked as POST /v1/scenarios checks it and saved as a draft: simulate it, then activate it (POST /v1/scenarios/{id}/activate).',
        params: IdParams,
        body: InstantiateBodySchema,
        response: { 201: ScenarioViewSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const template = templateOr404(request.params.id);
      const scenario = await instantiateTemplate(deps, tenantOf(request), template, request.body);
      return reply.code(201).send(scenarioView(scenario));
    },
  );
};
