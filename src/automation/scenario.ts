/**
 * The scenario model: versioned data, validated with zod, the same JSON in the API, the store and
 * the docs. Steps are a discriminated union on `type` (actions on `kind`), so the interpreter is a
 * `switch` the compiler checks for exhaustiveness. Graph rules (targets exist, every step is
 * reachable, loops go through a bounded `goto`) are in validate.ts; this file checks each piece.
 *
 * The first step is where a run starts. A step without `next` (or a branch left out) ends the run
 * there, as an `exit` step does.
 */
import { z } from 'zod';
import { CUSTOM_EVENT_TYPE, findEventType } from '../bus/catalog/index.ts';
import { SmsSenderSchema, EmailSenderSchema } from '../sending/settings.ts';
import { CalendarEntryInputSchema } from '../sending/requests.ts';
import { normalizePhone } from '../contacts/phone.ts';
import { MessageCategory } from '../sending/message.ts';
import { QuietHoursPolicy } from '../sending/compliance/index.ts';
import { parseTemplate, TemplateError } from '../sending/template.ts';
import { DurationSchema, OffsetSchema } from './duration.ts';
import { FieldPathSchema, PredicateSchema } from './predicates.ts';

export const StepIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'missing: every step needs an id such as "sms-relance"' : 'a step id is text') })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { error: 'a step id is 1 to 64 letters, digits, "-" or "_", starting with a letter or digit, e.g. "sms-relance"' });

/** A catalog event type or `custom.<name>`; the same rule as POST /v1/events. */
export const EventTypeNameSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'missing: name an event type, e.g. "order.created"' : 'an event type is text') })
  .max(100)
  .refine((type) => findEventType(type) !== undefined || CUSTOM_EVENT_TYPE.test(type), {
    error: (issue) => `unknown event type "${String(issue.input)}": use a catalog type (GET /v1/event-types) or "custom.<name>"`,
  });

const LocalTimeSchema = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, { error: 'a local time "HH:mm", e.g. "10:00"' });

const ROOTS = ['contact', 'event', 'message'];

function templateSchema(what: string, example: string, max: number, roots = ROOTS) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `missing: ${what} needs its template, e.g. "${example}"` : `${what} is text`) })
    .max(max)
    .superRefine((text, ctx) => {
      if (text.trim() === '') {
        ctx.addIssue({ code: 'custom', message: `${what} is empty: give its template, e.g. "${example}"` });
        return;
      }
      try {
        const parsed = parseTemplate(text);
        for (const variable of parsed.variables) {
          const root = variable.split('.')[0]!;
          if (!roots.includes(root)) {
            const survey = roots.includes('survey') ? ', message.… and, in a survey question on the page, survey.url' : ' and message.…';
            ctx.addIssue({ code: 'custom', message: `unknown variable "${variable}": templates read contact.…, event.… (the event that started the run)${survey}` });
          }
        }
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        for (const issue of error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
      }
    });
}

// ---- trigger and entry ----------------------------------------------------------------------

export const EventTriggerSchema = z
  .object({
    kind: z.literal('event'),
    event: EventTypeNameSchema,
    also: z
      .array(EventTypeNameSchema)
      .min(1)
      .max(5)
      .optional()
      .describe('Other event types that start a run the same way, e.g. "appointment.rescheduled" beside "appointment.scheduled" (with an exit on it, a moved appointment ends the old run and starts a new one). Templates may read only what every one of these types carries.'),
    filter: PredicateSchema.optional().describe('Only events (and contacts) matching this start a run.'),
    runFor: z
      .object({
        phone: z
          .string()
          .trim()
          .max(64)
          .refine((phone) => normalizePhone(phone).ok, { error: 'a phone number in international form, e.g. +33612345678' }),
      })
      .strict()
      .optional()
      .describe(
        'Run for this person instead of the event\'s subject: a member of the team (the merchant\'s mobile), found or created as a contact. ' +
          'For alerts on events that name no customer (low stock) or that must not be filed on the customer (a new order).',
      ),
  })
  .strict()
  .refine((trigger) => !trigger.also?.includes(trigger.event) && new Set(trigger.also).size === (trigger.also?.length ?? 0), { path: ['also'], error: 'list each other event type once, and not the trigger\'s own event' });

export const DateTriggerSchema = z
  .object({
    kind: z.literal('date'),
    field: FieldPathSchema.refine((path) => path.startsWith('contact.attributes.'), { error: 'a date trigger reads a contact attribute, e.g. "contact.attributes.birthday" ("1990-07-14")' }),
    at: LocalTimeSchema.default('10:00').describe('Local time of day in the contact\'s time zone.'),
    offsetDays: z.number().int().min(-366).max(366).default(0).describe('-1: the day before the date, 7: a week after.'),
    filter: PredicateSchema.optional(),
  })
  .strict()
  .describe('Every year on the day of a contact date (birthday, anniversary of the first order), at a local time.');

export const SegmentTriggerSchema = z
  .object({
    kind: z.literal('segment'),
    segmentId: z.string().min(1).max(64),
    filter: PredicateSchema.optional(),
  })
  .strict()
  .describe('When a contact enters a segment (its segment.entered event).');

export const TriggerSchema = z.discriminatedUnion('kind', [EventTriggerSchema, DateTriggerSchema, SegmentTriggerSchema], {
  error: 'trigger.kind is "event", "date" or "segment"',
});
export type Trigger = z.infer<typeof TriggerSchema>;

export const EntrySchema = z
  .object({
    per: z.enum(['contact', 'contactAndKey']).default('contact').describe('One run at a time per contact, or per contact and key (an order id, a cart id).'),
    key: FieldPathSchema.optional().describe('With per "contactAndKey": the key, e.g. "event.data.cartId".'),
    reentry: z.boolean().default(true).describe('Whether a contact (and key) may start again once a run ended.'),
    minDelay: DurationSchema.optional().describe('With reentry: at least this long between two starts.'),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.per === 'contactAndKey' && entry.key === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'per "contactAndKey" needs the key, e.g. "event.data.orderId"' });
    if (entry.per === 'contact' && entry.key !== undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'a key only applies with per "contactAndKey"' });
    if (!entry.reentry && entry.minDelay !== undefined) ctx.addIssue({ code: 'custom', path: ['minDelay'], message: 'minDelay only applies when reentry is true' });
  });
export type Entry = z.infer<typeof EntrySchema>;

/** How an arriving event is tied to a run: the same contact (default), or the same key. */
export const MatchSchema = z.discriminatedUnion('by', [
  z
    .object({
      by: z.literal('contact'),
      where: PredicateSchema.optional().describe('Also required of the event; in it, lastEvent is the arriving event.'),
    })
    .strict(),
  z
    .object({
      by: z.literal('key'),
      field: z.string().regex(/^(?:data|subject)(?:\.[A-Za-z0-9_-]+)+$/, { error: 'the arriving event\'s field, e.g. "data.orderId"' }),
      equals: FieldPathSchema.describe('The run\'s value it must equal, e.g. "event.data.orderId".'),
    })
    .strict(),
]);
export type Match = z.infer<typeof MatchSchema>;

export const ExitEventSchema = z
  .object({ event: EventTypeNameSchema, match: MatchSchema.default({ by: 'contact' }) })
  .strict();

// ---- steps -----------------------------------------------------------------------------------

const NextSchema = StepIdSchema.optional();

export const WaitSpecSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('duration'), duration: DurationSchema }).strict(),
    z
      .object({
        kind: z.literal('untilDate'),
        field: FieldPathSchema.describe('A date: "contact.attributes.appointmentAt", "event.data.startsAt".'),
        offset: OffsetSchema.default('0s').describe('"-1d": the day before; "+2h": two hours after.'),
        at: LocalTimeSchema.optional().describe('Move to this local time of day (contact\'s time zone) on the resulting day.'),
        ifPast: z.enum(['continue', 'exit']).default('continue').describe('When the moment is past or the field empty: go on at once, or end the run.'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('window'),
        policy: QuietHoursPolicy.optional().describe('Days and hours to wait for; default: the tenant\'s quiet-hours settings.'),
      })
      .strict(),
  ],
  { error: 'wait.kind is "duration", "untilDate" or "window"' },
);
export type WaitSpec = z.infer<typeof WaitSpecSchema>;

/** A satisfaction question an SMS asks: answered on the hub's one-question page (a signed link) or by an SMS reply "1" to "5". */
export const SurveyInvitationSchema = z
  .object({
    via: z.enum(['page', 'sms']).describe('"page": the text carries {{ survey.url }}, a signed link to the hub\'s page; "sms": the contact replies a digit from 1 to 5.'),
    ref: templateSchema('a survey ref', '{{ event.data.orderId }}', 200).optional().describe('What the question is about, a template: "{{ event.data.orderId }}". survey.answered carries it as data.ref.'),
    validFor: DurationSchema.default('7d').describe('How long an answer is taken: the link expires, a later reply is no answer.'),
  })
  .strict();
export type SurveyInvitation = z.infer<typeof SurveyInvitationSchema>;

export const ActionSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .object({
        kind: z.literal('sendSms'),
        category: MessageCategory,
        text: templateSchema('an SMS action', 'Bonjour {{ contact.firstName | default: "" }}, …', 5_000, [...ROOTS, 'survey']),
        from: SmsSenderSchema.optional(),
        to: z
          .string()
          .trim()
          .max(64)
          .refine((phone) => normalizePhone(phone).ok, { error: 'a phone number in international form, e.g. +33612345678' })
          .optional()
          .describe('Send to this number instead of the run\'s contact (an alert to the merchant); the template still reads the contact, the message is not filed on it. Transactional only.'),
        survey: SurveyInvitationSchema.optional().describe('This SMS asks a satisfaction question (src/automation/surveys): the answer, on the hub\'s page or by SMS reply, is published as survey.answered.'),
      })
      .strict()
      .refine((action) => action.to === undefined || action.category === 'transactional', {
        path: ['category'],
        error: 'an SMS to a fixed number (to) is an alert, not an offer: its category is "transactional"',
      })
      .refine((action) => action.to === undefined || action.survey === undefined, { path: ['survey'], error: 'a survey asks the run\'s contact: no "to" with it' })
      .refine((action) => action.survey?.via !== 'page' || /\{\{\s*survey\.url\s*\}\}/.test(action.text), {
        path: ['text'],
        error: 'a survey answered on the hub\'s page needs its link in the text: {{ survey.url }}',
      }),
    z
      .object({
        kind: z.literal('sendEmail'),
        category: MessageCategory,
        to: z.email().max(254).optional().describe('An alert to a fixed address (the owner\'s), instead of the run\'s contact: transactional only.'),
        subject: templateSchema('an email subject', 'Votre panier vous attend', 998),
        text: templateSchema('an email action', 'Bonjour {{ contact.firstName | default: "" }}, …', 200_000),
        html: templateSchema('the email HTML', '<p>Bonjour</p>', 1_000_000).optional(),
        from: EmailSenderSchema.optional(),
        calendarEntry: CalendarEntryInputSchema.optional(),
      })
      .strict()
      .refine((action) => action.to === undefined || action.category === 'transactional', {
        path: ['category'],
        error: 'an email to a fixed address (to) is an alert, not an offer: its category is "transactional"',
      }),
    z
      .object({
        kind: z.literal('updateContact'),
        firstName: z.string().trim().min(1).max(100).nullable().optional(),
        lastName: z.string().trim().min(1).max(100).nullable().optional(),
        attributes: z.record(z.string().min(1).max(64), z.json()).optional().describe('Merged into the contact\'s attributes; null removes one.'),
      })
      .strict()
      .refine((action) => action.firstName !== undefined || action.lastName !== undefined || action.attributes !== undefined, { error: 'give at least one of firstName, lastName, attributes' }),
    z.object({ kind: z.literal('addToList'), listId: z.string().min(1).max(64) }).strict(),
    z.object({ kind: z.literal('removeFromList'), listId: z.string().min(1).max(64) }).strict(),
    z
      .object({
        kind: z.literal('changeScore'),
        by: z.number().refine((value) => value !== 0 && Number.isFinite(value), { error: 'a non-zero number, e.g. 10 or -5' }),
        attribute: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('score'),
      })
      .strict(),
    z.object({ kind: z.literal('publishEvent'), event: EventTypeNameSchema, data: z.record(z.string(), z.json()).default({}) }).strict(),
    z
      .object({
        kind: z.literal('connector'),
        connector: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, { error: 'a connector name such as "woocommerce"' }),
        action: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, { error: 'an action name such as "add-order-note"' }),
        installation: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('Which installation of the connector (its id, or a template such as "{{ event.data.shop.installationId }}"); needed only when the tenant has several and the run\'s event did not come from one of them.'),
        input: z.record(z.string(), z.json()).default({}).describe('The action\'s input (GET /v1/connectors/{id} gives its JSON Schema); string values may be templates reading contact.… and event.….'),
      })
      .strict(),
  ],
  { error: 'action.kind is one of sendSms, sendEmail, updateContact, addToList, removeFromList, changeScore, publishEvent, connector' },
);
export type Action = z.infer<typeof ActionSchema>;

export const WaitStepSchema = z.object({ type: z.literal('wait'), id: StepIdSchema, wait: WaitSpecSchema, next: NextSchema }).strict();

export const WaitForStepSchema = z
  .object({
    type: z.literal('waitFor'),
    id: StepIdSchema,
    event: EventTypeNameSchema,
    match: MatchSchema.default({ by: 'contact' }),
    timeout: z
      .string({ error: (issue) => (issue.input === undefined ? 'missing: a waitFor needs a timeout, e.g. "7d", after which the run takes the timedOut branch' : 'a duration such as "7d"') })
      .pipe(DurationSchema)
      .describe('How long to wait for the event before taking the timedOut branch.'),
    until: z
      .object({
        field: FieldPathSchema.describe('A date of the run, e.g. "event.data.start.at".'),
        offset: OffsetSchema.default('0s').describe('"-2h": two hours before it.'),
      })
      .strict()
      .optional()
      .describe('Stop waiting at this moment if it comes before the timeout (an answer is no use after the appointment\'s last reminder); an empty or unreadable date leaves the timeout alone.'),
    happened: NextSchema,
    timedOut: NextSchema,
  })
  .strict();

export const ConditionStepSchema = z
  .object({ type: z.literal('condition'), id: StepIdSchema, if: PredicateSchema, yes: NextSchema, no: NextSchema })
  .strict();

export const ActionStepSchema = z.object({ type: z.literal('action'), id: StepIdSchema, action: ActionSchema, next: NextSchema }).strict();

export const GotoStepSchema = z
  .object({
    type: z.literal('goto'),
    id: StepIdSchema,
    target: StepIdSchema.describe('An earlier step to loop back to.'),
    maxRotations: z
      .number({ error: (issue) => (issue.input === undefined ? 'missing: a goto needs a limit, maxRotations (1 to 100), so a loop cannot run forever' : 'a whole number from 1 to 100') })
      .int()
      .min(1, { error: 'maxRotations is at least 1' })
      .max(100, { error: 'maxRotations is at most 100' })
      .describe('How many times this goto loops back; after that the run goes to `then`.'),
    then: NextSchema.describe('Where to go once the loop is done (absent: the run ends).'),
  })
  .strict();

export const ExitStepSchema = z.object({ type: z.literal('exit'), id: StepIdSchema }).strict();

export const StepSchema = z.discriminatedUnion('type', [WaitStepSchema, WaitForStepSchema, ConditionStepSchema, ActionStepSchema, GotoStepSchema, ExitStepSchema], {
  error: 'step.type is one of wait, waitFor, condition, action, goto, exit',
});
export type Step = z.infer<typeof StepSchema>;
export type StepType = Step['type'];

export const ScenarioDefinitionSchema = z
  .object({
    trigger: TriggerSchema,
    entry: EntrySchema.prefault({}),
    exitEvents: z.array(ExitEventSchema).max(20).default([]).describe('Events that end a running run the moment they arrive (coupon used, order placed…).'),
    steps: z.array(StepSchema).min(1, { error: 'a scenario needs at least one step' }).max(200),
  })
  .strict()
  .meta({ id: 'ScenarioDefinition' });
export type ScenarioDefinition = z.infer<typeof ScenarioDefinitionSchema>;
export type ScenarioDefinitionInput = z.input<typeof ScenarioDefinitionSchema>;

/** The steps a step can go to next, with the field naming each edge. */
export function edgesOf(step: Step): { field: string; target: string }[] {
  const edges: { field: string; target: string | undefined }[] = (() => {
    switch (step.type) {
      case 'wait':
      case 'action':
        return [{ field: 'next', target: step.next }];
      case 'waitFor':
        return [
          { field: 'happened', target: step.happened },
          { field: 'timedOut', target: step.timedOut },
        ];
      case 'condition':
        return [
          { field: 'yes', target: step.yes },
          { field: 'no', target: step.no },
        ];
      case 'goto':
        return [
          { field: 'target', target: step.target },
          { field: 'then', target: step.then },
        ];
      case 'exit':
        return [];
    }
  })();
  return edges.filter((edge): edge is { field: string; target: string } => edge.target !== undefined);
}

export function stepById(definition: ScenarioDefinition, id: string): Step | undefined {
  return definition.steps.find((step) => step.id === id);
}

/** The event types that start a run of an event trigger: its event, then `also`. */
export function triggerEventTypes(trigger: Extract<Trigger, { kind: 'event' }>): string[] {
  return [trigger.event, ...(trigger.also ?? [])];
}

/** Every event type the definition reacts to: trigger, exits, waitFors (the bus asks for these). */
export function eventTypesOf(definition: ScenarioDefinition): string[] {
  const types = new Set<string>();
  if (definition.trigger.kind === 'event') for (const type of triggerEventTypes(definition.trigger)) types.add(type);
  if (definition.trigger.kind === 'segment') types.add('segment.entered');
  for (const exit of definition.exitEvents) types.add(exit.event);
  for (const step of definition.steps) if (step.type === 'waitFor') types.add(step.event);
  return [...types];
}
