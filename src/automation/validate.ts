/**
 * Scenario validation: the schema (scenario.ts) for each piece, then the rules about the whole:
 * unique step ids, branch targets that exist, every step reachable from the first, loops only
 * through a `goto` (which the schema already requires to have a limit), message-status conditions
 * that point at a send step, publishable event data, registered connector actions, template
 * variables that exist for the trigger (template-variables.ts). Every issue
 * names the step and the field, so the console can put it next to the right box.
 */
import type { z } from 'zod';
import { checkEventData } from '../bus/catalog/index.ts';
import { formatInputPath, inputTemplateIssues, underTemplate } from './action-input.ts';
import { predicatesIn, type Predicate } from './predicates.ts';
import { edgesOf, ScenarioDefinitionSchema, type Action, type ScenarioDefinition, type Step, type Trigger } from './scenario.ts';
import { actionInputShape, messageTemplateShape } from './template-variables.ts';
import { templateShapeIssues } from '../sending/template-shape.ts';
import { parseTemplate } from '../sending/template.ts';

export interface ScenarioIssue {
  /** Where in the definition: "steps[2].action.text", "trigger.event". */
  path: string;
  /** The id of the step the issue is about, when it is about one. */
  step?: string;
  message: string;
}

export type Validation = { ok: true; definition: ScenarioDefinition } | { ok: false; issues: ScenarioIssue[] };

/** What validation asks the hub: which connector actions are registered. */
export interface ValidationContext {
  connectorAction?(connector: string, action: string): boolean;
  connectorActionNames?(): string[];
  /** The input schema of a registered connector action. */
  connectorActionInput?(connector: string, action: string): z.ZodType | undefined;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? String(segment) : `${out}.${String(segment)}`), '');
}

function rawStepId(input: unknown, index: number): string | undefined {
  const steps = (input as { steps?: unknown } | null)?.steps;
  const id = Array.isArray(steps) ? (steps[index] as { id?: unknown } | null)?.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function issueFor(path: string, message: string, step?: { id: string; index: number }): ScenarioIssue {
  if (!step) return { path, message: `${path || 'definition'}: ${message}` };
  const field = path.replace(/^steps\[\d+\]\.?/, '');
  return { path, step: step.id, message: `step "${step.id}" (steps[${step.index}])${field ? `, ${field}` : ''}: ${message}` };
}

function schemaIssues(input: unknown, error: z.ZodError): ScenarioIssue[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    const index = issue.path[0] === 'steps' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    const id = index === undefined ? undefined : rawStepId(input, index);
    return issueFor(path, issue.message, index === undefined ? undefined : { id: id ?? `#${index}`, index });
  });
}

/** Cycles of the graph without goto jumps: each is a loop no limit bounds. */
function unboundedLoops(steps: readonly Step[]): string[][] {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const next = (step: Step) => edgesOf(step).filter((edge) => !(step.type === 'goto' && edge.field === 'target') && byId.has(edge.target)).map((edge) => edge.target);
  const state = new Map<string, 'open' | 'done'>();
  const loops: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string, trail: string[]) => {
    state.set(id, 'open');
    for (const target of next(byId.get(id)!)) {
      if (state.get(target) === 'open') {
        const loop = [...trail.slice(trail.indexOf(target)), target];
        const key = [...loop.slice(0, -1)].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          loops.push(loop);
        }
      } else if (!state.has(target)) visit(target, [...trail, target]);
    }
    state.set(id, 'done');
  };
  for (const step of steps) if (!state.has(step.id)) visit(step.id, [step.id]);
  return loops;
}

function predicateIssues(predicate: Predicate | undefined, path: string, steps: readonly Step[], at?: { id: string; index: number }): ScenarioIssue[] {
  if (!predicate) return [];
  const issues: ScenarioIssue[] = [];
  for (const inner of predicatesIn(predicate)) {
    if (inner.kind !== 'messageStatus') continue;
    const target = steps.find((step) => step.id === inner.step);
    if (!target) issues.push(issueFor(path, `messageStatus reads step "${inner.step}", which is not in this scenario`, at));
    else if (target.type !== 'action' || (target.action.kind !== 'sendSms' && target.action.kind !== 'sendEmail')) {
      issues.push(issueFor(path, `messageStatus reads step "${inner.step}", which sends no message (it is a ${target.type === 'action' ? `${target.action.kind} action` : `${target.type} step`})`, at));
    }
  }
  return issues;
}

/**
 * A connector action's input: its templates (syntax, variables), then its schema. A templated value's
 * type is only known once rendered, so the schema's complaints about it wait for the run (where the
 * rendered input is checked again); missing fields, unknown fields and wrong literal values are caught now.
 */
function connectorInputIssues(action: Extract<Action, { kind: 'connector' }>, trigger: Trigger, index: number, at: { id: string; index: number }, context: ValidationContext): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const root = `steps[${index}].action`;
  for (const issue of inputTemplateIssues({ ...(action.installation === undefined ? {} : { installation: action.installation }), input: action.input }, actionInputShape(trigger))) {
    issues.push(issueFor(formatInputPath(root, issue.path), issue.message, at));
  }
  const schema = context.connectorActionInput?.(action.connector, action.action);
  if (!schema) return issues;
  const parsed = schema.safeParse(action.input);
  if (parsed.success) return issues;
  for (const issue of parsed.error.issues) {
    if (underTemplate(action.input, issue.path)) continue;
    issues.push(issueFor(formatInputPath(`${root}.input`, issue.path), `${issue.message} (input of ${action.connector}.${action.action})`, at));
  }
  return issues;
}

/** A message's templates against what the run will have: the contact, the trigger event's fields, the message's. */
function messageTemplateIssues(action: Extract<Action, { kind: 'sendSms' | 'sendEmail' }>, trigger: Trigger, index: number, at: { id: string; index: number }): ScenarioIssue[] {
  const shape = messageTemplateShape(trigger, action);
  const fields = action.kind === 'sendSms' ? { text: action.text, 'survey.ref': action.survey?.ref } : {
          subject: action.subject,
          text: action.text,
          html: action.html,
          ...Object.fromEntries(Object.entries(action.calendarEntry ?? {}).map(([name, template]) => [`calendarEntry.${name}`, template])),
        };
  return Object.entries(fields).flatMap(([field, text]) =>
    text === undefined ? [] : templateShapeIssues(parseTemplate(text), field === 'survey.ref' ? actionInputShape(trigger) : shape).map((issue) => issueFor(`steps[${index}].action.${field}`, issue.message, at)),
  );
}

function graphIssues(definition: ScenarioDefinition, context: ValidationContext): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const steps = definition.steps;
  const indexOf = new Map<string, number>();
  steps.forEach((step, index) => {
    const first = indexOf.get(step.id);
    if (first !== undefined) issues.push(issueFor(`steps[${index}].id`, `the id "${step.id}" is already used by steps[${first}]; step ids are unique`, { id: step.id, index }));
    else indexOf.set(step.id, index);
  });
  const known = steps.map((step) => step.id).join(', ');
  steps.forEach((step, index) => {
    const at = { id: step.id, index };
    for (const edge of edgesOf(step)) {
      if (!indexOf.has(edge.target)) issues.push(issueFor(`steps[${index}].${edge.field}`, `goes to "${edge.target}", which is not a step of this scenario (steps: ${known})`, at));
    }
    if (step.type === 'goto' && step.target === step.id) issues.push(issueFor(`steps[${index}].target`, 'a goto cannot jump to itself; target an earlier step', at));
    if (step.type === 'condition') issues.push(...predicateIssues(step.if, `steps[${index}].if`, steps, at));
    if (step.type === 'waitFor' && step.match.by === 'contact') issues.push(...predicateIssues(step.match.where, `steps[${index}].match.where`, steps, at));
    if (step.type === 'action' && step.action.kind === 'publishEvent') {
      const checked = checkEventData(step.action.event, step.action.data);
      if (!checked.ok) {
        for (const problem of checked.issues) issues.push(issueFor(`steps[${index}].action.${problem.path}`, `${checked.problem}: ${problem.message}`, at));
      }
    }
    if (step.type === 'action' && (step.action.kind === 'sendSms' || step.action.kind === 'sendEmail')) issues.push(...messageTemplateIssues(step.action, definition.trigger, index, at));
    if (step.type === 'action' && step.action.kind === 'connector') issues.push(...connectorInputIssues(step.action, definition.trigger, index, at, context));
    if (step.type === 'action' && step.action.kind === 'connector' && context.connectorAction && !context.connectorAction(step.action.connector, step.action.action)) {
      const names = context.connectorActionNames?.() ?? [];
      issues.push(
        issueFor(
          `steps[${index}].action.action`,
          `no connector action "${step.action.connector}.${step.action.action}" is available (${names.length > 0 ? `available: ${names.join(', ')}` : 'no connector provides actions yet'})`,
          at,
        ),
      );
    }
  });
  issues.push(...predicateIssues(definition.trigger.filter, 'trigger.filter', steps));
  // Reachability from the first step.
  const reached = new Set<string>();
  const pending = [steps[0]!.id];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (reached.has(id) || !indexOf.has(id)) continue;
    reached.add(id);
    for (const edge of edgesOf(steps[indexOf.get(id)!]!)) pending.push(edge.target);
  }
  steps.forEach((step, index) => {
    if (!reached.has(step.id) && indexOf.get(step.id) === index) {
      issues.push(issueFor(`steps[${index}]`, `unreachable: no step leads to it (runs start at the first step, "${steps[0]!.id}")`, { id: step.id, index }));
    }
  });
  for (const loop of unboundedLoops(steps)) {
    const index = indexOf.get(loop[0]!)!;
    issues.push(
      issueFor(
        `steps[${index}]`,
        `the steps ${loop.map((id) => `"${id}"`).join(' → ')} form a loop that does not go through a goto: loops must use a goto step with maxRotations`,
        { id: loop[0]!, index },
      ),
    );
  }
  return issues;
}

/** Parses and checks a scenario definition; the issues list every problem found, not only the first. */
export function validateScenario(input: unknown, context: ValidationContext = {}): Validation {
  const parsed = ScenarioDefinitionSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: schemaIssues(input, parsed.error) };
  const issues = graphIssues(parsed.data, context);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, definition: parsed.data };
}
