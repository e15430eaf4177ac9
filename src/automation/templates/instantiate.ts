/**
 * A template and parameters → a scenario in draft. The parameters are checked against the template's
 * zod schema (errors under body.parameters), then the built definition goes through the checks every
 * scenario save goes through (scenario-checks.ts), so what a template hands out is a scenario the
 * API accepts, and a text parameter with a typo (`{{ contact.fistName }}`) is refused naming the
 * step it lands in. Nothing is activated: the tenant reviews, simulates, then activates.
 */
import { z } from 'zod';
import { formatPath } from '../../gateway/problem.ts';
import { InvalidInputError } from '../../errors.ts';
import type { ScenarioChecks } from '../scenario-checks.ts';
import { saveNewScenario, type ScenarioServiceDeps } from '../scenario-service.ts';
import type { Predicate } from '../predicates.ts';
import { liveScenarioNamed, type Scenario } from '../scenario-store.ts';
import type { ScenarioTemplates } from './index.ts';
import type { BuiltScenario, ScenarioTemplate } from './template.ts';

export const InstantiateBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional().describe('Default: the template\'s scenario name.'),
    description: z.string().trim().max(2000).optional().describe('Default: a summary of the parameters.'),
    parameters: z.record(z.string(), z.unknown()).default({}).describe('The template\'s parameters (GET /v1/scenario-templates/{id}); those left out take their defaults.'),
  })
  .strict()
  .meta({ id: 'InstantiateTemplateBody' });
export type InstantiateBody = z.output<typeof InstantiateBodySchema>;

/** The template's scenario for these parameters; InvalidInputError naming body.parameters.… when they do not parse. */
export function buildFromTemplate(template: ScenarioTemplate, parameters: unknown): BuiltScenario {
  const parsed = template.parameters.safeParse(parameters ?? {});
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path, 'body.parameters'), message: issue.message }));
    throw new InvalidInputError(`The parameters of template "${template.id}" have ${errors.length} problem(s): ${errors[0]!.path}: ${errors[0]!.message}`, errors);
  }
  return template.build(parsed.data);
}

export async function instantiateTemplate(deps: ScenarioServiceDeps & { checks: ScenarioChecks }, tenantId: string, template: ScenarioTemplate, body: InstantiateBody): Promise<Scenario> {
  const built = buildFromTemplate(template, body.parameters);
  const checked = await deps.checks.create(tenantId, { name: body.name ?? built.name, description: body.description ?? built.description, definition: built.definition, activate: false });
  return saveNewScenario(deps, tenantId, checked);
}

/** What the API shows of a template: its parameters as JSON Schema (defaults included) and the defaults alone. */
export function templateView(template: ScenarioTemplate) {
  const parameters = z.toJSONSchema(template.parameters, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { default?: unknown }>; required?: string[] };
  const defaults = Object.fromEntries(Object.entries(parameters.properties ?? {}).flatMap(([name, schema]) => (schema.default === undefined ? [] : [[name, schema.default]])));
  return { id: template.id, name: template.name, description: template.description, needs: template.needs, parameters, defaults, required: parameters.required ?? [] };
}

/**
 * The library as other parts use it: the connectors suggest templates when a shop is installed, and
 * moved their former ready rules into scenarios with it (src/connectors/rules/move-rules.ts).
 */
export interface ScenarioLibrary {
  /** The templates whose events these event types feed (besides the hub's own: unsubscribes, SMS replies). */
  fitting(emits: readonly string[]): { id: string; name: string; description: string }[];
  /**
   * A scenario from a template for a tenant, activated when asked, unless a scenario of that name is
   * already there (not archived): then that one, `created: false`. `restrictTo` is added to the
   * trigger's filter (the events of one installation).
   */
  ensure(tenantId: string, request: { templateId: string; name: string; parameters: Record<string, unknown>; restrictTo?: Predicate; activate: boolean }): Promise<{ scenario: Scenario; created: boolean }>;
}

export function scenarioLibrary(deps: ScenarioServiceDeps & { checks: ScenarioChecks; templates: ScenarioTemplates }): ScenarioLibrary {
  return {
    fitting: (emits) => deps.templates.fitting(emits).map(({ id, name, description }) => ({ id, name, description })),
    async ensure(tenantId, request) {
      const existing = await liveScenarioNamed(deps.db, tenantId, request.name);
      if (existing) return { scenario: existing, created: false };
      const template = deps.templates.get(request.templateId);
      if (!template) throw new Error(`no scenario template "${request.templateId}"`);
      const built = buildFromTemplate(template, request.parameters);
      const trigger = built.definition.trigger;
      const filter = request.restrictTo && (trigger.filter ? { kind: 'all' as const, of: [trigger.filter, request.restrictTo] } : request.restrictTo);
      const definition = filter ? { ...built.definition, trigger: { ...trigger, filter } } : built.definition;
      const checked = await deps.checks.create(tenantId, { name: request.name, description: built.description, definition, activate: request.activate });
      return { scenario: await saveNewScenario(deps, tenantId, checked), created: true };
    },
  };
}
