/**
 * Predicates: the trigger filter, `condition` steps and exit/waitFor filters all use them. A
 * predicate reads the run's context (the contact, the trigger event, the last event a `waitFor`
 * matched) and facts the hub looks up (list membership, consent, the status of a message a step
 * sent, segment membership). The evaluation is pure given those facts, so the engine and the
 * simulator share it.
 */
import { z } from 'zod';
import { CONTACT_VARIABLES } from '../sending/template-context.ts';
import { DurationSchema, durationMs } from './duration.ts';

/** Where a field path starts: the contact, the event that started the run, the event the last waitFor matched. */
export const FIELD_ROOTS = ['contact', 'event', 'lastEvent'] as const;
const EVENT_FIELDS = ['id', 'type', 'source', 'occurredAt', 'data'];

export const FieldPathSchema = z
  .string()
  .max(200)
  .superRefine((path, ctx) => {
    const problem = fieldPathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A dotted path: contact.firstName, contact.attributes.vip, event.data.total.amount, lastEvent.data.orderId.');

export function fieldPathProblem(path: string): string | undefined {
  const parts = path.split('.');
  if (parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return `"${path}" is not a dotted path such as "contact.attributes.vip" or "event.data.cartId"`;
  const [root, field] = parts;
  if (!(FIELD_ROOTS as readonly string[]).includes(root!)) return `"${path}" must start with ${FIELD_ROOTS.join(', ')}`;
  if (field === undefined) return `"${path}" names no field: e.g. "${root}.${root === 'contact' ? 'firstName' : 'data.orderId'}"`;
  if (root === 'contact' && !(CONTACT_VARIABLES as readonly string[]).includes(field)) return `"${field}" is not a contact field; known: ${CONTACT_VARIABLES.join(', ')}`;
  if (root !== 'contact' && !EVENT_FIELDS.includes(field)) return `"${field}" is not an event field; known: ${EVENT_FIELDS.join(', ')}`;
  return undefined;
}

export const FieldOperator = z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'contains', 'startsWith', 'exists', 'notExists', 'withinLast', 'olderThan']);
export type FieldOperator = z.infer<typeof FieldOperator>;

const NO_VALUE: ReadonlySet<FieldOperator> = new Set(['exists', 'notExists']);
const LIST_VALUE: ReadonlySet<FieldOperator> = new Set(['in', 'notIn']);
const DURATION_VALUE: ReadonlySet<FieldOperator> = new Set(['withinLast', 'olderThan']);

export const MessageStatusValue = z.enum(['none', 'accepted', 'scheduled', 'submitted', 'delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked']);
export type MessageStatusValue = z.infer<typeof MessageStatusValue>;

export type Predicate =
  | { kind: 'field'; field: string; op: FieldOperator; value?: z.core.util.JSONType | undefined }
  | { kind: 'inList'; listId: string }
  | { kind: 'consent'; channel: 'sms' | 'email'; status: 'granted' | 'withdrawn' | 'unknown' }
  | { kind: 'messageStatus'; step: string; status: MessageStatusValue[] }
  | { kind: 'inSegment'; segmentId: string }
  | { kind: 'all'; of: Predicate[] }
  | { kind: 'any'; of: Predicate[] }
  | { kind: 'not'; predicate: Predicate };

const FieldPredicateSchema = z
  .object({
    kind: z.literal('field'),
    field: FieldPathSchema,
    op: FieldOperator,
    value: z.json().optional(),
  })
  .strict()
  .superRefine((predicate, ctx) => {
    if (NO_VALUE.has(predicate.op)) {
      if (predicate.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${predicate.op}" takes no value` });
    } else if (predicate.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${predicate.op}" needs a value to compare with` });
    } else if (LIST_VALUE.has(predicate.op) && !Array.isArray(predicate.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${predicate.op}" needs a list of values, e.g. ["gold", "silver"]` });
    } else if (DURATION_VALUE.has(predicate.op) && !DurationSchema.safeParse(predicate.value).success) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${predicate.op}" needs a duration such as "30d"` });
    }
  });

export const PredicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    FieldPredicateSchema,
    z.object({ kind: z.literal('inList'), listId: z.string().min(1).max(64) }).strict(),
    z.object({ kind: z.literal('consent'), channel: z.enum(['sms', 'email']), status: z.enum(['granted', 'withdrawn', 'unknown']) }).strict(),
    z
      .object({ kind: z.literal('messageStatus'), step: z.string().min(1).max(64).describe('The id of a send step of this scenario.'), status: z.array(MessageStatusValue).min(1) })
      .strict(),
    z.object({ kind: z.literal('inSegment'), segmentId: z.string().min(1).max(64) }).strict(),
    z.object({ kind: z.literal('all'), of: z.array(PredicateSchema).min(1).max(50) }).strict(),
    z.object({ kind: z.literal('any'), of: z.array(PredicateSchema).min(1).max(50) }).strict(),
    z.object({ kind: z.literal('not'), predicate: PredicateSchema }).strict(),
  ]),
);

/** Every predicate inside one (itself included), for validation. */
export function* predicatesIn(predicate: Predicate): Generator<Predicate> {
  yield predicate;
  if (predicate.kind === 'all' || predicate.kind === 'any') for (const inner of predicate.of) yield* predicatesIn(inner);
  if (predicate.kind === 'not') yield* predicatesIn(predicate.predicate);
}

/** What a predicate reads besides the context; the engine answers from the store, the simulator from its inputs. */
export interface Facts {
  inList(listId: string): Promise<boolean>;
  consent(channel: 'sms' | 'email'): Promise<'granted' | 'withdrawn' | 'unknown'>;
  /** The status of the message the step sent in this run (its latest execution); 'none' when it sent none. */
  messageStatus(stepId: string): Promise<MessageStatusValue>;
  inSegment(segmentId: string): Promise<boolean>;
}

/** The values field paths read: `{ contact, event, lastEvent }` as plain JSON. */
export type PredicateContext = Record<(typeof FIELD_ROOTS)[number], unknown>;

export function readPath(context: unknown, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const isEmpty = (value: unknown) => value === undefined || value === null || value === '';

function compare(left: unknown, right: unknown): number | undefined {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'string' && typeof right === 'string') {
    // Dates (ISO strings) and numbers sent as strings compare by value, other strings by code points.
    const [a, b] = [Number(left), Number(right)];
    if (left.trim() !== '' && right.trim() !== '' && Number.isFinite(a) && Number.isFinite(b)) return a - b;
    const [da, db] = [Date.parse(left), Date.parse(right)];
    if (/^\d{4}-\d{2}-\d{2}/.test(left) && /^\d{4}-\d{2}-\d{2}/.test(right) && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
    return left < right ? -1 : left > right ? 1 : 0;
  }
  if (typeof left === 'number' && typeof right === 'string' && right.trim() !== '' && Number.isFinite(Number(right))) return left - Number(right);
  if (typeof left === 'string' && typeof right === 'number' && left.trim() !== '' && Number.isFinite(Number(left))) return Number(left) - right;
  return undefined;
}

const sameValue = (left: unknown, right: unknown) => compare(left, right) === 0 || JSON.stringify(left) === JSON.stringify(right);

function instantOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function evaluateField(predicate: Extract<Predicate, { kind: 'field' }>, context: PredicateContext, now: Date): boolean {
  const value = readPath(context, predicate.field);
  const expected = predicate.value;
  switch (predicate.op) {
    case 'exists':
      return !isEmpty(value);
    case 'notExists':
      return isEmpty(value);
    case 'eq':
      return sameValue(value, expected);
    case 'ne':
      return !sameValue(value, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compare(value, expected);
      if (order === undefined) return false;
      return predicate.op === 'gt' ? order > 0 : predicate.op === 'gte' ? order >= 0 : predicate.op === 'lt' ? order < 0 : order <= 0;
    }
    case 'in':
      return Array.isArray(expected) && expected.some((candidate) => sameValue(value, candidate));
    case 'notIn':
      return Array.isArray(expected) && !expected.some((candidate) => sameValue(value, candidate));
    case 'contains':
      if (Array.isArray(value)) return value.some((item) => sameValue(item, expected));
      return typeof value === 'string' && typeof expected === 'string' && value.toLocaleLowerCase('fr').includes(expected.toLocaleLowerCase('fr'));
    case 'startsWith':
      return typeof value === 'string' && typeof expected === 'string' && value.toLocaleLowerCase('fr').startsWith(expected.toLocaleLowerCase('fr'));
    case 'withinLast':
    case 'olderThan': {
      const at = instantOf(value);
      if (at === undefined) return false;
      const age = now.getTime() - at;
      return predicate.op === 'withinLast' ? age >= 0 && age <= durationMs(String(expected)) : age > durationMs(String(expected));
    }
  }
}

export async function evaluate(predicate: Predicate, context: PredicateContext, facts: Facts, now: Date): Promise<boolean> {
  switch (predicate.kind) {
    case 'field':
      return evaluateField(predicate, context, now);
    case 'inList':
      return facts.inList(predicate.listId);
    case 'consent':
      return (await facts.consent(predicate.channel)) === predicate.status;
    case 'messageStatus':
      return predicate.status.includes(await facts.messageStatus(predicate.step));
    case 'inSegment':
      return facts.inSegment(predicate.segmentId);
    case 'all':
      for (const inner of predicate.of) if (!(await evaluate(inner, context, facts, now))) return false;
      return true;
    case 'any':
      for (const inner of predicate.of) if (await evaluate(inner, context, facts, now)) return true;
      return false;
    case 'not':
      return !(await evaluate(predicate.predicate, context, facts, now));
  }
}
